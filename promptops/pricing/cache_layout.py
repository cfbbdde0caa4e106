"""The one cache analysis: which tokens of a request are read, written or plain input.

Anthropic's rules (prompt-caching docs), applied to the request in prefix order (tool-use
system prompt, tools, system, messages):

- A breakpoint caches its prefix (everything from the start through its block) only when the
  prefix reaches the model's minimum cacheable length; otherwise it caches nothing, silently.
- Entries are written only at breakpoints and read only where an earlier request wrote one. A
  per-call value (a template variable not declared `volatile: false`) at or before a breakpoint
  makes that prefix new on every call: written, never read. So only the prefix of the last
  effective breakpoint holding no per-call value (A) can be read; everything after it up to the
  last effective breakpoint (C) is written on every call; the rest is plain input.
- With mixed TTLs, tokens up to the last effective 1-hour breakpoint (B) are written at the 1h
  price and those after it at the 5m price (the docs' A/B/C billing positions).

Pricing, the cache lint rules (PO101, PO103, PO105), the cache cliff and the diff's re-warm cost
all read this one result, so they cannot disagree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from promptops.render import Block
from promptops.tokens.counting import BlockCount

PARTS = ("tools", "system", "messages")


@dataclass(frozen=True)
class PartTokens:
    """Input tokens of one part, by how a call bills them."""

    cached_5m: int = 0  # readable: read on a hit, written (5m) on a miss
    cached_1h: int = 0
    uncached: int = 0
    written_5m: int = 0  # inside a prefix that changes every call: written on every call
    written_1h: int = 0

    @property
    def readable(self) -> int:
        return self.cached_5m + self.cached_1h

    @property
    def written(self) -> int:
        return self.written_5m + self.written_1h

    @property
    def cached(self) -> int:
        """Everything inside the cached prefix (including what is rewritten every call)."""
        return self.readable + self.written

    @property
    def total(self) -> int:
        return self.cached + self.uncached


@dataclass(frozen=True)
class Breakpoint:
    """A cache breakpoint: whether it caches at all, and whether its entry can ever be read."""

    part: str
    source_path: tuple[Any, ...]
    ttl: str
    prefix_tokens: int  # central estimate (or exact)
    effective: bool  # the prefix reaches the model's minimum cacheable length
    readable: bool = False  # effective and no per-call value at or before it
    prefix_low: int = 0  # the estimate's p10–p90 band (equal to prefix_tokens when exact)
    prefix_high: int = 0
    block: int = -1  # index of the block it follows

    @property
    def rewritten_every_call(self) -> bool:
        return self.effective and not self.readable


@dataclass(frozen=True)
class InputTokens:
    """The input side of one call, per part, with the cache layout that prices it."""

    parts: dict[str, PartTokens]
    tool_overhead: int
    breakpoints: tuple[Breakpoint, ...]
    exact: str  # "exact" | "estimate" | "mixed"
    cached_prefix_hash: str | None  # hash of the readable prefix (None: nothing can be read)
    total_low: int = 0  # the estimate's p10–p90 band of `total`
    total_high: int = 0

    @property
    def total(self) -> int:
        return sum(p.total for p in self.parts.values())

    @property
    def cached(self) -> int:
        return sum(p.cached for p in self.parts.values())

    @property
    def readable(self) -> int:
        return sum(p.readable for p in self.parts.values())

    @property
    def uncached(self) -> int:
        return sum(p.uncached for p in self.parts.values())

    @property
    def written(self) -> int:
        return sum(p.written for p in self.parts.values())

    def readable_prefix(self, ttl: str | None = None) -> int:
        """Tokens of the longest readable prefix (of breakpoints with `ttl`, if given)."""
        sizes = [
            bp.prefix_tokens
            for bp in self.breakpoints
            if bp.readable and (ttl is None or bp.ttl == ttl)
        ]
        return max(sizes, default=0)


def _band(count: BlockCount) -> tuple[int, int]:
    low = getattr(count, "low", None)
    high = getattr(count, "high", None)
    return (count.tokens if low is None else low, count.tokens if high is None else high)


def input_tokens(
    blocks: list[Block], counts: list[BlockCount], min_cacheable_tokens: int, tool_overhead: int
) -> InputTokens:
    """Assign every block's tokens to readable, written or uncached, per part.

    `tool_overhead` is the tool-use system prompt for the request's tool_choice (0 without
    tools); it precedes the tool definitions and is part of the tools segment's prefix."""
    has_tools = any(b.part == "tools" for b in blocks)
    overhead = tool_overhead if has_tools else 0
    sizes = [c.tokens for c in counts]
    bands = [_band(c) for c in counts]
    if overhead:  # a published, exact figure: no estimate band
        first_tool = next(i for i, b in enumerate(blocks) if b.part == "tools")
        sizes[first_tool] += overhead
        low, high = bands[first_tool]
        bands[first_tool] = (low + overhead, high + overhead)

    breakpoints: list[Breakpoint] = []
    running = low_sum = high_sum = 0
    varied = False
    for i, (block, size) in enumerate(zip(blocks, sizes, strict=True)):
        running += size
        low_sum += bands[i][0]
        high_sum += bands[i][1]
        varied = varied or block.varies
        if block.breakpoint:
            effective = running >= min_cacheable_tokens
            breakpoints.append(
                Breakpoint(
                    block.part,
                    block.source_path,
                    block.breakpoint,
                    running,
                    effective,
                    effective and not varied,
                    low_sum,
                    high_sum,
                    i,
                )
            )

    in_effect = [bp for bp in breakpoints if bp.effective]
    last = in_effect[-1].block if in_effect else -1  # C
    readable = max((bp.block for bp in in_effect if bp.readable), default=-1)  # A
    one_hour = max((bp.block for bp in in_effect if bp.ttl == "1h"), default=-1)  # B
    parts = {part: [0, 0, 0, 0, 0] for part in PARTS}
    for i, (block, size) in enumerate(zip(blocks, sizes, strict=True)):
        if i > last:
            slot = 2  # uncached
        else:
            slot = 1 if i <= one_hour else 0
            if i > readable:
                slot += 3  # written_5m / written_1h
        parts[block.part][slot] += size

    prefix_hash = None
    if readable >= 0:
        digest = hashlib.sha256()
        for block in blocks[: readable + 1]:
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
        total_low=low_sum,
        total_high=high_sum,
    )
