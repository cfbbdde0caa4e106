"""action.yml and the workflows validate against the schemas check-jsonschema vendors, and
follow the hardening rules: SHA-pinned actions, inputs only through env:, kebab-case ids."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.cli import REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = [
    REPO_ROOT / "templates" / "workflow.yml",
    REPO_ROOT / ".github/workflows/promptops.yml",
]
EXPECTED_INPUTS = {
    "command",
    "base",
    "head",
    "working-directory",
    "github-token",
    "comment",
    "fail-on",
    "sarif-file",
    "anthropic-api-key",
    "args",
    "cache",
}
EXPECTED_OUTPUTS = {"blocking", "monthly-delta-usd", "report-path"}


def vendored_schema(name: str) -> dict:
    package = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    return json.loads((package / f"{name}.json").read_text(encoding="utf-8"))


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def schema_errors(instance: dict, schema: dict) -> list[str]:
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(instance)]


def test_action_yml_validates_against_the_github_actions_schema():
    assert schema_errors(action(), vendored_schema("github-actions")) == []


def test_the_schema_catches_a_broken_action():
    broken = action()
    del broken["runs"]["steps"][1]["shell"]  # `run` without `shell` is invalid in a composite
    broken["outputs"]["blocking"].pop("value")
    assert len(schema_errors(broken, vendored_schema("github-actions"))) >= 1


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_check_jsonschema_cli_accepts_the_file(path: Path):
    schema = "vendor.github-actions" if path == ACTION else "vendor.github-workflows"
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_inputs_and_outputs_are_the_documented_kebab_case_ids():
    meta = action()
    assert set(meta["inputs"]) >= EXPECTED_INPUTS
    assert set(meta["outputs"]) == EXPECTED_OUTPUTS
    for name in [*meta["inputs"], *meta["outputs"]]:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
    assert meta["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert meta["inputs"]["comment"]["default"] == "update"
    assert meta["inputs"]["fail-on"]["default"] == "error"
    for name, output in meta["outputs"].items():
        assert output["value"] == f"${{{{ steps.run.outputs.{name} }}}}"


def test_it_is_a_composite_action_with_pinned_actions_and_no_expressions_in_scripts():
    steps = action()["runs"]["steps"]
    assert action()["runs"]["using"] == "composite"
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], "inputs must reach scripts through env:"
            assert step["shell"] == "bash"
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False


def test_every_input_reaches_the_scripts_through_env():
    meta = action()
    mapped = " ".join(
        str(value) for step in meta["runs"]["steps"] for value in (step.get("env") or {}).values()
    ) + " ".join(str(v) for s in meta["runs"]["steps"] for v in (s.get("with") or {}).values())
    for name in meta["inputs"]:
        assert f"inputs.{name} }}}}" in mapped, f"input {name} is never used"


def test_the_scripts_the_action_runs_exist_and_parse():
    for script in ("action/install.sh", "action/cache-plan.sh", "action/run.sh"):
        path = REPO_ROOT / script
        assert f'"$GITHUB_ACTION_PATH/{script}"' in ACTION.read_text(encoding="utf-8")
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_the_init_template_checks_out_full_history_and_uploads_sarif():
    workflow = yaml.safe_load(WORKFLOWS[0].read_text(encoding="utf-8"))
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
    }
    steps = workflow["jobs"]["promptops"]["steps"]
    checkout = next(s for s in steps if s["uses"].startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(s["uses"].startswith("promptops/promptops@") for s in steps)
    assert any(s["uses"].startswith("github/codeql-action/upload-sarif@") for s in steps)


def test_this_repository_dogfoods_its_own_action_on_examples():
    workflow = yaml.safe_load(WORKFLOWS[1].read_text(encoding="utf-8"))
    steps = workflow["jobs"]["promptops"]["steps"]
    ours = [s for s in steps if s.get("uses") == "./"]
    assert ours and all(s["with"]["working-directory"] == "examples" for s in ours)
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
