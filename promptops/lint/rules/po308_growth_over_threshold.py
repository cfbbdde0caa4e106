"""Input tokens grew more than the configured percentage against the base ref.

**What it catches.** A prompt whose rendered input tokens (at expected variable sizes) grew
by more than `lint.limits.growth_pct` percent (default 10) compared with the base ref. It
needs a base ref, so `promptops lint` does not run it; `check` does, with the token counts
its diff priced on both sides, and `lint.ignore`, `lint.severity` and
`# promptops: disable=PO308` apply there as to any rule.

**Why it costs money.** Prompts grow one reasonable paragraph at a time, and input is paid on
every call: ten 10% increases double the bill. Making each step visible in review is the
cheapest way to keep the prompt the size it needs to be.

**Fix.** Trim the prompt, or accept the growth knowingly (the finding is a warning; the
charter's `budgets.max_increase` is what blocks a merge).

**Example.**

Before (base ref): 2,000 input tokens.

After (this branch): 2,600 input tokens (+30%): either shorten the new section, or say in the
PR why it is worth the ~30% increase in input cost.

Reported by `promptops check`; `promptops diff` shows the same figure per prompt
(`growth_pct`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO308"
NAME = "growth-over-threshold"
SEVERITY = "warning"
SOURCE = "diff"
NEEDS: frozenset[str] = frozenset({"base", "tokens"})


def growth_pct(base_tokens: int | None, head_tokens: int | None) -> Decimal | None:
    """Input growth in percent of the base; None when a side has no figure or the base is 0."""
    if base_tokens is None or head_tokens is None or not base_tokens:
        return None
    return Decimal((head_tokens - base_tokens) * 100) / Decimal(base_tokens)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.change is None:
        return
    limit = Decimal(str(ctx.limits.get("growth_pct", 10)))
    for changed in ctx.change.of_kind("prompt"):
        head = changed.head
        growth = growth_pct(changed.base_input_tokens, changed.head_input_tokens)
        if head is None or growth is None or growth <= limit:
            continue
        span = head.value_span("version") if "version" in head.data else head.key_span("id")
        yield make_finding(
            CODE,
            SEVERITY,
            head,
            span,
            f"prompt {changed.id!r} input grew {growth:.1f}% against the base ref "
            f"({changed.base_input_tokens:,} → {changed.head_input_tokens:,} tokens; "
            f"threshold {limit}%)",
            workload=changed.workload,
        )
