"""A prompt's model is not in its charter's `models.allowed`.

**What it catches.** A prompt whose `model` is not one of the models its workload charter
allows. Ids and aliases are compared through the price table, so `claude-haiku-4-5` and
`claude-haiku-4-5-20251001` are the same model. Charters without `models.allowed` allow any
model.

**Why it costs money.** The charter's budgets were computed for the allowed models. Moving a
prompt from Haiku 4.5 to Opus 4.7 multiplies its input price by 5 and output by 5; that is a
decision for the charter's signers, not a side effect of a prompt edit.

**Fix.** Use an allowed model, or amend the charter's `models.allowed` in a reviewed change.

**Example.** (charter allows `[claude-haiku-4-5]`)

Before:

    model: claude-opus-4-7

After:

    model: claude-haiku-4-5
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO303"
NAME = "model-not-allowed"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    prices = ctx.prices
    for doc in ctx.targeted("prompt"):
        charter = ctx.workspace.charter_for(doc)
        if charter is None:
            continue
        allowed = [str(m) for m in (charter.data.get("models") or {}).get("allowed") or []]
        model = str(doc.data.get("model", ""))
        if not allowed or not prices.knows(model):
            continue
        if prices.canonical(model) in {prices.canonical(m) for m in allowed}:
            continue
        yield make_finding(
            CODE,
            SEVERITY,
            doc,
            doc.value_span("model"),
            f"model {model!r} is not allowed by charter {charter.id!r} "
            f"(models.allowed: {', '.join(allowed)})",
        )
