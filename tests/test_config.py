"""Config discovery: promptops.yaml or [tool.promptops], walking up to the git root."""

from __future__ import annotations

import json

from tests.support.cli import run_cli


def test_pyproject_table_is_found_from_a_subfolder(write_repo) -> None:
    root = write_repo(
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.promptops]\ntokenizer = "cl100k_base"\npaths = ["prompts/**/*.yaml"]\n',
            "prompts/deep/a.yaml": "kind: prompt\nid: a\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: hi\n",
            "other/b.yaml": "kind: prompt\nid: b\nversion: nope\n",
        }
    )
    result = run_cli(["config"], cwd=root / "prompts" / "deep")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"].endswith("pyproject.toml")
    assert data["paths"] == ["prompts/**/*.yaml"]
    # other/b.yaml is outside `paths`, so its bad version is not reported
    assert run_cli(["validate"], cwd=root).returncode == 0


def test_discovery_stops_at_the_git_root(write_repo) -> None:
    root = write_repo({"promptops.yaml": "tokenizer: o200k_base\n", "inner/.git/HEAD": "ref\n"})
    data = json.loads(run_cli(["config"], cwd=root / "inner").stdout)
    assert data["source"] is None
    assert data["tokenizer"] == "auto"  # the default, not the o200k_base above the git root


def test_config_prints_price_table(write_repo) -> None:
    root = write_repo({"promptops.yaml": "prices:\n  claude-haiku-4-5: {discount_pct: 50}\n"})
    data = json.loads(run_cli(["config", "--prices"], cwd=root).stdout)
    haiku = data["price_table"]["models"]["claude-haiku-4-5-20251001"]
    assert haiku["effective"]["input"] == "0.5"
    assert data["price_table"]["date"].startswith("genai-prices ")
    assert haiku["sources"]["prices"].startswith("genai-prices ")


def test_o200k_without_a_cached_file_fails_clearly_offline(write_repo, tmp_path) -> None:
    root = write_repo(
        {
            "promptops.yaml": "tokenizer: o200k_base\n",
            "p.yaml": "kind: prompt\nid: a\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: hi\n",
        }
    )
    result = run_cli(["tokens"], cwd=root, env={"TIKTOKEN_CACHE_DIR": str(tmp_path / "empty")})
    assert result.returncode == 2
    assert "not available offline" in result.stderr


def test_a_config_remembered_as_valid_is_revalidated_when_it_changes(write_repo) -> None:
    root = write_repo({"promptops.yaml": "tokenizer: cl100k_base\n"})
    assert run_cli(["validate"], cwd=root).returncode == 0
    assert run_cli(["validate"], cwd=root).returncode == 0  # served by the remembered result
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\nlint: {select: 3}\n")
    result = run_cli(["validate"], cwd=root)
    assert result.returncode == 2
    assert "promptops.yaml:2" in result.stderr
