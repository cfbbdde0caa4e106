"""`promptops bundle`: every prompt version the releases reference, as one deployable JSON file.

For each release, the stable and canary versions of its prompt are looked up in git history
(the prompt's file followed across renames, `promptops.version_history`) and in the working
tree. A version must name exactly one content: when history holds it with two contents (an
unbumped commit merged without squashing), or when it never existed, the bundle is refused
(exit 1) with every such version and the commits that hold it — never a silent pick. Its
newest commit is used; a version that exists only in the uncommitted working tree is taken
from there and the bundle says ``dirty: true``. The prompt and its tools, read at that commit,
are rendered into the Messages API request with each template variable kept as a
``{{ name }}`` placeholder, and hashed. The format is documented in `promptops.runtime`,
which loads it; `runtime_from_repo` builds the bundle in memory and loads it in one step (here,
not in the runtime, which must not import git and the documents layer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptops.canary.documents import iter_documents
from promptops.canary.release import Release, parse_release
from promptops.errors import EXIT_FINDINGS, PromptopsError, UserError
from promptops.render import skeleton_request
from promptops.runtime import Runtime, content_hash

if TYPE_CHECKING:
    from promptops.git import GitRepo

SCHEMA_VERSION = 1
BUNDLE_KIND = "promptops.bundle"

Renderer = Callable[[dict[str, Any], dict[str, dict[str, Any]]], dict[str, Any]]


class BundleRefused(PromptopsError):
    """Release versions that do not name exactly one content: exit 1, every one listed."""

    exit_code = EXIT_FINDINGS

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __str__(self) -> str:
        listed = "".join(f"\n  {p}" for p in self.problems)
        return f"cannot bundle: {len(self.problems)} release version(s) unresolved:{listed}"


@dataclass(frozen=True)
class ResolvedVersion:
    prompt: dict[str, Any]
    tools: dict[str, dict[str, Any]]
    commit: str | None  # None: taken from the uncommitted working tree
    path: str


def build_bundle(
    repo: Path, release_ids: Iterable[str] = (), render: Renderer | None = None
) -> dict[str, Any]:
    """The bundle document for the releases under ``repo`` (all, or those named), each request
    rendered by ``render`` (default: promptops' renderer, templates kept as placeholders)."""
    repo = repo.resolve()
    wanted = set(release_ids)
    releases = [
        parse_release(data, str(path))
        for path, data in iter_documents(repo)
        if data.get("kind") == "release" and (not wanted or str(data.get("id")) in wanted)
    ]
    missing = wanted - {r.id for r in releases}
    if missing:
        raise UserError(f"no release with id {', '.join(sorted(missing))} under {repo}")
    if not releases:
        raise UserError(f"no kind: release documents under {repo}")
    head = _head_commit(repo)
    dirty = False
    prompts: dict[str, Any] = {}
    bundle_releases = []
    problems: list[str] = []
    for release in sorted(releases, key=lambda r: r.id):
        entry = prompts.setdefault(
            release.prompt, {"default_version": release.stable, "versions": {}}
        )
        for version in _versions(release):
            if version in entry["versions"]:
                continue
            try:
                resolved = resolve_version(repo, release.prompt, version)
            except BundleRefused as refused:
                where = f"{_shown(repo, release.path)}: " if release.path else ""
                problems += [f"{where}release {release.id!r}: {p}" for p in refused.problems]
                entry["versions"][version] = None
                continue
            dirty = dirty or resolved.commit is None
            # Expressions stay as templates and literal braces stay escaped, so the runtime
            # renders exactly what `promptops render` does.
            request = (render or skeleton_request)(resolved.prompt, resolved.tools)
            entry["versions"][version] = {
                "commit": resolved.commit,
                "path": resolved.path,
                "content_hash": content_hash(request),
                "request": request,
            }
        bundle_releases.append(
            {
                "id": release.id,
                "prompt": release.prompt,
                "salt": release.salt,
                "stable": release.stable,
                "canary": {
                    "version": release.canary_version,
                    "weight": release.weight,
                    "step": release.step,
                    "state": release.state,
                },
            }
        )
    if problems:
        raise BundleRefused(problems)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": BUNDLE_KIND,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"commit": head, "dirty": dirty},
        "prompts": prompts,
        "releases": bundle_releases,
    }


def runtime_from_repo(repo: str | Path = ".") -> Runtime:
    """A `Runtime` of the bundle built in memory from the git repository ``repo`` (what
    `promptops bundle` would write, without the file); needs promptops' full install."""
    return Runtime(build_bundle(Path(repo)))


def _head_commit(repo: Path) -> str:
    """HEAD's sha, the commit the bundle is built from; a clear error when there is none."""
    from promptops.git import commit_sha

    sha = commit_sha(repo, "HEAD")
    if sha is None:
        raise UserError("no commit at HEAD (not a git repository, or no commits yet)", str(repo))
    return sha


def _versions(release: Release) -> list[str]:
    versions = [release.stable]
    if release.canary_version and release.canary_version != release.stable:
        versions.append(release.canary_version)
    return versions


def resolve_version(repo: Path, prompt_id: str, version: str) -> ResolvedVersion:
    """The prompt ``prompt_id`` at ``version``: the newest commit that had it, else the working
    tree; BundleRefused when no commit and not the working tree had it, or when they had it
    with more than one content."""
    from promptops.config import Config
    from promptops.version_history import describe, ledger, open_repo

    current = _find_prompt_file(repo, prompt_id)
    if current is None:
        raise BundleRefused([f"no prompt {prompt_id!r} in the working tree under {repo}"])
    relative = current.relative_to(repo).as_posix()
    git_repo = open_repo(Config(root=repo))
    history = ledger(
        git_repo,
        "prompt",
        prompt_id,
        [relative],
        ["HEAD"] if git_repo is not None else [],
        working={relative: current.read_text(encoding="utf-8")},
    )
    contents = history.contents(version)
    if not contents:
        known = ", ".join(history.versions()) or "none"
        shallow = git_repo is not None and git_repo.is_shallow()
        hint = " (this clone is shallow: `git fetch --unshallow` to see older commits)"
        raise BundleRefused(
            [
                f"prompt {prompt_id!r} never had version {version} (versions in history and "
                f"the working tree: {known}){hint if shallow else ''}"
            ]
        )
    if len(contents) > 1:
        raise BundleRefused(
            [
                f"prompt {prompt_id!r} version {version} is ambiguous: {len(contents)} different "
                f"contents carry it, in {describe(contents)}; give each content its own version "
                "and name that one in the release"
            ]
        )
    (sightings,) = contents.values()
    committed = [s for s in sightings if s.commit is not None]
    if committed and git_repo is not None:
        newest = committed[0]
        return ResolvedVersion(
            newest.data,
            _tools_at(git_repo, str(newest.commit), newest.data),
            newest.commit,
            newest.path,
        )
    data = sightings[0].data
    return ResolvedVersion(data, _tools_in_tree(repo, data), None, relative)


def _shown(repo: Path, path: str) -> str:
    """A path as the user knows it: relative to the repo when inside it."""
    try:
        return Path(path).resolve().relative_to(repo).as_posix()
    except ValueError:
        return path


def _find_prompt_file(repo: Path, prompt_id: str) -> Path | None:
    for path, data in iter_documents(repo):
        if data.get("kind") == "prompt" and str(data.get("id")) == prompt_id:
            return path
    return None


def _tools_at(repo: GitRepo, commit: str, prompt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The prompt's tools as they were at `commit` (paths relative to the config root, so a
    repo in a subfolder of its git repository, like examples/, reads its own tools)."""
    from promptops.version_history import parse_yaml

    wanted = {str(t) for t in prompt.get("tools") or []}
    if not wanted:
        return {}
    texts = repo.read_batch(commit, repo.grep_fixed(commit, ["kind: tool"]))
    tools: dict[str, dict[str, Any]] = {}
    for text in texts.values():
        data = parse_yaml(text)
        if isinstance(data, dict) and data.get("kind") == "tool" and str(data.get("id")) in wanted:
            tools[str(data["id"])] = data
    _require_tools(wanted, tools, prompt)
    return tools


def _tools_in_tree(repo: Path, prompt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    wanted = {str(t) for t in prompt.get("tools") or []}
    tools = {
        str(data["id"]): data
        for _, data in iter_documents(repo)
        if data.get("kind") == "tool" and str(data.get("id")) in wanted
    }
    _require_tools(wanted, tools, prompt)
    return tools


def _require_tools(wanted: set[str], found: dict[str, Any], prompt: dict[str, Any]) -> None:
    missing = sorted(wanted - set(found))
    if missing:
        raise UserError(
            f"prompt {prompt.get('id')}@{prompt.get('version')} uses undefined tool(s): "
            + ", ".join(missing)
        )
