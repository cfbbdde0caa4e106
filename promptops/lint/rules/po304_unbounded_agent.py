"""Tools in use with no step limit.

**What it catches.** A prompt that offers `tools:` while neither the prompt nor its charter
sets `agent.max_steps`.

**Why it costs money.** A tool loop re-sends the whole conversation on every step: step n
pays for the prompt plus every earlier tool call and result. Without a step ceiling, one
confused loop can run hundreds of steps and cost more than a day of normal traffic; the
charter's runaway scenario and kill switch assume a bound.

**Fix.** Set `agent: {max_steps: N}` on the prompt, or on the charter for every prompt of the
workload, and enforce it in the application's loop.

**Example.**

Before:

    tools: [lookup_order, issue_refund]

After:

    tools: [lookup_order, issue_refund]
    agent:
      max_steps: 6
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO304"
NAME = "unbounded-agent"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        if not doc.data.get("tools"):
            continue
        if (doc.data.get("agent") or {}).get("max_steps"):
            continue
        charter = ctx.workspace.charter_for(doc)
        if charter is not None and (charter.data.get("agent") or {}).get("max_steps"):
            continue
        where = f"charter {charter.id!r}" if charter is not None else "a charter"
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span("tools"),
            f"prompt offers {len(doc.data['tools'])} tool(s) but neither it nor {where} sets "
            "`agent.max_steps`: a tool loop can run (and bill) without limit",
        )
