"""The commit a pull request is compared against: the merge-base of base and head.

GitHub's own PR diff is a three-dot diff, so "what this PR changes" is measured from
`git merge-base BASE HEAD`. On a shallow clone (the `actions/checkout` default) the base
commit is simply not there; say so, and say how to fix it. Git itself is run by the one git
layer, `promptops.git`.
"""

from __future__ import annotations

from pathlib import Path

from promptops.errors import UserError

FETCH_DEPTH_HINT = (
    "actions/checkout fetches a single commit by default; set `fetch-depth: 0` on the "
    "checkout step (or fetch the base commit) so promptops can compare against it"
)


def merge_base(repo_dir: Path | str, base: str, head: str = "HEAD") -> str:
    """The full sha of the merge-base of BASE and HEAD, or a UserError that explains why not."""
    from promptops.git import commit_sha, gitpython_repo, merge_base_of

    try:
        gitpython_repo(repo_dir)
    except UserError:
        raise UserError("not a git repository", path=str(repo_dir)) from None
    shas = []
    for label, ref in (("base", base), ("head", head)):
        sha = commit_sha(repo_dir, ref)
        if sha is None:
            raise UserError(f"the {label} commit {ref} is not in this clone: {FETCH_DEPTH_HINT}")
        shas.append(sha)
    found = merge_base_of(repo_dir, *shas)
    if not found:
        raise UserError(
            f"no common ancestor of {base} and {head} in this clone "
            f"(the history is probably shallow): {FETCH_DEPTH_HINT}"
        )
    return found


def commit_sha(repo_dir: Path | str, ref: str = "HEAD") -> str | None:
    """The full sha `ref` names, or None (no commits yet, not a repository)."""
    from promptops.git import commit_sha as sha_of

    return sha_of(repo_dir, ref)
