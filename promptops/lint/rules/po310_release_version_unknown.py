"""A release names a prompt version that never existed, or one that names two contents.

**What it catches.** A `kind: release` whose `stable` or `canary.version` is not a version
its prompt ever had — not the prompt file's `version` in the working tree, and not its
`version` at any commit reachable from `HEAD` (the file followed across renames) — or a
version that history holds with more than one content (an unbumped edit committed, then
merged without squashing). Content is what PO307 compares: everything but `version`,
`description` and `labels`. Outside a git repository only the working tree counts. In a
shallow clone older versions are missing: fetch full history (`fetch-depth: 0`).

History is read only when a release is among the linted files, so the pre-commit hook on a
prompt file costs nothing more.

**Why it costs money.** `promptops bundle` resolves release versions from git history and
refuses one it cannot find or cannot tell apart; before this rule it silently shipped the
newest commit carrying the version, which can be a change the merge gate had blocked (a
pricier model, a timestamp that breaks caching). A release must say exactly which request
its callers get, or the canary's cost comparison measures the wrong prompt.

**Fix.** Name a version the prompt has had, with one content. For a version reused with other
content, bump the prompt to a new version and release that one.

**Example.** (the prompt's history holds 2.4.1 and 2.5.0)

Before:

    stable: 2.3.2

After:

    stable: 2.4.1
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from promptops.documents.model import Document
from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

if TYPE_CHECKING:  # the git layer is imported only when a release is linted
    from promptops.version_history import Ledger

CODE = "PO310"
NAME = "release-version-unknown"
SEVERITY = "error"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace"})


def check(ctx: LintContext) -> Iterator[Finding]:
    releases = ctx.targeted("release")
    if not releases:
        return
    from promptops.version_history import ledgers, open_repo, version_text

    prompts = {}
    for release in releases:
        prompt = ctx.workspace.get("prompt", str(release.data.get("prompt")))
        if prompt is not None and prompt.valid:  # else PO003 reports an unknown prompt
            prompts[prompt.id] = prompt
    repo = open_repo(ctx.config) if prompts else None
    histories = ledgers(
        repo,
        "prompt",
        {p.id: p.path for p in prompts.values()},
        ["HEAD"] if repo is not None else [],
        {p.path: p.text for p in prompts.values()},
    )

    @functools.cache
    def shallow() -> bool:
        """Whether the clone is shallow: asked only when a version is missing, once a run."""
        return repo is not None and repo.is_shallow()

    for release in releases:
        prompt = prompts.get(str(release.data.get("prompt")))
        if prompt is None:
            continue
        canary = release.data.get("canary")
        named: list[tuple[tuple[str, ...], Any]] = [(("stable",), release.data.get("stable"))]
        if isinstance(canary, dict) and canary.get("version") is not None:
            named.append((("canary", "version"), canary["version"]))
        for keys, value in named:
            if value is None:
                continue
            message = _problem(prompt, histories[prompt.id], version_text(value), shallow)
            if message is not None:
                yield make_finding(CODE, SEVERITY, release, release.value_span(*keys), message)


def _problem(
    prompt: Document, history: Ledger, version: str, shallow: Callable[[], bool]
) -> str | None:
    from promptops.version_history import describe

    contents = history.contents(version)
    if len(contents) == 1:
        return None
    if contents:
        return (
            f"prompt {prompt.id!r} version {version} names {len(contents)} different contents "
            f"({describe(contents)}): `promptops bundle` cannot tell which one this release "
            "means; bump the prompt and release the new version"
        )
    known = ", ".join(history.versions())
    hint = " (this clone is shallow: older versions need `git fetch --unshallow`)"
    return (
        f"prompt {prompt.id!r} never had version {version}: the working tree has "
        f"{prompt.version}, git history has {known}{hint if shallow() else ''}"
    )
