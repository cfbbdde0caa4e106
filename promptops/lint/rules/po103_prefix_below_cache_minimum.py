"""A cache breakpoint whose prefix is shorter than the model's minimum cacheable length.

**What it catches.** A `cache:` (or `tool_cache:`) breakpoint where the tokens from the start
of the request (tool-use system prompt, tool definitions, system blocks, messages) up to and
including the marked block are fewer than the minimum the model caches: 1,024 tokens for
Sonnet 4.x, 2,048 for Opus 4.7, 4,096 for Haiku 4.5 and Opus 4.5/4.6 (see `promptops config`
and the price table for every model). Counts are taken at each variable's `expected_tokens`.

**Why it costs money.** Below the minimum the API caches nothing and returns no error: both
cache usage fields are 0, the whole prefix is billed as plain input on every call, and the
savings in the cost estimate you signed off never arrive.

**Fix.** Move the breakpoint later (after more static content, e.g. after the few-shot
examples), merge short cached segments, or remove the breakpoint.

**Example.** (claude-haiku-4-5, minimum 4,096 tokens)

Before:

    system:
      - text: You are a helpful assistant.   # ~6 tokens
        cache: true
      - text: "{{ policy_document }}"        # ~5,000 tokens

After:

    system:
      - text: You are a helpful assistant.
      - text: "{{ policy_document }}"
        cache: true    # only when the policy is the same on every call (see PO101)
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO103"
NAME = "prefix-below-cache-minimum"
SEVERITY = "warning"
SOURCE = "lint"


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or not analysis.breakpoints:
            continue
        tokens = ctx.input_tokens(doc)
        if tokens is None:
            continue
        prices = ctx.model_prices(doc)
        estimate = "" if tokens.exact == "exact" else "~"
        for index, point in zip(analysis.breakpoints, tokens.breakpoints, strict=False):
            if point.effective:
                continue
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.breakpoint_span(index),
                f"the prefix up to this {point.ttl} breakpoint is {estimate}{point.prefix_tokens:,} "
                f"tokens, below {prices.model}'s minimum cacheable length of "
                f"{prices.min_cacheable_tokens:,}: the API silently caches nothing here; move the "
                "breakpoint after more static content or remove it",
                prefix_tokens=point.prefix_tokens,
                min_cacheable_tokens=prices.min_cacheable_tokens,
            )
