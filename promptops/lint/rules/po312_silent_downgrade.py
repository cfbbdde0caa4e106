"""A charter's review relaxed in the same change that makes the workload cheaper (Silent
Downgrade).

**What it catches.** A change (against the base ref; `check` only) that relaxes how a
workload's outputs are reviewed — `review.what` from `every` towards `sample`, `exceptions` or
`incidents`, `review.authority` from `veto` towards `audit`, a lower `review.sample_rate`, the
review section removed, or a signer removed or replaced — while the same change lowers its cost:
a prompt of the workload sends fewer input tokens or moves to another model, or the charter's
default model changes.

**Why it costs money.** A cheaper model or a shorter prompt is a fine change on its own, and so
may be lighter review; together, they are how quality drops without anyone deciding it: the
output gets worse exactly when fewer people look at it. The people who signed the charter
should decide that, not discover it.

**Fix.** Split the change, or have one of the charter's signers approve it (with the Action on a
pull request, an approving review from a signer's `@login` or `@org/team` clears it).

**Example.**

Before (the base ref):

    review: {what: every, authority: veto}      # charter
    model: claude-sonnet-4-6                    # its prompt

After (one pull request, flagged):

    review: {what: sample, authority: veto}
    model: claude-haiku-4-5
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.documents.charter_changes import RELAXING, classify, signer_names
from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO312"
NAME = "silent-downgrade"
SEVERITY = "error"
SOURCE = "diff"
NEEDS: frozenset[str] = frozenset({"base"})

REVIEW_PATHS = ("review", "signers")


def _cheaper(ctx: LintContext, workload: str, base_charter: dict, head_charter: dict) -> list[str]:
    """How the change lowers the workload's cost, in words (empty when it does not)."""
    assert ctx.change is not None
    reasons = []
    for changed in ctx.change.of_kind("prompt"):
        if changed.workload != workload or changed.base is None or changed.head is None:
            continue
        before, after = changed.base_input_tokens, changed.head_input_tokens
        if before is not None and after is not None and after < before:
            reasons.append(f"{changed.id} sends {before - after:,} fewer input tokens")
        old_model, new_model = changed.base.data.get("model"), changed.head.data.get("model")
        if old_model != new_model:
            reasons.append(f"{changed.id} moves from {old_model} to {new_model}")
    old_default = (base_charter.get("models") or {}).get("default")
    new_default = (head_charter.get("models") or {}).get("default")
    if old_default and new_default and old_default != new_default:
        reasons.append(f"the default model moves from {old_default} to {new_default}")
    return reasons


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.change is None:
        return
    for charter in ctx.workspace.of_kind("charter"):
        base = ctx.change.base_document("charter", charter.id)
        if base is None:
            continue
        relaxed = [
            c
            for c in classify(base.data, charter.data)
            if c.kind == RELAXING and c.path[0] in REVIEW_PATHS
        ]
        if not relaxed:
            continue
        cheaper = _cheaper(ctx, charter.id, base.data, charter.data)
        if not cheaper:
            continue
        what = "; ".join(f"{'.'.join(c.path)}: {c.before!r} → {c.after!r}" for c in relaxed)
        signers = ", ".join(signer_names(base.data)) or "none named"
        first = relaxed[0].path
        span = charter.key_span(*first) if first[0] in charter.data else charter.key_span("id")
        yield make_finding(
            CODE,
            SEVERITY,
            charter,
            span,
            f"review relaxed ({what}) in the same change that lowers cost ("
            + "; ".join(cheaper)
            + f"): needs approval from one of the charter's signers ({signers})",
            workload=charter.id,
            relaxed=[".".join(c.path) for c in relaxed],
        )
