"""Markdown views of lint findings and eval results, for the PR comment and job summary."""

from __future__ import annotations

from typing import Any

MAX_ROWS = 200


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_findings_markdown(report: dict[str, Any]) -> str:
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
        key=lambda f: (rank.get(f.get("severity"), 3), f.get("path", ""), f.get("line", 0)),
    )
    lines = [
        f"### 🧾 promptops lint\n\n{verdict} **{summary}**\n",
        "| | rule | where | message |",
        "|---|---|---|---|",
    ]
    icon = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}
    for f in ordered[:MAX_ROWS]:
        where = f"`{f.get('path')}:{f.get('line')}`"
        code = f.get("code", "")
        rule = f"[{code}]({f['url']})" if f.get("url") else code
        lines.append(
            f"| {icon.get(f.get('severity'), '')} | {rule} | {where} | {_cell(f.get('message', ''))} |"
        )
    if len(ordered) > MAX_ROWS:
        lines.append(
            f"\n…and {len(ordered) - MAX_ROWS} more: see the job summary or the SARIF report."
        )
    return "\n".join(lines) + "\n"


def render_eval_markdown(report: dict[str, Any]) -> str:
    """Eval results: per suite the pass rate, flips against the base, cost per case, gates."""
    suites = report.get("suites") or []
    failed = [s for s in suites if any(not g.get("passed", True) for g in s.get("gates") or [])]
    verdict = "❌ a gate failed" if failed else "✅ all gates passed"
    lines = [f"### 🧪 promptops eval — {verdict}\n"]
    lines += [
        "| suite | pass rate (base → head) | regressions | fixes | $/case (base → head) | gates |",
        "|---|---|---|---|---|---|",
    ]
    for s in suites:
        c = s.get("comparison") or {}
        base_rate = c.get("base_pass_rate")
        rate = f"{c.get('head_pass_rate', 0):.0%}"
        if base_rate is not None:
            rate = f"{base_rate:.0%} → {rate}"
        cost = f"${c.get('head_cost_per_case_usd', '0')}"
        if c.get("base_cost_per_case_usd") is not None:
            cost = f"${c['base_cost_per_case_usd']} → {cost}"
        gates = ", ".join(
            f"{'✅' if g.get('passed') else '❌'} {g.get('gate')}" for g in s.get("gates") or []
        )
        lines.append(
            f"| `{_cell(s.get('suite'))}` | {rate} | {_cell(', '.join(c.get('regressions') or [])) or '—'} "
            f"| {_cell(', '.join(c.get('fixes') or [])) or '—'} | {cost} | {gates or '—'} |"
        )
    return "\n".join(lines) + "\n"
