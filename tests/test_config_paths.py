"""`paths: [prompts]` — a plain folder name — means every YAML file below it. As a bare glob it
matched only a file named `prompts`, so lint checked nothing and said "All clean"."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.cli import run_cli

BROKEN = "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-haiku-4-5\nsystem: [unclosed\n"


def test_a_folder_name_in_paths_selects_the_yaml_below_it(tmp_path: Path) -> None:
    (tmp_path / "llm" / "prompts" / "team").mkdir(parents=True)
    (tmp_path / "llm" / "prompts" / "team" / "p.yaml").write_text(BROKEN)
    (tmp_path / "other.yaml").write_text(BROKEN)  # not under the configured folder
    for paths in ("[llm/prompts]", "[llm/prompts/]", "['llm/prompts/**/*.yaml']"):
        (tmp_path / "promptops.yaml").write_text(f"paths: {paths}\ntokenizer: cl100k_base\n")
        result = run_cli(["lint", "--format", "json"], cwd=tmp_path)
        assert result.returncode == 1, (paths, result.stdout, result.stderr)
        findings = json.loads(result.stdout)["findings"]
        assert {f["path"] for f in findings} == {"llm/prompts/team/p.yaml"}, paths


def test_a_file_pattern_is_left_as_written(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.yaml").write_text(BROKEN)
    (tmp_path / "promptops.yaml").write_text("paths: [prompts/a.yaml]\ntokenizer: cl100k_base\n")
    config = json.loads(run_cli(["config"], cwd=tmp_path).stdout)
    assert config["paths"] == ["prompts/a.yaml"]
