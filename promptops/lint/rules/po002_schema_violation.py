"""A document that breaks its kind's JSON Schema.

**What it catches.** A missing required field (`id`, `version`, `model`, `system` for a
prompt; `owner` and `scenarios` for a charter), an unknown field (usually a typo such as
`max_ouput_tokens`), a value of the wrong type, a duplicate id within a kind. The finding
points at the offending key and lists the fields allowed there.

**Why it costs money.** A misspelt `max_output_tokens` is silently not a ceiling; a charter
without `scenarios` prices nothing. Schema errors turn guard rails into comments.

**Fix.** Rename or remove the field the message names, or add the missing one. The schemas
live in `schemas/<kind>.schema.json`.

**Example.**

Before:

    kind: prompt
    id: support/triage
    version: 1.0.0
    model: claude-haiku-4-5
    max_ouput_tokens: 400
    system: You triage support tickets.

After:

    kind: prompt
    id: support/triage
    version: 1.0.0
    model: claude-haiku-4-5
    max_output_tokens: 400
    system: You triage support tickets.

Found while loading documents (also by `promptops validate`).
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO002"
NAME = "schema-violation"
SEVERITY = "error"
SOURCE = "load"
NEEDS: frozenset[str] = frozenset()


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
