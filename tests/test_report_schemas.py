"""Every JSON report validates against its JSON Schema in schemas/ (issue 15, acceptance 6).

The reports come from real CLI runs on a copy of examples/ in a real git repository
(tests/support/report_runs.py); each schema is itself checked as draft 2020-12, states an
integer `schema_version`, and says that money is a decimal string.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.cli import REPO_ROOT, run_cli
from tests.support.report_runs import ReportRun, produce_reports

pytestmark = pytest.mark.slow  # one module fixture runs about fifteen CLI commands

SCHEMAS = {
    "findings": "report-findings",
    "tokens": "report-tokens",
    "diff": "report-diff",
    "check": "report-check",
    "mbom": "report-mbom",
    "cascade": "report-cascade",
    "canary-plan": "report-canary-plan",
    "canary-analyze": "report-canary-analyze",
    "eval": "report-eval",
    "bundle": "bundle",
    "canary-edit": "report-canary-edit",
}


def _schema(name: str) -> dict[str, Any]:
    return json.loads((REPO_ROOT / "schemas" / f"{name}.schema.json").read_text())


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = _schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[ReportRun]]:
    return produce_reports(tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("report", sorted(SCHEMAS))
def test_report_validates_against_its_schema(
    report: str, reports: dict[str, list[ReportRun]]
) -> None:
    validator = _validator(SCHEMAS[report])
    assert reports[report], report
    for run in reports[report]:
        assert run.returncode in (0, 1), (run.args, run.stderr)
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in validator.iter_errors(run.data)
        ]
        assert not errors, (run.args, errors)
        assert type(run.data["schema_version"]) is int


def test_every_report_states_the_same_schema_version_style(
    reports: dict[str, list[ReportRun]],
) -> None:
    """One style: an integer; 2 where it used to be the string "1", 3 for diff and check since
    their reasons and warnings are data."""
    versions = {
        name: {run.data["schema_version"] for run in runs} for name, runs in reports.items()
    }
    assert versions == {
        "findings": {2},
        "tokens": {2},
        "diff": {3},
        "check": {3},
        "mbom": {2},
        "cascade": {2},
        "canary-plan": {1},
        "canary-analyze": {1},
        "eval": {1},
        "bundle": {1},
        "canary-edit": {1},
    }
    for name, schema_name in SCHEMAS.items():
        const = _schema(schema_name)["properties"]["schema_version"]["const"]
        assert versions[name] == {const}, name


def test_the_runs_exercised_what_the_schemas_describe(reports: dict[str, list[ReportRun]]) -> None:
    """The reports validated above are not empty shells: the change is priced and money is
    present (so the money rule was really applied; error findings: the test below)."""
    diff = reports["diff"][0].data
    assert [p["id"] for p in diff["prompts"]] == ["support/triage"]
    assert Decimal(diff["totals"]["monthly_delta_usd"]) != 0
    check = reports["check"][0].data
    assert check["kind"] == "check" and check["prompts"]
    assert reports["check"][1].data["totals"] == check["totals"]  # --json-output, same report
    mbom = reports["mbom"][0].data
    budgets = [w["budgets"] for w in mbom["workloads"] if w["budgets"]]
    assert budgets and all(
        isinstance(b["max_cost_per_call_usd"], str) for b in budgets if "max_cost_per_call_usd" in b
    )
    assert reports["canary-analyze"][0].data["checks"]
    assert reports["eval"][0].data["suites"][0]["head"]["cases"]
    assert [run.data["action"] for run in reports["canary-edit"]] == ["promote", "rollback"]
    assert all(run.data["changes"] and not run.data["written"] for run in reports["canary-edit"])


_MONEY = _schema("report-diff")["$defs"]["decimal"]


@pytest.mark.parametrize("name", sorted(set(SCHEMAS.values())))
def test_each_schema_says_money_is_a_decimal_string(name: str) -> None:
    schema = _schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$defs"]["decimal"] == _MONEY
    validator = jsonschema.Draft202012Validator(
        {**schema["$defs"]["money"], "$defs": schema["$defs"]}
    )
    for good in ("0", "12.5", "-0.0037", None, {"expected": "1", "stretch": None}):
        assert validator.is_valid(good), good
    for bad in (0.45, 1050, "1e-3", "12.", "$3", True):
        assert not validator.is_valid(bad), bad


def test_a_money_field_as_a_json_number_is_rejected(reports: dict[str, list[ReportRun]]) -> None:
    """The money rule reaches nested fields the structure does not spell out."""
    validator = _validator("report-check")
    data = json.loads(json.dumps(reports["check"][0].data))
    data["prompts"][0]["head"]["cost_per_call_usd"] = 0.0037
    assert not validator.is_valid(data)
    data = json.loads(json.dumps(reports["check"][0].data))
    data["schema_version"] = "2"
    assert not validator.is_valid(data)


def test_lint_json_of_a_broken_repo_still_matches_the_schema(tmp_path: Path) -> None:
    """Error findings (PO001, PO002) with their lines, through the CLI."""
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "bad.yaml").write_text(
        "kind: prompt\nid: bad\nversion: 1.0.0\nmodel: claude-haiku-4-5\ncolour: blue\n"
    )
    (tmp_path / "prompts" / "broken.yaml").write_text("kind: prompt\nid: [unclosed\n")
    done = run_cli(["lint", "--format", "json"], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert not list(_validator("report-findings").iter_errors(data))
    assert {f["code"] for f in data["findings"]} >= {"PO001", "PO002"}
