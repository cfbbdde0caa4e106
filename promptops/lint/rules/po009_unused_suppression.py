"""A suppression comment that suppresses nothing (promptops extension).

**What it catches.** A `# promptops: disable=CODE` (this line and the next) or
`# promptops: disable-file=CODE` comment where no finding of that code was suppressed, a code
that is not a promptops rule, or a suppression that names no code at all. Codes that were not
run (turned off by `select`/`ignore`, or a rule that needs a base ref, such as PO307, in
`promptops lint`, which has none) are never reported as unused; `promptops check` runs those
rules and reports their unused suppressions.

**Why it costs money.** A stale suppression is a hole in the guard rail waiting for the next
real problem on that line: the day someone adds a `{{ timestamp }}` there, it is silenced
before anyone sees the cost.

**Fix.** Delete the comment, or correct the code it names.

**Example.**

Before:

    system: |  # promptops: disable=PO101
      You are a support agent.

After:

    system: |
      You are a support agent.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO009"
NAME = "unused-suppression"
SEVERITY = "warning"
SOURCE = "suppressions"
NEEDS: frozenset[str] = frozenset()


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
