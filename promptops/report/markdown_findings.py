"""Markdown views of lint findings and eval results, for the PR comment and job summary.

Every value from the report is escaped by `markdown_text`; a rule links only to our own rule
documentation (the link is rebuilt from a well-formed code, never taken from the report). Rows
are dropped, never cut, to stay under the limit (`markdown_fit`): the verdict line stays.
"""

from __future__ import annotations

import re
from typing import Any

from promptops.findings import rule_url
from promptops.text.markdown_fit import GITHUB_COMMENT_LIMIT, Section, fit
from promptops.text.markdown_text import cell, code, text

MAX_ROWS = 200
MAX_MESSAGE_CHARS = 1_000
_RULE_CODE = re.compile(r"^PO[0-9]{3}$")


def _rule(code_value: Any) -> str:
    value = str(code_value or "")
    if _RULE_CODE.match(value):
        return f"[{value}]({rule_url(value)})"
    return cell(value)


def render_findings_markdown(
    report: dict[str, Any], limit: int = GITHUB_COMMENT_LIMIT - 2_000
) -> str:
    """A lint report: a headline with counts, then a table of findings (errors first)."""
    findings = [f for f in report.get("findings") or [] if isinstance(f, dict)]
    counts = {
        s: sum(1 for f in findings if f.get("severity") == s) for s in ("error", "warning", "info")
    }
    if not findings:
        return "### 🧾 promptops lint\n\n✅ No findings.\n"
    verdict = "❌" if counts["error"] else "⚠️"
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    rank = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(
        findings,
        key=lambda f: (
            rank.get(str(f.get("severity")), 3),
            str(f.get("path", "")),
            f.get("line", 0) if isinstance(f.get("line"), int) else 0,
        ),
    )
    icon = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}
    rows = [
        f"| {icon.get(str(f.get('severity')), '')} | {_rule(f.get('code'))} "
        f"| {code(str(f.get('path')) + ':' + str(f.get('line')), table=True)} "
        f"| {cell(f.get('message', ''), MAX_MESSAGE_CHARS)} |"
        for f in ordered
    ]
    table = Section(
        rows[:MAX_ROWS],
        lambda n: (
            f"\n…and {n:,} more findings not shown (GitHub's comment limit; the SARIF "
            "report has them all): see the job summary."
        ),
        lead=["| | rule | where | message |", "|---|---|---|---|"],
        hidden=max(len(rows) - MAX_ROWS, 0),
    )
    head = [f"### 🧾 promptops lint\n\n{verdict} **{summary}**\n"]
    return fit(head, [table], [], limit)


def render_eval_markdown(report: dict[str, Any], limit: int = GITHUB_COMMENT_LIMIT - 2_000) -> str:
    """Eval results: per suite the pass rate, flips against the base, cost per case, gates."""
    suites = [s for s in report.get("suites") or [] if isinstance(s, dict)]
    failed = [s for s in suites if any(not g.get("passed", True) for g in s.get("gates") or [])]
    verdict = "❌ a gate failed" if failed else "✅ all gates passed"
    head = [f"### 🧪 promptops eval — {verdict}\n"]
    rows = []
    for s in suites:
        c = s.get("comparison") or {}
        base_rate = c.get("base_pass_rate")
        rate = f"{c.get('head_pass_rate', 0):.0%}"
        if base_rate is not None:
            rate = f"{base_rate:.0%} → {rate}"
        cost = f"${text(c.get('head_cost_per_case_usd', '0'))}"
        if c.get("base_cost_per_case_usd") is not None:
            cost = f"${text(c['base_cost_per_case_usd'])} → {cost}"
        gates = ", ".join(
            f"{'✅' if g.get('passed') else '❌'} {text(g.get('gate'))}"
            for g in s.get("gates") or []
        )
        regressions = ", ".join(str(r) for r in c.get("regressions") or [])
        fixes = ", ".join(str(f) for f in c.get("fixes") or [])
        rows.append(
            f"| {code(s.get('suite'), table=True)} | {rate} "
            f"| {cell(regressions, MAX_MESSAGE_CHARS)} | {cell(fixes, MAX_MESSAGE_CHARS)} "
            f"| {cost} | {gates or '—'} |"
        )
    table = Section(
        rows,
        lambda n: f"\n…{n:,} more suites not shown (GitHub's comment limit); see the JSON report.",
        lead=[
            "| suite | pass rate (base → head) | regressions | fixes | $/case (base → head) | gates |",
            "|---|---|---|---|---|---|",
        ],
    )
    return fit(head, [table], [], limit)
