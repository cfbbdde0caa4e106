"""Contrasts of one suite: the run as is beside the same cases with one thing changed.

`eval --ablate VAR` empties a variable in every case (is retrieved context earning its
tokens? PO205 asks); `eval --compare-model MODEL` swaps the model in the same rendered request
(is the Opus habit buying quality?). Both answer the same questions, which a charter review
records: are the two runs distinguishable, which cases disagree, and what the change is worth
per month at the charter's expected traffic.

Why these choices:

* The unit is the case (k of n attempts, as the gate counts it): the pass-rate difference
  (variant − baseline) gets Newcombe's hybrid score interval built from two Wilson intervals
  (`promptops.canary.stats.two_proportions`), which stays inside [-1, 1] and keeps coverage for
  the small suites evals are. It treats the two runs as independent samples, which for paired
  cases is conservative (wider), never overconfident. Distinguishable means the 95% interval
  excludes 0; the per-case disagreements say where.
* Money two ways. Measured: each run's mean generation cost per call (the providers' `usage`
  priced by the one price table) times the prompt's expected calls per month from its charter
  (`pricing.cost.scenarios_for`). Expected: the per-call cost `promptops tokens` shows for the
  prompt (its variables at their expected sizes, the charter's expected cache hit rate and
  output tokens) on each model, or with the variable emptied, times the same calls; eval cases
  are rarely the traffic's mix, the charter's scenario is what budgets are signed against.
  A model nobody priced is "not priced" (null), never $0; a prompt without a charter has no
  traffic, so no monthly figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.evals.results import SuiteResult, money, opt_money, shown_money
from promptops.text.formatting import printable

if TYPE_CHECKING:
    from promptops.config import Config
    from promptops.pricing.table import PriceTable

SCHEMA_VERSION = 1
KIND = "eval-contrast"
CONFIDENCE = 0.95
MAX_LISTED = 10


@dataclass(frozen=True)
class Difference:
    """Variant − baseline pass rate with its interval."""

    estimate: float
    low: float
    high: float
    method: str

    @property
    def distinguishable(self) -> bool:
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": round(self.estimate, 6),
            "low": round(self.low, 6),
            "high": round(self.high, 6),
            "confidence": CONFIDENCE,
            "method": self.method,
        }


def pass_rate_difference(baseline: SuiteResult, variant: SuiteResult) -> Difference:
    from promptops.canary.stats import two_proportions

    n_base, n_var = len(baseline.cases), len(variant.cases)
    if not n_base or not n_var:
        return Difference(0.0, -1.0, 1.0, "no cases")
    test = two_proportions(variant.passed_cases, n_var, baseline.passed_cases, n_base, CONFIDENCE)
    return Difference(test.estimate, test.low, test.high, "Newcombe hybrid score (Wilson)")


def expected_call_cost(
    config: Config,
    table: PriceTable,
    prompt: dict[str, Any],
    tools: dict[str, dict[str, Any]],
    charter: dict[str, Any] | None,
    prompt_id: str,
    model: str,
    values: dict[str, Any] | None = None,
) -> Decimal | None:
    """One call of the prompt on `model` at its charter's expected scenario, as the estimate
    prices it (`promptops tokens`); None when the model is not priced."""
    from promptops.errors import UserError
    from promptops.pricing.cost import (
        billed_output,
        call_cost,
        count_layout,
        max_tokens_of,
        scenarios_for,
    )
    from promptops.render import layout
    from promptops.tokens.counting import TokenCounter

    if not table.knows(model):
        return None
    try:
        prices = table.get(model)
        blocks = layout(prompt, tools, values).blocks
        tokens = count_layout(prompt, blocks, TokenCounter(config), prices)
    except UserError:
        return None
    scenario = scenarios_for(charter, prompt_id, prompt)[0]
    budget = int((prompt.get("thinking") or {}).get("budget_tokens") or 0)
    budget = budget if prices.thinking_budget else 0
    output, thinking = billed_output(scenario.output_tokens, budget, max_tokens_of(prompt)[0])
    cost = call_cost(
        tokens, prices, scenario.cache_hit_rate, output, thinking, scenario.batch_share
    )
    return cost.total


def _times(value: Decimal | None, calls: Decimal | None) -> Decimal | None:
    return None if value is None or calls is None else value * calls


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


@dataclass(frozen=True)
class Contrast:
    """One change (an emptied variable or another model) run against the suite as is."""

    kind: str  # "ablate" | "compare-model"
    subject: str  # the variable emptied, or the model compared
    baseline: SuiteResult
    variant: SuiteResult
    calls_per_month: Decimal | None  # the prompt's expected traffic; None without a charter
    # Per call at the charter's expected scenario (as `promptops tokens` prices it), as is and
    # changed; None: not priced.
    expected_baseline: Decimal | None = None
    expected_variant: Decimal | None = None

    @property
    def difference(self) -> Difference:
        return pass_rate_difference(self.baseline, self.variant)

    @property
    def disagreements(self) -> list[dict[str, Any]]:
        variant = {c.case_id: c for c in self.variant.cases}
        rows = []
        for case in self.baseline.cases:
            other = variant.get(case.case_id)
            if other is not None and other.passed != case.passed:
                rows.append(
                    {
                        "case": case.case_id,
                        "baseline_passed": case.passed,
                        "variant_passed": other.passed,
                    }
                )
        return rows

    def money(self) -> dict[str, str | None]:
        base_call = self.baseline.cost_per_case_usd
        var_call = self.variant.cost_per_case_usd
        base_month = _times(base_call, self.calls_per_month)
        var_month = _times(var_call, self.calls_per_month)
        delta_month = _minus(var_month, base_month)
        expected_delta = _minus(self.expected_variant, self.expected_baseline)
        expected_month = _times(expected_delta, self.calls_per_month)
        return {
            "baseline_cost_per_call_usd": opt_money(base_call),
            "variant_cost_per_call_usd": opt_money(var_call),
            "cost_per_call_delta_usd": opt_money(_minus(var_call, base_call)),
            "calls_per_month": None
            if self.calls_per_month is None
            else money(self.calls_per_month),
            "baseline_monthly_usd": opt_money(base_month),
            "variant_monthly_usd": opt_money(var_month),
            "monthly_delta_usd": opt_money(delta_month),
            # What switching to the variant saves a month (negative: it costs more).
            "monthly_saving_usd": opt_money(None if delta_month is None else -delta_month),
            "baseline_expected_cost_per_call_usd": opt_money(self.expected_baseline),
            "variant_expected_cost_per_call_usd": opt_money(self.expected_variant),
            "expected_monthly_saving_usd": opt_money(
                None if expected_month is None else -expected_month
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        difference = self.difference
        return {
            "kind": self.kind,
            "subject": self.subject,
            "baseline": self.baseline.to_dict(),
            "variant": self.variant.to_dict(),
            "pass_rate_difference": difference.to_dict(),
            "distinguishable": difference.distinguishable,
            "disagreements": self.disagreements,
            "money": self.money(),
        }


@dataclass(frozen=True)
class ContrastReport:
    contrasts: tuple[Contrast, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "confidence": CONFIDENCE,
            "contrasts": [
                {"suite": c.baseline.suite_id, "prompt": c.baseline.prompt_id, **c.to_dict()}
                for c in self.contrasts
            ],
        }


def _rate(run: SuiteResult) -> str:
    per_call = shown_money(run.cost_per_case_usd)
    return (
        f"{run.passed_cases}/{len(run.cases)} passed ({run.pass_rate:.1%}) · {per_call}/call"
        f" · repeat {run.repeat} ({run.repeat_source})"
    )


def _signed(value: str | None) -> str:
    if value is None:
        return "not priced"
    amount = Decimal(value)
    return f"{'+' if amount >= 0 else '-'}${money(abs(amount))}"


def render_contrasts(report: ContrastReport) -> str:
    """The text a person reads (and a charter review pastes): both runs, the difference with
    its interval, the disagreements, and the money per month."""
    lines: list[str] = []
    for c in report.contrasts:
        title = f"ablate {c.subject}" if c.kind == "ablate" else f"compare-model {c.subject}"
        variant_label = f"{c.subject} emptied" if c.kind == "ablate" else c.variant.model
        lines.append(f"eval {c.baseline.suite_id}  (prompt {c.baseline.prompt_id}): {title}")
        lines.append(f"  as is ({c.baseline.model}): {_rate(c.baseline)}")
        shown_variant = (
            f"{variant_label} ({c.variant.model})" if c.kind == "ablate" else variant_label
        )
        lines.append(f"  {shown_variant}: {_rate(c.variant)}")
        d = c.difference
        verdict = "distinguishable" if d.distinguishable else "not distinguishable"
        lines.append(
            f"  pass rate difference {d.estimate:+.1%} (95% CI {d.low:+.1%} to {d.high:+.1%},"
            f" {d.method}): {verdict}"
        )
        rows = c.disagreements
        if rows:
            shown = ", ".join(
                f"{r['case']} ({'as is' if r['baseline_passed'] else variant_label} passes)"
                for r in rows[:MAX_LISTED]
            )
            more = f" (+{len(rows) - MAX_LISTED} more)" if len(rows) > MAX_LISTED else ""
            lines.append(f"  disagreements: {len(rows)}: {shown}{more}")
        else:
            lines.append("  disagreements: none")
        m = c.money()
        lines.append(f"  cost per call difference: {_signed(m['cost_per_call_delta_usd'])}")
        if m["calls_per_month"] is None:
            lines.append("  monthly: no charter traffic for this prompt (no monthly figure)")
        else:
            calls = Decimal(m["calls_per_month"])
            saving = m["monthly_saving_usd"]
            lines.append(
                f"  monthly at {calls:,.0f} calls (charter expected): as is "
                f"{_month(m['baseline_monthly_usd'])}, {variant_label} "
                f"{_month(m['variant_monthly_usd'])}, difference "
                f"{_month(m['monthly_delta_usd'], signed=True)}"
                + ("" if saving is None else f" (saving {_month(saving, signed=True)}/month)")
            )
        lines.append(
            f"  at the charter's expected scenario: as is {shown_money(c.expected_baseline)}"
            f"/call, {variant_label} {shown_money(c.expected_variant)}/call"
            + (
                ""
                if m["expected_monthly_saving_usd"] is None
                else f" (saving {_month(m['expected_monthly_saving_usd'], signed=True)}/month)"
            )
        )
        lines.append("")
    return printable("\n".join(lines))


def _month(value: str | None, signed: bool = False) -> str:
    """Money per month for people: to the cent (the JSON keeps it exact), or not priced."""
    if value is None:
        return "not priced"
    amount = Decimal(value)
    sign = ("+" if amount >= 0 else "-") if signed else ("-" if amount < 0 else "")
    return f"{sign}${abs(amount):,.2f}"
