"""Bad input gives the contract's exit code and a message naming file and line, never a traceback."""

from __future__ import annotations

import json

from tests.support import docs
from tests.support.cli import run_cli


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout


def test_malformed_yaml_is_a_finding_with_line(write_repo) -> None:
    root = write_repo({"prompts/bad.yaml": "kind: prompt\nid: x\nsystem: [unclosed\nmodel: m\n"})
    result = run_cli(["validate", str(root)], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1
    assert "prompts/bad.yaml" in result.stdout
    assert "PO001" in result.stdout
    assert "4:6" in result.stdout
    assert "started at line 3" in result.stdout


def test_wrong_types_point_at_the_key(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "prompts/p.yaml": """
                kind: prompt
                id: p
                version: 1.0.0
                model: claude-haiku-4-5
                workload: support
                max_output_tokens: lots
                system: hello
            """,
        }
    )
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("PO002", "prompts/p.yaml", 6)]
    assert "max_output_tokens" in findings[0]["message"]


def test_unknown_field_is_named_with_the_allowed_ones(write_repo) -> None:
    root = write_repo({"tools/t.yaml": docs.TOOL + "colour: blue\n"})
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["line"] == 10 and finding["column"] == 1
    assert "unknown field 'colour'" in finding["message"]


def test_unknown_kind_of_an_explicit_file(write_repo) -> None:
    root = write_repo({"x.yaml": "kind: prompts\nid: a\n"})
    result = run_cli(["validate", str(root / "x.yaml")], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1
    assert "x.yaml" in result.stdout and "unknown kind 'prompts'" in result.stdout
    assert "1:1" in result.stdout


def test_unknown_model_in_validate_is_a_finding(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT.replace("claude-haiku-4-5", "claude-haiku-9"),
        }
    )
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "PO003" and finding["line"] == 4
    assert "unknown model 'claude-haiku-9'" in finding["message"]
    assert "Did you mean" in finding["message"]


def test_unknown_model_in_tokens_is_a_finding_naming_file_and_line(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT.replace("claude-haiku-4-5", "gpt-9"),
        }
    )
    result = run_cli(["tokens", str(root)], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1  # a finding on that prompt: the rest of the report stands
    assert "prompts/p.yaml:4" in result.stdout and "unknown model 'gpt-9'" in result.stdout
    assert "$0" not in result.stdout


def test_duplicate_ids(write_repo) -> None:
    root = write_repo({"tools/a.yaml": docs.TOOL, "tools/b.yaml": docs.TOOL})
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["path"] == "tools/b.yaml" and finding["line"] == 2
    assert "duplicate tool id 'lookup_order'" in finding["message"]
    assert "tools/a.yaml:2" in finding["message"]


def test_duplicate_yaml_keys(write_repo) -> None:
    root = write_repo({"tools/a.yaml": docs.TOOL + "version: 2.0.0\n"})
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "PO001" and finding["line"] == 10
    assert "duplicate key 'version'" in finding["message"]


def test_dangling_references(write_repo) -> None:
    root = write_repo(
        {
            "prompts/p.yaml": docs.PROMPT,
            "evals/e.yaml": """
                kind: eval
                id: e
                prompt: support/nope
                cases:
                  - id: one
                    assert: [{type: contains, value: hi}]
            """,
        }
    )
    result = run_cli(["validate", "--format", "json", str(root)], cwd=root)
    assert result.returncode == 1
    found = {(f["path"], f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert ("prompts/p.yaml", 5, "charter 'support' is not defined") in found
    assert ("prompts/p.yaml", 8, "tool 'lookup_order' is not defined") in found
    assert ("evals/e.yaml", 3, "prompt 'support/nope' is not defined") in found


def test_missing_path_is_exit_2(tmp_path) -> None:
    result = run_cli(["validate", str(tmp_path / "nope")], cwd=tmp_path)
    _no_traceback(result)
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_bad_config_is_exit_2_with_file_and_line(write_repo) -> None:
    root = write_repo({"promptops.yaml": "paths: ['**/*.yaml']\ntokenizer: gpt2\n"})
    result = run_cli(["validate"], cwd=root)
    _no_traceback(result)
    assert result.returncode == 2
    assert "promptops.yaml:2" in result.stderr
    assert "tokenizer" in result.stderr


def test_unparseable_config_is_exit_2(write_repo) -> None:
    root = write_repo({"promptops.yaml": "paths: [\n"})
    result = run_cli(["tokens"], cwd=root)
    _no_traceback(result)
    assert result.returncode == 2
    assert "promptops.yaml" in result.stderr and "invalid YAML" in result.stderr


def test_bad_flag_is_exit_2(tmp_path) -> None:
    result = run_cli(["tokens", "--format", "xml"], cwd=tmp_path)
    _no_traceback(result)
    assert result.returncode == 2


def test_non_mapping_document(write_repo) -> None:
    root = write_repo({"p.yaml": "- kind: prompt\n"})
    result = run_cli(["validate", str(root / "p.yaml")], cwd=root)
    _no_traceback(result)
    assert result.returncode == 1
    assert "must be a YAML mapping" in result.stdout


def test_non_utf8_file_is_a_finding_at_the_bad_byte(tmp_path) -> None:
    (tmp_path / "p.yaml").write_bytes(b"kind: prompt\nid: \xff\xfe\n")
    result = run_cli(["validate", str(tmp_path / "p.yaml")], cwd=tmp_path)
    _no_traceback(result)
    assert result.returncode == 1
    assert "p.yaml" in result.stdout and "PO001" in result.stdout and "UTF-8" in result.stdout
    assert "2:5" in result.stdout
