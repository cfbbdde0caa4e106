"""Content changed against the base ref but `version` did not.

**What it catches.** A prompt or tool whose content (anything but `version` itself) differs
from the same document at the base ref (`promptops diff`, `promptops check --base REF`)
while its `version` is unchanged. Reported at `version`. It needs a base ref, so
`promptops lint` does not run it; `diff` and `check` do.

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

Computed by `promptops diff` and `promptops check`.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO307"
NAME = "version-not-bumped"
SEVERITY = "error"
SOURCE = "diff"


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
