"""The PR comment body for every report the Action can publish: check/diff, lint and eval."""

from __future__ import annotations

import json

from promptops.report.markdown import render_markdown
from tests.support import docs
from tests.support.cli import run_cli


def test_lint_report_renders_a_findings_table(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT.replace("max_output_tokens: 400\n", ""),
        }
    )
    result = run_cli(["lint", "--format", "json"], cwd=root)
    report = json.loads(result.stdout)
    body = render_markdown(report)
    assert body.startswith("### 🧾 promptops lint")
    assert "| ⚠️ | [PO306](" in body and "`prompts/p.yaml:" in body


def test_clean_lint_report() -> None:
    assert "✅ No findings." in render_markdown({"findings": []})


def test_eval_results_render_flips_costs_and_gates() -> None:
    report = {
        "kind": "eval-results",
        "suites": [
            {
                "suite": "echo-suite",
                "comparison": {
                    "base_pass_rate": 1.0,
                    "head_pass_rate": 0.5,
                    "regressions": ["says-hello"],
                    "fixes": [],
                    "base_cost_per_case_usd": "0.00002",
                    "head_cost_per_case_usd": "0.00003",
                },
                "gates": [{"gate": "max_regressions", "passed": False}],
            }
        ],
    }
    body = render_markdown(report)
    assert "❌ a gate failed" in body
    assert (
        "| `echo-suite` | 100% → 50% | says-hello | — | $0.00002 → $0.00003 | ❌ max_regressions |"
        in body
    )


def test_long_bodies_are_cut_under_the_limit() -> None:
    findings = [
        {
            "code": "PO306",
            "severity": "warning",
            "message": "m" * 500,
            "path": f"p{i}.yaml",
            "line": 1,
        }
        for i in range(150)
    ]
    body = render_markdown({"findings": findings}, limit=20_000)
    assert len(body) <= 20_000
    assert body.endswith("see the job summary.\n")
