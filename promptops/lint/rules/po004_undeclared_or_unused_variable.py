"""A template variable used but not declared, or declared but never used.

**What it catches.** A `{{ name }}` whose name (or, for `{{ customer.tier }}`, one of its
leading parts) has no entry under `variables:`; and an entry under `variables:` that no
template uses. The finding points at the `{{ ... }}` or at the declaration.

**Why it costs money.** Token and cost estimates stand each variable in at its declared
`expected_tokens`; an undeclared variable is priced as an 8-token placeholder, so a
`{{ order_history }}` that really carries 3,000 tokens is invisible to every budget. An unused
declaration usually means a renamed template, i.e. the estimate is for a prompt that no longer
exists.

**Fix.** Declare the variable with a description and `expected_tokens` (and `max_tokens`), or
remove the stale declaration. If the braces are meant as text (a GitHub Actions
`${{ secrets.TOKEN }}`, a Vue `{{ x.color }}`, a Go `{{Model: .Name}}`, a `{{skill-name}}`
the model should fill in), write them as a literal: a quoted string in braces stands for its
own text, so `${{ '{{' }} secrets.TOKEN }}` or `{{ '{{skill-name}}' }}` renders as
`${{ secrets.TOKEN }}` or `{{skill-name}}` (`{{ "}}" }}` for a closing pair; use the other
quote to include a quote). For a whole segment of such text, set `template: false` on it:

    system:
      - text: "Vue: <span>{{ x.color }}</span>"
        template: false

**Example.**

Before:

    messages:
      - role: user
        content: "Order history: {{ order_history }}"
    variables:
      orders: {expected_tokens: 800}

After:

    messages:
      - role: user
        content: "Order history: {{ order_history }}"
    variables:
      order_history: {description: last 20 orders as JSON, expected_tokens: 800, max_tokens: 3000}
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding
from promptops.render import template_refs
from promptops.template import TEMPLATE

CODE = "PO004"
NAME = "undeclared-or-unused-variable"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset()

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _declared(name: str, declared: dict) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:i]) in declared for i in range(len(parts), 0, -1))


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.targeted("prompt"):
        declared = doc.data.get("variables") or {}
        used: set[str] = set()
        for ref in template_refs(doc.data):
            names = _NAME.findall(ref.expression)
            used.update(names)
            if not ref.is_variable or _declared(ref.expression, declared):
                continue
            span = doc.source.locate(ref.source_path, TEMPLATE, ref.occurrence)
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                span,
                f"variable {ref.expression!r} is used but not declared under `variables:`: "
                "estimates price it as an 8-token placeholder; declare it with expected_tokens",
            )
        for name in declared:
            name = str(name)
            if any(u == name or u.startswith(name + ".") or name.startswith(u + ".") for u in used):
                continue
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                doc.key_span("variables", name),
                f"variable {name!r} is declared but no template uses it",
            )
