"""Paths as GitHub names files: relative to the top of the git work tree.

Findings name files relative to the promptops repo root (where promptops.yaml lives). With the
configuration in a subfolder of a monorepo (`llm/promptops.yaml`, the Action's
`working-directory`), GitHub annotations and SARIF locations must still name `llm/prompts/x.yaml`,
or they land on no file. The prefix is computed once per root; outside git it is empty.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any


@cache
def _prefix(root: str) -> str:
    from promptops.git import toplevel_of

    top = toplevel_of(root)
    if top is None:
        return ""
    relative = os.path.relpath(os.path.realpath(root), os.path.realpath(top))
    if relative == "." or relative.startswith(".."):
        return ""
    return PurePosixPath(Path(relative).as_posix()).as_posix()


def repo_prefix(root: Path | None) -> str:
    """The promptops root relative to the git top level (`llm`), or "" when they are the same,
    when there is no root, or outside git."""
    return _prefix(str(root)) if root is not None else ""


def github_path(path: str, prefix: str) -> str:
    """A finding's path as GitHub names the file: under `prefix` unless it is absolute or
    already outside the promptops root."""
    if not prefix or not path or path.startswith(("/", "../")) or Path(path).is_absolute():
        return path
    return f"{prefix}/{path}"


def github_report(report: dict[str, Any], root: Path | None) -> dict[str, Any]:
    """A check/diff report whose findings and budget breaches name files as GitHub does (for
    the annotations of `--format github`); the report itself is left as it is."""
    prefix = repo_prefix(root)
    if not prefix:
        return report

    def moved(items: object) -> object:
        if not isinstance(items, list):
            return items
        return [
            {**item, "path": github_path(item["path"], prefix)}
            if isinstance(item, dict) and isinstance(item.get("path"), str)
            else item
            for item in items
        ]

    return {
        **report,
        "findings": moved(report.get("findings")),
        "breaches": moved(report.get("breaches")),
    }


def with_github_paths(data: Any, prefix: str) -> Any:
    """A copy of a JSON report in which every `path` and `old_path` names the file from the git
    top level: what the Action publishes (PR comment, job summary, annotations) when it runs in
    a `working-directory`. The report files themselves keep root-relative paths."""
    if not prefix:
        return data
    if isinstance(data, list):
        return [with_github_paths(item, prefix) for item in data]
    if isinstance(data, dict):
        return {
            key: github_path(value, prefix)
            if key in ("path", "old_path") and isinstance(value, str)
            else with_github_paths(value, prefix)
            for key, value in data.items()
        }
    return data
