"""Base vs head: per-case flips, pass-rate delta, cost and tokens per case."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from promptops.evals.results import SuiteResult, opt_money


@dataclass(frozen=True)
class Comparison:
    """What changed between the base run and the head run of one suite."""

    has_base: bool
    regressions: tuple[str, ...] = ()  # passed on base, fail on head
    fixes: tuple[str, ...] = ()  # failed on base, pass on head
    new_cases: tuple[str, ...] = ()  # only on head
    removed_cases: tuple[str, ...] = ()  # only on base
    head_pass_rate: float = 1.0
    base_pass_rate: float | None = None
    head_cost_per_case_usd: Decimal | None = Decimal(0)  # None: not priced
    base_cost_per_case_usd: Decimal | None = None
    head_input_tokens_per_case: float = 0.0
    base_input_tokens_per_case: float | None = None
    head_output_tokens_per_case: float = 0.0
    base_output_tokens_per_case: float | None = None

    @property
    def pass_rate_delta(self) -> float | None:
        return None if self.base_pass_rate is None else self.head_pass_rate - self.base_pass_rate

    @property
    def cost_per_case_delta_usd(self) -> Decimal | None:
        if self.base_cost_per_case_usd is None or self.head_cost_per_case_usd is None:
            return None
        return self.head_cost_per_case_usd - self.base_cost_per_case_usd

    def to_dict(self) -> dict[str, Any]:
        return {
            "has_base": self.has_base,
            "regressions": list(self.regressions),
            "fixes": list(self.fixes),
            "new_cases": list(self.new_cases),
            "removed_cases": list(self.removed_cases),
            "head_pass_rate": round(self.head_pass_rate, 6),
            "base_pass_rate": (
                None if self.base_pass_rate is None else round(self.base_pass_rate, 6)
            ),
            "pass_rate_delta": None
            if self.pass_rate_delta is None
            else round(self.pass_rate_delta, 6),
            "head_cost_per_case_usd": opt_money(self.head_cost_per_case_usd),
            "base_cost_per_case_usd": opt_money(self.base_cost_per_case_usd),
            "cost_per_case_delta_usd": opt_money(self.cost_per_case_delta_usd),
            "head_input_tokens_per_case": self.head_input_tokens_per_case,
            "base_input_tokens_per_case": self.base_input_tokens_per_case,
            "head_output_tokens_per_case": self.head_output_tokens_per_case,
            "base_output_tokens_per_case": self.base_output_tokens_per_case,
        }


def _tokens_per_case(run: SuiteResult) -> tuple[float, float]:
    calls = max(len(run.attempts), 1)
    usage = run.usage
    return round(usage.total_input_tokens / calls, 3), round(usage.output_tokens / calls, 3)


def compare(base: SuiteResult | None, head: SuiteResult) -> Comparison:
    head_in, head_out = _tokens_per_case(head)
    if base is None:
        return Comparison(
            has_base=False,
            head_pass_rate=head.pass_rate,
            head_cost_per_case_usd=head.cost_per_case_usd,
            head_input_tokens_per_case=head_in,
            head_output_tokens_per_case=head_out,
        )
    base_cases = {c.case_id: c for c in base.cases}
    head_cases = {c.case_id: c for c in head.cases}
    both = [case_id for case_id in head_cases if case_id in base_cases]
    base_in, base_out = _tokens_per_case(base)
    return Comparison(
        has_base=True,
        regressions=tuple(i for i in both if base_cases[i].passed and not head_cases[i].passed),
        fixes=tuple(i for i in both if not base_cases[i].passed and head_cases[i].passed),
        new_cases=tuple(i for i in head_cases if i not in base_cases),
        removed_cases=tuple(i for i in base_cases if i not in head_cases),
        head_pass_rate=head.pass_rate,
        base_pass_rate=base.pass_rate,
        head_cost_per_case_usd=head.cost_per_case_usd,
        base_cost_per_case_usd=base.cost_per_case_usd,
        head_input_tokens_per_case=head_in,
        base_input_tokens_per_case=base_in,
        head_output_tokens_per_case=head_out,
        base_output_tokens_per_case=base_out,
    )
