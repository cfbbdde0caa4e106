"""A thinking budget on a model that rejects it.

**What it catches.** `thinking: {budget_tokens: N}` on a prompt whose model no longer accepts
extended thinking with a budget: Claude 4.7 and later (Opus 4.7, 4.8, 5, 5.5; Sonnet 5, 5.5;
Haiku 5.5; Fable and Mythos 5.x; Mythos Preview) answer such a request with HTTP 400 and
support only adaptive thinking (`thinking: {type: adaptive}` with an effort setting). Which
models accept a budget is in `promptops config --prices` (`thinking_budget`).

**Why it costs money.** It does not cost money: the request fails, every call. promptops does
not price a thinking budget the model would reject — the estimate leaves thinking out and says
so — so the figure you see is not what a working prompt would cost either.

**Fix.** Drop `budget_tokens` for these models (adaptive thinking is priced as output up to
`max_output_tokens`), or pick a model that accepts a budget.

**Example.** (claude-opus-4-8)

Before:

    model: claude-opus-4-8
    max_output_tokens: 8000
    thinking: {budget_tokens: 4000}

After:

    model: claude-opus-4-8
    max_output_tokens: 8000
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO309"
NAME = "thinking-budget-rejected"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset()


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        thinking = doc.data.get("thinking")
        if not isinstance(thinking, dict) or not thinking.get("budget_tokens"):
            continue
        prices = ctx.model_prices(doc)
        if prices is None or prices.thinking_budget:
            continue
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span("thinking", "budget_tokens"),
            f"{prices.model} rejects thinking.budget_tokens (HTTP 400: Claude 4.7 and later "
            "support only adaptive thinking); remove the budget or choose a model that takes one",
        )
