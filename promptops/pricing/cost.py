"""The one cost function, and the expected cost of a call and of a month of traffic.

`cost_of(usage, prices, batch=...)` bills token counts the way Anthropic's invoice does: each
kind of token (uncached input, cache read, 5m and 1h cache write, output with thinking) at its
per-model rate, the rates chosen by the call's total input tokens (price tiers) and by whether
the call went through the Message Batches API. tokens, diff, check, estimate, cascade, the cache
cliff, eval cost gates and canary analysis all price through it.

The expected cost of a call is the cost of its expected usage: the readable prefix is read on a
cache hit and written on a miss (`pricing.cache_layout`), and a workload's batch share of calls
pays the batch rates. Expected usages have fractional token counts; a call's total input tokens
are the same on a hit and a miss, so the tier is too and the expectation is exact.

All money is Decimal USD, exact; rounding happens only when rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.pricing.cache_layout import (  # noqa: F401 - re-exported for callers
    PARTS,
    Breakpoint,
    InputTokens,
    PartTokens,
    input_tokens,
)
from promptops.pricing.table import MILLION, ModelPrices
from promptops.render import DEFAULT_MAX_TOKENS

if TYPE_CHECKING:
    from promptops.render import Block
    from promptops.tokens.counting import TokenCounter

SCENARIOS = ("expected", "stretch", "runaway")
DEFAULT_MULTIPLIERS = {"expected": Decimal(1), "stretch": Decimal(3), "runaway": Decimal(15)}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Usage:
    """Billed token counts of one call (or expected counts, fractional), named as in
    Anthropic's `usage`: `input_tokens` excludes cache reads and writes."""

    input_tokens: Decimal | int = 0
    cache_read_input_tokens: Decimal | int = 0
    cache_write_5m_input_tokens: Decimal | int = 0
    cache_write_1h_input_tokens: Decimal | int = 0
    output_tokens: Decimal | int = 0  # thinking included

    @property
    def total_input(self) -> Decimal | int:
        return (
            self.input_tokens
            + self.cache_read_input_tokens
            + self.cache_write_5m_input_tokens
            + self.cache_write_1h_input_tokens
        )


@dataclass(frozen=True)
class Bill:
    """USD by line item."""

    input: Decimal = ZERO
    cache_read: Decimal = ZERO
    cache_write: Decimal = ZERO
    output: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.input + self.cache_read + self.cache_write + self.output

    def __add__(self, other: Bill) -> Bill:
        return Bill(
            self.input + other.input,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
            self.output + other.output,
        )

    def scaled(self, factor: Decimal) -> Bill:
        return Bill(
            self.input * factor,
            self.cache_read * factor,
            self.cache_write * factor,
            self.output * factor,
        )


def cost_of(
    usage: Usage,
    prices: ModelPrices,
    batch: bool | Decimal = False,
    total_input: Decimal | int | None = None,
) -> Bill:
    """What Anthropic bills for `usage` on a model with `prices`.

    `batch`: True for a Message Batches call, or the share (0..1) of calls sent as batches.
    `total_input` decides the price tier when `usage` is only a part of a call."""
    total = usage.total_input if total_input is None else total_input
    if isinstance(batch, bool):
        return _bill(usage, prices.rates(total, batch))
    share = Decimal(batch)
    standard = _bill(usage, prices.rates(total)) if share < 1 else Bill()
    batched = _bill(usage, prices.rates(total, batch=True)) if share > 0 else Bill()
    return standard.scaled(1 - share) + batched.scaled(share)


def _bill(usage: Usage, rates: Any) -> Bill:
    return Bill(
        input=Decimal(usage.input_tokens) * rates.input / MILLION,
        cache_read=Decimal(usage.cache_read_input_tokens) * rates.cache_read / MILLION,
        cache_write=(
            Decimal(usage.cache_write_5m_input_tokens) * rates.cache_write_5m
            + Decimal(usage.cache_write_1h_input_tokens) * rates.cache_write_1h
        )
        / MILLION,
        output=Decimal(usage.output_tokens) * rates.output / MILLION,
    )


@dataclass(frozen=True)
class CallCost:
    """Expected USD of one call, by part and by billing kind."""

    by_part: dict[str, Decimal]  # tools, system, messages, output, thinking
    cache_read: Decimal
    cache_write: Decimal
    uncached_input: Decimal
    output: Decimal
    thinking: Decimal

    @property
    def input(self) -> Decimal:
        return self.cache_read + self.cache_write + self.uncached_input

    @property
    def total(self) -> Decimal:
        return self.input + self.output + self.thinking


def expected_usage(part: PartTokens, cache_hit_rate: Decimal) -> Usage:
    """A part's expected usage per call: its readable tokens are read at the hit rate."""
    hit = Decimal(cache_hit_rate)
    miss = 1 - hit
    return Usage(
        input_tokens=part.uncached,
        cache_read_input_tokens=part.readable * hit,
        cache_write_5m_input_tokens=part.cached_5m * miss + part.written_5m,
        cache_write_1h_input_tokens=part.cached_1h * miss + part.written_1h,
    )


def call_cost(
    tokens: InputTokens,
    prices: ModelPrices,
    cache_hit_rate: Decimal,
    output_tokens: int,
    thinking_tokens: int = 0,
    batch_share: Decimal = ZERO,
) -> CallCost:
    """Expected USD of one call at a cache hit rate (0..1) and batch share (0..1).

    `output_tokens` and `thinking_tokens` are what the call bills (see `billed_output`)."""
    total = tokens.total
    by_part: dict[str, Decimal] = {}
    inputs = Bill()
    for part, t in tokens.parts.items():
        bill = cost_of(expected_usage(t, cache_hit_rate), prices, batch_share, total)
        by_part[part] = bill.total
        inputs = inputs + bill
    output = cost_of(Usage(output_tokens=output_tokens), prices, batch_share, total).output
    thinking = cost_of(Usage(output_tokens=thinking_tokens), prices, batch_share, total).output
    by_part["output"] = output
    by_part["thinking"] = thinking
    return CallCost(by_part, inputs.cache_read, inputs.cache_write, inputs.input, output, thinking)


def tool_choice_of(prompt: dict[str, Any]) -> str | None:
    """The prompt's `tool_choice` type (auto, none, any, tool), or None (auto)."""
    choice = prompt.get("tool_choice")
    if isinstance(choice, dict):
        choice = choice.get("type")
    return str(choice) if choice else None


def count_layout(
    prompt: dict[str, Any], blocks: list[Block], counter: TokenCounter, prices: ModelPrices
) -> InputTokens:
    """Count a rendered prompt's blocks on a model and lay them out for the cache: the one
    place the estimate, lint and the cascade get a prompt's input tokens from."""
    overhead = prices.tool_overhead(tool_choice_of(prompt))
    counts = counter.count_blocks(prices.model, blocks, overhead)
    return input_tokens(blocks, counts, prices.min_cacheable_tokens, overhead)


def billed_output(output_tokens: int, thinking_budget: int, max_tokens: int) -> tuple[int, int]:
    """(answer, thinking) tokens one call bills: thinking counts toward `max_tokens` and comes
    first, so the two together never exceed it (interleaved thinking with tools aside)."""
    thinking = max(min(thinking_budget, max_tokens), 0)
    return max(min(output_tokens, max_tokens - thinking), 0), thinking


def max_tokens_of(prompt: dict[str, Any]) -> tuple[int, bool]:
    """The request's `max_tokens` and whether the prompt set it (else the rendered default)."""
    value = prompt.get("max_output_tokens")
    if value:
        return int(value), True
    return DEFAULT_MAX_TOKENS, False


@dataclass(frozen=True)
class Scenario:
    """Traffic of one scenario for one prompt."""

    name: str
    calls_per_month: Decimal
    cache_hit_rate: Decimal
    output_tokens: int
    kill_switch_usd: Decimal | None = None
    assumptions: tuple[str, ...] = field(default=())
    batch_share: Decimal = ZERO


def _dec(value: Any, default: Decimal) -> Decimal:
    return default if value is None else Decimal(str(value))


def scenarios_for(
    charter: dict[str, Any] | None, prompt_id: str, prompt: dict[str, Any]
) -> list[Scenario]:
    """The expected, stretch and runaway traffic of a prompt from its workload charter.

    Without a charter there is no traffic model: one `per-call` scenario at a 0% hit rate and
    the request's output ceiling, so per-call figures are still shown (and say so)."""
    max_tokens, stated = max_tokens_of(prompt)
    ceiling_note = (
        "output at max_output_tokens"
        if stated
        else f"no max_output_tokens: output at the request's default max_tokens ({max_tokens:,})"
    )
    if charter is None:
        return [
            Scenario(
                "per-call",
                ZERO,
                ZERO,
                max_tokens,
                assumptions=(f"no charter: 0% cache hits, {ceiling_note}",),
            )
        ]
    scenarios = charter.get("scenarios") or {}
    expected = scenarios.get("expected") or {}
    share = _dec((scenarios.get("prompts") or {}).get(prompt_id), Decimal(1))
    base_calls = _dec(expected.get("calls_per_month"), ZERO) * share
    assumptions = []
    if "cache_hit_rate" not in expected:
        assumptions.append("charter sets no cache_hit_rate: 0% assumed")
    if "output_tokens" not in expected:
        assumptions.append(f"charter sets no output_tokens: {ceiling_note}")
    base_hit = _dec(expected.get("cache_hit_rate"), ZERO)
    base_output = int(expected.get("output_tokens", max_tokens))
    base_batch = _dec(expected.get("batch_share"), ZERO)
    result = []
    for name in SCENARIOS:
        spec = expected if name == "expected" else scenarios.get(name) or {}
        multiplier = (
            Decimal(1)
            if name == "expected"
            else _dec(spec.get("multiplier"), DEFAULT_MULTIPLIERS[name])
        )
        kill = spec.get("kill_switch_usd") if name == "runaway" else None
        result.append(
            Scenario(
                name,
                base_calls * multiplier,
                _dec(spec.get("cache_hit_rate"), base_hit),
                int(spec.get("output_tokens", base_output)),
                None if kill is None else Decimal(str(kill)),
                tuple(assumptions),
                _dec(spec.get("batch_share"), base_batch),
            )
        )
    return result
