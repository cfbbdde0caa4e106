"""Price a workspace: every prompt rendered at its expected variable sizes, counted, costed
per call and per month for its charter's scenarios, and summed per workload against budgets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops import __version__
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import NotPricedError, UnknownModelError, UserError
from promptops.figures import (
    PromptEstimate,
    Provenance,
    ScenarioCost,
    TokensReport,
    Unpriced,
    WorkloadEstimate,
)
from promptops.pricing.cost import (
    SCENARIOS,
    billed_output,
    call_cost,
    count_layout,
    max_tokens_of,
    scenarios_for,
)
from promptops.pricing.table import ModelPrices, PriceTable
from promptops.render import layout
from promptops.tokens.counting import TokenCounter


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def estimate_prompt(
    workspace: Workspace,
    doc: Document,
    counter: TokenCounter,
    table: PriceTable,
    values: dict[str, Any] | None = None,
    charter_override: dict[str, Any] | None = None,
) -> PromptEstimate:
    """Tokens and cost of one prompt document (UnknownModelError names its file and line).

    `charter_override` prices the prompt against other charter values than its file's (what
    `calibrate` does to put a price on each gap between assumption and measurement)."""
    data = doc.data
    model = str(data.get("model", ""))
    try:
        prices = table.get(model)
    except UnknownModelError as exc:
        span = doc.value_span("model")
        raise UnknownModelError(exc.message, doc.path, span.line) from None
    try:
        rendered = layout(data, workspace.tools_for(doc), values)
    except UserError as exc:  # an undefined tool: PO003 reports it too
        raise NotPricedError(exc.message, doc.path, exc.line or 1) from None
    tokens = count_layout(data, rendered.blocks, counter, prices)
    budget = int((data.get("thinking") or {}).get("budget_tokens") or 0)
    notes: list[str] = []
    if budget and not prices.thinking_budget:
        notes.append(
            f"{prices.model} rejects thinking.budget_tokens (HTTP 400; PO309): thinking not priced"
        )
        budget = 0
    max_tokens, _ = max_tokens_of(data)

    charter_doc = workspace.charter_for(doc)
    charter = charter_override or (charter_doc.data if charter_doc else None)
    budgets = (charter or {}).get("budgets") or {}
    scenario_costs = []
    calls = []
    billed = []
    scenarios = scenarios_for(charter, doc.id, data)
    for scenario in scenarios:
        output, thinking = billed_output(scenario.output_tokens, budget, max_tokens)
        billed.append((output, thinking))
        per_call = call_cost(
            tokens, prices, scenario.cache_hit_rate, output, thinking, scenario.batch_share
        )
        effective_monthly = None
        if prices.effective is not None:
            effective_call = call_cost(
                tokens,
                prices.effective,
                scenario.cache_hit_rate,
                output,
                thinking,
                scenario.batch_share,
            )
            effective_monthly = effective_call.total * scenario.calls_per_month
        calls.append(per_call)
        scenario_costs.append(
            ScenarioCost(
                name=scenario.name,
                calls_per_month=scenario.calls_per_month,
                cache_hit_rate=scenario.cache_hit_rate,
                output_tokens=output,
                cost_per_call_usd=per_call.total,
                monthly_usd=per_call.total * scenario.calls_per_month,
                effective_monthly_usd=effective_monthly,
                kill_switch_usd=scenario.kill_switch_usd,
                batch_share=scenario.batch_share,
            )
        )
    first = scenarios[0]  # expected, or per-call without a charter
    if billed[0][0] + billed[0][1] < first.output_tokens + budget:
        notes.append(
            f"output + thinking capped at max_tokens {max_tokens:,} "
            f"(thinking counts toward it): {billed[0][0] + billed[0][1]:,} output tokens billed"
        )
    return PromptEstimate(
        id=doc.id,
        version=doc.version,
        path=doc.path,
        model=prices.model,
        workload=str(data["workload"]) if data.get("workload") is not None else None,
        tokens=tokens,
        output_tokens=billed[0][0],
        thinking_tokens=billed[0][1],
        call=calls[0],
        scenarios=tuple(scenario_costs),
        assumptions=(*first.assumptions, *notes),
        max_input_tokens=budgets.get("max_input_tokens_per_call"),
        max_cost_per_call_usd=_decimal_or_none(budgets.get("max_cost_per_call_usd")),
        content_hash=doc.content_hash,
        cache_multipliers=cache_multipliers(prices),
    )


def cache_multipliers(prices: ModelPrices) -> dict[str, Decimal]:
    """The model's cache prices relative to input (what the cache cliff weighs)."""
    base = prices.input or Decimal(1)
    return {
        "read": prices.cache_read / base,
        "write_5m": prices.cache_write_5m / base,
        "write_1h": prices.cache_write_1h / base,
    }


def estimate_workloads(
    workspace: Workspace, prompts: list[PromptEstimate], unpriced: list[Unpriced] | None = None
) -> list[WorkloadEstimate]:
    """Sum each charter's prompts per scenario and compare with its monthly budgets."""
    result = []
    for charter in workspace.of_kind("charter"):
        members = [p for p in prompts if p.workload == charter.id]
        budgets = (charter.data.get("budgets") or {}).get("monthly_usd") or {}
        kill = ((charter.data.get("scenarios") or {}).get("runaway") or {}).get("kill_switch_usd")
        scenarios = []
        for name in SCENARIOS:
            rows = [s for p in members if (s := p.scenario(name)) is not None]
            calls = sum((s.calls_per_month for s in rows), Decimal(0))
            monthly = sum((s.monthly_usd for s in rows), Decimal(0))
            # A workload mixing discounted and list-priced models: the latter count at book.
            any_effective = any(s.effective_monthly_usd is not None for s in rows)
            effective = [
                s.monthly_usd if s.effective_monthly_usd is None else s.effective_monthly_usd
                for s in rows
                if any_effective
            ]
            budget = _decimal_or_none(budgets.get(name))
            scenarios.append(
                ScenarioCost(
                    name=name,
                    calls_per_month=calls,
                    cache_hit_rate=rows[0].cache_hit_rate if rows else Decimal(0),
                    output_tokens=rows[0].output_tokens if rows else 0,
                    cost_per_call_usd=(monthly / calls) if calls else Decimal(0),
                    monthly_usd=monthly,
                    effective_monthly_usd=sum(effective, Decimal(0)) if effective else None,
                    budget_usd=budget,
                    headroom_usd=None if budget is None else budget - monthly,
                    kill_switch_usd=_decimal_or_none(kill) if name == "runaway" else None,
                )
            )
        result.append(
            WorkloadEstimate(
                id=charter.id,
                owner=charter.data.get("owner"),
                path=charter.path,
                prompts=tuple(p.id for p in members),
                scenarios=tuple(scenarios),
                unpriced=tuple(u.id for u in unpriced or () if u.workload == charter.id),
            )
        )
    return result


def provenance(
    table: PriceTable, counter: TokenCounter, prompts: list[PromptEstimate]
) -> Provenance:
    return provenance_of(table, counter, [p.tokens.exact for p in prompts])


def provenance_of(table: PriceTable, counter: TokenCounter, exactness: list[str]) -> Provenance:
    """Where the numbers come from, given each figure's exactness (exact/estimate/mixed)."""
    kinds = set(exactness)
    counts = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "estimate")
    return Provenance(
        price_table_date=table.date,
        tokenizer=counter.label,
        counts=counts,
        prices_overridden=table.overridden,
        promptops_version=__version__,
    )


def estimate_workspace(
    workspace: Workspace, counter: TokenCounter, table: PriceTable | None = None
) -> TokensReport:
    """Price every valid targeted prompt; workloads cover all prompts of each charter."""
    table = table or PriceTable.from_config(workspace.config)
    prompts: list[PromptEstimate] = []
    unpriced: list[Unpriced] = []
    for doc in workspace.of_kind("prompt"):
        try:
            prompts.append(estimate_prompt(workspace, doc, counter, table))
        except NotPricedError as exc:  # an unknown model, an undefined tool: this prompt only
            workload = doc.data.get("workload")
            unpriced.append(
                Unpriced(
                    doc.id,
                    doc.path,
                    exc.line or 1,
                    exc.message,
                    None if workload is None else str(workload),
                )
            )
    workloads = estimate_workloads(workspace, prompts, unpriced)
    shown = [p for p in prompts if workspace.is_target(p.path)]
    targeted_workloads = {p.workload for p in shown}
    if workspace.targets is not None:
        workloads = [
            w for w in workloads if w.id in targeted_workloads or workspace.is_target(w.path)
        ]
    return TokensReport(
        provenance=provenance(table, counter, prompts),
        prompts=tuple(shown),
        workloads=tuple(workloads),
        unpriced=tuple(u for u in unpriced if workspace.is_target(u.path)),
    )
