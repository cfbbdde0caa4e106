"""The rendered input of a prompt is above its token limit.

**What it catches.** The tokens of the whole request as the API sees it (tool-use system
prompt, tool definitions, system blocks, messages), rendered with every variable at its
declared `expected_tokens`, above the limit: the charter's
`budgets.max_input_tokens_per_call` when the prompt's workload sets one, else
`lint.limits.max_input_tokens` in promptops.yaml (default 15,000). Reported at the key of the
largest part, with the split per part.

**Why it costs money.** Input tokens are paid on every call. A 20,000-token prompt on Sonnet
4.6 at a million calls a month is $60,000 of input before a single output token, and large
prompts are usually large because of something pasted in once and never pruned.

**Fix.** Trim what the model does not need: move reference material behind a tool (fetched
only when needed), shorten few-shot examples, lower a variable's `expected_tokens` if the
estimate is stale, or raise the charter's budget deliberately in review.

**Example.** (limit 15,000)

Before:

    system: |
      <the full 18,000-token product manual>

After:

    tools: [search_manual]   # the model looks up the 300 tokens it needs
    system: |
      Answer from the manual; use search_manual to find the relevant section.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO201"
NAME = "oversized-prompt"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})


def check(ctx: LintContext) -> Iterator[Finding]:
    default_limit = int(ctx.limits["max_input_tokens"])
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None:
            continue
        limit, source = default_limit, "lint.limits.max_input_tokens"
        if analysis.charter is not None:
            budget = (analysis.charter.data.get("budgets") or {}).get("max_input_tokens_per_call")
            if budget is not None:
                limit = int(budget)
                source = f"charter {analysis.charter.id!r} budgets.max_input_tokens_per_call"
        tokens = ctx.input_tokens(doc)
        if tokens is None or tokens.total <= limit:
            continue
        sizes = {part: t.total for part, t in tokens.parts.items() if t.total}
        largest = max(sizes, key=lambda part: sizes[part])
        split = ", ".join(f"{part} {n:,}" for part, n in sizes.items())
        estimate = "" if tokens.exact == "exact" else "~"
        band = ""
        if tokens.total_low != tokens.total_high:  # a calibrated estimate: say how close
            over = tokens.total / limit - 1
            band = (
                f"; estimate p10–p90 {tokens.total_low:,}–{tokens.total_high:,}, central "
                f"{over:.0%} over"
                + (" (the low estimate is within the limit)" if tokens.total_low <= limit else "")
            )
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span(largest),
            f"rendered input is {estimate}{tokens.total:,} tokens ({split}) at expected variable "
            f"sizes, above the limit of {limit:,} ({source}){band}",
            input_tokens=tokens.total,
            input_tokens_low=tokens.total_low,
            input_tokens_high=tokens.total_high,
            limit=limit,
        )
