"""Shared fixtures: an isolated token cache, no API keys leaking in, tmp repos from dicts."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never use the developer's cache or API keys (CLI subprocesses inherit this env)."""
    cache = tmp_path_factory.getbasetemp() / "promptops-cache"
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(cache))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


WriteFiles = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_repo(tmp_path: Path) -> WriteFiles:
    """Write {relative path: YAML text} under a tmp repo root (text is dedented)."""

    def write(files: dict[str, str]) -> Path:
        for rel, text in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return write


def git(cwd: Path, *args: str) -> str:
    """Run the real git CLI in `cwd` with a fixed identity."""
    import subprocess

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout
