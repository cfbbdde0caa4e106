"""Run a step of this repository's composite `action.yml` the way a GitHub runner does.

The step's `env:` expressions are evaluated (`inputs.*` with the action's defaults,
`steps.<id>.outputs.*`, `github.token`), its `run:` script is written to a file and run with
`bash --noprofile --norc -eo pipefail FILE`, and `$GITHUB_OUTPUT` is parsed afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.cli import REPO_ROOT

_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def load_action() -> dict:
    return yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))


def input_values(action: dict, with_: dict[str, str], token: str) -> dict[str, str]:
    values = {}
    for name, spec in action["inputs"].items():
        default = str(spec.get("default", ""))
        values[name] = with_.get(name, default.replace("${{ github.token }}", token))
    unknown = set(with_) - set(values)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    return values


def evaluate(text: str, inputs: dict[str, str], step_outputs: dict[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return step_outputs[parts[1]][parts[3]]
        raise AssertionError(f"expression the test runner does not know: {expression}")

    return _EXPRESSION.sub(value, text)


def parse_github_output(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def run_step(
    step_id: str,
    *,
    workspace: Path,
    runner_temp: Path,
    with_: dict[str, str] | None = None,
    step_outputs: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
    token: str = "ghs_installation",
    timeout: float = 180,
) -> StepResult:
    """Run one composite step by id in WORKSPACE with runner files under RUNNER_TEMP."""
    action = load_action()
    step = next(s for s in action["runs"]["steps"] if s.get("id") == step_id)
    assert step["shell"] == "bash"
    inputs = input_values(action, with_ or {}, token)
    outputs_file = runner_temp / f"output-{step_id}"
    summary_file = runner_temp / f"summary-{step_id}"
    outputs_file.write_text("", encoding="utf-8")
    script = runner_temp / f"step-{step_id}.sh"
    script.write_text(step["run"], encoding="utf-8")
    full_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(runner_temp)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(REPO_ROOT),
        "GITHUB_OUTPUT": str(outputs_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
        **(env or {}),
    }
    for name, expression in (step.get("env") or {}).items():
        full_env[name] = evaluate(str(expression), inputs, step_outputs or {})
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=workspace,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return StepResult(
        completed.returncode,
        completed.stdout,
        completed.stderr,
        parse_github_output(outputs_file.read_text(encoding="utf-8")),
        summary_file.read_text(encoding="utf-8") if summary_file.exists() else "",
    )
