"""The history as a chart a person would look at: one line per workload (expected monthly cost
over the commits), its budget as a dashed line of the same colour, the biggest jumps annotated
with their commit. Plain SVG (no script, no external resource), every text from the repository
escaped; the HTML page wraps it with a table of the jumps."""

from __future__ import annotations

import itertools
from decimal import Decimal
from html import escape

from promptops.history.compute import History

WIDTH, HEIGHT = 960, 420
LEFT, RIGHT, TOP, BOTTOM = 80, 200, 30, 60
PALETTE = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#975a16", "#4a5568")
ANNOTATED = 3


def _steps(history: History) -> dict[str, list[tuple[int, float]]]:
    """Each workload's value at every point from its first, held until a commit changes it."""
    series = history.series("workloads")
    out: dict[str, list[tuple[int, float]]] = {}
    for name, changes in series.items():
        known = {index: value for index, value in changes}
        values, current = [], None
        for index in range(changes[0][0], len(history.points)):
            if index in known:
                current = known[index]
            if current is not None:
                values.append((index, float(current)))
        if values:
            out[name] = values
    return out


def jumps(history: History) -> list[tuple[Decimal, str, int]]:
    """(change in expected monthly USD, workload, point index), biggest first."""
    found = []
    for name, changes in history.series("workloads").items():
        for (_, before), (index, after) in itertools.pairwise(changes):
            if before is not None and after is not None:
                found.append((Decimal(after) - Decimal(before), name, index))
    return sorted(found, key=lambda item: abs(item[0]), reverse=True)


def budgets(history: History) -> dict[str, float]:
    latest: dict[str, float] = {}
    for point in history.points:
        for name, value in point.workloads.items():
            if value.budget_usd is not None:
                latest[name] = float(value.budget_usd)
    return latest


def render_svg(history: History) -> str:
    steps = _steps(history)
    limits = budgets(history)
    count = max(len(history.points), 2)
    top = max([v for s in steps.values() for _, v in s] + list(limits.values()) + [1.0]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + plot_w * index / (count - 1)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="expected monthly cost per '
        'workload at each commit" font-family="sans-serif" font-size="12">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#4a5568"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#4a5568"/>',
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#4a5568">'
            f"${value:,.0f}</text>"
        )
    for number, (name, values) in enumerate(sorted(steps.items())):
        color = PALETTE[number % len(PALETTE)]
        path = []
        for position, (index, value) in enumerate(values):
            if position:  # a step: hold the previous value until this commit
                path.append(f"L{x(index):.1f},{y(values[position - 1][1]):.1f}")
            path.append(f"{'M' if not position else 'L'}{x(index):.1f},{y(value):.1f}")
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="3"/>')
        if name in limits:
            parts.append(
                f'<line x1="{LEFT}" y1="{y(limits[name]):.1f}" x2="{LEFT + plot_w}" '
                f'y2="{y(limits[name]):.1f}" stroke="{color}" stroke-width="1.5" '
                'stroke-dasharray="6 4"/>'
            )
        parts.append(
            f'<rect x="{LEFT + plot_w + 16}" y="{TOP + number * 20}" width="12" height="12" '
            f'fill="{color}"/><text x="{LEFT + plot_w + 34}" y="{TOP + number * 20 + 11}">'
            f"{escape(name[:24])}</text>"
        )
    for rank, (delta, name, index) in enumerate(jumps(history)[:ANNOTATED]):
        point = history.points[index]
        found = dict(steps.get(name, [])).get(index)
        if found is None:
            continue
        value = found
        amount = f"{abs(delta):,.2f}" if abs(delta) < 100 else f"{abs(delta):,.0f}"
        label = f"{'+' if delta > 0 else '−'}${amount} {point.commit[:7]} {point.subject}"
        label_y = max(y(value) - 10 - 16 * rank, TOP - 10)  # stacked: labels never overlap
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="5" fill="#1a202c"/>'
            f'<line x1="{x(index):.1f}" y1="{y(value):.1f}" x2="{x(index) + 6:.1f}" '
            f'y2="{label_y + 2:.1f}" stroke="#1a202c"/>'
            f'<text x="{x(index) + 8:.1f}" y="{label_y:.1f}" fill="#1a202c">'
            f"{escape(label[:60])}</text>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 20}" text-anchor="middle" fill="#4a5568">'
        f"{len(history.points)} commits, oldest left; dashed: monthly budget</text></svg>"
    )
    return "\n".join(parts) + "\n"


def render_html(history: History) -> str:
    rows = []
    for delta, name, index in jumps(history)[:10]:
        point = history.points[index]
        rows.append(
            f"<tr><td>{escape(point.date[:10])}</td><td><code>{escape(point.commit[:12])}"
            f"</code></td><td>{escape(name)}</td><td class=num>{'+' if delta > 0 else '−'}"
            f"${abs(delta):,.2f}</td><td>{escape(point.author)}</td>"
            f"<td>{escape(point.subject)}</td></tr>"
        )
    table = (
        "<table><thead><tr><th>date</th><th>commit</th><th>workload</th><th>monthly change</th>"
        "<th>author</th><th>message</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        "<title>promptops cost history</title><style>body{font-family:sans-serif;margin:24px;"
        "color:#1a202c}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px "
        "solid #e2e8f0;text-align:left}td.num{text-align:right}</style></head><body>"
        "<h1>Expected monthly cost per workload</h1>"
        + render_svg(history)
        + "<h2>Biggest changes</h2>"
        + table
        + "</body></html>\n"
    )
