"""A prompt with no workload charter.

**What it catches.** A prompt without a `workload:` field, so no Token Strategy Charter
covers it. (A `workload:` that names a charter that does not exist is PO003.)

**Why it costs money.** The charter is where traffic, budgets, an owner and kill criteria
live. Without one, promptops can price a call but not a month, no budget can block a
regression, and nobody is accountable for the bill: the prompt's cost is unbounded by design.

**Fix.** Add `workload: <charter id>` naming the charter of the product feature this prompt
serves, or write a charter (`promptops init` scaffolds one).

**Example.**

Before:

    kind: prompt
    id: support/triage
    version: 1.2.0
    model: claude-haiku-4-5

After:

    kind: prompt
    id: support/triage
    version: 1.2.0
    model: claude-haiku-4-5
    workload: support
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO301"
NAME = "missing-charter"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset()


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        if doc.data.get("workload") is not None:
            continue
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span("id"),
            f"prompt {doc.id!r} has no `workload:`: no charter sets its traffic, budgets or "
            "owner, so its monthly cost is unknown and unbounded; add `workload: <charter id>`",
        )
