"""A file that is not valid YAML (or not UTF-8 text).

**What it catches.** A prompt, tool, charter, eval or release file that the YAML parser
rejects: bad indentation, a tab, an unclosed quote, a duplicate key; or bytes that are not
UTF-8 (a file saved as Latin-1 or UTF-16). The finding points at the line and column where the
parser gave up, or at the first byte that cannot be decoded. Which YAML files are read as
promptops's is explained under PO005.

**Why it costs money.** A file that does not parse is a prompt nobody can price, render or
test: the merge gate cannot see what it would cost, so a broken file is a blind spot in the
budget, not just a typo.

**Fix.** Correct the YAML at the reported position. Multi-line prompt text is easiest to keep
valid as a literal block (`|`). Save the file as UTF-8.

**Example.**

Before:

    system: "You are a support agent.
      Answer briefly.

After:

    system: |
      You are a support agent.
      Answer briefly.

Found while loading documents (also by `promptops validate`; `promptops check` blocks on it
in every file a change adds or touches, and `promptops diff` shows such a document as
unpriced, never as a saving).
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO001"
NAME = "yaml-syntax"
SEVERITY = "error"
SOURCE = "load"
NEEDS: frozenset[str] = frozenset()


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
