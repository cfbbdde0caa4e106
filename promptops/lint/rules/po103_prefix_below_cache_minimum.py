"""A cache breakpoint whose prefix is shorter than the model's minimum cacheable length.

**What it catches.** A `cache:` (or `tool_cache:`) breakpoint where the tokens from the start
of the request (tool-use system prompt, tool definitions, system blocks, messages) up to and
including the marked block are fewer than the minimum the model caches: 512 for Opus 5/5.5 and
Fable 5.x, 1,024 for Sonnet 4.x/5 and Opus 4.8, 2,048 for Opus 4.7, 4,096 for Haiku 4.5 and
Opus 4.5/4.6 (`promptops config --prices` lists every model). Counts are taken at each
variable's `expected_tokens`. Offline counts are calibrated estimates of Claude's tokenizer
with a p10–p90 band: the finding says "below" only when even the high estimate is below the
minimum, and "may be below" when the band straddles it (the price then follows the central
estimate). Exact counts from promptops.lock settle it.

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
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or not analysis.breakpoints:
            continue
        tokens = ctx.input_tokens(doc)
        if tokens is None:
            continue
        prices = ctx.model_prices(doc)
        minimum = prices.min_cacheable_tokens
        for point in tokens.breakpoints:
            if point.prefix_high < minimum:
                verdict = "below"  # even the high estimate (or the exact count) is short
            elif point.prefix_low < minimum:
                verdict = "may be below"  # the estimate's band straddles the minimum
            else:
                continue
            if point.prefix_low == point.prefix_high:
                size = f"{'' if tokens.exact == 'exact' else '~'}{point.prefix_tokens:,} tokens"
            else:
                size = (
                    f"~{point.prefix_tokens:,} tokens (estimate, p10–p90 "
                    f"{point.prefix_low:,}–{point.prefix_high:,})"
                )
            if verdict == "below":
                consequence = (
                    "the API silently caches nothing here; move the breakpoint after more static "
                    "content or remove it"
                )
            else:
                priced = "not cached" if not point.effective else "cached"
                consequence = (
                    f"whether the API caches it depends on the exact count (priced as {priced}, "
                    "from the central estimate); run `promptops tokens --update-lock` for exact "
                    "counts, or move the breakpoint after more static content"
                )
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.breakpoint_span(point.block),
                f"the prefix up to this {point.ttl} breakpoint is {size}, {verdict} "
                f"{prices.model}'s minimum cacheable length of {minimum:,}: {consequence}",
                prefix_tokens=point.prefix_tokens,
                prefix_tokens_low=point.prefix_low,
                prefix_tokens_high=point.prefix_high,
                min_cacheable_tokens=minimum,
                certain=verdict == "below",
            )
