"""The markdown view of a diff/check report: the body of the sticky PR comment.

Layout (Infracost's, with scenarios as columns): a status title, a headline sentence, every
blocking reason, a workload table (expected / stretch / runaway against budgets), a prompt table,
warnings, then details in <details> (the token diff per hunk, tool changes, assumptions) and a
provenance line. GitHub rejects bodies over 65,536 characters: details are cut first, then
prompt rows, then warnings — never the headline or a blocking reason. The comment command adds
its own hidden marker, so this body has none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

GITHUB_LIMIT = 65_536
RESERVED = 2_000  # room for the comment command's marker and footer
SCENARIOS = ("expected", "stretch", "runaway")
MAX_HUNK_LINES = 12
MAX_UNPRICED_LINES = 20  # the list stays with the headline: it is never cut, so it is capped


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _usd(value: Any, per_call: bool = False) -> str:
    from promptops.report.formatting import usd

    return usd(_d(value), per_call=per_call)


def _signed(value: Any, per_call: bool = False) -> str:
    from promptops.report.formatting import signed_usd

    return signed_usd(_d(value), per_call=per_call)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
        base = "_unpriced_" if s["base_usd"] is None else _usd(s["base_usd"])
        head = "**_unpriced_**" if s["head_usd"] is None else f"**{_usd(s['head_usd'])}**"
        text = f"{base} → {head}"
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
        name = f"**{_cell(w['id'])}**"
        if w.get("traffic_changed"):
            name += " (traffic changed)"
        elif w.get("status") in ("added", "removed"):
            name += f" ({w['status']})"
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
    name = f"`{_cell(p['id'])}@{version}`" if version else f"`{_cell(p['id'])}`"
    if p["status"] != "modified":
        name += f" ({p['status']})"
    base, head = p.get("base"), p.get("head")
    if p.get("unpriced"):
        call = "_unpriced_"
    elif base and head:
        call = f"{_usd(base['cost_per_call_usd'], True)} → {_usd(head['cost_per_call_usd'], True)}"
    elif head or base:
        call = _usd((head or base)["cost_per_call_usd"], True)
    else:
        call = "—"
    monthly = p["delta"]["monthly_usd"]
    cells = [_signed(monthly[s]) if s in monthly else "—" for s in SCENARIOS]
    if p.get("unpriced"):
        cells = ["_unpriced_"] * len(SCENARIOS)
    workload = _cell(p.get("workload") or "—")
    return f"| {name} | {workload} | {_tokens_cell(p)} | {call} | " + " | ".join(cells) + " |"


PROMPT_HEADER = [
    "| Prompt | Workload | Input tokens/call (cached) | $/call | Expected Δ/mo | Stretch Δ/mo | Runaway Δ/mo |",
    "|---|---|---|---|---|---|---|",
]


def _prompt_details(p: dict[str, Any]) -> str:
    lines = [
        f"**`{p['id']}`** — `{p['path']}`"
        + (f" (from `{p['old_path']}`)" if p.get("old_path") else "")
    ]
    for setting in p.get("settings") or []:
        lines.append(f"- {setting}")
    if p.get("changed_tools"):
        lines.append(f"- tools changed: {', '.join(p['changed_tools'])}")
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
        lines.append(f"\n`{hunk['section']}`: {hunk['tokens_delta']:+,} tokens")
        body = hunk["lines"][:MAX_HUNK_LINES]
        if len(hunk["lines"]) > MAX_HUNK_LINES:
            body.append(f" … {len(hunk['lines']) - MAX_HUNK_LINES} more lines")
        lines.append(
            "```diff\n" + "\n".join(line.replace("```", "`\u200b``") for line in body) + "\n```"
        )
    return "\n".join(lines)


def _tool_details(t: dict[str, Any]) -> str:
    head = f"**tool `{t['id']}`** {t.get('base_version') or '—'} → {t.get('head_version') or '—'}: "
    head += f"{t['base_tokens']:,} → {t['head_tokens']:,} tokens ({t['head_tokens'] - t['base_tokens']:+,})"
    if t.get("used_by"):
        head += f", used by {', '.join(t['used_by'])}"
    lines = [head]
    for c in t.get("changes") or []:
        label = c["change"] if c["name"] == c["change"] else f"{c['change']} `{c['name']}`"
        lines.append(f"- {label}: {c['detail']} ({c['tokens_delta']:+,} tokens)")
    return "\n".join(lines)


def _unpriced_lines(report: dict[str, Any]) -> list[str]:
    from promptops.report.diff_text import unpriced_lines

    return unpriced_lines(report)


def _fits(parts: list[str], limit: int) -> bool:
    return len("\n".join(parts)) <= limit


def render_markdown(report: dict[str, Any], limit: int = GITHUB_LIMIT - RESERVED) -> str:
    """The PR comment body for a report dict as the JSON views write it: diff or check, a
    lint findings report, or eval results."""
    kind = report.get("kind")
    if kind == "eval-results":
        from promptops.report.markdown_findings import render_eval_markdown

        return _cut(render_eval_markdown(report), limit)
    diff_like = kind in ("diff", "check") or any(
        key in report for key in ("blocking_reasons", "totals", "prompts", "workloads")
    )
    if not diff_like and "findings" in report:
        from promptops.report.markdown_findings import render_findings_markdown

        return _cut(render_findings_markdown(report), limit)
    must = [_title(report), "", f"**{report.get('headline', '')}**", ""]
    reasons = report.get("blocking_reasons") or []
    if reasons:
        must.append(
            "❌ **Blocking** — fix these, or add a waiver (approver and expiry) to the charter:"
        )
        must.extend(f"- {_cell(r)}" for r in reasons)
        must.append("")
    unpriced = _unpriced_lines(report)
    if unpriced:
        must.append("⚠️ **Figures incomplete** — these documents could not be priced:")
        must.extend(f"- {_cell(line)}" for line in unpriced[:MAX_UNPRICED_LINES])
        if len(unpriced) > MAX_UNPRICED_LINES:
            must.append(f"- …and {len(unpriced) - MAX_UNPRICED_LINES} more (see the JSON report)")
        must.append("")
    must.extend(_workload_table(report))
    provenance = (report.get("provenance") or {}).get("sentence", "")
    base, head = report.get("base") or {}, report.get("head") or {}
    refs = f"{base.get('label')} `{(base.get('sha') or '')[:12]}` → {head.get('label')}"
    if head.get("sha"):
        refs += f" `{head['sha'][:12]}`"
    footer = ["", f"<sub>{_cell(provenance)} Compared {refs}.</sub>"]
    if not _fits(must + footer, limit):  # never cut reasons: shorten each instead
        budget = max((limit - len("\n".join(footer)) - 500) // max(len(reasons), 1), 80)
        must = [line if len(line) <= budget else line[:budget] + "…" for line in must]

    prompts = report.get("prompts") or []
    rows = [_prompt_row(p) for p in prompts]
    warnings = [f"- {_cell(w)}" for w in report.get("warnings") or []]
    details = [
        _prompt_details(p)
        for p in prompts
        if p.get("hunks") or p.get("settings") or p.get("cached_prefix_changed")
    ]
    details += [_tool_details(t) for t in report.get("tools") or []]
    notes = [f"- {_cell(n)}" for n in report.get("notes") or []]

    def assemble(n_rows: int, n_warn: int, n_details: int, n_notes: int) -> list[str]:
        out = list(must)
        if n_rows:
            out += ["", *PROMPT_HEADER, *rows[:n_rows]]
            if n_rows < len(rows):
                out.append(f"\n…and {len(rows) - n_rows} more prompts (see the JSON report).")
        if n_warn:
            out += ["", "<details><summary>⚠️ Warnings</summary>", "", *warnings[:n_warn]]
            if n_warn < len(warnings):
                out.append(f"- …and {len(warnings) - n_warn} more")
            out += ["", "</details>"]
        if details:
            out += ["", "<details><summary>Why did it change? (token diff per hunk)</summary>", ""]
            out += [block + "\n" for block in details[:n_details]]
            if n_details < len(details):
                out.append(
                    f"_…{len(details) - n_details} more prompt and tool details left out to keep "
                    "this comment under GitHub's size limit; see the JSON report._"
                )
            out += ["", "</details>"]
        if n_notes:
            out += [
                "",
                "<details><summary>Assumptions & notes</summary>",
                "",
                *notes[:n_notes],
                "",
                "</details>",
            ]
        return out + footer

    counts = [len(rows), len(warnings), len(details), len(notes)]
    # Cut details first, then notes, then prompt rows, then warnings.
    for index in (2, 3, 0, 1):
        while counts[index] > 0 and not _fits(assemble(*counts), limit):
            counts[index] = _shrink(counts[index])
    return "\n".join(assemble(*counts)) + "\n"


def _shrink(n: int) -> int:
    return n - 1 if n <= 8 else n * 3 // 4


def _cut(text: str, limit: int) -> str:
    """Keep a body under the comment limit, saying so where it was cut."""
    if len(text) <= limit:
        return text
    note = "\n\n…cut to fit GitHub's comment limit: see the job summary.\n"
    return text[: limit - len(note)] + note
