"""The real pre-commit, installing this repository's hook from a git clone, on real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT
from tests.support.lint_repo import CHARTER

pytestmark = pytest.mark.slow

BAD = """\
kind: prompt
id: greet
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 300
system:
  - text: "Hello {{ customer }}, you are a support agent."
    cache: true
messages:
  - role: user
    content: "{{ question }}"
variables:
  customer: {}
  question: {}
"""
GOOD = BAD.replace("Hello {{ customer }}, you are", "You are").replace(
    '"{{ question }}"', '"{{ customer }}: {{ question }}"'
)


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A git clone of this checkout at HEAD, its sha, and a PRE_COMMIT_HOME shared by the
    session (pre-commit builds the hook's virtualenv once)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("hook-source")
    clone = base / "promptops"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True, timeout=120)
    if not (clone / "templates").is_dir():
        # pyproject force-includes templates/; a tree where they are not merged yet still
        # has to build, so the clone (only the clone) gets an empty folder.
        (clone / "templates").mkdir()
        (clone / "templates" / ".keep").write_text("")
        _git("add", "templates/.keep", cwd=clone)
        _git(
            "-c", "user.email=test@example.com", "-c", "user.name=test",
            "commit", "-qm", "templates placeholder", cwd=clone,
        )  # fmt: skip
    sha = _git("rev-parse", "HEAD", cwd=clone)
    assert (clone / ".pre-commit-hooks.yaml").is_file()
    return clone, sha, base / "pre-commit-home"


def _pre_commit(args: list[str], cwd: Path, home: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PRE_COMMIT_HOME=str(home), PROMPTOPS_CACHE_DIR=str(cache), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_pre_commit_fails_on_a_bad_prompt_then_passes(
    hook_source: tuple[Path, str, Path], tmp_path: Path
) -> None:
    clone, sha, home = hook_source
    repo = tmp_path / "user-repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "charters").mkdir()
    (repo / "deploy").mkdir()
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "dev@example.com", cwd=repo)
    _git("config", "user.name", "Dev", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {clone}\n    rev: {sha}\n    hooks:\n      - id: promptops-lint\n"
    )
    (repo / "charters/support.yaml").write_text(CHARTER)
    (repo / "prompts/greet.yaml").write_text(BAD)
    (repo / "deploy/app.yaml").write_text("kind: Deployment\napiVersion: apps/v1\n")
    _git("add", "-A", cwd=repo)
    files = ["prompts/greet.yaml", "charters/support.yaml", "deploy/app.yaml"]

    failed = _pre_commit(["run", "--files", *files], repo, home, tmp_path / "cache")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "promptops lint" in failed.stdout
    assert "PO101" in failed.stdout and "prompts/greet.yaml" in failed.stdout
    assert "deploy/app.yaml" not in failed.stdout  # not a promptops document: skipped

    (repo / "prompts/greet.yaml").write_text(GOOD)
    _git("add", "-A", cwd=repo)
    passed = _pre_commit(["run", "--files", *files], repo, home, tmp_path / "cache")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
