"""Content changed against the base ref but `version` did not.

**What it catches.** A prompt or tool whose content differs from the same document at the
base ref (`promptops diff`, `promptops check --base REF`) while its `version` is unchanged. Content is everything but `version`, `description` and
`labels` for a prompt, everything but `version` and `labels` for a tool (the fields PO310 and
PO311 ignore too). Reported at `version`. It needs a base ref, so `promptops lint` does not
run it; `check` does, and `lint.ignore`, `lint.severity` and `# promptops: disable=PO307`
apply there as to any rule.

**Why it costs money.** Costs, eval results, canary releases and the token lock file are all
keyed by version. Two different prompts under one version make yesterday's cost report and
eval baseline describe something that no longer exists, and a rollback to "1.3.0" restores
the wrong text.

**Fix.** Bump `version` (patch for wording, minor for new variables or tools, major for a
changed contract with the application).

**Example.**

Before (system prompt edited):

    version: 1.3.0

After:

    version: 1.3.1

Reported by `promptops check`; `promptops diff` shows the same fact per prompt
(`version_bumped`).
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO307"
NAME = "version-not-bumped"
SEVERITY = "error"
SOURCE = "diff"
NEEDS: frozenset[str] = frozenset({"base"})


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.change is None:
        return
    # imported here: the version history pulls in the git layer, which `lint` never needs
    from promptops.version_history import content_digest

    for changed in ctx.change.documents:
        base, head = changed.base, changed.head
        if base is None or head is None or base.version != head.version:
            continue
        if content_digest(base.data) == content_digest(head.data):
            continue
        span = head.value_span("version") if "version" in head.data else head.key_span("id")
        yield make_finding(
            CODE,
            SEVERITY,
            head,
            span,
            f"{changed.kind} {changed.id!r} changed against the base ref but its version is "
            f"still {head.version}: bump it",
            workload=changed.workload,
        )
