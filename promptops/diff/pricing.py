"""Price one prompt for the diff: the core estimate, plus the cost of a per-call prefix.

The core cost model prices the whole cached prefix at the charter's hit rate. A template
variable inside the cached prefix makes the prefix from that variable's block up to the last
breakpoint different on every call: those tokens are written on every call and never read
(PO101). So at hit rate h the core under-prices them by ``h × (write − read)`` per token; this
module adds exactly that, per part and per TTL, so that moving a variable into the prefix
shows the cost it really has. (Core change proposed in notes/diff.md: do this inside
`estimate_prompt` so `tokens` and `diff` agree.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.estimate import estimate_prompt
from promptops.pricing.cost import CallCost, InputTokens
from promptops.pricing.table import MILLION, ModelPrices, PriceTable
from promptops.render import Block, layout, template_refs
from promptops.report.model import PromptEstimate, ScenarioCost
from promptops.tokens.counting import TokenCounter


@dataclass(frozen=True)
class PricedPrompt:
    """A prompt's core estimate (volatile prefix included) and its layout facts."""

    estimate: PromptEstimate
    volatile_prefix_tokens: dict[tuple[str, str], int]  # (part, ttl) -> tokens written per call
    prices: ModelPrices

    @property
    def volatile_total(self) -> int:
        return sum(self.volatile_prefix_tokens.values())


def volatile_prefix(
    prompt_data: dict, blocks: list[Block], sizes: list[int], tokens: InputTokens
) -> dict[tuple[str, str], int]:
    """Tokens of cached blocks at or after the first templated block, by (part, ttl)."""
    refs = template_refs(prompt_data)
    if not refs or not tokens.breakpoints:
        return {}
    first_variable_block = min(ref.block for ref in refs)
    effective = iter(tokens.breakpoints)
    cached_at: list[tuple[int, str]] = []
    for i, block in enumerate(blocks):
        if block.breakpoint:
            bp = next(effective, None)
            if bp is not None and bp.effective:
                cached_at.append((i, block.breakpoint))
    if not cached_at:
        return {}
    last_cached = cached_at[-1][0]
    result: dict[tuple[str, str], int] = {}
    for i in range(first_variable_block, last_cached + 1):
        ttl = next(t for idx, t in cached_at if idx >= i)
        key = (blocks[i].part, ttl)
        result[key] = result.get(key, 0) + sizes[i]
    return result


def _surcharge(volatile: dict[tuple[str, str], int], prices: ModelPrices, hit: Decimal) -> Decimal:
    total = Decimal(0)
    for (_, ttl), count in volatile.items():
        total += Decimal(count) * hit * (prices.cache_write(ttl) - prices.cache_read) / MILLION
    return total


def _adjust_call(
    call: CallCost, volatile: dict[tuple[str, str], int], prices: ModelPrices, hit: Decimal
) -> CallCost:
    by_part = dict(call.by_part)
    read = write = Decimal(0)
    for (part, ttl), count in volatile.items():
        part_read = Decimal(count) * hit * prices.cache_read / MILLION
        part_write = Decimal(count) * hit * prices.cache_write(ttl) / MILLION
        by_part[part] = by_part.get(part, Decimal(0)) - part_read + part_write
        read += part_read
        write += part_write
    return replace(
        call,
        by_part=by_part,
        cache_read=call.cache_read - read,
        cache_write=call.cache_write + write,
    )


def _adjust_scenario(
    s: ScenarioCost, volatile: dict[tuple[str, str], int], prices: ModelPrices
) -> ScenarioCost:
    extra = _surcharge(volatile, prices, s.cache_hit_rate)
    effective = s.effective_monthly_usd
    if effective is not None and prices.effective is not None:
        effective += _surcharge(volatile, prices.effective, s.cache_hit_rate) * s.calls_per_month
    per_call = s.cost_per_call_usd + extra
    return replace(
        s,
        cost_per_call_usd=per_call,
        monthly_usd=per_call * s.calls_per_month,
        effective_monthly_usd=effective,
    )


def price_prompt(
    workspace: Workspace, doc: Document, counter: TokenCounter, table: PriceTable
) -> PricedPrompt:
    """The diff's price of one prompt (raises UnknownModelError like the core)."""
    estimate = estimate_prompt(workspace, doc, counter, table)
    prices = table.get(str(doc.data.get("model", "")))
    rendered = layout(doc.data, workspace.tools_for(doc))
    counts = counter.count_blocks(prices.model, rendered.blocks, prices.tool_overhead_tokens)
    sizes = [c.tokens for c in counts]
    if estimate.tokens.tool_overhead:
        first_tool = next(i for i, b in enumerate(rendered.blocks) if b.part == "tools")
        sizes[first_tool] += estimate.tokens.tool_overhead
    volatile = volatile_prefix(doc.data, rendered.blocks, sizes, estimate.tokens)
    if volatile:
        hit = estimate.scenarios[0].cache_hit_rate if estimate.scenarios else Decimal(0)
        estimate = replace(
            estimate,
            call=_adjust_call(estimate.call, volatile, prices, hit),
            scenarios=tuple(_adjust_scenario(s, volatile, prices) for s in estimate.scenarios),
        )
    return PricedPrompt(estimate, volatile, prices)
