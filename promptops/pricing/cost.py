"""The cost model: prompt-cache-aware cost per call, and per month per traffic scenario.

Per call, on the rendered request: tokens in the cached prefix are paid as a cache read at the
hit rate and as a cache write (1.25x for 5m, 2x for 1h) otherwise. From the first block holding a
template variable up to the last breakpoint, the prefix differs on every call: those tokens are
written on every call and never read (what PO101 warns about). A breakpoint whose prefix is
shorter than the model's minimum cacheable length caches nothing, so its blocks are plain input
(that is what the API silently does). Uncached input at the input price; output and thinking at
the output price. The tool-use system-prompt overhead belongs to the tools part.

All money is Decimal USD, exact; rounding happens only when rendering.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promptops.pricing.table import MILLION, ModelPrices
from promptops.render import Block
from promptops.tokens.counting import BlockCount

PARTS = ("tools", "system", "messages")
SCENARIOS = ("expected", "stretch", "runaway")
DEFAULT_MULTIPLIERS = {"expected": Decimal(1), "stretch": Decimal(3), "runaway": Decimal(15)}


@dataclass(frozen=True)
class PartTokens:
    """Input tokens of one part, split by how they are billed."""

    cached_5m: int = 0  # read at the hit rate, written otherwise
    cached_1h: int = 0
    uncached: int = 0
    written_5m: int = 0  # in the cached prefix but after a variable: written on every call
    written_1h: int = 0

    @property
    def written(self) -> int:
        return self.written_5m + self.written_1h

    @property
    def cached(self) -> int:
        """Everything inside the cached prefix (including what is rewritten every call)."""
        return self.cached_5m + self.cached_1h + self.written

    @property
    def total(self) -> int:
        return self.cached + self.uncached


@dataclass(frozen=True)
class Breakpoint:
    """A cache breakpoint and whether its prefix is long enough to be cached at all."""

    part: str
    source_path: tuple[Any, ...]
    ttl: str
    prefix_tokens: int
    effective: bool


@dataclass(frozen=True)
class InputTokens:
    """The input side of one call, per part, with the cache layout that prices it."""

    parts: dict[str, PartTokens]
    tool_overhead: int
    breakpoints: tuple[Breakpoint, ...]
    exact: str  # "exact" | "estimate" | "mixed"
    cached_prefix_hash: str | None  # hash of the text cached (None: nothing cached)

    @property
    def total(self) -> int:
        return sum(p.total for p in self.parts.values())

    @property
    def cached(self) -> int:
        return sum(p.cached for p in self.parts.values())

    @property
    def uncached(self) -> int:
        return sum(p.uncached for p in self.parts.values())

    @property
    def written(self) -> int:
        return sum(p.written for p in self.parts.values())


@dataclass(frozen=True)
class CallCost:
    """USD for one call, by part and by billing kind."""

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


@dataclass(frozen=True)
class Scenario:
    """Traffic of one scenario for one prompt."""

    name: str
    calls_per_month: Decimal
    cache_hit_rate: Decimal
    output_tokens: int
    kill_switch_usd: Decimal | None = None
    assumptions: tuple[str, ...] = field(default=())


def input_tokens(blocks: list[Block], counts: list[BlockCount], prices: ModelPrices) -> InputTokens:
    """Assign every block's tokens to cached (by TTL) or uncached, per part."""
    overhead = prices.tool_overhead_tokens if any(b.part == "tools" for b in blocks) else 0
    sizes = [c.tokens for c in counts]
    if overhead:  # the overhead precedes the tool definitions in the prefix
        first_tool = next(i for i, b in enumerate(blocks) if b.part == "tools")
        sizes[first_tool] += overhead

    breakpoints: list[Breakpoint] = []
    running = 0
    effective_at: list[tuple[int, str]] = []  # (block index, ttl) of breakpoints that cache
    for i, (block, size) in enumerate(zip(blocks, sizes, strict=True)):
        running += size
        if block.breakpoint:
            ok = running >= prices.min_cacheable_tokens
            breakpoints.append(
                Breakpoint(block.part, block.source_path, block.breakpoint, running, ok)
            )
            if ok:
                effective_at.append((i, block.breakpoint))

    parts = {part: [0, 0, 0, 0, 0] for part in PARTS}
    last_cached = effective_at[-1][0] if effective_at else -1
    first_templated = next((i for i, b in enumerate(blocks) if b.templated), len(blocks))
    for i, (block, size) in enumerate(zip(blocks, sizes, strict=True)):
        slot = 2
        if i <= last_cached:
            ttl = next(t for idx, t in effective_at if idx >= i)
            slot = 1 if ttl == "1h" else 0
            if i >= first_templated:
                slot += 3  # written_5m / written_1h
        parts[block.part][slot] += size

    prefix_hash = None
    if last_cached >= 0:
        digest = hashlib.sha256()
        for block in blocks[: last_cached + 1]:
            digest.update(block.text.encode())
            digest.update(b"\0")
        prefix_hash = digest.hexdigest()[:16]

    exactness = {c.exact for c in counts}
    exact = "exact" if exactness == {True} else "estimate" if True not in exactness else "mixed"
    if not counts:
        exact = "estimate"
    return InputTokens(
        parts={p: PartTokens(*v) for p, v in parts.items()},
        tool_overhead=overhead,
        breakpoints=tuple(breakpoints),
        exact=exact,
        cached_prefix_hash=prefix_hash,
    )


def call_cost(
    tokens: InputTokens,
    prices: ModelPrices,
    cache_hit_rate: Decimal,
    output_tokens: int,
    thinking_tokens: int = 0,
) -> CallCost:
    """Expected USD of one call at a cache hit rate (0..1)."""
    hit = Decimal(cache_hit_rate)
    miss = 1 - hit
    read_price = prices.cache_read / MILLION
    by_part: dict[str, Decimal] = {}
    read = write = uncached = Decimal(0)
    for part, t in tokens.parts.items():
        part_read = Decimal(t.cached_5m + t.cached_1h) * hit * read_price
        part_write = (
            Decimal(t.cached_5m) * miss * prices.cache_write_5m
            + Decimal(t.cached_1h) * miss * prices.cache_write_1h
            + Decimal(t.written_5m) * prices.cache_write_5m
            + Decimal(t.written_1h) * prices.cache_write_1h
        ) / MILLION
        part_uncached = Decimal(t.uncached) * prices.input / MILLION
        by_part[part] = part_read + part_write + part_uncached
        read += part_read
        write += part_write
        uncached += part_uncached
    output = Decimal(output_tokens) * prices.output / MILLION
    thinking = Decimal(thinking_tokens) * prices.output / MILLION
    by_part["output"] = output
    by_part["thinking"] = thinking
    return CallCost(by_part, read, write, uncached, output, thinking)


def _dec(value: Any, default: Decimal) -> Decimal:
    return default if value is None else Decimal(str(value))


def scenarios_for(
    charter: dict[str, Any] | None, prompt_id: str, prompt: dict[str, Any]
) -> list[Scenario]:
    """The expected, stretch and runaway traffic of a prompt from its workload charter.

    Without a charter there is no traffic model: one `per-call` scenario at a 0% hit rate and
    the prompt's output ceiling, so per-call figures are still shown (and say so).
    """
    default_output = int(prompt.get("max_output_tokens") or 0)
    if charter is None:
        return [
            Scenario(
                "per-call",
                Decimal(0),
                Decimal(0),
                default_output,
                assumptions=("no charter: 0% cache hits, output at max_output_tokens",),
            )
        ]
    scenarios = charter.get("scenarios") or {}
    expected = scenarios.get("expected") or {}
    share = _dec((scenarios.get("prompts") or {}).get(prompt_id), Decimal(1))
    base_calls = _dec(expected.get("calls_per_month"), Decimal(0)) * share
    assumptions = []
    if "cache_hit_rate" not in expected:
        assumptions.append("charter sets no cache_hit_rate: 0% assumed")
    if "output_tokens" not in expected:
        assumptions.append("charter sets no output_tokens: max_output_tokens assumed")
    base_hit = _dec(expected.get("cache_hit_rate"), Decimal(0))
    base_output = int(expected.get("output_tokens", default_output))
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
            )
        )
    return result
