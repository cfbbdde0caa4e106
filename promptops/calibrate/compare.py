"""A charter's assumptions beside what production did, with the monthly money of each gap.

Each gap is priced by the same estimate `tokens` prints: the workload's expected monthly cost
with the charter as written, and again with only that one figure replaced by the measured one;
the difference is what the wrong assumption hides (or overstates) each month. Steps per task do
not change the price of a call, so their gap is priced as the spend on steps beyond the cap.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from promptops.calibrate.measure import SECONDS_PER_MONTH, Measured, Measurements
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import NotPricedError
from promptops.estimate import estimate_prompt
from promptops.pricing.table import PriceTable
from promptops.tokens.counting import TokenCounter

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Gap:
    """One assumption against its measurement."""

    metric: str  # calls_per_month | cache_hit_rate | output_tokens | max_steps
    assumed: float | int | None
    measured: float | int | None
    monthly_usd: Decimal | None  # what the gap is worth per month (None: cannot be priced)
    note: str = ""


@dataclass
class WorkloadCalibration:
    """One charter: what it assumes, what its prompts did, and the charter values to write."""

    id: str
    path: str
    prompts: list[str]
    measured: Measured
    versions: dict[str, Measured]  # "prompt@version" -> its calls
    gaps: list[Gap] = field(default_factory=list)
    assumed_monthly_usd: Decimal | None = None
    measured_monthly_usd: Decimal | None = None
    writes: dict[tuple[str | int, ...], Any] = field(default_factory=dict)  # path -> value
    notes: list[str] = field(default_factory=list)


@dataclass
class Calibration:
    workloads: list[WorkloadCalibration]
    orphaned: dict[str, Measured]  # prompt ids no charter covers -> their calls
    measurements: Measurements
    exactness: list[str] = field(default_factory=list)  # token counts priced: exact/estimate
    fingerprints: list[Any] = field(default_factory=list)  # calibrate.fingerprints.Fingerprint


def _expected(charter: dict[str, Any]) -> dict[str, Any]:
    return (charter.get("scenarios") or {}).get("expected") or {}


def max_steps_of(charter: dict[str, Any], prompts: list[Document]) -> int | None:
    caps = [(d.data.get("agent") or {}).get("max_steps") for d in prompts]
    caps.append((charter.get("agent") or {}).get("max_steps"))
    known = [int(c) for c in caps if isinstance(c, int) and not isinstance(c, bool)]
    return min(known) if known else None


class _Pricer:
    """Expected monthly cost of a workload's prompts against given charter values."""

    def __init__(self, workspace: Workspace, counter: TokenCounter, table: PriceTable) -> None:
        self.workspace, self.counter, self.table = workspace, counter, table
        self.exactness: list[str] = []  # of every count priced: the report's provenance

    def monthly(self, prompts: list[Document], charter: dict[str, Any]) -> Decimal | None:
        total = Decimal(0)
        for doc in prompts:
            try:
                estimate = estimate_prompt(
                    self.workspace, doc, self.counter, self.table, charter_override=charter
                )
            except NotPricedError:
                return None
            self.exactness.append(estimate.tokens.exact)
            scenario = estimate.scenario("expected")
            if scenario is None:
                return None
            total += scenario.monthly_usd
        return total


def _with(charter: dict[str, Any], **expected: Any) -> dict[str, Any]:
    changed = copy.deepcopy(charter)
    scenarios = changed.setdefault("scenarios", {})
    scenarios.setdefault("expected", {}).update(expected)
    return changed


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _measured_calls(charter: dict[str, Any], measured: dict[str, Measured]) -> float | None:
    """calls_per_month that, with the charter's traffic shares, best explains each prompt's
    measured calls (each prompt gets calls_per_month x its share, 1 by default)."""
    shares = (charter.get("scenarios") or {}).get("prompts") or {}
    calls, weight = 0.0, 0.0
    for prompt_id, part in measured.items():
        rate = part.calls_per_month
        if rate is None:
            return None
        calls += rate
        weight += float(shares.get(prompt_id, 1))
    return calls / weight if weight else None


def calibrate(
    workspace: Workspace,
    measurements: Measurements,
    counter: TokenCounter,
    table: PriceTable,
    only: set[str] | None = None,
) -> Calibration:
    """Every charter (or those in `only`) against the calls of its prompts."""
    pricer = _Pricer(workspace, counter, table)
    by_prompt: dict[str, Measured] = {}
    by_version: dict[str, dict[str, Measured]] = {}
    for (prompt_id, version), part in measurements.versions.items():
        by_prompt.setdefault(prompt_id, Measured()).merge(part)
        by_version.setdefault(prompt_id, {})[f"{prompt_id}@{version}"] = part
    prompts = workspace.of_kind("prompt")
    covered: set[str] = set()
    result: list[WorkloadCalibration] = []
    for charter_doc in workspace.of_kind("charter"):
        if only is not None and charter_doc.id not in only:
            covered |= {d.id for d in prompts if d.data.get("workload") == charter_doc.id}
            continue
        members = [d for d in prompts if str(d.data.get("workload")) == charter_doc.id]
        covered |= {d.id for d in members}
        seen = {d.id: by_prompt[d.id] for d in members if d.id in by_prompt}
        rollup = Measured()
        versions: dict[str, Measured] = {}
        for prompt_id, part in seen.items():
            rollup.merge(part)
            versions.update(by_version[prompt_id])
        if measurements.workloads is not None:  # a warehouse's figures for the whole workload
            rollup = measurements.workloads.get(charter_doc.id, Measured())
        item = WorkloadCalibration(
            charter_doc.id, charter_doc.path, [d.id for d in members], rollup, versions
        )
        result.append(item)
        if not rollup.calls:
            item.notes.append("no calls of its prompts in the telemetry")
            continue
        _compare(item, charter_doc.data, members, seen, pricer)
    orphaned = {pid: part for pid, part in by_prompt.items() if pid not in covered}
    if only is not None:
        orphaned = {}
    return Calibration(result, orphaned, measurements, pricer.exactness)


def _compare(
    item: WorkloadCalibration,
    charter: dict[str, Any],
    members: list[Document],
    seen: dict[str, Measured],
    pricer: _Pricer,
) -> None:
    expected = _expected(charter)
    measured = item.measured
    calls = _measured_calls(charter, seen)
    hit = measured.cache_hit_rate
    output = measured.mean_output_tokens
    assumed_monthly = pricer.monthly(members, charter)
    item.assumed_monthly_usd = _money(assumed_monthly)
    measured_values: dict[str, Any] = {}
    if calls is not None:
        measured_values["calls_per_month"] = round(calls)
    else:
        item.notes.append("calls per month not measured: the records carry no timestamps")
    if hit is not None:
        measured_values["cache_hit_rate"] = round(hit, 3)
    if output is not None:
        measured_values["output_tokens"] = round(output)
    for metric, value in measured_values.items():
        worth = None
        if assumed_monthly is not None:
            monthly = pricer.monthly(members, _with(charter, **{metric: value}))
            worth = None if monthly is None else _money(monthly - assumed_monthly)
        item.gaps.append(Gap(metric, expected.get(metric), value, worth))
        item.writes[("scenarios", "expected", metric)] = value
    if assumed_monthly is not None and measured_values:
        item.measured_monthly_usd = _money(
            pricer.monthly(members, _with(charter, **measured_values))
        )
    _compare_steps(item, charter, members)


def _compare_steps(
    item: WorkloadCalibration, charter: dict[str, Any], members: list[Document]
) -> None:
    measured = item.measured
    if not measured.tasks:
        item.notes.append("steps per task not measured: the records carry no trace id")
        return
    cap = max_steps_of(charter, members)
    p95 = measured.step_percentiles()["p95"]
    worth = None
    cost = measured.cost_per_call_usd
    window = measured.window_seconds
    beyond = None if cap is None else measured.steps_beyond(cap)
    if beyond is not None and cost is not None and window is not None:
        worth = _money(Decimal(str(beyond * cost * SECONDS_PER_MONTH / window)))
    note = "" if cap is not None else "no agent.max_steps in the charter or its prompts"
    item.gaps.append(Gap("max_steps", cap, p95, worth, note))
    if p95 is not None and "agent" in charter and isinstance(charter["agent"], dict):
        item.writes[("agent", "max_steps")] = max(1, math.ceil(p95))
