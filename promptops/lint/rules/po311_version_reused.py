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
only warns, and only while the head still carries it. An unbumped edit of the head against the
base is PO307's and is not reported twice. It needs a base ref, so `promptops lint` does not
run it; `check` does, and `lint.ignore`, `lint.severity` and `# promptops: disable=PO311`
apply there as to any rule.

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
from typing import TYPE_CHECKING

from promptops.documents.model import Document
from promptops.findings import Finding
from promptops.lint.context import LintContext

if TYPE_CHECKING:  # the git layer is imported only when a base ref is read
    from promptops.git import GitSide
    from promptops.lint.change import BaseChange
    from promptops.version_history import Sighting

CODE = "PO311"
NAME = "version-reused"
SEVERITY = "error"
SOURCE = "diff"
NEEDS: frozenset[str] = frozenset({"base"})


def check(ctx: LintContext) -> Iterator[Finding]:
    """What the change brings: the working tree and the commits reachable from the head but
    not from the base (`base..head`), read across renames for the documents it touches."""
    change = ctx.change
    base_sha = change.base_side.sha if change is not None else None
    if change is None or base_sha is None:
        return
    from promptops.version_history import sightings_in

    head = change.head_side
    repo = head.repo
    head_rev = head.sha or "HEAD"
    brought = repo.changed_in([head_rev], [base_sha])
    new_commits = {v.commit for v in brought}
    paths = {v.path for v in brought}
    for changed in change.documents:
        paths.update(p for p in (changed.path, changed.old_path) if p)
    if not paths:
        return
    working = _working_sightings(head, sorted(paths))
    history = repo.history([head_rev, base_sha], sorted(paths))
    sightings = working + sightings_in(repo, history)
    for (kind, doc_id), mine in _by_document(sightings).items():
        yield from _document_findings(kind, doc_id, mine, new_commits, change)


def _working_sightings(head: GitSide, paths: list[str]) -> list[Sighting]:
    """The head's own contents when the head is the working tree (a commit head is in the
    history already)."""
    if not head.is_working_tree:
        return []
    from promptops.version_history import VERSIONED_KINDS, parse_yaml, sighting_of

    found = []
    for rel, text in head.read_many(paths).items():
        data = parse_yaml(text)
        if isinstance(data, dict) and data.get("kind") in VERSIONED_KINDS and data.get("id"):
            sighting = sighting_of(str(data["kind"]), str(data["id"]), text, None, rel)
            if sighting is not None:
                found.append(sighting)
    return found


def _by_document(sightings: list[Sighting]) -> dict[tuple[str, str], list[Sighting]]:
    grouped: dict[tuple[str, str], list[Sighting]] = {}
    for s in sightings:
        grouped.setdefault((str(s.data.get("kind")), str(s.data.get("id"))), []).append(s)
    return grouped


def _document_findings(
    kind: str,
    doc_id: str,
    sightings: list[Sighting],
    new_commits: set[str],
    change: BaseChange,
) -> list[Finding]:
    from promptops.version_history import describe

    head_doc = _head_document(kind, doc_id, sightings, change)
    head_version = head_doc.version if head_doc is not None else None
    unbumped = _po307_version(kind, doc_id, change)
    findings = []
    for version in dict.fromkeys(s.version for s in sightings):
        contents: dict[str, list[Sighting]] = {}
        for s in sightings:
            if s.version == version:
                contents.setdefault(s.digest, []).append(s)
        if len(contents) < 2:
            continue
        brought = [
            digest
            for digest, where in contents.items()
            if all(s.commit is None or s.commit in new_commits for s in where)
        ]
        if version == unbumped and len(brought) <= 1:
            continue  # the head's unbumped edit: PO307 reports it at the same line
        if brought:
            message = (
                f"{kind} {doc_id!r} version {version} would name {len(contents)} different "
                f"contents: {describe(contents)}. This change brings "
                f"{'them' if len(brought) > 1 else 'one of them'} in; merged as is, "
                f"`promptops bundle` refuses a release naming {version}. Give new content a "
                f"new version, and squash or rewrite the commits that reuse {version}"
            )
            findings.append(_finding(head_doc, sightings, "error", message))
        elif version == head_version:
            message = (
                f"{kind} {doc_id!r} version {version} already names {len(contents)} different "
                f"contents on the base ({describe(contents)}): `promptops bundle` refuses a "
                "release naming it; bump the version"
            )
            findings.append(_finding(head_doc, sightings, "warning", message))
    return findings


def _po307_version(kind: str, doc_id: str, change: BaseChange) -> str | None:
    """The version PO307 reports for this document (head and base differ under it), if any."""
    from promptops.version_history import content_digest, parse_yaml

    base_doc = change.base_document(kind, doc_id)
    head_doc = change.head_document(kind, doc_id)
    if base_doc is None or head_doc is None or base_doc.version != head_doc.version:
        return None
    base_data, head_data = parse_yaml(base_doc.text), parse_yaml(head_doc.text)
    if not isinstance(base_data, dict) or not isinstance(head_data, dict):
        return None
    return head_doc.version if content_digest(base_data) != content_digest(head_data) else None


def _head_document(
    kind: str, doc_id: str, sightings: list[Sighting], change: BaseChange
) -> Document | None:
    """The document on the head side, with positions (None when the head removed it)."""
    doc = change.head_document(kind, doc_id)
    if doc is not None:
        return doc
    from promptops.documents.workspace import parse_documents

    for path in dict.fromkeys(s.path for s in sightings):
        text = change.head_side.read(path)
        if text is None:
            continue
        docs, _ = parse_documents([(path, text)])
        for doc in docs:
            if doc.kind == kind and doc.id == doc_id:
                return doc
    return None


def _finding(
    doc: Document | None, sightings: list[Sighting], severity: str, message: str
) -> Finding:
    """At the head's `version:` line; at the newest sighting's file when the head has none."""
    if doc is None:
        return Finding(CODE, severity, message, sightings[0].path, 1, 1)
    span = doc.value_span("version") if "version" in doc.data else doc.key_span("id")
    workload = doc.data.get("workload") if doc.kind == "prompt" else None
    return Finding(
        CODE,
        severity,
        message,
        doc.path,
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        extra={"workload": workload},
    )
