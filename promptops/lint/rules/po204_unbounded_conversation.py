"""A prompt that carries a conversation history with nothing that bounds it (Eternal
Conversation).

**What it catches.** A prompt whose messages use a history variable (`history: true` on the
variable, or a name such as `history`, `conversation`, `transcript`, `chat_log`, `turns`) while
the variable has no `max_tokens`, and the prompt declares neither `conversation.max_turns`,
`conversation.max_history_tokens` nor an eviction (`conversation.eviction: truncate` or
`summarize`).

**Why it costs money.** Every turn re-sends every earlier turn: turn n pays for the prompt plus
n − 1 turns, so a conversation's cost grows with the square of its length, and the longest
conversations (the ones nobody looks at) cost the most. A cap or an eviction turns that into a
line.

**Fix.** Bound the history where the application builds it, and say so: `max_tokens` on the
history variable, or a `conversation:` block.

**Example.**

Before:

    messages:
      - role: user
        content: "{{ history }}\\n\\n{{ question }}"

After:

    conversation:
      max_turns: 20
      eviction: summarize        # older turns folded into a summary
    variables:
      history: {history: true, max_tokens: 6000, expected_tokens: 1500}
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptops.documents.charter_changes import mapping
from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO204"
NAME = "unbounded-conversation"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})

HISTORY_NAME = re.compile(
    r"(?:^|[_.])(history|conversation|transcript|chat_log|chat_history|turns|dialog(?:ue)?|"
    r"previous_messages|thread)(?:$|[_.])",
    re.IGNORECASE,
)
BOUNDING_EVICTIONS = ("truncate", "summarize")


def history_variables(doc_data: dict, used: set[str]) -> list[str]:
    """Variables of the prompt that carry the conversation so far."""
    declared = doc_data.get("variables") or {}
    names = []
    for name in sorted(used):
        spec = mapping(declared.get(name))
        if spec.get("history") is True or (
            spec.get("history") is None and HISTORY_NAME.search(name)
        ):
            names.append(name)
    return names


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None:
            continue
        conversation = doc.data.get("conversation") or {}
        if conversation.get("max_turns") or conversation.get("max_history_tokens"):
            continue
        if conversation.get("eviction") in BOUNDING_EVICTIONS:
            continue
        used = {r.expression for r in analysis.refs if r.is_variable and r.part == "messages"}
        declared = doc.data.get("variables") or {}
        for name in history_variables(doc.data, used):
            spec = mapping(declared.get(name))
            if spec.get("max_tokens"):
                continue
            ref = next(r for r in analysis.refs if r.expression == name and r.part == "messages")
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.ref_span(ref),
                f"`{name}` carries the conversation with no bound: no `max_tokens` on it and "
                "no `conversation.max_turns`, `max_history_tokens` or eviction (truncate, "
                "summarize): every turn re-sends all earlier turns, so cost grows with the "
                "square of the conversation's length",
                variable=name,
            )
