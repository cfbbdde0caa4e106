"""Cost model figures against hand-computed ones (DESIGN.md's worked example and more)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promptops.pricing.cost import call_cost, input_tokens, scenarios_for
from promptops.pricing.table import PriceTable
from promptops.render import Block
from promptops.tokens.counting import BlockCount

TABLE = PriceTable()
MICRO = Decimal("0.000001")


def _blocks(*spec: tuple[str, int, str | None]) -> tuple[list[Block], list[BlockCount]]:
    blocks = [Block(part, f"{part}{i}", (part, i), ttl) for i, (part, _, ttl) in enumerate(spec)]
    counts = [BlockCount(tokens, False) for _, tokens, _ in spec]
    return blocks, counts


def test_design_worked_example_haiku_5m_prefix_at_80_percent() -> None:
    prices = TABLE.get("claude-haiku-4-5")
    blocks, counts = _blocks(("system", 5000, "5m"), ("messages", 500, None))
    tokens = input_tokens(blocks, counts, prices)
    assert tokens.parts["system"].cached_5m == 5000
    assert tokens.parts["messages"].uncached == 500
    cost = call_cost(tokens, prices, Decimal("0.8"), output_tokens=300)
    # 5,000 × (0.8 × 0.10 + 0.2 × 1.25) + 500 × 1.00 + 300 × 5.00 = 1,650 + 500 + 1,500 µ$
    assert cost.total / MICRO == Decimal(3650)
    assert cost.cache_read / MICRO == Decimal(400)
    assert cost.cache_write / MICRO == Decimal(1250)
    assert cost.total * 1_000_000 == Decimal("3650.00")
    assert cost.total * 3_000_000 == Decimal("10950.00")


def test_one_hour_ttl_writes_at_twice_the_input_price() -> None:
    prices = TABLE.get("claude-haiku-4-5")
    blocks, counts = _blocks(("system", 5000, "1h"), ("messages", 500, None))
    tokens = input_tokens(blocks, counts, prices)
    assert tokens.parts["system"].cached_1h == 5000
    cost = call_cost(tokens, prices, Decimal("0.8"), output_tokens=300)
    # 5,000 × (0.8 × 0.10 + 0.2 × 2.00) + 500 + 1,500 = 2,400 + 2,000 µ$
    assert cost.total / MICRO == Decimal(4400)


def test_mixed_ttls_bill_each_segment_at_its_own_write_price() -> None:
    prices = TABLE.get("claude-sonnet-4-6")  # $3 in, write 5m $3.75, 1h $6, read $0.30
    blocks, counts = _blocks(
        ("system", 2000, "1h"), ("system", 1000, "5m"), ("messages", 100, None)
    )
    tokens = input_tokens(blocks, counts, prices)
    assert (tokens.parts["system"].cached_1h, tokens.parts["system"].cached_5m) == (2000, 1000)
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=0)
    # 2000×(0.5×0.30+0.5×6) + 1000×(0.5×0.30+0.5×3.75) + 100×3 = 6300 + 2025 + 300 µ$
    assert cost.total / MICRO == Decimal(8625)


def test_opus_with_thinking_bills_thinking_as_output() -> None:
    prices = TABLE.get("claude-opus-4-6")  # $5 in, $25 out
    blocks, counts = _blocks(("system", 2500, None), ("messages", 500, None))
    tokens = input_tokens(blocks, counts, prices)
    cost = call_cost(tokens, prices, Decimal(0), output_tokens=500, thinking_tokens=2048)
    # 3,000 × 5 + 500 × 25 + 2,048 × 25 = 15,000 + 12,500 + 51,200 µ$
    assert cost.thinking / MICRO == Decimal(51200)
    assert cost.total / MICRO == Decimal(78700)


def test_tool_overhead_is_part_of_the_cached_tools_segment() -> None:
    prices = TABLE.get("claude-haiku-4-5")
    assert prices.tool_overhead_tokens == 496
    blocks = [
        Block("tools", "{}", ("tools", 0), None, "lookup"),
        Block("system", "policy", ("system", 0, "text"), "5m"),
        Block("messages", "hi", ("messages", 0, "content"), None),
    ]
    counts = [BlockCount(200, False), BlockCount(4000, False), BlockCount(100, False)]
    tokens = input_tokens(blocks, counts, prices)
    assert tokens.tool_overhead == 496
    assert tokens.parts["tools"].cached_5m == 696
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=200)
    # (696 + 4,000) × (0.5 × 0.10 + 0.5 × 1.25) + 100 × 1 + 200 × 5 = 3,169.8 + 100 + 1,000 µ$
    assert cost.total / MICRO == Decimal("4269.8")


def test_prefix_below_minimum_is_not_cached() -> None:
    prices = TABLE.get("claude-haiku-4-5")  # minimum cacheable 4,096
    blocks, counts = _blocks(("system", 3000, "5m"), ("messages", 100, None))
    tokens = input_tokens(blocks, counts, prices)
    assert tokens.cached == 0
    assert tokens.breakpoints[0].effective is False
    assert tokens.cached_prefix_hash is None
    cost = call_cost(tokens, prices, Decimal("0.9"), output_tokens=0)
    assert cost.total / MICRO == Decimal(3100)


def test_scenarios_from_charter_with_share_and_overrides() -> None:
    charter = {
        "scenarios": {
            "expected": {"calls_per_month": 200000, "cache_hit_rate": 0.9, "output_tokens": 250},
            "stretch": {"multiplier": 2},
            "runaway": {"multiplier": 10, "kill_switch_usd": 9000, "cache_hit_rate": 0.2},
            "prompts": {"a": 0.25},
        }
    }
    expected, stretch, runaway = scenarios_for(charter, "a", {"max_output_tokens": 999})
    assert expected.calls_per_month == Decimal(50000)
    assert stretch.calls_per_month == Decimal(100000)
    assert runaway.calls_per_month == Decimal(500000)
    assert runaway.cache_hit_rate == Decimal("0.2")
    assert stretch.cache_hit_rate == Decimal("0.9")
    assert runaway.kill_switch_usd == Decimal(9000)
    assert expected.output_tokens == 250


def test_default_multipliers_are_3_and_15() -> None:
    charter = {"scenarios": {"expected": {"calls_per_month": 10}}}
    names = [(s.name, s.calls_per_month) for s in scenarios_for(charter, "p", {})]
    assert names == [("expected", 10), ("stretch", 30), ("runaway", 150)]


@pytest.mark.parametrize("model", ["claude-haiku-4-5", "claude-haiku-4-5-20251001"])
def test_alias_and_dated_id_price_the_same(model: str) -> None:
    assert TABLE.get(model).input == Decimal(1)


def test_prefix_after_a_variable_is_written_on_every_call() -> None:
    prices = TABLE.get("claude-sonnet-4-6")  # $3 in, 5m write $3.75, read $0.30
    blocks = [
        Block("system", "static", ("system", 0, "text"), None),
        Block("system", "Hello {{ name }}", ("system", 1, "text"), "5m", templated=True),
    ]
    tokens = input_tokens(blocks, [BlockCount(600, False), BlockCount(600, False)], prices)
    assert (tokens.parts["system"].cached_5m, tokens.parts["system"].written_5m) == (600, 600)
    assert tokens.written == 600 and tokens.cached == 1200
    cost = call_cost(tokens, prices, Decimal("0.8"), output_tokens=0)
    # 600 × (0.8 × 0.30 + 0.2 × 3.75) + 600 × 3.75 = 594 + 2,250 µ$: the variable's block never hits
    assert cost.total / MICRO == Decimal(2844)
