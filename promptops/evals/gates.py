"""The eval gate: quality and cost together. Any failed gate makes `promptops eval` exit 1.

- `min_pass_rate`: share of the head's cases that pass (k of n with --repeat).
- `max_regressions`: cases that pass on the base and fail on the head (needs a base run).
- `max_cost_per_case_usd`: mean generation cost of one call on the head (grading excluded).
  On a model nobody priced (a local model without `prices:`) the cost is not known, so the
  gate cannot be evaluated and fails, saying where to price the model. A negative cost (a
  negative price, or usage from an old report) is not a cost either: it fails the gate too,
  never passes it as a saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promptops.evals.comparison import Comparison
from promptops.evals.results import GateSpec, SuiteResult, money


@dataclass(frozen=True)
class GateOutcome:
    name: str
    passed: bool
    actual: str
    limit: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.name,
            "passed": self.passed,
            "actual": self.actual,
            "limit": self.limit,
            "message": self.message,
        }


def evaluate_gates(gate: GateSpec, head: SuiteResult, comparison: Comparison) -> list[GateOutcome]:
    outcomes: list[GateOutcome] = []
    if gate.min_pass_rate is not None:
        rate = head.pass_rate
        ok = rate >= gate.min_pass_rate
        outcomes.append(
            GateOutcome(
                "min_pass_rate",
                ok,
                f"{rate:.4f}",
                f"{gate.min_pass_rate:.4f}",
                f"pass rate {rate:.1%} ({head.passed_cases}/{len(head.cases)})"
                f" {'≥' if ok else '<'} {gate.min_pass_rate:.1%}",
            )
        )
    if gate.max_regressions is not None:
        if comparison.has_base:
            count = len(comparison.regressions)
            ok = count <= gate.max_regressions
            listed = ", ".join(comparison.regressions[:10])
            outcomes.append(
                GateOutcome(
                    "max_regressions",
                    ok,
                    str(count),
                    str(gate.max_regressions),
                    f"{count} regression(s) vs base (limit {gate.max_regressions})"
                    + (f": {listed}" if listed else ""),
                )
            )
        else:
            outcomes.append(
                GateOutcome(
                    "max_regressions",
                    True,
                    "n/a",
                    str(gate.max_regressions),
                    "no base run to compare with (the suite is new or --base was not given)",
                )
            )
    if gate.max_cost_per_case_usd is not None:
        cost = head.cost_per_case_usd
        if cost is None:
            outcomes.append(
                GateOutcome(
                    "max_cost_per_case_usd",
                    False,
                    "not priced",
                    money(gate.max_cost_per_case_usd),
                    f"cost per case not evaluable: {head.unpriced_calls} call(s) on "
                    f"{head.model or 'the model'} are not priced; price the model under "
                    "`prices:` in promptops.yaml (input, output, cache_read per million tokens)",
                )
            )
            return outcomes
        if cost < 0:
            outcomes.append(
                GateOutcome(
                    "max_cost_per_case_usd",
                    False,
                    money(cost),
                    money(gate.max_cost_per_case_usd),
                    f"cost per case ${money(cost)} is negative: the usage or the prices behind "
                    "it are wrong (check `prices:` in promptops.yaml and the provider's usage)",
                )
            )
            return outcomes
        ok = cost <= gate.max_cost_per_case_usd
        outcomes.append(
            GateOutcome(
                "max_cost_per_case_usd",
                ok,
                money(cost),
                money(gate.max_cost_per_case_usd),
                f"cost per case ${money(cost)} {'≤' if ok else '>'}"
                f" ${money(gate.max_cost_per_case_usd)}",
            )
        )
    return outcomes


def gates_passed(outcomes: list[GateOutcome]) -> bool:
    return all(o.passed for o in outcomes)
