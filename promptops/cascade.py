"""Does a Haiku → Sonnet → Opus cascade pay against sending every call to Sonnet?

A cascade sends every call to Haiku first; a share of calls escalates to Sonnet, and a share of
those escalates again to Opus. Some calls Haiku should have escalated but did not (misroutes);
they are caught downstream and redone. The expected cost of one call is

    E[C] = C_haiku + P(esc_S)·C_sonnet + P(esc_S)·P(esc_O|S)·C_opus + C_rework
    C_rework = misroute × rework_cost

Inputs, precisely:

- ``C_haiku``, ``C_sonnet``, ``C_opus``: the expected USD of one call on each tier. From a
  prompt: its rendered request counted and priced with the tier's model swapped in (same
  blocks, same cache layout and the prompt's expected-scenario hit rate and output tokens), via
  `promptops.pricing.cost.call_cost`. Or given directly (`--cost-haiku` …).
- ``P(esc_S)``: the share of all calls Haiku escalates to Sonnet (0..1).
- ``P(esc_O|S)``: the share of the escalated calls Sonnet escalates to Opus (0..1).
- ``misroute``: the share of all calls Haiku answered but should have escalated (0..1).
- ``rework_cost``: USD to redo one misrouted call. Default: ``C_haiku + C_sonnet`` — the call
  goes through the cascade's first step again and is then answered by Sonnet. Give a measured
  figure (including human handling) with `--rework-cost`.

The flat alternative is every call on Sonnet: ``C_sonnet``. Holding the other inputs fixed, the
cascade stops paying at the escalation rate where E[C] = C_sonnet:

    P*(esc_S) = (C_sonnet − C_haiku − misroute·rework_cost) / (C_sonnet + P(esc_O|S)·C_opus)

Measured rates (``--rates FILE``), JSON in one of two shapes:

- counts: ``{"calls": 1000, "escalated_to_sonnet": 300, "escalated_to_opus": 15,
  "misrouted": 40}`` (optionally under a top-level ``"cascade"`` key); ``escalated_to_opus``
  counts calls that reached Opus (a subset of those that reached Sonnet);
- per-call records: a JSON list, JSON lines, or a list under ``"results"``, ``"cases"`` or
  ``"calls"``, each record with ``final_tier`` (``haiku|sonnet|opus``; ``tier`` also read) and
  an optional boolean ``misrouted`` — what an eval run or a telemetry export records per call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from promptops.errors import UserError

TIERS = ("haiku", "sonnet", "opus")
DEFAULT_TIER_MODELS = {
    "haiku": "claude-haiku-4-5",
    "sonnet": "claude-sonnet-4-6",
    "opus": "claude-opus-4-6",
}


@dataclass(frozen=True)
class TierCosts:
    """USD of one call on each tier, and where the figures come from."""

    haiku: Decimal
    sonnet: Decimal
    opus: Decimal
    models: dict[str, str]  # tier -> model id ("given" when the cost was a flag)
    source: str
    flat_sonnet: Decimal | None = None  # Sonnet with all the traffic (default: `sonnet`)

    @property
    def flat(self) -> Decimal:
        return self.sonnet if self.flat_sonnet is None else self.flat_sonnet


@dataclass(frozen=True)
class CascadeRates:
    """Escalation and misroute rates (shares of calls, 0..1), and where they come from."""

    escalation_sonnet: Decimal
    escalation_opus: Decimal  # conditional on having reached Sonnet
    misroute: Decimal
    source: str
    calls_measured: int | None = None


@dataclass(frozen=True)
class CascadeResult:
    """The expected cost of a cascaded call against flat Sonnet."""

    costs: TierCosts
    rates: CascadeRates
    rework_cost_usd: Decimal
    rework_cost_source: str
    haiku_term_usd: Decimal
    sonnet_term_usd: Decimal
    opus_term_usd: Decimal
    rework_term_usd: Decimal
    expected_cost_usd: Decimal
    flat_sonnet_usd: Decimal
    saving_usd: Decimal  # flat - cascade; negative is a loss
    saving_pct: Decimal | None
    break_even_escalation_sonnet: Decimal | None  # None: the cascade never pays
    calls_per_month: Decimal | None = None
    monthly_saving_usd: Decimal | None = None

    @property
    def pays(self) -> bool:
        return self.saving_usd > 0


def expected_cost(costs: TierCosts, rates: CascadeRates, rework_cost: Decimal) -> Decimal:
    """E[C] of one cascaded call."""
    p_sonnet = rates.escalation_sonnet
    return (
        costs.haiku
        + p_sonnet * costs.sonnet
        + p_sonnet * rates.escalation_opus * costs.opus
        + rates.misroute * rework_cost
    )


def break_even_escalation(
    costs: TierCosts, rates: CascadeRates, rework_cost: Decimal
) -> Decimal | None:
    """P(esc_S) at which the cascade costs exactly flat Sonnet; None when it never pays.

    Above the returned rate the cascade loses; a value above 1 means it pays at any rate.
    """
    slope = costs.sonnet + rates.escalation_opus * costs.opus
    room = costs.flat - costs.haiku - rates.misroute * rework_cost
    if slope <= 0 or room <= 0:
        return None
    return room / slope


def analyze_cascade(
    costs: TierCosts,
    rates: CascadeRates,
    rework_cost: Decimal | None = None,
    calls_per_month: Decimal | None = None,
) -> CascadeResult:
    """Every figure of the comparison, from the tier costs and the rates."""
    rework_source = "given"
    if rework_cost is None:
        rework_cost = costs.haiku + costs.sonnet
        rework_source = "C_haiku + C_sonnet (redo through Haiku, answered by Sonnet)"
    total = expected_cost(costs, rates, rework_cost)
    saving = costs.flat - total
    monthly = None if calls_per_month is None else saving * calls_per_month
    return CascadeResult(
        costs=costs,
        rates=rates,
        rework_cost_usd=rework_cost,
        rework_cost_source=rework_source,
        haiku_term_usd=costs.haiku,
        sonnet_term_usd=rates.escalation_sonnet * costs.sonnet,
        opus_term_usd=rates.escalation_sonnet * rates.escalation_opus * costs.opus,
        rework_term_usd=rates.misroute * rework_cost,
        expected_cost_usd=total,
        flat_sonnet_usd=costs.flat,
        saving_usd=saving,
        saving_pct=(saving / costs.flat) if costs.flat else None,
        break_even_escalation_sonnet=break_even_escalation(costs, rates, rework_cost),
        calls_per_month=calls_per_month,
        monthly_saving_usd=monthly,
    )


# -- inputs ------------------------------------------------------------------------------------


def parse_share(value: Any, name: str) -> Decimal:
    """A rate in 0..1 as a Decimal, or a UserError naming the input."""
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise UserError(f"{name} must be a number between 0 and 1, got {value!r}") from None
    if not share.is_finite() or not 0 <= share <= 1:
        raise UserError(f"{name} must be between 0 and 1, got {value}")
    return share


def parse_usd(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise UserError(f"{name} must be a USD amount, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise UserError(f"{name} must be a non-negative USD amount, got {value}")
    return amount


def _records(data: Any) -> list[dict[str, Any]] | None:
    if isinstance(data, dict):
        for key in ("results", "cases", "calls"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    return None


def _rates_from_records(records: list[dict[str, Any]], where: str) -> CascadeRates:
    if not records:
        raise UserError("no calls recorded", where)
    counts = {tier: 0 for tier in TIERS}
    misrouted = 0
    for index, record in enumerate(records):
        tier = str(record.get("final_tier", record.get("tier", ""))).lower()
        if tier not in counts:
            raise UserError(
                f"record {index + 1}: final_tier must be one of {', '.join(TIERS)}, "
                f"got {tier or 'nothing'!r}",
                where,
            )
        counts[tier] += 1
        misrouted += bool(record.get("misrouted", False))
    calls = len(records)
    reached_sonnet = counts["sonnet"] + counts["opus"]
    return CascadeRates(
        escalation_sonnet=Decimal(reached_sonnet) / calls,
        escalation_opus=(Decimal(counts["opus"]) / reached_sonnet)
        if reached_sonnet
        else Decimal(0),
        misroute=Decimal(misrouted) / calls,
        source=f"measured from {calls} recorded calls in {where}",
        calls_measured=calls,
    )


def _rates_from_counts(data: dict[str, Any], where: str) -> CascadeRates:
    try:
        calls = int(data["calls"])
        sonnet = int(data.get("escalated_to_sonnet", 0))
        opus = int(data.get("escalated_to_opus", 0))
        misrouted = int(data.get("misrouted", 0))
    except (KeyError, TypeError, ValueError):
        raise UserError(
            "expected integer counts: calls, escalated_to_sonnet, escalated_to_opus, misrouted",
            where,
        ) from None
    if calls <= 0 or not 0 <= opus <= sonnet <= calls or not 0 <= misrouted <= calls:
        raise UserError(
            "counts must satisfy 0 <= escalated_to_opus <= escalated_to_sonnet <= calls "
            "and 0 <= misrouted <= calls (calls > 0)",
            where,
        )
    return CascadeRates(
        escalation_sonnet=Decimal(sonnet) / calls,
        escalation_opus=(Decimal(opus) / sonnet) if sonnet else Decimal(0),
        misroute=Decimal(misrouted) / calls,
        source=f"measured from counts of {calls} calls in {where}",
        calls_measured=calls,
    )


def rates_from_file(path: Path) -> CascadeRates:
    """Measured rates from an eval or telemetry results file (formats in the module doc)."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read rates file: {exc}", where) from None
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise UserError(f"not JSON or JSON lines: {exc}", where) from None
    if isinstance(data, dict) and isinstance(data.get("cascade"), dict):
        data = data["cascade"]
    if isinstance(data, dict) and "calls" in data and not isinstance(data["calls"], list):
        return _rates_from_counts(data, where)
    records = _records(data)
    if records is None:
        raise UserError(
            "expected counts {calls, escalated_to_sonnet, escalated_to_opus, misrouted} "
            "or a list of per-call records with final_tier",
            where,
        )
    return _rates_from_records(records, where)


def tier_costs_for_prompt(
    workspace: Any,
    doc: Any,
    counter: Any,
    table: Any,
    models: dict[str, str] | None = None,
    rates: CascadeRates | None = None,
) -> tuple[TierCosts, Decimal | None]:
    """Price one prompt's rendered request on each tier's model.

    Returns the tier costs and the prompt's expected calls per month (None without a charter).
    The same blocks are recounted for each model (a tokenizer or tool overhead may differ) and
    priced with that model's cache minimum, so a prefix too short for one tier is uncached there.
    Upper tiers see only the escalated share of the traffic, so their caches are warm less
    often: each is priced at the hit rate its own traffic gives under the Poisson model (never
    above the charter's), while flat Sonnet keeps the full traffic's rate.
    """
    from promptops.pricing.cache_economics import hit_probability
    from promptops.pricing.cost import (
        billed_output,
        call_cost,
        count_layout,
        max_tokens_of,
        scenarios_for,
    )
    from promptops.render import layout

    models = {**DEFAULT_TIER_MODELS, **(models or {})}
    rendered = layout(doc.data, workspace.tools_for(doc))
    charter_doc = workspace.charter_for(doc)
    scenario = scenarios_for(charter_doc.data if charter_doc else None, doc.id, doc.data)[0]
    budget = int((doc.data.get("thinking") or {}).get("budget_tokens") or 0)
    output, thinking = billed_output(scenario.output_tokens, budget, max_tokens_of(doc.data)[0])
    shares = {"haiku": Decimal(1), "sonnet": Decimal(1), "opus": Decimal(1)}
    if rates is not None:
        shares["sonnet"] = rates.escalation_sonnet
        shares["opus"] = rates.escalation_sonnet * rates.escalation_opus
    figures: dict[str, Decimal] = {}
    resolved: dict[str, str] = {}
    hit_rates: dict[str, Decimal] = {}
    flat = None
    for tier in TIERS:
        prices = table.get(models[tier])
        tokens = count_layout(doc.data, rendered.blocks, counter, prices)
        tier_thinking = thinking if prices.thinking_budget else 0
        hit = scenario.cache_hit_rate
        readable = [bp for bp in tokens.breakpoints if bp.readable]
        if charter_doc is not None and readable and shares[tier] < 1:
            ttl = readable[-1].ttl
            reachable = hit_probability(float(scenario.calls_per_month * shares[tier]), ttl)
            hit = min(hit, Decimal(str(round(reachable, 6))))
        hit_rates[tier] = hit
        cost = call_cost(tokens, prices, hit, output, tier_thinking, scenario.batch_share)
        figures[tier] = cost.total
        resolved[tier] = prices.model
        if tier == "sonnet":
            flat = call_cost(
                tokens, prices, scenario.cache_hit_rate, output, tier_thinking, scenario.batch_share
            ).total
    calls = scenario.calls_per_month if charter_doc is not None else None
    rates_text = ", ".join(f"{t} {hit_rates[t]}" for t in TIERS)
    source = (
        f"prompt {doc.id}: rendered request priced on each tier at cache hit rates {rates_text} "
        f"(upper tiers: the Poisson hit rate of their escalated traffic) and {output} output "
        "tokens"
    )
    return (
        TierCosts(figures["haiku"], figures["sonnet"], figures["opus"], resolved, source, flat),
        calls,
    )
