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

from promptops.report.model import PromptEstimate, ScenarioCost, WorkloadEstimate


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


def effective_monthly(
    workload: WorkloadEstimate,
    scenario: ScenarioCost,
    prompts: Iterable[PromptEstimate] | None = None,
) -> Decimal | None:
    """A workload scenario at effective prices; None when none of its models has them."""
    if prompts is None:
        return scenario.effective_monthly_usd
    members = [p for p in prompts if p.workload == workload.id]
    rows = [s for p in members if (s := p.scenario(scenario.name)) is not None]
    if not any(s.effective_monthly_usd is not None for s in rows):
        return None
    return sum(
        (
            s.effective_monthly_usd if s.effective_monthly_usd is not None else s.monthly_usd
            for s in rows
        ),
        Decimal(0),
    )


def subsidy_exposure(
    workloads: Iterable[WorkloadEstimate], prompts: Iterable[PromptEstimate] | None = None
) -> SubsidyExposure:
    """Workloads within a monthly budget at effective prices but over it at book prices.

    Pass the prompts too when some models of a workload have effective prices and others do
    not, so the ones without count at book price.
    """
    prompt_list = None if prompts is None else list(prompts)
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
            effective = effective_monthly(workload, scenario, prompt_list)
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
