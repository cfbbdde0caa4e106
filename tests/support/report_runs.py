"""Every promptops JSON report, produced by real CLI runs on a copy of examples/ in a real git
repository, for the tests that hold each report to its JSON Schema in schemas/.

History of the repo: commit 1 holds the examples with support/triage at 2.4.1 (a shorter
system prompt), commit 2 the examples as shipped (triage 2.5.0, the release's canary). So
`diff HEAD~1 HEAD` and `check --base HEAD~1` see a real prompt change, `bundle` resolves both
versions of the release from history, and `canary analyze` reads real-format telemetry.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.cli import REPO_ROOT, run_cli
from tests.support.fake_anthropic import FakeAnthropic
from tests.support.git_repo import GitRepo
from tests.support.telemetry import CohortSpec, write_jsonl

TRIAGE = "prompts/support/triage.yaml"
RELEASE = "releases/support-triage.yaml"


@dataclass
class ReportRun:
    """One CLI run: its arguments, exit code, and the JSON it wrote."""

    args: list[str]
    returncode: int
    stderr: str
    data: Any


def _examples_repo(root: Path) -> GitRepo:
    shutil.copytree(REPO_ROOT / "examples", root)
    config = root / "promptops.yaml"
    config.write_text(config.read_text().replace("tokenizer: auto", "tokenizer: cl100k_base"))
    assert "tokenizer: cl100k_base" in config.read_text()
    repo = GitRepo(root)
    shipped = (root / TRIAGE).read_text()
    older = shipped.replace("version: 2.5.0", "version: 2.4.1", 1)
    assert older != shipped
    # 2.4.1 lacks the loyalty-tier paragraph 2.5.0 added: drop the system prompt's last line.
    lines = older.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("messages:"))
    older = "".join(lines[: cut - 1] + lines[cut:])
    (root / TRIAGE).write_text(older)
    repo.commit("triage 2.4.1")
    (root / TRIAGE).write_text(shipped)
    repo.commit("triage 2.5.0")
    return repo


def _json_of(args: list[str], cwd: Path, env: dict[str, str], output: Path | None) -> ReportRun:
    done = run_cli(args, cwd=cwd, env=env, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    text = output.read_text(encoding="utf-8") if output is not None else done.stdout
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{args}: not JSON ({exc}); stderr: {done.stderr}") from None
    return ReportRun(args, done.returncode, done.stderr, data)


def produce_reports(tmp: Path) -> dict[str, list[ReportRun]]:
    """Run every command that writes a JSON report; {schema name: [runs]}."""
    repo = _examples_repo(tmp / "repo")
    root = repo.root
    env = {"PROMPTOPS_CACHE_DIR": str(tmp / "cache")}
    telemetry = write_jsonl(
        tmp / "calls.jsonl",
        "support/triage",
        [CohortSpec("2.4.1", calls=4_000), CohortSpec("2.5.0", calls=1_000)],
    )
    out = tmp / "out"
    out.mkdir()
    plans: dict[str, list[tuple[list[str], Path | None]]] = {
        "findings": [
            (["lint", "--format", "json"], None),
            (["validate", "--format", "json"], None),
            (["lint", "--format", "json", "--output", str(out / "lint.json")], out / "lint.json"),
        ],
        "tokens": [(["tokens", "--format", "json"], None)],
        "diff": [
            (["diff", "HEAD~1", "HEAD", "--format", "json"], None),
            (["diff", "HEAD", "HEAD", "--format", "json"], None),
        ],
        "check": [
            (["check", "--base", "HEAD~1", "--format", "json"], None),
            (
                [
                    "check",
                    "--base",
                    "HEAD~1",
                    "--format",
                    "text",
                    "--json-output",
                    str(out / "check.json"),
                ],
                out / "check.json",
            ),
        ],
        "mbom": [(["mbom", "--format", "json"], None)],
        "cascade": [
            (
                [
                    "cascade",
                    "support/triage",
                    "--format",
                    "json",
                    "--escalation-sonnet",
                    "0.2",
                    "--escalation-opus",
                    "0.1",
                    "--misroute",
                    "0.05",
                ],
                None,
            )
        ],
        "canary-plan": [(["canary", "plan", RELEASE, "--format", "json"], None)],
        "canary-analyze": [
            (
                ["canary", "analyze", RELEASE, "--telemetry", str(telemetry), "--format", "json"],
                None,
            )
        ],
        "bundle": [(["bundle", "-o", str(out / "bundle.json")], out / "bundle.json")],
        "canary-edit": [
            (["canary", "promote", RELEASE, "--dry-run", "--format", "json"], None),
            (["canary", "rollback", RELEASE, "--dry-run", "--format", "json"], None),
        ],
    }
    reports = {
        name: [_json_of(args, root, env, output) for args, output in runs]
        for name, runs in plans.items()
    }
    with FakeAnthropic() as fake:
        eval_env = {**env, "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        reports["eval"] = [
            _json_of(
                ["eval", "evals/support-triage.yaml", "--quiet", "--format", "json"],
                root,
                eval_env,
                None,
            )
        ]
    return reports
