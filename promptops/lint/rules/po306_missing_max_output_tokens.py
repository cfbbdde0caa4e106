"""A prompt without `max_output_tokens`.

**What it catches.** A prompt that sets no output ceiling. (`promptops render` then sends the
API's required `max_tokens` as 1,024, which is rarely what anyone decided.)

**Why it costs money.** Output is the most expensive token (5x input on most Claude models),
and its length is the least predictable part of a call. The charter's scenarios and budgets
assume an output size; without a ceiling one verbose answer, or a model that loops on a list,
can cost as much as fifty normal ones.

**Fix.** Set `max_output_tokens` to the longest answer you actually want (with headroom), and
keep it at or below the charter's `budgets.max_output_tokens_per_call`.

**Example.**

Before:

    model: claude-haiku-4-5
    system: Summarise the ticket in three bullet points.

After:

    model: claude-haiku-4-5
    max_output_tokens: 300
    system: Summarise the ticket in three bullet points.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO306"
NAME = "missing-max-output-tokens"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset()


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        if doc.data.get("max_output_tokens") is not None:
            continue
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span("model"),
            "no `max_output_tokens`: output (the most expensive token) has no ceiling; set "
            "the longest answer you want",
        )
