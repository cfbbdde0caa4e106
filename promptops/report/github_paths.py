"""Paths as GitHub names files: relative to the top of the git work tree.

Findings name files relative to the promptops repo root (where promptops.yaml lives). With the
configuration in a subfolder of a monorepo (`llm/promptops.yaml`, the Action's
`working-directory`), GitHub annotations and SARIF locations must still name `llm/prompts/x.yaml`,
or they land on no file. The prefix is computed once per root; outside git it is empty.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any


@cache
def _prefix(root: str) -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    top = done.stdout.strip()
    if done.returncode != 0 or not top:
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
