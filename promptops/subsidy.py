"""Subsidy exposure: which workloads fit their budgets only because of credits or discounts.

Where `effective` prices (after credits, committed-use discounts) are configured, a workload
can sit within its monthly budget at the effective price and above it at the book price. When
the credits end, it breaks its budget without a single change to its prompts. The exposure is
the share of workloads with a monthly budget that are in that position, in any scenario.

A workload's effective cost is the sum over its prompts of the effective figure where the
prompt's model has effective prices, and the book figure where it has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from promptops.figures import WorkloadEstimate


@dataclass(frozen=True)
class ScenarioExposure:
    """One scenario of one workload that crosses its budget only at the book price."""

    workload: str
    scenario: str
    budget_usd: Decimal
    book_monthly_usd: Decimal
    effective_monthly_usd: Decimal

    @property
    def subsidy_usd(self) -> Decimal:
        return self.book_monthly_usd - self.effective_monthly_usd


@dataclass(frozen=True)
class SubsidyExposure:
    """How many budgeted workloads hold only thanks to effective prices."""

    workloads_with_budget: int
    workloads_with_effective_prices: int
    exposed_workloads: tuple[str, ...]
    scenarios: tuple[ScenarioExposure, ...]

    @property
    def share(self) -> Decimal:
        """Exposed workloads over workloads with a monthly budget (0 when none has one)."""
        if not self.workloads_with_budget:
            return Decimal(0)
        return Decimal(len(self.exposed_workloads)) / self.workloads_with_budget

    @property
    def applies(self) -> bool:
        """False when no workload is priced with effective prices (nothing to report)."""
        return self.workloads_with_effective_prices > 0


def subsidy_exposure(workloads: Iterable[WorkloadEstimate]) -> SubsidyExposure:
    """Workloads within a monthly budget at effective prices but over it at book prices
    (`estimate_workloads` already counts prompts without effective prices at book)."""
    with_budget = 0
    with_effective = 0
    exposed: list[str] = []
    rows: list[ScenarioExposure] = []
    for workload in workloads:
        budgeted = [s for s in workload.scenarios if s.budget_usd is not None]
        with_budget += bool(budgeted)
        effective_any = False
        crossing = False
        for scenario in workload.scenarios:
            effective = scenario.effective_monthly_usd
            if effective is None:
                continue
            effective_any = True
            budget = scenario.budget_usd
            if budget is not None and effective <= budget < scenario.monthly_usd:
                crossing = True
                rows.append(
                    ScenarioExposure(
                        workload.id, scenario.name, budget, scenario.monthly_usd, effective
                    )
                )
        with_effective += effective_any
        if crossing:
            exposed.append(workload.id)
    return SubsidyExposure(with_budget, with_effective, tuple(exposed), tuple(rows))
