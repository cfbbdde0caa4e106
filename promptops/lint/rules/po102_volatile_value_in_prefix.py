"""A value that changes on every call (a timestamp, a date, a uuid, a working directory, a
user, a request, session, agent or task id) in the part of the prompt that is, or could be,
cached.

**What it catches.** A template expression whose value is different on each call, found by:

* the variable's name, read as words (`snake_case`, `camelCase` and dotted names are split
  into words; nothing is matched as a substring): `now`, `date`, `time`, `timestamp`, `today`,
  `uuid`, `created_at`, `currentDate`; where and for whom the call runs: `cwd`,
  `working_directory`, `path`, `file_path`, `user`, `user_name`, `session`; and the id of a
  request, session, user, trace, agent, task, run or message: `request_id`, `session_id`,
  `agentId`, `taskId`, `traceId`. Not volatile by name: a setting about such a thing
  (`date_format`, `time_zone`, `session_timeout`, `path_separator`), a word that only
  qualifies another (`user_tier`), and an UPPER_CASE constant (`SESSION_STOP_GRACE_MS`,
  `REQUEST_ID`), unless it is declared `volatile: true`;
* `volatile: true` on its declaration (and `volatile: false` silences the name check);
* a call such as `{{ now() }}`, `{{ uuid4() }}`, `{{ datetime.utcnow() }}`.

It fires when the value sits before the last cache breakpoint, or, in a prompt with no
breakpoint at all, anywhere in the tools or system prompt. Only `{{ ... }}` expressions are
judged: the word "date" in an instruction such as "Update the date field" is never a finding,
and neither is a literal such as `{{ '{{ session_id }}' }}` or the text of a segment with
`template: false`, nor anything after the last breakpoint. Template *variables* before a
breakpoint are reported by PO101 (which says when they are volatile too); PO102 then covers
the rest.

**Why it costs money.** The system prompt is the part you cache once it grows (a 4,000-token
system prompt at 80% hits costs about a third of the uncached price). A timestamp in it makes
the prefix unique per call, so it can never be cached: today it blocks the cheapest
optimisation, and the day someone adds `cache: true` every call pays the 1.25x write price.

**Fix.** Put the volatile value in the user message, after any breakpoint. If the model needs
"today", pass it in the last user turn.

**Example.**

Before:

    system: |
      Today is {{ current_date }}. You schedule appointments.

After:

    system: |
      You schedule appointments.
    messages:
      - role: user
        content: "Today is {{ current_date }}. {{ request }}"
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding
from promptops.lint.volatile import volatility

CODE = "PO102"
NAME = "volatile-value-in-prefix"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    po101_reports_variables = ctx.is_enabled("PO101")
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None:
            continue
        last = analysis.last_breakpoint
        for ref in analysis.refs:
            why = volatility(ref.expression, analysis.declared)
            if why is None:
                continue
            if last >= 0:
                if ref.block > last:
                    continue
                if ref.is_variable and po101_reports_variables:
                    continue
                where = analysis.breakpoint_span(
                    next(i for i in analysis.breakpoints if i >= ref.block)
                )
                effect = (
                    f"inside the prefix cached by the breakpoint at line {where.line}: every "
                    "call writes a new cache entry and none reads one"
                )
            elif ref.part in ("tools", "system"):
                effect = (
                    f"in the {ref.part} of a prompt with no cache breakpoint: it keeps the "
                    "prefix from ever being cached"
                )
            else:
                continue
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.ref_span(ref),
                f"{{{{ {ref.expression} }}}} changes on every call ({why}) and sits {effect}; "
                "move it into the user message, after the last breakpoint",
            )
