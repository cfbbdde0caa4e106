"""Price a workspace: every prompt rendered at its expected variable sizes, counted, costed
per call and per month for its charter's scenarios, and summed per workload against budgets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops import __version__
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import UnknownModelError
from promptops.pricing.cost import SCENARIOS, call_cost, input_tokens, scenarios_for
from promptops.pricing.table import PriceTable
from promptops.render import layout
from promptops.report.model import (
    PromptEstimate,
    Provenance,
    ScenarioCost,
    TokensReport,
    WorkloadEstimate,
)
from promptops.tokens.counting import TokenCounter


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def estimate_prompt(
    workspace: Workspace,
    doc: Document,
    counter: TokenCounter,
    table: PriceTable,
    values: dict[str, Any] | None = None,
) -> PromptEstimate:
    """Tokens and cost of one prompt document."""
    data = doc.data
    model = str(data.get("model", ""))
    try:
        prices = table.get(model)
    except UnknownModelError as exc:
        span = doc.value_span("model")
        raise UnknownModelError(exc.message, doc.path, span.line) from None
    rendered = layout(data, workspace.tools_for(doc), values)
    counts = counter.count_blocks(prices.model, rendered.blocks, prices.tool_overhead_tokens)
    tokens = input_tokens(rendered.blocks, counts, prices)
    thinking = int((data.get("thinking") or {}).get("budget_tokens") or 0)

    charter_doc = workspace.charter_for(doc)
    charter = charter_doc.data if charter_doc else None
    budgets = (charter or {}).get("budgets") or {}
    scenario_costs = []
    calls = []
    scenarios = scenarios_for(charter, doc.id, data)
    for scenario in scenarios:
        per_call = call_cost(
            tokens, prices, scenario.cache_hit_rate, scenario.output_tokens, thinking
        )
        effective_monthly = None
        if prices.effective is not None:
            effective_call = call_cost(
                tokens, prices.effective, scenario.cache_hit_rate, scenario.output_tokens, thinking
            )
            effective_monthly = effective_call.total * scenario.calls_per_month
        calls.append(per_call)
        scenario_costs.append(
            ScenarioCost(
                name=scenario.name,
                calls_per_month=scenario.calls_per_month,
                cache_hit_rate=scenario.cache_hit_rate,
                output_tokens=scenario.output_tokens,
                cost_per_call_usd=per_call.total,
                monthly_usd=per_call.total * scenario.calls_per_month,
                effective_monthly_usd=effective_monthly,
                kill_switch_usd=scenario.kill_switch_usd,
            )
        )
    first = scenarios[0]  # expected, or per-call without a charter
    return PromptEstimate(
        id=doc.id,
        version=doc.version,
        path=doc.path,
        model=prices.model,
        workload=str(data["workload"]) if data.get("workload") is not None else None,
        tokens=tokens,
        output_tokens=first.output_tokens,
        thinking_tokens=thinking,
        call=calls[0],
        scenarios=tuple(scenario_costs),
        assumptions=first.assumptions,
        max_input_tokens=budgets.get("max_input_tokens_per_call"),
        max_cost_per_call_usd=_decimal_or_none(budgets.get("max_cost_per_call_usd")),
        content_hash=doc.content_hash,
    )


def estimate_workloads(
    workspace: Workspace, prompts: list[PromptEstimate]
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
    prompts = [estimate_prompt(workspace, d, counter, table) for d in workspace.of_kind("prompt")]
    workloads = estimate_workloads(workspace, prompts)
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
    )
