"""Cost model figures against hand-computed ones (DESIGN.md's worked example, and each billing
rule of issue "Money that matches the invoice": every figure below is worked out by hand from
Anthropic's published prices, in micro-dollars per call)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from promptops.pricing.cost import (
    Usage,
    billed_output,
    call_cost,
    cost_of,
    input_tokens,
    scenarios_for,
)
from promptops.pricing.table import ModelPrices, PriceTable
from promptops.render import Block
from promptops.text.formatting import usd
from promptops.tokens.counting import BlockCount

MICRO = Decimal("0.000001")


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> PriceTable:
    return PriceTable(cache_dir=tmp_path_factory.mktemp("prices"))


def _layout(
    prices: ModelPrices, *spec: tuple[str, int, str | None, bool], choice: str | None = None
) -> object:
    """Blocks of (part, tokens, breakpoint ttl, holds a per-call value)."""
    blocks = [
        Block(part, f"{part}{i}", (part, i), ttl, varies=varies)
        for i, (part, _, ttl, varies) in enumerate(spec)
    ]
    counts = [BlockCount(tokens, False) for _, tokens, _, _ in spec]
    return input_tokens(blocks, counts, prices.min_cacheable_tokens, prices.tool_overhead(choice))


def micro(value: Decimal) -> Decimal:
    return value / MICRO


def test_design_worked_example_haiku_5m_prefix_at_80_percent(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")
    tokens = _layout(prices, ("system", 5000, "5m", False), ("messages", 500, None, False))
    assert tokens.parts["system"].cached_5m == 5000
    assert tokens.parts["messages"].uncached == 500
    cost = call_cost(tokens, prices, Decimal("0.8"), output_tokens=300)
    # 5,000 × (0.8 × 0.10 + 0.2 × 1.25) + 500 × 1.00 + 300 × 5.00 = 1,650 + 500 + 1,500 µ$
    assert micro(cost.total) == 3650
    assert micro(cost.cache_read) == 400 and micro(cost.cache_write) == 1250
    assert cost.total * 1_000_000 == Decimal("3650.00")


def test_r1_static_text_before_a_variable_is_written_every_call(table: PriceTable) -> None:
    """Issue R1: Haiku 4.5, 5,000 static tokens then `{{ account_id }}` (3 tokens) in its only
    cached block, a 16-token user message, 200 output tokens, 300,000 calls at 90% hits."""
    prices = table.get("claude-haiku-4-5")
    tokens = _layout(prices, ("system", 5003, "5m", True), ("messages", 16, None, False))
    assert tokens.readable == 0 and tokens.written == 5003
    assert tokens.cached_prefix_hash is None  # nothing can ever be read
    assert not tokens.breakpoints[0].readable and tokens.breakpoints[0].rewritten_every_call
    cost = call_cost(tokens, prices, Decimal("0.9"), output_tokens=200)
    # 5,003 × 1.25 + 16 × 1 + 200 × 5 = 6,253.75 + 16 + 1,000 = 7,269.75 µ$ whatever the hit rate
    assert micro(cost.total) == Decimal("7269.75")
    assert cost.cache_read == 0
    assert cost.total * 300_000 == Decimal("2180.925")
    assert usd(cost.total * 300_000) == "$2,180.93"  # what the report shows (half up)


def test_only_an_earlier_stable_breakpoint_is_read(table: PriceTable) -> None:
    prices = table.get("claude-sonnet-4-6")  # $3 in, 5m write $3.75, read $0.30, min 1,024
    tokens = _layout(
        prices,
        ("system", 2000, "5m", False),  # A: stable, readable
        ("system", 600, "5m", True),  # C: holds a variable: written every call
        ("messages", 100, None, True),
    )
    assert [bp.readable for bp in tokens.breakpoints] == [True, False]
    assert tokens.parts["system"].cached_5m == 2000 and tokens.parts["system"].written_5m == 600
    cost = call_cost(tokens, prices, Decimal("0.8"), output_tokens=0)
    # 2,000 × (0.8 × 0.30 + 0.2 × 3.75) + 600 × 3.75 + 100 × 3 = 1,980 + 2,250 + 300 µ$
    assert micro(cost.total) == 4530


def test_variable_in_tools_free_system_after_stable_tools_breakpoint(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")  # overhead 496 (auto), min 4,096
    tokens = _layout(
        prices,
        ("tools", 4000, "5m", False),  # 4,496 with the overhead: effective and stable
        ("system", 300, "1h", True),  # the later 1h breakpoint holds a variable
        ("messages", 50, None, False),
    )
    # A = the tools breakpoint; B = the 1h system breakpoint: everything up to it is 1h priced
    assert tokens.parts["tools"].cached_1h == 4496
    assert tokens.parts["system"].written_1h == 300
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=0)
    # 4,496 × (0.5 × 0.10 + 0.5 × 2.00) + 300 × 2.00 + 50 × 1 = 4,720.8 + 600 + 50 µ$
    assert micro(cost.total) == Decimal("5370.8")


def test_mixed_ttls_bill_each_segment_at_its_own_write_price(table: PriceTable) -> None:
    prices = table.get("claude-sonnet-4-6")
    tokens = _layout(
        prices,
        ("system", 2000, "1h", False),
        ("system", 1000, "5m", False),
        ("messages", 100, None, False),
    )
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=0)
    # 2000×(0.5×0.30+0.5×6) + 1000×(0.5×0.30+0.5×3.75) + 100×3 = 6300 + 2025 + 300 µ$
    assert micro(cost.total) == 8625


def test_prefix_below_minimum_is_not_cached(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")  # minimum cacheable 4,096
    tokens = _layout(prices, ("system", 3000, "5m", False), ("messages", 100, None, False))
    assert tokens.cached == 0 and tokens.breakpoints[0].effective is False
    assert micro(call_cost(tokens, prices, Decimal("0.9"), output_tokens=0).total) == 3100


def test_a_variable_under_a_breakpoint_below_the_minimum_is_plain_input(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")
    tokens = _layout(prices, ("system", 3000, "5m", True), ("messages", 100, None, False))
    assert tokens.written == 0 and tokens.uncached == 3100


def test_r2_output_and_thinking_never_exceed_max_tokens(table: PriceTable) -> None:
    """Issue R2: Opus 4.6, max_output_tokens 8,000, thinking budget 6,000, no charter."""
    prices = table.get("claude-opus-4-6")
    (scenario,) = scenarios_for(None, "p", {"max_output_tokens": 8000})
    output, thinking = billed_output(scenario.output_tokens, 6000, 8000)
    assert (output, thinking) == (2000, 6000)
    tokens = _layout(prices, ("messages", 8, None, False))
    cost = call_cost(tokens, prices, scenario.cache_hit_rate, output, thinking)
    # 8 × 5 + 8,000 × 25 = 200,040 µ$ = $0.20004 (not 14,000 output tokens, $0.35004)
    assert micro(cost.total) == 200040


def test_no_max_output_tokens_prices_the_requests_default_and_says_so() -> None:
    (scenario,) = scenarios_for(None, "p", {})
    assert scenario.output_tokens == 1024
    assert "default max_tokens (1,024)" in scenario.assumptions[0]
    charter = {"scenarios": {"expected": {"calls_per_month": 10}}}
    expected = scenarios_for(charter, "p", {})[0]
    assert expected.output_tokens == 1024
    assert any("max_tokens (1,024)" in a for a in expected.assumptions)


def test_charter_output_plus_thinking_is_capped() -> None:
    assert billed_output(500, 6000, 8000) == (500, 6000)
    assert billed_output(3000, 6000, 8000) == (2000, 6000)


@pytest.mark.parametrize(
    ("model", "choice", "overhead"),
    [
        ("claude-opus-4-8", None, 290),
        ("claude-opus-4-8", "any", 410),
        ("claude-sonnet-5", "auto", 354),
        ("claude-sonnet-5", "tool", 474),
        ("claude-haiku-4-5", "none", 496),
        ("claude-haiku-4-5", "any", 588),
    ],
)
def test_tool_choice_picks_the_published_overhead(
    table: PriceTable, model: str, choice: str | None, overhead: int
) -> None:
    prices = table.get(model)
    tokens = _layout(prices, ("tools", 100, None, False), choice=choice)
    assert tokens.tool_overhead == overhead
    assert tokens.parts["tools"].uncached == 100 + overhead


def test_tool_overhead_is_part_of_the_cached_tools_segment(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")
    tokens = _layout(
        prices,
        ("tools", 200, None, False),
        ("system", 4000, "5m", False),
        ("messages", 100, None, False),
    )
    assert tokens.parts["tools"].cached_5m == 696
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=200)
    # (696 + 4,000) × (0.5 × 0.10 + 0.5 × 1.25) + 100 × 1 + 200 × 5 = 3,169.8 + 100 + 1,000 µ$
    assert micro(cost.total) == Decimal("4269.8")


@pytest.mark.parametrize(
    ("model", "read", "minimum"),
    [
        ("claude-opus-5-5", "0.2", 512),
        ("claude-sonnet-5-5", "0.1", 1024),
        ("claude-haiku-5-5", "0.01", 4096),
        ("claude-fable-5-1", "0.25", 512),
    ],
)
def test_current_models_are_priced_with_their_own_read_price(
    table: PriceTable, model: str, read: str, minimum: int
) -> None:
    prices = table.get(model)
    assert prices.cache_read == Decimal(read) and prices.min_cacheable_tokens == minimum


def test_opus_5_5_reads_at_its_published_0_05x(table: PriceTable) -> None:
    prices = table.get("claude-opus-5-5")  # $4 in, read $0.20, 5m write $5, min 512
    tokens = _layout(prices, ("system", 1000, "5m", False), ("messages", 100, None, False))
    cost = call_cost(tokens, prices, Decimal("0.9"), output_tokens=100)
    # 1,000 × (0.9 × 0.20 + 0.1 × 5) + 100 × 4 + 100 × 20 = 680 + 400 + 2,000 µ$
    assert micro(cost.total) == 3080


def test_haiku_5_5_above_100k_input_tokens_bills_the_whole_call_at_the_tier(
    table: PriceTable,
) -> None:
    prices = table.get("claude-haiku-5-5")
    small = cost_of(Usage(input_tokens=100_000, output_tokens=1000), prices)
    # 100,000 × 0.10 + 1,000 × 0.50 = 10,500 µ$ (not above the threshold)
    assert micro(small.total) == 10500
    tokens = _layout(prices, ("system", 110_000, "5m", False), ("messages", 2000, None, False))
    cost = call_cost(tokens, prices, Decimal("0.5"), output_tokens=1000)
    # 112,000 input tokens > 100,000: every token at 0.50 in / 0.05 read / 0.625 write / 2.50 out
    # 110,000 × (0.5 × 0.05 + 0.5 × 0.625) + 2,000 × 0.50 + 1,000 × 2.50
    # = 37,125 + 1,000 + 2,500 µ$
    assert micro(cost.total) == 40625


def test_batch_share_stacks_with_cache_multipliers(table: PriceTable) -> None:
    prices = table.get("claude-haiku-4-5")
    tokens = _layout(prices, ("system", 5000, "5m", False), ("messages", 500, None, False))
    standard = call_cost(tokens, prices, Decimal("0.8"), output_tokens=300)
    batched = call_cost(tokens, prices, Decimal("0.8"), 300, batch_share=Decimal(1))
    half = call_cost(tokens, prices, Decimal("0.8"), 300, batch_share=Decimal("0.5"))
    assert micro(standard.total) == 3650
    assert micro(batched.total) == 1825  # every line item at 0.5x
    assert micro(half.total) == Decimal("2737.5")


def test_batch_share_comes_from_the_charter() -> None:
    charter = {"scenarios": {"expected": {"calls_per_month": 10, "batch_share": 0.25}}}
    assert [s.batch_share for s in scenarios_for(charter, "p", {})] == [Decimal("0.25")] * 3


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
def test_alias_and_dated_id_price_the_same(table: PriceTable, model: str) -> None:
    assert table.get(model).input == Decimal(1)


def test_volatile_false_is_a_per_deployment_constant(tmp_path: Path) -> None:
    from promptops.render import layout

    prompt = {
        "model": "claude-sonnet-4-6",
        "system": [{"text": "Product {{ product }}", "cache": True}],
        "variables": {"product": {"volatile": False}, "q": {}},
        "messages": [{"role": "user", "content": "{{ q }}"}],
    }
    blocks = layout(prompt, {}).blocks
    assert [b.varies for b in blocks] == [False, True]
