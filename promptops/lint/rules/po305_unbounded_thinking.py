"""Thinking, or "think step by step", without a budget or an output ceiling.

**What it catches.**

* Text such as "think step by step", "let's think", "think carefully", "show your reasoning"
  or "chain of thought" in the system prompt or messages of a prompt that sets neither
  `thinking.budget_tokens` nor `max_output_tokens` (reported at the phrase);
* `thinking:` without `max_output_tokens`, or with a `budget_tokens` that is not below it
  (the API requires `budget_tokens < max_tokens`);
* `thinking:` in a workload whose charter says `thinking: {allowed: false}`, or a
  `budget_tokens` above the charter's `thinking.max_budget_tokens`.

**Why it costs money.** Reasoning is output, billed at the output price (5x input on most
Claude models). Asking for step-by-step reasoning with no ceiling lets every call write as much
as it likes; a thinking budget above what the charter signed for multiplies the output line of
the budget.

**Fix.** Set `max_output_tokens` (and, with extended thinking, a `budget_tokens` below it
and within the charter's `thinking.max_budget_tokens`), or drop the instruction.

**Example.**

Before:

    system: |
      Think step by step before you answer.

After:

    max_output_tokens: 800
    system: |
      Think step by step before you answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding
from promptops.render import text_sources

CODE = "PO305"
NAME = "unbounded-thinking"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})

REASONING_PHRASE = re.compile(
    r"\b(?:think(?:ing)?\s+(?:(?:it|this|things)\s+)?(?:through\s+)?step[\s-]+by[\s-]+step"
    r"|let'?s\s+think|think\s+(?:carefully|hard|deeply|out\s+loud)"
    r"|reason\s+step[\s-]+by[\s-]+step|chain[\s-]+of[\s-]+thought"
    r"|show\s+your\s+(?:reasoning|work))",
    re.IGNORECASE,
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        data = doc.data
        thinking = data.get("thinking")
        ceiling = data.get("max_output_tokens")
        charter = ctx.workspace.charter_for(doc)
        policy = (charter.data.get("thinking") or {}) if charter is not None else {}
        if thinking:
            budget = int(thinking.get("budget_tokens") or 0)
            if charter is not None and policy.get("allowed") is False:
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    doc.key_span("thinking"),
                    f"extended thinking is on, but charter {charter.id!r} does not allow "
                    "thinking (thinking.allowed: false)",
                )
            limit = policy.get("max_budget_tokens")
            if charter is not None and limit is not None and budget > int(limit):
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    doc.value_span("thinking", "budget_tokens"),
                    f"thinking budget {budget:,} tokens is above charter {charter.id!r}'s "
                    f"thinking.max_budget_tokens of {int(limit):,}",
                )
            if ceiling is None:
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    doc.key_span("thinking"),
                    "extended thinking without `max_output_tokens`: set an output ceiling "
                    "above budget_tokens (the API requires budget_tokens < max_tokens)",
                )
            elif budget >= int(ceiling):
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    doc.value_span("thinking", "budget_tokens"),
                    f"thinking budget {budget:,} is not below max_output_tokens {int(ceiling):,}: "
                    "the API rejects budget_tokens >= max_tokens",
                )
            continue
        if ceiling is not None:
            continue
        for _, path, text, _ in text_sources(data):
            if REASONING_PHRASE.search(text):
                yield make_finding(
                    CODE,
                    SEVERITY,
                    doc,
                    doc.source.locate(path, REASONING_PHRASE, 0),
                    "the prompt asks for step-by-step reasoning but sets no `max_output_tokens` "
                    "or thinking budget: reasoning is output, billed at the output price, with "
                    "no ceiling",
                )
                break
