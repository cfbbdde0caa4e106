"""Drift in the gate: a touched workload whose charter assumptions production contradicts.

`promptops check --telemetry` compares each workload the change touches with the call records
(the same measurement as `calibrate`) and reports the assumptions that are off by more than a
margin — a warning, or blocking when the charter says `calibration: enforce`. Margins default to
15 points of cache hit rate, 30% of output tokens or calls per month, and p95 steps above
`agent.max_steps`; `gate.drift` in promptops.yaml overrides them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from promptops.calibrate.compare import Calibration, Gap

DEFAULT_MARGINS = {"cache_hit_rate_points": 15.0, "output_pct": 30.0, "calls_pct": 30.0}


@dataclass(frozen=True)
class Drift:
    workload: str
    path: str
    metric: str
    assumed: float | int | None
    measured: float | int | None
    monthly_usd: Decimal | None
    blocking: bool  # the charter says `calibration: enforce`


def margins_of(gate: dict[str, Any] | None) -> dict[str, float]:
    configured = (gate or {}).get("drift") or {}
    return {k: float(configured.get(k, v)) for k, v in DEFAULT_MARGINS.items()}


def _off(gap: Gap, margins: dict[str, float]) -> bool:
    assumed, measured = gap.assumed, gap.measured
    if assumed is None or measured is None:
        return False
    if gap.metric == "cache_hit_rate":
        return abs(float(measured) - float(assumed)) * 100 > margins["cache_hit_rate_points"]
    if gap.metric == "max_steps":
        return float(measured) > float(assumed)
    key = "output_pct" if gap.metric == "output_tokens" else "calls_pct"
    if not float(assumed):
        return bool(measured)
    return abs(float(measured) / float(assumed) - 1) * 100 > margins[key]


def drifts(
    result: Calibration,
    charters: dict[str, dict[str, Any]],
    touched: set[str],
    margins: dict[str, float],
) -> list[Drift]:
    """The gaps of the touched workloads beyond their margins."""
    found = []
    for item in result.workloads:
        if item.id not in touched:
            continue
        enforce = (charters.get(item.id) or {}).get("calibration") == "enforce"
        for gap in item.gaps:
            if _off(gap, margins):
                found.append(
                    Drift(
                        item.id,
                        item.path,
                        gap.metric,
                        gap.assumed,
                        gap.measured,
                        gap.monthly_usd,
                        enforce,
                    )
                )
    return found
