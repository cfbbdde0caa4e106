"""With promptops.yaml in a subfolder of a git repository (`llm/`, the Action's
`working-directory`), GitHub annotations and SARIF locations name files from the top of the
work tree (`llm/prompts/x.yaml`), where GitHub looks; a repo whose config is at the top keeps
`prompts/x.yaml` (issue 16, item 4)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from promptops.report.github_paths import github_path
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.git_repo import GitRepo

BAD = "kind: prompt\nid: broken\nversion: 1.0.0\nsystem: [unclosed\n"


@pytest.fixture(autouse=True)
def _offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(tmp_path / "cache"))


def monorepo(tmp_path: Path, sub: str) -> GitRepo:
    """A git repository with the promptops scaffold in `sub` (via `init`), committed on main,
    then a branch that adds a prompt with broken YAML."""
    repo = GitRepo(tmp_path / "mono", branch="main")
    repo.write("app/main.py", "print('hello')\n")
    result = run_cli(["init", *([sub] if sub else [])], cwd=repo.root)
    assert result.returncode == 0, result.stderr
    repo.commit("app and promptops")
    repo.branch("broken")
    repo.write(f"{sub + '/' if sub else ''}prompts/broken.yaml", BAD)
    repo.commit("a broken prompt")
    return repo


def annotation_files(text: str) -> list[str]:
    return re.findall(r"^::(?:error|warning|notice) [^:]*?file=([^,:]+)", text, re.M)


def sarif_uris(text: str) -> list[str]:
    results = json.loads(text)["runs"][0]["results"]
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]


@pytest.mark.parametrize(("sub", "expected"), [("llm", "llm/prompts/broken.yaml"), ("", None)])
def test_lint_annotations_and_sarif_name_the_file_from_the_git_top(
    tmp_path: Path, sub: str, expected: str | None
):
    expected = expected or "prompts/broken.yaml"
    repo = monorepo(tmp_path, sub)
    where = repo.root / sub if sub else repo.root

    github = run_cli(["lint", "--format", "github"], cwd=where)
    assert github.returncode == 1, github.stdout + github.stderr
    assert annotation_files(github.stdout) == [expected]
    assert f"{expected}:" in github.stdout  # the message names the same path

    sarif_file = tmp_path / "lint.sarif"
    sarif = run_cli(["lint", "--format", "sarif", "--sarif-output", str(sarif_file)], cwd=where)
    assert sarif.returncode == 1, sarif.stderr
    assert sarif_uris(sarif.stdout) == [expected]
    assert sarif_uris(sarif_file.read_text(encoding="utf-8")) == [expected]

    # The JSON report keeps paths relative to the promptops root (the contract).
    plain = run_cli(["lint", "--format", "json"], cwd=where)
    assert [f["path"] for f in json.loads(plain.stdout)["findings"]] == ["prompts/broken.yaml"]


def test_lint_from_the_git_top_with_the_subfolder_config(tmp_path: Path):
    """What the pre-commit hook `init llm` writes runs: at the top, with --config."""
    repo = monorepo(tmp_path, "llm")
    github = run_cli(
        ["lint", "--config", "llm/promptops.yaml", "--format", "github"], cwd=repo.root
    )
    assert github.returncode == 1, github.stdout + github.stderr
    assert annotation_files(github.stdout) == ["llm/prompts/broken.yaml"]


def test_check_annotations_and_sarif_in_a_monorepo(tmp_path: Path):
    repo = monorepo(tmp_path, "llm")
    where = repo.root / "llm"
    github = run_cli(["check", "--base", "main", "--format", "github"], cwd=where)
    assert github.returncode == 1, github.stdout + github.stderr
    files = annotation_files(github.stdout)
    assert files and set(files) == {"llm/prompts/broken.yaml"}, github.stdout
    sarif = run_cli(["check", "--base", "main", "--format", "sarif"], cwd=where)
    assert sarif.returncode == 1, sarif.stderr
    assert set(sarif_uris(sarif.stdout)) == {"llm/prompts/broken.yaml"}


def test_paths_outside_the_root_are_left_alone():
    assert github_path("prompts/a.yaml", "llm") == "llm/prompts/a.yaml"
    assert github_path("prompts/a.yaml", "") == "prompts/a.yaml"
    assert github_path("/abs/a.yaml", "llm") == "/abs/a.yaml"
    assert github_path("../other/a.yaml", "llm") == "../other/a.yaml"


def test_the_action_publishes_paths_from_the_workspace(tmp_path: Path):
    """The Action runs `check --format json` in its working-directory, then `finish` writes the
    annotations, the job summary and the Markdown the PR comment posts: all name `llm/...`."""
    repo = monorepo(tmp_path, "llm")
    where = repo.root / "llm"
    report = tmp_path / "report.json"
    check = run_cli(["check", "--base", "main", "--format", "json", "-o", str(report)], cwd=where)
    assert check.returncode == 1, check.stderr
    assert "llm/" not in report.read_text(encoding="utf-8")  # the JSON keeps root-relative paths
    markdown = tmp_path / "comment.md"
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "GITHUB_WORKSPACE": str(repo.root),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    env.pop("GITHUB_OUTPUT", None)
    finish = subprocess.run(
        [
            *(sys.executable, "-m", "promptops.action.steps", "finish"),
            *("--report", str(report), "--exit-status", "1", "--markdown-out", str(markdown)),
        ],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finish.returncode == 1, finish.stdout + finish.stderr
    assert set(annotation_files(finish.stdout)) == {"llm/prompts/broken.yaml"}, finish.stdout
    comment = markdown.read_text(encoding="utf-8")
    assert "llm/prompts/broken.yaml" in comment
    # where the comment lists a document by its path (messages are prose, written as found)
    assert "- llm/prompts/broken.yaml (head):" in comment, comment
    assert "llm/prompts/broken.yaml" in summary.read_text(encoding="utf-8")
