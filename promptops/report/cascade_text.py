"""Text and JSON views of a cascade comparison."""

from __future__ import annotations

from typing import Any

from promptops.cascade import TIERS, CascadeResult
from promptops.text.formatting import paint, printable, signed_usd, usd
from promptops.text.json_view import to_jsonable


def _rate(value: Any) -> str:
    return f"{float(value) * 100:.1f}%"


def render_cascade_text(result: CascadeResult, color: bool = False) -> str:
    c, r = result.costs, result.rates
    lines = [paint("Cascade Haiku → Sonnet → Opus against flat Sonnet", "bold", color)]
    lines.append(printable(f"Per-call cost ({c.source}):"))
    for tier in TIERS:
        lines.append(
            f"  C_{tier:<7}{usd(getattr(c, tier), per_call=True):>12}  {printable(c.models[tier])}"
        )
    lines.append(printable(f"Rates ({r.source}):"))
    lines.append(f"  P(esc_S)   {_rate(r.escalation_sonnet):>8}  of all calls reach Sonnet")
    lines.append(f"  P(esc_O|S) {_rate(r.escalation_opus):>8}  of those reach Opus")
    lines.append(f"  misroute   {_rate(r.misroute):>8}  of all calls redone")
    lines.append(
        f"  rework     {usd(result.rework_cost_usd, per_call=True):>8}  per misrouted call "
        f"({printable(result.rework_cost_source)})"
    )
    lines.append("")
    lines.append("E[C] = C_haiku + P(esc_S)·C_sonnet + P(esc_S)·P(esc_O|S)·C_opus + C_rework")
    lines.append(
        "     = "
        + " + ".join(
            usd(v, per_call=True)
            for v in (
                result.haiku_term_usd,
                result.sonnet_term_usd,
                result.opus_term_usd,
                result.rework_term_usd,
            )
        )
        + f" = {usd(result.expected_cost_usd, per_call=True)}"
    )
    lines.append(f"Flat Sonnet: {usd(result.flat_sonnet_usd, per_call=True)} per call")
    verdict = "saving" if result.pays else "loss"
    share = f" ({_rate(abs(result.saving_pct))})" if result.saving_pct is not None else ""
    text = f"Cascade {verdict}: {signed_usd(result.saving_usd, per_call=True)} per call{share}"
    lines.append(paint(text, "green" if result.pays else "red", color))
    if result.monthly_saving_usd is not None:
        lines.append(
            f"  at {result.calls_per_month:,} calls/month (charter, expected): "
            f"{signed_usd(result.monthly_saving_usd)} a month"
        )
    be = result.break_even_escalation_sonnet
    if be is None:
        lines.append("Break-even: the cascade never pays at these costs and misroute rate.")
    elif be >= 1:
        lines.append("Break-even: the cascade pays at any escalation rate to Sonnet.")
    else:
        lines.append(
            f"Break-even: the cascade stops paying above {_rate(be)} escalation to Sonnet "
            f"(holding P(esc_O|S) and misroute fixed)."
        )
    return "\n".join(lines) + "\n"


def cascade_jsonable(result: CascadeResult) -> dict[str, Any]:
    data = to_jsonable(result)
    data = {"schema_version": 2, "kind": "cascade", **data, "pays": result.pays}
    return data
