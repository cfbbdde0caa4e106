"""`promptops init` writes a small repo that validates and prices out of the box, offline."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from promptops.commands.init import SCAFFOLD
from tests.support.cli import REPO_ROOT, run_cli

TEMPLATES = REPO_ROOT / "templates"


@pytest.fixture(autouse=True)
def _offline_without_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")


@pytest.fixture
def scaffolded(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    result = run_cli(["init"], cwd=repo)
    assert result.returncode == 0, result.stderr
    return repo


def test_init_writes_every_scaffold_file(scaffolded: Path) -> None:
    for template, target in SCAFFOLD.items():
        written = scaffolded / target
        assert written.is_file(), target
        assert written.read_bytes() == (TEMPLATES / template).read_bytes()


def test_scaffold_validates_clean(scaffolded: Path) -> None:
    result = run_cli(["validate"], cwd=scaffolded)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All clean: 5 files checked" in result.stdout


def test_scaffold_prices_inside_its_budgets(scaffolded: Path) -> None:
    text = run_cli(["tokens"], cwd=scaffolded)
    assert text.returncode == 0, text.stderr
    assert "assistant@1.0.0" in text.stdout
    assert "cl100k_base" in text.stdout

    result = run_cli(["tokens", "--format", "json"], cwd=scaffolded)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (prompt,) = report["prompts"]
    assert prompt["tokens"]["parts"]["tools"]["total"] > 0
    assert prompt["tokens"]["breakpoints"] == []  # too short to cache, so it does not try
    (workload,) = report["workloads"]
    assert workload["owner"]
    for scenario in workload["scenarios"]:
        assert Decimal(scenario["monthly_usd"]) <= Decimal(scenario["budget_usd"]), scenario


def test_scaffold_renders_the_tool_and_the_question(scaffolded: Path) -> None:
    result = run_cli(["render", "assistant", "--var", "question=Where is 1234?"], cwd=scaffolded)
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["tools"][0]["name"] == "lookup_order"
    assert request["messages"][0]["content"][0]["text"] == "Where is 1234?"


def test_scaffold_lints_clean(scaffolded: Path) -> None:
    pytest.importorskip("promptops.lint.run", reason="the lint command is merged separately")
    result = run_cli(["lint", "--format", "json"], cwd=scaffolded)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_config_uses_the_promptops_hook(scaffolded: Path) -> None:
    config = yaml.safe_load((scaffolded / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    assert repo["repo"] == "https://github.com/promptops/promptops"
    assert repo["rev"].startswith("v")
    assert [hook["id"] for hook in repo["hooks"]] == ["promptops-lint"]


def test_init_refuses_to_overwrite_without_force(scaffolded: Path) -> None:
    prompt = scaffolded / "prompts" / "assistant.yaml"
    prompt.write_text("kind: prompt\n# my edits\n")
    result = run_cli(["init"], cwd=scaffolded)
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert prompt.read_text() == "kind: prompt\n# my edits\n"

    forced = run_cli(["init", "--force"], cwd=scaffolded)
    assert forced.returncode == 0, forced.stderr
    assert prompt.read_bytes() == (TEMPLATES / "prompt.yaml").read_bytes()


def test_init_into_a_new_directory(tmp_path: Path) -> None:
    result = run_cli(["init", "fresh"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh" / "promptops.yaml").is_file()
    assert run_cli(["validate", "fresh"], cwd=tmp_path).returncode == 0
