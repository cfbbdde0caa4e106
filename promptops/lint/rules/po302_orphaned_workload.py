"""A charter with no accountable owner.

**What it catches.** A `kind: charter` whose `owner` is missing, `null`, empty, blank, or a
placeholder (`TBD`, `TODO`, `unknown`, `none`, `n/a`, `-`, `nobody`, `changeme`). The
schema already requires the field; this rule also catches the placeholders that satisfy the
schema but name nobody, and replaces the schema error for a missing or empty owner, so you
get one finding that says why it matters.

**Why it costs money.** An orphaned workload keeps running and billing after the team that
built it moved on: nobody reads the budget alerts, signs off increases or retires it when its
alpha expires.

**Fix.** Put the accountable business owner (a person or a team alias that someone reads)
in `owner:`.

**Example.**

Before:

    kind: charter
    id: support
    owner: TBD

After:

    kind: charter
    id: support
    owner: jane.doe@example.com
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO302"
NAME = "orphaned-workload"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset()
PLACEHOLDERS = frozenset(
    {
        "tbd",
        "todo",
        "unknown",
        "none",
        "null",
        "n/a",
        "na",
        "-",
        "?",
        "nobody",
        "changeme",
        "fixme",
        "xxx",
        "owner",
    }
)


def owner_problem(data: dict) -> str | None:
    """Why the charter's owner names nobody, or None when it names someone."""
    if "owner" not in data:
        return "has no `owner`"
    owner = data["owner"]
    if owner is None:
        return "has `owner: null`"
    text = str(owner).strip()
    if not text:
        return "has an empty `owner`"
    if text.lower().strip(".!<>[]()") in PLACEHOLDERS:
        return f"has a placeholder owner {text!r}"
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    for doc in ctx.workspace.documents:
        if doc.kind != "charter" or not ctx.workspace.is_target(doc.path):
            continue
        problem = owner_problem(doc.data)
        if problem is None:
            continue
        span = doc.key_span("owner") if "owner" in doc.data else doc.key_span("id")
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            span,
            f"charter {doc.id!r} {problem}: an orphaned workload keeps billing with nobody "
            "accountable; name the business owner",
        )


def replaces(finding: Finding, ctx: LintContext) -> bool:
    """The schema error (PO002) for a charter's missing or empty owner: this rule reports the
    same problem with why it matters, so the pipeline keeps one finding, not two."""
    if finding.code != "PO002" or "owner" not in finding.message:
        return False
    doc = next((d for d in ctx.workspace.documents if d.path == finding.path), None)
    return doc is not None and doc.kind == "charter" and owner_problem(doc.data) is not None
