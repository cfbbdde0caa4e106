"""The text view of a TokensReport: two aligned tables and the provenance line.

Every value from the repository (ids, models, owners, paths, reasons) goes through `printable`,
so a control sequence in a document reaches the terminal as a visible escape, never raw."""

from __future__ import annotations

from decimal import Decimal

from promptops.cache_cliff import render_cache_cliff_text
from promptops.figures import ScenarioCost, TokensReport
from promptops.text.formatting import calls, paint, pct, printable, tokens, usd, use_color

SCENARIO_NAMES = ("expected", "stretch", "runaway")


def _monthly(s: ScenarioCost | None) -> str:
    return "—" if s is None or s.name == "per-call" else usd(s.monthly_usd)


def render_tokens_text(report: TokensReport, color: bool | None = None) -> str:
    from tabulate import tabulate

    color = use_color() if color is None else color
    lines: list[str] = []
    rows = []
    for p in report.prompts:
        parts = p.tokens.parts
        rows.append(
            [
                printable(f"{p.id}@{p.version}" if p.version else p.id),
                printable(p.model),
                tokens(parts["tools"].total),
                tokens(parts["system"].total),
                tokens(parts["messages"].total),
                tokens(p.tokens.cached),
                tokens(p.tokens.uncached),
                tokens(p.output_tokens + p.thinking_tokens),
                usd(p.call.total, per_call=True),
                *(_monthly(p.scenario(name)) for name in SCENARIO_NAMES),
            ]
        )
    headers = [
        "prompt",
        "model",
        "tools",
        "system",
        "messages",
        "cached",
        "uncached",
        "output",
        "$/call",
        "expected/mo",
        "stretch/mo",
        "runaway/mo",
    ]
    if rows:
        lines.append(paint("Prompts (input tokens per call by part)", "bold", color))
        lines.append(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    elif not report.unpriced:
        lines.append("No prompts found.")
    for u in report.unpriced:
        lines.append(
            paint(
                printable(f"error: {u.path}:{u.line}: {u.id}: not priced: {u.reason}"), "red", color
            )
        )

    if report.workloads:
        wrows = []
        for w in report.workloads:
            row = [
                printable(w.id),
                printable(w.owner) if w.owner else paint("(no owner)", "red", color),
            ]
            for name in SCENARIO_NAMES:
                s = w.scenario(name)
                if s is None:
                    row.append("—")
                    continue
                if w.unpriced:  # a partial sum is not the workload's cost: never a total
                    priced = len(w.prompts)
                    cell = f"≥ {usd(s.monthly_usd)}" if priced else "not priced"
                    if s.budget_usd is not None:
                        cell += f" / {usd(s.budget_usd)} (incomplete)"
                    row.append(cell)
                    continue
                cell = usd(s.monthly_usd)
                if s.budget_usd is not None:
                    headroom = s.headroom_usd or Decimal(0)
                    mark = (
                        paint("over", "red", color)
                        if headroom < 0
                        else f"{pct(headroom / s.budget_usd) if s.budget_usd else '—'} left"
                    )
                    cell += f" / {usd(s.budget_usd)} ({mark})"
                row.append(cell)
            expected = w.scenario("expected")
            row.insert(2, calls(expected.calls_per_month) if expected else "—")
            if w.unpriced:
                row[0] = f"{printable(w.id)} " + paint(
                    printable(f"(incomplete: {', '.join(w.unpriced)} not priced)"), "red", color
                )
            wrows.append(row)
        lines.append("")
        lines.append(paint("Workloads (monthly cost / budget)", "bold", color))
        lines.append(
            tabulate(
                wrows,
                headers=["workload", "owner", "calls/mo", *SCENARIO_NAMES],
                tablefmt="simple",
                disable_numparse=True,
            )
        )

    cliff = render_cache_cliff_text(report.prompts)
    if cliff:
        lines.append("")
        lines.append(printable(cliff))

    notes = []
    for p in report.prompts:
        for bp in p.tokens.breakpoints:
            if not bp.effective:
                notes.append(
                    f"{p.id}: breakpoint in {bp.part} caches nothing: its prefix is "
                    f"{tokens(bp.prefix_tokens)} tokens, below {p.model}'s minimum cacheable length"
                )
            elif bp.rewritten_every_call:
                notes.append(
                    f"{p.id}: the prefix up to the {bp.ttl} breakpoint in {bp.part} holds a "
                    "per-call value: it is written on every call and never read (PO101)"
                )
        for assumption in p.assumptions:
            notes.append(f"{p.id}: {assumption}")
    if notes:
        lines.append("")
        lines.extend(paint(printable(f"note: {n}"), "yellow", color) for n in notes)
    lines.append("")
    lines.append(paint(printable(report.provenance.sentence()), "dim", color))
    return "\n".join(lines) + "\n"
