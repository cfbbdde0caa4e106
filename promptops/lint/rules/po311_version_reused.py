"""A version that history already holds with other content is used again.

**What it catches.** A prompt or tool version that this change brings into history with a
content (everything but `version`, `description` and `labels` for a prompt; but `version` and
`labels` for a tool) other than the one the same version already has in a commit reachable
from the head or the base. Typical ways in: a commit that `check` blocked for an unbumped
edit (PO307), fixed by a later commit that bumps, merged without squashing — the branch still
carries the old version with the new content; or a head that goes back to an older version
number with new words, which PO307 (head against base only) cannot see. The commits the
change brings are those reachable from the head but not from the base, plus the working tree.
Reported at the head's `version:`, naming the commits. A version already ambiguous on the base
only warns, and only while the head still carries it. It needs a base ref, so `promptops
lint` does not run it; `check` does.

**Why it costs money.** A release, an eval baseline and a cost report name a version; with two
contents under it `promptops bundle` refuses a release naming it (before, it shipped the
newest commit carrying it: the Opus-and-timestamp edit the gate had blocked, on a budget
planned for Haiku).

**Fix.** Give the new content a new version, and squash or rewrite the branch so that no
commit carries the old version with other content. A charter waiver (`rule: PO311`) accepts
it, e.g. for a repository that always squash-merges.

**Example.** (main has 1.0.0; the branch holds commit B "1.0.0, Opus" then C "1.1.0, Opus")

Before: merge the branch with a merge commit.

After: squash it into one commit that carries 1.1.0.

Computed by `promptops check`.
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO311"
NAME = "version-reused"
SEVERITY = "error"
SOURCE = "diff"


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
