"""`promptops bundle`: every prompt version the releases reference, as one deployable JSON file.

For each release, the stable and canary versions of its prompt are looked up in git history:
the newest commit where the prompt file (followed across renames) had that `id` and `version`.
The prompt and its tools, read at that commit, are rendered into the Messages API request with
each template variable kept as a ``{{ name }}`` placeholder, and hashed. A version that exists
only in the uncommitted working tree is taken from there and the bundle says ``dirty: true``.
The format is documented in `promptops.runtime`, which loads it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from promptops.canary.documents import iter_documents
from promptops.canary.release import Release, parse_release, version_text
from promptops.errors import UserError

SCHEMA_VERSION = 1
BUNDLE_KIND = "promptops.bundle"
GIT_TIMEOUT_SECONDS = 60

Renderer = Callable[[dict[str, Any], dict[str, dict[str, Any]]], dict[str, Any]]


@dataclass(frozen=True)
class ResolvedVersion:
    prompt: dict[str, Any]
    tools: dict[str, dict[str, Any]]
    commit: str | None  # None: taken from the uncommitted working tree
    path: str


def build_bundle(
    repo: Path, release_ids: Iterable[str] = (), render: Renderer | None = None
) -> dict[str, Any]:
    """The bundle document for the releases under ``repo`` (all, or those named)."""
    from promptops.runtime import content_hash

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
    head = _git(repo, "rev-parse", "HEAD").strip()
    dirty = False
    prompts: dict[str, Any] = {}
    bundle_releases = []
    for release in sorted(releases, key=lambda r: r.id):
        entry = prompts.setdefault(
            release.prompt, {"default_version": release.stable, "versions": {}}
        )
        for version in _versions(release):
            if version in entry["versions"]:
                continue
            resolved = resolve_version(repo, release.prompt, version)
            dirty = dirty or resolved.commit is None
            render = render or skeleton_renderer()
            request = render(resolved.prompt, resolved.tools)
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
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": BUNDLE_KIND,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {"commit": head, "dirty": dirty},
        "prompts": prompts,
        "releases": bundle_releases,
    }


def _versions(release: Release) -> list[str]:
    versions = [release.stable]
    if release.canary_version and release.canary_version != release.stable:
        versions.append(release.canary_version)
    return versions


def resolve_version(repo: Path, prompt_id: str, version: str) -> ResolvedVersion:
    """The prompt ``prompt_id`` at ``version``: newest commit that had it, else working tree."""
    import yaml

    current = _find_prompt_file(repo, prompt_id)
    if current is not None:
        relative = current.relative_to(repo).as_posix()
        log = _git(repo, "log", "--format=%x00%H", "--name-only", "--follow", "--", relative)
        for chunk in log.split("\x00")[1:]:
            lines = [line for line in chunk.splitlines() if line.strip()]
            if len(lines) < 2:
                continue
            commit, path = lines[0], lines[-1]
            try:
                data = yaml.safe_load(_git(repo, "show", f"{commit}:{path}"))
            except (UserError, yaml.YAMLError):
                continue
            if _is_version(data, prompt_id, version):
                return ResolvedVersion(data, _tools_at(repo, commit, data), commit, path)
        data = yaml.safe_load(current.read_text(encoding="utf-8"))
        if _is_version(data, prompt_id, version):
            return ResolvedVersion(data, _tools_in_tree(repo, data), None, relative)
    raise UserError(f"no commit has prompt {prompt_id!r} at version {version}")


def _is_version(data: Any, prompt_id: str, version: str) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "prompt"
        and str(data.get("id")) == prompt_id
        and version_text(data.get("version")) == version
    )


def _find_prompt_file(repo: Path, prompt_id: str) -> Path | None:
    for path, data in iter_documents(repo):
        if data.get("kind") == "prompt" and str(data.get("id")) == prompt_id:
            return path
    return None


def _tools_at(repo: Path, commit: str, prompt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    import yaml

    wanted = {str(t) for t in prompt.get("tools") or []}
    if not wanted:
        return {}
    listing = _git(
        repo, "grep", "-l", "-e", "kind: tool", commit, "--", "*.yaml", "*.yml", ok_codes=(0, 1)
    )
    tools: dict[str, dict[str, Any]] = {}
    for line in listing.splitlines():
        try:
            data = yaml.safe_load(_git(repo, "show", line))
        except (UserError, yaml.YAMLError):
            continue
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


def skeleton_renderer() -> Renderer:
    """Render with promptops' renderer, every template kept as a ``{{ name }}`` placeholder."""
    try:
        from promptops.render import render_request, template_refs  # type: ignore[attr-defined]
    except ImportError as exc:  # the renderer ships with promptops; only a broken install lacks it
        raise UserError("promptops bundle needs promptops.render, which is missing") from exc

    def render(prompt: dict[str, Any], tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
        keep = {ref.expression: "{{ " + ref.expression + " }}" for ref in template_refs(prompt)}
        return render_request(prompt, tools, keep)

    return render


def _git(repo: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> str:
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise UserError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise UserError(f"git {args[0]} timed out", path=str(repo)) from exc
    if result.returncode not in ok_codes:
        raise UserError(f"git {args[0]} failed: {result.stderr.strip()}", path=str(repo))
    return result.stdout
