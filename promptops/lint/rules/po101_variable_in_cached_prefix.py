"""A template variable before a cache breakpoint.

**What it catches.** A `{{ variable }}` in a block that is part of a cached prefix: the
prefix is everything from the tool definitions through the system blocks to the messages
(in that order, as the Anthropic API builds it) up to the last block that carries a
breakpoint (`cache: true|5m|1h` on a segment, or `tool_cache:` after the tools). The finding
points at the `{{ ... }}` itself. Variables after the last breakpoint are fine and never
reported.

**Why it costs money.** The cache key is the exact bytes of the prefix. A value that differs
between calls makes every call's prefix new: each call pays the cache *write* price (1.25x
the input price for 5m, 2x for 1h) and no call ever reads (0.1x). That is worse than not
caching at all: 25% to 100% more than plain input on every token of the prefix.

**Fix.** Move the variable after the last breakpoint, usually into the user message, and keep
the cached part static. A variable that is truly the same on every call of a deployment (a
product name) can be declared `volatile: false` to say so. Braces that are text, not a
variable (a GitHub Actions `${{ secrets.TOKEN }}`, a Vue or Go template, a `{{skill-name}}` for
the model to fill in), are written as a literal, `{{ '{{' }}` or `{{ '{{ x.color }}' }}`, or
the segment is marked `template: false`: literals are sent as written, are static, and are
never reported.

**Example.**

Before:

    system:
      - text: |
          You are the support agent for {{ customer_name }}.
          <3,000 tokens of policy>
        cache: true

After:

    system:
      - text: |
          You are a support agent.
          <3,000 tokens of policy>
        cache: true
    messages:
      - role: user
        content: "Customer: {{ customer_name }}. Question: {{ question }}"
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding
from promptops.lint.volatile import volatility

CODE = "PO101"
NAME = "variable-in-cached-prefix"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or not analysis.breakpoints:
            continue
        for ref in analysis.refs:
            if not ref.is_variable or ref.block > analysis.last_breakpoint:
                continue
            spec = analysis.declared.get(ref.expression)
            if isinstance(spec, dict) and spec.get("volatile") is False:
                continue
            at = next(i for i in analysis.breakpoints if i >= ref.block)
            ttl = analysis.blocks[at].breakpoint
            where = analysis.breakpoint_span(at)
            key = "tool_cache" if analysis.blocks[at].part == "tools" else "cache"
            why = volatility(ref.expression, analysis.declared)
            extra = f"; it is volatile ({why})" if why else ""
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.ref_span(ref),
                f"{{{{ {ref.expression} }}}} is inside the prefix cached by the {ttl} breakpoint "
                f"(`{key}:` at line {where.line}){extra}: every call writes a new cache entry "
                "and none reads one; move it after the last breakpoint",
                ttl=ttl,
            )
