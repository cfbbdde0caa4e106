"""A 1-hour cache breakpoint after a 5-minute one (promptops extension).

**What it catches.** A `cache: 1h` (or `tool_cache: 1h`) breakpoint that comes later in the
prefix (tools → system → messages) than a `cache: true`/`5m` breakpoint.

**Why it costs money.** When TTLs are mixed, the Anthropic API requires the longer-lived
entries first: 1h breakpoints must precede 5m ones. The request is rejected, and the intent
(keep the stable head warm for an hour, refresh the tail every five minutes) is inverted.

**Fix.** Put the 1h breakpoint on the earlier, more stable block, and the 5m one later.

**Example.**

Before:

    tool_cache: true
    system:
      - text: <policy>
        cache: 1h

After:

    tool_cache: 1h
    system:
      - text: <policy>
        cache: 1h
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO106"
NAME = "cache-ttl-order"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None:
            continue
        first_short = None
        for index in analysis.breakpoints:
            ttl = analysis.blocks[index].breakpoint
            if ttl == "5m" and first_short is None:
                first_short = index
            elif ttl == "1h" and first_short is not None:
                earlier = analysis.breakpoint_span(first_short)
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    analysis.breakpoint_span(index),
                    f"1h cache breakpoint after the 5m breakpoint at line {earlier.line}: the "
                    "API requires 1h entries before 5m ones; move the 1h breakpoint earlier",
                )
