"""An id that points nowhere: a tool, charter or prompt that is not defined, or a model the
price table does not know.

**What it catches.** `tools: [lookup_order]` with no `kind: tool` document of that id,
`workload: support` with no such charter, an eval or release whose `prompt` does not exist,
and a `model` (or a charter's `models.allowed` entry) missing from the price table.

**Why it costs money.** An unknown model would be priced at $0, and a missing tool leaves its
definition (often the largest part of the cached prefix) out of every estimate. promptops
refuses to guess either.

**Fix.** Create the missing document, correct the id, or add the model under `prices:` in
promptops.yaml with at least `input` and `output` prices (USD per million tokens).

**Example.**

Before:

    model: claude-haiku-45

After:

    model: claude-haiku-4-5

Found while loading documents (also by `promptops validate`).
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO003"
NAME = "unresolved-reference"
SEVERITY = "error"
SOURCE = "load"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
