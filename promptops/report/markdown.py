"""The markdown view of a diff/check report: the body of the sticky PR comment.

Layout (Infracost's, with scenarios as columns): a status title, a headline sentence, every
blocking reason, a workload table (expected / stretch / runaway against budgets), a prompt table,
warnings, then details in <details> (the token diff per hunk, tool changes, assumptions) and a
provenance line. GitHub rejects bodies over 65,536 characters: whole rows are dropped, details
first, then notes, prompt rows, warnings, workload rows, and blocking reasons last, each cut
list ending with how many rows are not shown (`markdown_fit`); the verdict title, the headline
and the totals always stay. Every value from the report goes through `markdown_text` (mentions,
links, HTML and code spans made inert). The comment command adds its own hidden marker, so this
body has none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops.report.reasons import provenance_text, reason_text
from promptops.text.markdown_fit import Section, fit
from promptops.text.markdown_text import cell, code, fenced, text

GITHUB_LIMIT = 65_536
RESERVED = 2_000  # room for the comment command's marker and footer
SCENARIOS = ("expected", "stretch", "runaway")
MAX_HUNK_LINES = 12
MAX_UNPRICED_LINES = 20  # the list stays with the headline: it is cut last, so it is capped
MAX_HEADLINE_CHARS = 1_000  # raw characters of one sentence from the report
MAX_ITEM_CHARS = 1_000  # one blocking reason, warning or note
MAX_LINE_CHARS = 300  # one unpriced line


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _usd(value: Any, per_call: bool = False) -> str:
    from promptops.text.formatting import usd

    return usd(_d(value), per_call=per_call)


def _signed(value: Any, per_call: bool = False) -> str:
    from promptops.text.formatting import signed_usd

    return signed_usd(_d(value), per_call=per_call)


def _title(report: dict[str, Any]) -> str:
    if report.get("kind") != "check":
        return "### 🧾 promptops: prompt cost diff"
    reasons = report.get("blocking_reasons") or []
    if reasons:
        n = len(reasons)
        return f"### 🧾 promptops: ❌ {n} blocking issue{'s' if n != 1 else ''}"
    if report.get("warnings"):
        return "### 🧾 promptops: ✅ within charter (with warnings)"
    return "### 🧾 promptops: ✅ within charter"


def _scenario_cell(s: dict[str, Any], kill_switch: Any = None) -> str:
    if s["base_usd"] is None or s["head_usd"] is None:  # a side with an unpriced document
        base_cell = "_unpriced_" if s["base_usd"] is None else _usd(s["base_usd"])
        head_cell = "**_unpriced_**" if s["head_usd"] is None else f"**{_usd(s['head_usd'])}**"
        text = f"{base_cell} → {head_cell}"
        if s.get("budget_usd") is not None:
            text += f"<br>budget {_usd(s['budget_usd'])} ⚠️ not checked"
        return text
    base, head, delta = _d(s["base_usd"]), _d(s["head_usd"]), _d(s["delta_usd"])
    text = f"{_usd(base)} → **{_usd(head)}**" if delta else _usd(head)
    if delta:
        text += f" ({_signed(delta)}" + (f", {delta * 100 / base:+.1f}%" if base else "") + ")"
    traffic = _d(s.get("traffic_change_usd"))
    if traffic:
        text += f"<br>prompts {_signed(s['prompt_change_usd'])} · traffic {_signed(traffic)}"
    budget = s.get("budget_usd")
    if budget is not None:
        headroom = _d(s.get("headroom_usd"))
        mark = "❌ over" if headroom < 0 else "✅"
        text += f"<br>budget {_usd(budget)} {mark}"
    if kill_switch is not None and head > _d(kill_switch):
        text += f"<br>kill switch {_usd(kill_switch)} ❌"
    return text


def _workload_table(report: dict[str, Any]) -> list[str]:
    workloads = report.get("workloads") or []
    if not workloads:
        return []
    lines = [
        "| Workload | Expected /mo | Stretch /mo | Runaway /mo |",
        "|---|---|---|---|",
    ]
    for w in workloads:
        name = f"**{text(w['id'])}**"
        if w.get("traffic_changed"):
            name += " (traffic changed)"
        elif w.get("status") in ("added", "removed"):
            name += f" ({w['status']})"  # one of two fixed words
        if w.get("incomplete"):
            name += " ⚠️ incomplete"
        cells = [
            _scenario_cell(w["scenarios"][s], w.get("kill_switch_usd") if s == "runaway" else None)
            for s in SCENARIOS
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _unpriced_side(p: dict[str, Any], side: str) -> bool:
    return any(u.get("side") == side for u in p.get("unpriced") or [])


def _tokens_cell(p: dict[str, Any]) -> str:
    base, head = p.get("base"), p.get("head")
    if p.get("unpriced"):
        left = (
            "_unpriced_"
            if _unpriced_side(p, "base")
            else f"{base['input_tokens']:,}"
            if base
            else "—"
        )
        right = (
            "_unpriced_"
            if _unpriced_side(p, "head")
            else f"{head['input_tokens']:,}"
            if head
            else "—"
        )
        return f"{left} → {right}"
    if base and head:
        text = (
            f"{base['input_tokens']:,} → {head['input_tokens']:,} ({p['delta']['input_tokens']:+,})"
        )
        text += f" · cached {base['cached_tokens']:,} → {head['cached_tokens']:,}"
    elif head:
        text = f"{head['input_tokens']:,} (new) · cached {head['cached_tokens']:,}"
    elif base:
        text = f"{base['input_tokens']:,} (removed)"
    else:
        return "not priced"
    if p.get("cached_prefix_changed"):
        text += " · ⚠️ cache prefix changed"
    return text


def _prompt_row(p: dict[str, Any]) -> str:
    side = p.get("head") or p.get("base") or {}
    version = side.get("version")
    name = code(f"{p['id']}@{version}" if version else p["id"], table=True)
    if p["status"] != "modified":
        name += f" ({text(p['status'])})"
    base, head = p.get("base"), p.get("head")
    if p.get("unpriced"):
        call = "_unpriced_"
    elif base and head:
        call = f"{_usd(base['cost_per_call_usd'], True)} → {_usd(head['cost_per_call_usd'], True)}"
    elif side := head or base:
        call = _usd(side["cost_per_call_usd"], True)
    else:
        call = "—"
    monthly = p["delta"]["monthly_usd"]
    cells = [_signed(monthly[s]) if s in monthly else "—" for s in SCENARIOS]
    if p.get("unpriced"):
        cells = ["_unpriced_"] * len(SCENARIOS)
    workload = cell(p.get("workload"))
    return f"| {name} | {workload} | {_tokens_cell(p)} | {call} | " + " | ".join(cells) + " |"


PROMPT_HEADER = [
    "| Prompt | Workload | Input tokens/call (cached) | $/call | Expected Δ/mo | Stretch Δ/mo | Runaway Δ/mo |",
    "|---|---|---|---|---|---|---|",
]


def _prompt_details(p: dict[str, Any]) -> str:
    lines = [
        f"**{code(p['id'])}** — {code(p['path'])}"
        + (f" (from {code(p['old_path'])})" if p.get("old_path") else "")
    ]
    for setting in p.get("settings") or []:
        lines.append(f"- {text(setting, MAX_ITEM_CHARS)}")
    if p.get("changed_tools"):
        lines.append(f"- tools changed: {text(', '.join(p['changed_tools']), MAX_ITEM_CHARS)}")
    if p.get("cached_prefix_changed") and Decimal(p.get("rewarm_usd") or "0") > 0:
        lines.append(
            f"- cached prefix changed: the first calls after deploy write the cache again "
            f"(≈{_usd(p['rewarm_usd'], True)} per cache entry)"
        )
    head = p.get("head") or {}
    if head.get("volatile_prefix_tokens"):
        lines.append(
            f"- {head['volatile_prefix_tokens']:,} cached-prefix tokens follow a template variable: "
            "written on every call, never read"
        )
    for hunk in p.get("hunks") or []:
        lines.append(f"\n{code(hunk['section'])}: {hunk['tokens_delta']:+,} tokens")
        body = list(hunk["lines"][:MAX_HUNK_LINES])
        if len(hunk["lines"]) > MAX_HUNK_LINES:
            body.append(f" … {len(hunk['lines']) - MAX_HUNK_LINES} more lines")
        lines.append(fenced(body, "diff"))
    return "\n".join(lines)


def _tool_details(t: dict[str, Any]) -> str:
    head = (
        f"**tool {code(t['id'])}** {cell(t.get('base_version'))} → {cell(t.get('head_version'))}: "
    )
    head += f"{t['base_tokens']:,} → {t['head_tokens']:,} tokens ({t['head_tokens'] - t['base_tokens']:+,})"
    if t.get("used_by"):
        head += f", used by {text(', '.join(t['used_by']), MAX_ITEM_CHARS)}"
    lines = [head]
    for c in t.get("changes") or []:
        label = (
            text(c["change"])
            if c["name"] == c["change"]
            else f"{text(c['change'])} {code(c['name'])}"
        )
        lines.append(
            f"- {label}: {text(c['detail'], MAX_ITEM_CHARS)} ({c['tokens_delta']:+,} tokens)"
        )
    return "\n".join(lines)


def _unpriced_lines(report: dict[str, Any]) -> list[str]:
    from promptops.report.diff_text import unpriced_lines

    return unpriced_lines(report)


def _more(what: str) -> Any:
    return lambda n: (
        f"- …{n:,} more {what} not shown (GitHub's comment limit); see the JSON report."
    )


def _totals_line(report: dict[str, Any]) -> list[str]:
    """The monthly totals of every workload per scenario: kept when workload rows are cut."""
    totals = report.get("totals") or {}
    scenarios = totals.get("scenarios") if isinstance(totals, dict) else None
    if not isinstance(scenarios, dict) or len(report.get("workloads") or []) < 2:
        return []
    parts = []
    for name in SCENARIOS:
        s = scenarios.get(name)
        if not isinstance(s, dict):
            continue
        base = "_unpriced_" if s.get("base_usd") is None else _usd(s["base_usd"])
        head = "_unpriced_" if s.get("head_usd") is None else _usd(s["head_usd"])
        part = f"{name} {base} → {head}"
        if s.get("delta_usd") is not None:
            part += f" ({_signed(s['delta_usd'])})"
        parts.append(part)
    return [f"**Totals per month:** {' · '.join(parts)}", ""] if parts else []


def _drift_row(drift: dict[str, Any]) -> str:
    mark = " ❌" if drift.get("blocking") else ""
    worth = "—" if drift.get("monthly_usd") is None else _signed(drift["monthly_usd"])
    return (
        f"| {text(drift.get('workload'), 80)}{mark} | "
        f"{text(str(drift.get('metric')).replace('_', ' '), 40)} | "
        f"{text(drift.get('assumed'), 30)} | {text(drift.get('measured'), 30)} | {worth} |"
    )


def render_markdown(report: dict[str, Any], limit: int = GITHUB_LIMIT - RESERVED) -> str:
    """The PR comment body for a report dict as the JSON views write it: diff or check, a
    lint findings report, or eval results; at most LIMIT characters."""
    kind = report.get("kind")
    if kind == "eval-results":
        from promptops.report.markdown_findings import render_eval_markdown

        return render_eval_markdown(report, limit)
    diff_like = kind in ("diff", "check") or any(
        key in report for key in ("blocking_reasons", "totals", "prompts", "workloads")
    )
    if not diff_like and "findings" in report:
        from promptops.report.markdown_findings import render_findings_markdown

        return render_findings_markdown(report, limit)
    head = [_title(report), "", f"**{text(report.get('headline', ''), MAX_HEADLINE_CHARS)}**", ""]
    head += _totals_line(report)

    reasons = Section(
        [f"- {text(reason_text(r), MAX_ITEM_CHARS)}" for r in report.get("blocking_reasons") or []],
        _more("blocking reasons"),
        lead=["❌ **Blocking** — fix these, or add a waiver (approver and expiry) to the charter:"],
        trail=[""],
    )
    unpriced_all = _unpriced_lines(report)
    unpriced_rows = [f"- {text(line, MAX_LINE_CHARS)}" for line in unpriced_all]
    if len(unpriced_rows) > MAX_UNPRICED_LINES:
        extra = len(unpriced_rows) - MAX_UNPRICED_LINES
        unpriced_rows = unpriced_rows[:MAX_UNPRICED_LINES]
        unpriced_rows.append(f"- …and {extra:,} more (see the JSON report)")
    unpriced = Section(
        unpriced_rows,
        _more("unpriced documents"),
        lead=["⚠️ **Figures incomplete** — these documents could not be priced:"],
        trail=[""],
    )
    workload_rows = _workload_table(report)
    workloads = Section(
        workload_rows[2:],
        lambda n: (
            f"\n_…{n:,} more workloads not shown (GitHub's comment limit); see the JSON report._"
        ),
        lead=workload_rows[:2],
    )
    prompts = report.get("prompts") or []
    prompt_rows = Section(
        [_prompt_row(p) for p in prompts],
        lambda n: (
            f"\n…and {n:,} more prompts not shown (GitHub's comment limit); see the JSON report."
        ),
        lead=["", *PROMPT_HEADER],
    )
    drift_rows = [_drift_row(d) for d in report.get("drift") or []]
    drift = Section(
        drift_rows,
        _more("drifted assumptions"),
        lead=[
            "",
            "📉 **Production drift** — the telemetry contradicts these charter assumptions:",
            "",
            "| workload | assumption | charter | measured | worth per month |",
            "|---|---|---|---|---|",
        ]
        if drift_rows
        else [],
        trail=[""],
    )
    warnings = Section(
        [f"- {text(reason_text(w), MAX_ITEM_CHARS)}" for w in report.get("warnings") or []],
        _more("warnings"),
        lead=["", "<details><summary>⚠️ Warnings</summary>", ""],
        trail=["", "</details>"],
    )
    blocks = [
        _prompt_details(p)
        for p in prompts
        if p.get("hunks") or p.get("settings") or p.get("cached_prefix_changed")
    ]
    blocks += [_tool_details(t) for t in report.get("tools") or []]
    details = Section(
        [block + "\n" for block in blocks],
        lambda n: (
            f"_…{n:,} more prompt and tool details left out to keep this comment under "
            "GitHub's size limit; see the JSON report._"
        ),
        lead=["", "<details><summary>Why did it change? (token diff per hunk)</summary>", ""],
        trail=["", "</details>"],
    )
    notes = Section(
        [f"- {text(n, MAX_ITEM_CHARS)}" for n in report.get("notes") or []],
        _more("notes"),
        lead=["", "<details><summary>Assumptions & notes</summary>", ""],
        trail=["", "</details>"],
    )
    provenance = provenance_text(report["provenance"]) if report.get("provenance") else ""
    base, head_ref = report.get("base") or {}, report.get("head") or {}
    refs = f"{text(base.get('label'), 200)} {code((base.get('sha') or '')[:12])} → "
    refs += text(head_ref.get("label"), 200)
    if head_ref.get("sha"):
        refs += f" {code(head_ref['sha'][:12])}"
    footer = ["", f"<sub>{text(provenance, MAX_ITEM_CHARS)} Compared {refs}.</sub>"]
    sections = [reasons, unpriced, drift, workloads, prompt_rows, warnings, details, notes]
    # Details go first, then notes, prompt rows, warnings, drift, workload rows; reasons last.
    return fit(head, sections, footer, limit, drop_order=(6, 7, 4, 5, 2, 3, 1, 0))
