"""The terminal view of a diff/check report dict: aligned tables, colour on a TTY, and a quiet
one-liner when nothing changed. Every string of the report (ids, paths, prompt lines, reasons)
is made `printable` first, so a control sequence in a pull request reaches the terminal as a
visible escape; our own colours are added after."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops.report.reasons import budget_message, provenance_text, reason_text
from promptops.text.formatting import paint, printable_tree, signed_usd, usd, use_color

SCENARIOS = ("expected", "stretch", "runaway")
MAX_HUNK_LINES = 8
UNPRICED = "unpriced"  # a figure that cannot be computed is a word, never a number


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _delta_color(value: Decimal) -> str:
    return "red" if value > 0 else "green" if value < 0 else "dim"


def _side_unpriced(p: dict[str, Any], side: str) -> bool:
    return any(u.get("side") == side for u in p.get("unpriced") or [])


def unpriced_lines(report: dict[str, Any]) -> list[str]:
    """One line per document side whose figures cannot be computed, and per changed file
    that gives no document (an eval, a release) with why."""
    lines = [
        f"{u['path']} ({u['side']}): {u['reason']}"
        + (f" [workload {u['workload']}]" if u.get("workload") else "")
        for u in report.get("unpriced") or []
    ]
    listed = {u["path"] for u in report.get("unpriced") or []}
    lines += [
        f"{d['path']}: {d['problem']}"
        for d in report.get("documents") or []
        if d.get("problem") and d["path"] not in listed
    ]
    return lines


def _refs(report: dict[str, Any]) -> str:
    base, head = report["base"], report["head"]
    left = f"{base['label']} ({(base.get('sha') or '')[:12]})"
    right = head["label"] + (f" ({head['sha'][:12]})" if head.get("sha") else "")
    return f"{left} → {right}"


def render_diff_text(report: dict[str, Any], color: bool | None = None) -> str:
    from tabulate import tabulate

    color = use_color() if color is None else color
    report = printable_tree(report)
    is_check = report.get("kind") == "check"
    if not report.get("changed") and not (is_check and report.get("blocking_reasons")):
        status = " Check passed." if is_check else ""
        return f"promptops: no prompt, tool or charter changes ({_refs(report)}).{status}\n"

    lines = [paint(f"promptops {report['kind']}: {_refs(report)}", "bold", color)]
    lines.append(report["headline"])

    prompts = report.get("prompts") or []
    if prompts:
        rows = []
        for p in prompts:
            side = p.get("head") or p.get("base") or {}
            name = f"{p['id']}@{side.get('version')}" if side.get("version") else p["id"]
            base, head = p.get("base"), p.get("head")
            if p.get("unpriced"):
                cells3 = []
                for key, fmt in (
                    ("input_tokens", lambda v: f"{v:,}"),
                    ("cached_tokens", lambda v: f"{v:,}"),
                    ("cost_per_call_usd", lambda v: usd(_d(v), True)),
                ):
                    left = (
                        UNPRICED if _side_unpriced(p, "base") else fmt(base[key]) if base else "—"
                    )
                    right = (
                        UNPRICED if _side_unpriced(p, "head") else fmt(head[key]) if head else "—"
                    )
                    cells3.append(f"{left} → {right}")
                tokens, cached, call = cells3
            elif base and head:
                tokens = f"{base['input_tokens']:,} → {head['input_tokens']:,} ({p['delta']['input_tokens']:+,})"
                cached = f"{base['cached_tokens']:,} → {head['cached_tokens']:,}"
                call = f"{usd(_d(base['cost_per_call_usd']), True)} → {usd(_d(head['cost_per_call_usd']), True)}"
            else:
                only = head or base or {}
                tokens = f"{only.get('input_tokens', 0):,}"
                cached = f"{only.get('cached_tokens', 0):,}"
                call = usd(_d(only.get("cost_per_call_usd")), True) if only else "—"
            if p.get("cached_prefix_changed"):
                cached += paint(" ⚠ prefix changed", "yellow", color)
            monthly = p["delta"]["monthly_usd"]
            cells = []
            for s in SCENARIOS:
                if p.get("unpriced"):
                    cells.append(paint(UNPRICED, "red", color))
                elif s in monthly:
                    value = _d(monthly[s])
                    cells.append(paint(signed_usd(value), _delta_color(value), color))
                else:
                    cells.append("—")
            rows.append([name, p["status"], tokens, cached, call, *cells])
        lines += [
            "",
            paint("Prompts (input tokens per call; monthly change per scenario)", "bold", color),
        ]
        lines.append(
            tabulate(
                rows,
                headers=[
                    "prompt",
                    "status",
                    "input tokens",
                    "cached",
                    "$/call",
                    "expected Δ/mo",
                    "stretch Δ/mo",
                    "runaway Δ/mo",
                ],
                tablefmt="simple",
                disable_numparse=True,
            )
        )

    workloads = report.get("workloads") or []
    if workloads:
        rows = []
        for w in workloads:
            row = [w["id"] + (" (traffic changed)" if w.get("traffic_changed") else "")]
            if w.get("incomplete"):
                row[0] += paint(" (incomplete)", "red", color)
            for s in SCENARIOS:
                sc = w["scenarios"][s]
                base_cell = UNPRICED if sc["base_usd"] is None else usd(_d(sc["base_usd"]))
                head_cell = UNPRICED if sc["head_usd"] is None else usd(_d(sc["head_usd"]))
                cell = f"{base_cell} → {head_cell}"
                if sc["delta_usd"] is not None:
                    delta = _d(sc["delta_usd"])
                    cell += " " + paint(f"({signed_usd(delta)})", _delta_color(delta), color)
                if sc.get("budget_usd") is not None:
                    if sc.get("headroom_usd") is None:
                        mark = paint("not checked", "red", color)
                    else:
                        headroom = _d(sc.get("headroom_usd"))
                        mark = (
                            paint("over", "red", color) if headroom < 0 else f"{usd(headroom)} left"
                        )
                    cell += f" / {usd(_d(sc['budget_usd']))} ({mark})"
                row.append(cell)
            rows.append(row)
        lines += ["", paint("Workloads (monthly cost base → head / budget)", "bold", color)]
        lines.append(
            tabulate(
                rows, headers=["workload", *SCENARIOS], tablefmt="simple", disable_numparse=True
            )
        )
        for w in workloads:
            sc = w["scenarios"]["expected"]
            if sc["traffic_change_usd"] is not None and _d(sc["traffic_change_usd"]):
                lines.append(
                    f"  {w['id']}: prompt changes {signed_usd(_d(sc['prompt_change_usd']))}/mo, "
                    f"charter traffic change {signed_usd(_d(sc['traffic_change_usd']))}/mo (expected)"
                )

    why = []
    for p in prompts:
        detail = []
        detail += [f"    {s}" for s in p.get("settings") or []]
        if p.get("changed_tools"):
            detail.append(f"    tools changed: {', '.join(p['changed_tools'])}")
        if p.get("cached_prefix_changed") and _d(p.get("rewarm_usd") or "0") > 0:
            detail.append(
                paint(
                    f"    cached prefix changed: first calls after deploy write the cache again "
                    f"(≈{usd(_d(p['rewarm_usd']), True)} per cache entry)",
                    "yellow",
                    color,
                )
            )
        head = p.get("head") or {}
        if head.get("volatile_prefix_tokens"):
            detail.append(
                paint(
                    f"    {head['volatile_prefix_tokens']:,} cached-prefix tokens follow a template "
                    "variable: written on every call, never read",
                    "yellow",
                    color,
                )
            )
        for hunk in p.get("hunks") or []:
            detail.append(f"    @@ {hunk['section']} ({hunk['tokens_delta']:+,} tokens)")
            for line in hunk["lines"][:MAX_HUNK_LINES]:
                tint = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                detail.append(paint(f"      {line}", tint, color))
            if len(hunk["lines"]) > MAX_HUNK_LINES:
                detail.append(f"      … {len(hunk['lines']) - MAX_HUNK_LINES} more lines")
        if detail:
            why.append(f"  {p['id']} ({p['path']})")
            why.extend(detail)
    for t in report.get("tools") or []:
        why.append(
            f"  tool {t['id']} {t.get('base_version') or '—'} → {t.get('head_version') or '—'}: "
            f"{t['base_tokens']:,} → {t['head_tokens']:,} tokens"
            + (f", used by {', '.join(t['used_by'])}" if t.get("used_by") else "")
        )
        for c in t.get("changes") or []:
            label = c["change"] if c["name"] == c["change"] else f"{c['change']} {c['name']}"
            why.append(f"    {label}: {c['detail']} ({c['tokens_delta']:+,} tokens)")
    if why:
        lines += ["", paint("Why", "bold", color), *why]
    unpriced = unpriced_lines(report)
    if unpriced:
        title = "Not priced: the figures above are incomplete"
        lines += ["", paint(title, "red", color), *[f"  - {u}" for u in unpriced]]

    if is_check:
        reasons = report.get("blocking_reasons") or []
        warnings = report.get("warnings") or []
        if warnings:
            lines += ["", paint("Warnings", "yellow", color)]
            lines += [f"  - {reason_text(w)}" for w in warnings]
        if reasons:
            lines += ["", paint(f"Blocking ({len(reasons)})", "red", color)]
            lines += [f"  - {reason_text(r)}" for r in reasons]
    notes = report.get("notes") or []
    if notes:
        lines += [""] + [paint(f"note: {n}", "dim", color) for n in notes]
    lines += ["", paint(provenance_text(report["provenance"]), "dim", color)]
    if is_check:
        verdict = (
            paint("Check failed: the change is blocked.", "red", color)
            if report.get("blocking")
            else paint("Check passed.", "green", color)
        )
        lines.append(verdict)
    return "\n".join(lines) + "\n"


def render_github_annotations(report: dict[str, Any]) -> str:
    """GitHub workflow commands: one annotation per finding and budget breach, most severe
    first (escaping and GitHub's caps live in `promptops.github.workflow`)."""
    from promptops.github.workflow import Annotation, annotation_from_finding, annotation_lines

    annotations = [annotation_from_finding(f) for f in report.get("findings") or []]
    annotations += [
        Annotation(
            level="error" if b["blocking"] else "warning",
            message=budget_message(b),
            file=b["path"],
            line=b["line"],
            title=f"budget {b['budget']}",
        )
        for b in report.get("breaches") or []
    ]
    lines = annotation_lines(annotations)
    return "\n".join(lines) + ("\n" if lines else "")
