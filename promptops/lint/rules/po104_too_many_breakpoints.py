"""More than 4 cache breakpoints in one request.

**What it catches.** A prompt whose segments (plus `tool_cache:`) put more than four
`cache_control` breakpoints in the rendered request. Each breakpoint after the fourth is
reported where it is written.

**Why it costs money.** The Anthropic API allows at most 4 breakpoints per request and answers
a fifth with HTTP 400: the call fails outright. Retries that hit the same error burn latency
and, in agent loops, the tokens of every step before it.

**Fix.** Keep at most four breakpoints: one after the tools, one after the static system
prompt, one after long few-shot examples, one at the end of the conversation so far. More
never helps: the API already looks back up to 20 blocks from each breakpoint for a hit.

**Example.**

Before:

    system:
      - {text: "Rules 1", cache: true}
      - {text: "Rules 2", cache: true}
      - {text: "Rules 3", cache: true}
      - {text: "Rules 4", cache: true}
      - {text: "Rules 5", cache: true}

After:

    system:
      - {text: "Rules 1"}
      - {text: "Rules 2"}
      - {text: "Rules 3"}
      - {text: "Rules 4"}
      - {text: "Rules 5", cache: true}
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO104"
NAME = "too-many-breakpoints"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})
MAX_BREAKPOINTS = 4


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or len(analysis.breakpoints) <= MAX_BREAKPOINTS:
            continue
        total = len(analysis.breakpoints)
        for n, index in enumerate(analysis.breakpoints[MAX_BREAKPOINTS:], MAX_BREAKPOINTS + 1):
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.breakpoint_span(index),
                f"cache breakpoint {n} of {total}: the API accepts at most {MAX_BREAKPOINTS} "
                "per request and rejects this one with HTTP 400; remove the extra breakpoints",
            )
