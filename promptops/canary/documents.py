"""Find the release, prompt and charter documents a canary command needs.

Documents come from the shared Workspace; a release named by file path is read directly
(its exact text is needed to rewrite it in place).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptops.canary.release import CharterLimits, Release, parse_charter_limits, parse_release
from promptops.errors import UserError


@dataclass(frozen=True)
class LoadedRelease:
    release: Release
    path: Path
    text: str


def read_yaml(path: Path) -> tuple[str, Any]:
    """The text and values of one YAML file; UserError when unreadable or invalid."""
    from promptops.parsing.yaml_source import YamlError, load_values

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise UserError("not UTF-8 text", path=str(path)) from exc
    try:
        return text, load_values(text)
    except YamlError as exc:
        problem = exc.problem
        raise UserError(f"invalid YAML: {problem.message}", str(path), problem.line) from None


def load_release(reference: str, repo: Path) -> LoadedRelease:
    """A release by file path, or by id found under ``repo``."""
    candidate = Path(reference)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise UserError("release file not found", path=reference)
        text, data = read_yaml(candidate)
        return LoadedRelease(parse_release(data, str(candidate)), candidate, text)
    found = find_document(repo, "release", reference)
    if found is None:
        raise UserError(f"no release with id {reference!r} under {repo}")
    text, data = read_yaml(found)
    return LoadedRelease(parse_release(data, str(found)), found, text)


def find_document(repo: Path, kind: str, doc_id: str) -> Path | None:
    """The first YAML file under ``repo`` whose top-level kind and id match."""
    for path, data in iter_documents(repo):
        if data.get("kind") == kind and str(data.get("id")) == doc_id:
            return path
    return None


def iter_documents(repo: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every valid promptops document of the repo, read through the shared Workspace (the
    config's `paths`/`exclude`, schema validation); broken files are `lint`'s to report."""
    from promptops.config import load_config
    from promptops.documents.workspace import load_workspace
    from promptops.pricing.table import PriceTable

    if not repo.is_dir():
        raise UserError("repository directory not found", path=str(repo))
    config = load_config(start=repo)
    for doc in load_workspace(config, models=PriceTable.from_config(config)).documents:
        if doc.valid:
            yield config.root / doc.path, doc.data


def load_charter_for(
    release: Release, repo: Path, charter_path: str | None
) -> CharterLimits | None:
    """The charter of the release's prompt: explicit file, or prompt `workload` → charter id."""
    if charter_path:
        _, data = read_yaml(Path(charter_path))
        return parse_charter_limits(data, release.prompt, charter_path)
    prompt_file = find_document(repo, "prompt", release.prompt)
    if prompt_file is None:
        return None
    _, prompt = read_yaml(prompt_file)
    workload = prompt.get("workload") if isinstance(prompt, dict) else None
    if not workload:
        return None
    charter_file = find_document(repo, "charter", str(workload))
    if charter_file is None:
        return None
    _, data = read_yaml(charter_file)
    return parse_charter_limits(data, release.prompt, str(charter_file))


def prompt_model(repo: Path, prompt_id: str) -> str | None:
    """The model the repo's prompt document assigns (what `canary sql` prices by default)."""
    prompt_file = find_document(repo, "prompt", prompt_id)
    if prompt_file is None:
        return None
    _, prompt = read_yaml(prompt_file)
    model = prompt.get("model") if isinstance(prompt, dict) else None
    return str(model) if model else None
