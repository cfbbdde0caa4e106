"""The HTML view of the MBOM: one self-contained page (inline CSS and SVG, no script, no
external assets) with the cost per workload per scenario against its budget."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from promptops.cache_cliff import margin_text
from promptops.mbom.model import Mbom, WorkloadEntry
from promptops.text.formatting import calls, pct, usd

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a202c;
       margin: 24px auto; max-width: 1100px; padding: 0 16px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 20px 0 4px; }
.muted { color: #4a5568; } .small { font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f7fafc; font-weight: 600; } td.num, th.num { text-align: right; }
.flag { color: #c53030; font-weight: 600; } .ok { color: #2f855a; }
ul.attention li { margin: 2px 0; }
.panel { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; }
svg text { font: 12px system-ui, sans-serif; fill: #1a202c; }
"""

BOOK = "#2b6cb0"
OVER = "#c53030"
EFFECTIVE = "#90cdf4"
BUDGET = "#1a202c"
CHART_WIDTH = 1000
LABEL_WIDTH = 90
BAR_AREA = 540
ROW_HEIGHT = 34


def _x(value: Decimal, scale: Decimal) -> float:
    return float(LABEL_WIDTH + (value / scale) * BAR_AREA) if scale > 0 else float(LABEL_WIDTH)


def workload_chart(w: WorkloadEntry) -> str:
    """An inline SVG: one bar per scenario (book, and effective when known), budget ticks."""
    rows = list(w.scenarios)
    if not rows:
        return '<p class="muted">No traffic scenarios (charter not priced).</p>'
    values = [s.monthly_usd for s in rows] + [s.budget_usd for s in rows if s.budget_usd]
    scale = max(values) * Decimal("1.08") if max(values) > 0 else Decimal(1)
    height = ROW_HEIGHT * len(rows) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" '
        f'aria-label="Monthly cost of {escape(w.id)} per scenario against budget">',
        f"<title>Monthly cost of {escape(w.id)} per scenario against budget</title>",
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height - 20}" '
        'stroke="#a0aec0" stroke-width="1"/>',
    ]
    for i, s in enumerate(rows):
        top = i * ROW_HEIGHT + 4
        over = s.budget_usd is not None and s.monthly_usd > s.budget_usd
        width = max(_x(s.monthly_usd, scale) - LABEL_WIDTH, 1.0)
        parts.append(f'<text x="0" y="{top + 17}">{escape(s.name)}</text>')
        tip = f"{s.name}: {usd(s.monthly_usd)} a month at book price"
        if s.budget_usd is not None:
            tip += f", budget {usd(s.budget_usd)}"
        parts.append(
            f'<rect class="bar book" x="{LABEL_WIDTH}" y="{top}" width="{width:.1f}" height="16" '
            f'fill="{OVER if over else BOOK}"><title>{escape(tip)}</title></rect>'
        )
        label = usd(s.monthly_usd)
        if s.effective_monthly_usd is not None:
            eff_width = max(_x(s.effective_monthly_usd, scale) - LABEL_WIDTH, 1.0)
            parts.append(
                f'<rect class="bar effective" x="{LABEL_WIDTH}" y="{top + 18}" '
                f'width="{eff_width:.1f}" height="8" fill="{EFFECTIVE}"><title>'
                f"{escape(s.name)}: {usd(s.effective_monthly_usd)} a month at effective price"
                "</title></rect>"
            )
            label += f" (effective {usd(s.effective_monthly_usd)})"
        if s.budget_usd is not None:
            bx = _x(s.budget_usd, scale)
            parts.append(
                f'<line class="budget" x1="{bx:.1f}" y1="{top - 3}" x2="{bx:.1f}" '
                f'y2="{top + 29}" stroke="{BUDGET}" stroke-width="2" stroke-dasharray="4 2">'
                f"<title>{escape(s.name)} budget {usd(s.budget_usd)}</title></line>"
            )
            label += f" / budget {usd(s.budget_usd)}"
        label_x = LABEL_WIDTH + BAR_AREA + 12
        parts.append(
            f'<text x="{label_x}" y="{top + 13}"'
            + (f' fill="{OVER}"' if over else "")
            + f">{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: object) -> str:
    return "—" if value in (None, "", ()) else escape(str(value))


def _summary_rows(mbom: Mbom) -> str:
    rows = []
    for w in mbom.workloads:
        expected = w.scenario("expected")
        flags = []
        if w.orphaned:
            flags.append(f"orphaned ({', '.join(w.orphaned)})")
        if w.review_status.overdue:
            flags.append("review overdue")
        if w.over_budget:
            flags.append(f"over budget ({', '.join(w.over_budget)})")
        flag_html = (
            f'<span class="flag">{escape("; ".join(flags))}</span>'
            if flags
            else '<span class="ok">ok</span>'
        )
        tram = "/".join(w.tram.get(k, "?") for k in ("cost_variance", "output_variance"))
        rows.append(
            "<tr>"
            f"<td>{escape(w.id)}</td><td>{_cell(w.owner)}</td><td>{_cell(w.alpha)}</td>"
            f"<td>{escape(tram) if w.tram else '—'}</td>"
            f"<td>{_cell(', '.join(w.models_used))}</td>"
            f'<td class="num">{calls(expected.calls_per_month) if expected else "—"}</td>'
            f'<td class="num">{usd(expected.monthly_usd) if expected else "—"}</td>'
            f'<td class="num">{usd(expected.budget_usd) if expected and expected.budget_usd is not None else "—"}</td>'
            f"<td>{escape(w.last_changed[:10])}</td><td>{flag_html}</td>"
            "</tr>"
        )
    return "".join(rows)


def render_mbom_html(mbom: Mbom) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Model Bill of Materials: {escape(mbom.repository)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Model Bill of Materials: {escape(mbom.repository)}</h1>",
        f'<p class="muted">As of {escape(mbom.as_of)}. {len(mbom.workloads)} workloads, '
        f"{len(mbom.prompts)} prompts, {len(mbom.tools)} tools, {len(mbom.models)} models.</p>",
        "<h2>Workloads</h2>",
        "<table><thead><tr><th>workload</th><th>owner</th><th>alpha</th><th>TRAM</th>"
        '<th>models</th><th class="num">calls/mo</th><th class="num">expected/mo</th>'
        '<th class="num">budget</th><th>last change</th><th>flags</th></tr></thead><tbody>',
        _summary_rows(mbom),
        "</tbody></table>",
    ]
    subsidy = mbom.subsidy
    attention = [f"<b>{escape(w)}</b> is orphaned" for w in mbom.orphaned]
    attention += [
        f"<b>{escape(w.id)}</b>: review overdue ({escape(w.review_status.reason)})"
        for w in mbom.workloads
        if w.review_status.overdue
    ]
    if subsidy.applies and subsidy.exposed_workloads:
        attention.append(
            f"Subsidy exposure: {pct(subsidy.share)} of budgeted workloads fit their budget "
            f"only at effective prices ({escape(', '.join(subsidy.exposed_workloads))})"
        )
    if attention:
        parts.append('<h2>Needs attention</h2><ul class="attention">')
        parts += [f"<li>{item}</li>" for item in attention]
        parts.append("</ul>")
    parts += [
        "<h2>Monthly cost per scenario against budget</h2>",
        '<p class="legend small">'
        f'<span><i class="swatch" style="background:{BOOK}"></i>book price</span>'
        f'<span><i class="swatch" style="background:{OVER}"></i>over budget</span>'
        f'<span><i class="swatch" style="background:{EFFECTIVE}"></i>effective price</span>'
        "<span>┆ budget</span></p>",
    ]
    for w in mbom.workloads:
        parts.append(f'<div class="panel"><h3>{escape(w.id)}</h3>{workload_chart(w)}</div>')
    cliff = mbom.cache_cliff
    if cliff:
        parts.append(
            "<h2>Cache cliff</h2><table><thead><tr><th>prompt</th><th>TTL</th>"
            '<th class="num">break-even calls/mo</th><th class="num">expected calls/mo</th>'
            '<th class="num">margin</th><th>verdict</th></tr></thead><tbody>'
        )
        for r in cliff:
            expected_calls = "—" if r.calls_per_month is None else f"{r.calls_per_month:,.0f}"
            parts.append(
                f"<tr><td>{escape(r.prompt)}</td><td>{r.ttl}</td>"
                f'<td class="num">{r.break_even_calls_per_month:,.0f}</td>'
                f'<td class="num">{expected_calls}</td>'
                f'<td class="num">{escape(margin_text(r))}</td><td>{escape(r.verdict)}</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append(f'<p class="muted small">{escape(mbom.provenance.sentence())}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
