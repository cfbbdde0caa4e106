"""A tool description longer than the limit.

**What it catches.** A `kind: tool` document whose `description` is more tokens than
`lint.limits.max_tool_description_tokens` (default 500). The message says how many prompts
offer the tool.

**Why it costs money.** Tool definitions are the first thing in every request that offers the
tool, before the system prompt. A 1,500-token description in a tool used by ten prompts is
paid on every call of all ten, and when the tools are not cached it is paid at the full input
price each time.

**Fix.** Say what the tool does, when to use it and what it returns, in a few sentences; move
long usage guidance into the system prompt of the one prompt that needs it, and let
`input_schema` property descriptions document the parameters.

**Example.**

Before:

    description: |
      <a 1,200-token essay with history, edge cases and ten examples>

After:

    description: |
      Look up an order by id. Use when the customer gives an order number.
      Returns status, items and the shipping date.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO202"
NAME = "oversized-tool-description"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})


def check(ctx: LintContext) -> Iterator[Finding]:
    limit = int(ctx.limits["max_tool_description_tokens"])
    tools = ctx.targeted("tool")
    if not tools:
        return
    users: dict[str, int] = {}
    for prompt in ctx.workspace.of_kind("prompt"):
        for tool_id in prompt.data.get("tools") or []:
            users[str(tool_id)] = users.get(str(tool_id), 0) + 1
    for doc in tools:
        description = str(doc.data.get("description") or "")
        if len(description) <= limit:  # a token is at least one character
            continue
        tokens = ctx.counter.estimate(description)
        if tokens <= limit:
            continue
        n = users.get(doc.id, 0)
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.key_span("description"),
            f"tool description is ~{tokens:,} tokens, above the limit of {limit:,} "
            f"(lint.limits.max_tool_description_tokens); it is sent with every call of the "
            f"{n} prompt{'s' if n != 1 else ''} that offer this tool",
            tokens=tokens,
            limit=limit,
        )
