"""The commit a pull request is compared against: the merge-base of base and head.

GitHub's own PR diff is a three-dot diff, so "what this PR changes" is measured from
`git merge-base BASE HEAD`. On a shallow clone (the `actions/checkout` default) the base
commit is simply not there; say so, and say how to fix it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from promptops.errors import UserError

FETCH_DEPTH_HINT = (
    "actions/checkout fetches a single commit by default; set `fetch-depth: 0` on the "
    "checkout step (or fetch the base commit) so promptops can compare against it"
)
GIT_TIMEOUT_SECONDS = 60


def merge_base(repo_dir: Path | str, base: str, head: str = "HEAD") -> str:
    """The full sha of the merge-base of BASE and HEAD, or a UserError that explains why not."""
    _git(repo_dir, "rev-parse", "--git-dir", error="not a git repository")
    for label, ref in (("base", base), ("head", head)):
        if _git_ok(repo_dir, "cat-file", "-e", f"{ref}^{{commit}}") is False:
            raise UserError(f"the {label} commit {ref} is not in this clone: {FETCH_DEPTH_HINT}")
    result = _run(repo_dir, "merge-base", base, head)
    if result.returncode != 0 or not result.stdout.strip():
        raise UserError(
            f"no common ancestor of {base} and {head} in this clone "
            f"(the history is probably shallow): {FETCH_DEPTH_HINT}"
        )
    return result.stdout.strip().splitlines()[0]


def _run(repo_dir: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=repo_dir,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise UserError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise UserError(f"git {args[0]} timed out after {GIT_TIMEOUT_SECONDS}s") from None


def _git(repo_dir: Path | str, *args: str, error: str) -> str:
    result = _run(repo_dir, *args)
    if result.returncode != 0:
        raise UserError(error, path=str(repo_dir))
    return result.stdout.strip()


def _git_ok(repo_dir: Path | str, *args: str) -> bool:
    return _run(repo_dir, *args).returncode == 0


def commit_sha(repo_dir: Path | str, ref: str = "HEAD") -> str | None:
    """The full sha `ref` names, or None (no commits yet, not a repository)."""
    result = _run(repo_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None
