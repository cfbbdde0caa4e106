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
from typing import TYPE_CHECKING, Any

from promptops.calibrate.compare import Calibration, Gap

if TYPE_CHECKING:
    from promptops.config import Config
    from promptops.diff.model import CheckReport
    from promptops.diff.run import DiffRun

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


def with_drift(
    config: Config,
    run: DiffRun,
    result: CheckReport,
    telemetry: tuple[str, ...],
    convention: str | None,
) -> CheckReport:
    """The check report with the drift of the touched workloads against the telemetry."""
    from dataclasses import replace

    from promptops.calibrate.compare import calibrate
    from promptops.calibrate.drift import drifts, margins_of
    from promptops.calibrate.engine import measure
    from promptops.canary.rates import TelemetryPricing
    from promptops.canary.telemetry import expand_paths, input_convention
    from promptops.diff.run import head_workspace
    from promptops.pricing.table import PriceTable
    from promptops.text.json_view import decimal_str
    from promptops.tokens.counting import TokenCounter

    prices = PriceTable.from_config(config)
    touched = {w.id for w in run.report.workloads}
    workspace = head_workspace(config, run.head)
    convention = input_convention(config, convention)
    measurements = measure(
        expand_paths(telemetry), TelemetryPricing(prices), input_tokens=convention
    )
    counter = TokenCounter(config)
    try:
        calibration = calibrate(workspace, measurements, counter, prices, touched or None)
    finally:
        counter.close()
    charters = {c.id: c.data for c in workspace.of_kind("charter")}
    found = drifts(calibration, charters, touched, margins_of(config.gate))
    blocking, warnings = list(result.blocking_reasons), list(result.warnings)
    for drift in found:
        reason = {
            "code": "production-drift",
            "path": drift.path,
            "workload": drift.workload,
            "metric": drift.metric,
            "assumed": drift.assumed,
            "measured": drift.measured,
            "monthly_usd": None if drift.monthly_usd is None else decimal_str(drift.monthly_usd),
            "blocking": drift.blocking,
        }
        (blocking if drift.blocking else warnings).append(reason)
    return replace(
        result,
        blocking_reasons=tuple(blocking),
        warnings=tuple(warnings),
        drift=tuple(found),
    )
