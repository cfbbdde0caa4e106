"""Input tokens grew more than the configured percentage against the base ref.

**What it catches.** A prompt whose rendered input tokens (at expected variable sizes) grew
by more than `lint.limits.growth_pct` percent (default 10) compared with the base ref. It
needs a base ref, so `promptops lint` does not run it; `diff` and `check` do.

**Why it costs money.** Prompts grow one reasonable paragraph at a time, and input is paid on
every call: ten 10% increases double the bill. Making each step visible in review is the
cheapest way to keep the prompt the size it needs to be.

**Fix.** Trim the prompt, or accept the growth knowingly (the finding is a warning; the
charter's `budgets.max_increase` is what blocks a merge).

**Example.**

Before (base ref): 2,000 input tokens.

After (this branch): 2,600 input tokens (+30%): either shorten the new section, or say in the
PR why it is worth the ~30% increase in input cost.

Computed by `promptops diff` and `promptops check`.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO308"
NAME = "growth-over-threshold"
SEVERITY = "warning"
SOURCE = "diff"


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
