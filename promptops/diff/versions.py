"""PO311 version-reused: the merge gate's view of "a version names one content".

PO307 compares the head with the base only. A branch can pass it and still bring two contents
under one version into history: a commit that was blocked for not bumping, then a commit that
bumps, merged without squashing; or a head that goes back to an older version number with new
words. `promptops bundle` then cannot tell which content a release means. This check reads the
history of the documents the change touches (every commit reachable from head or base, the
files followed across renames) and blocks when the change brings a content under a version
that history holds with another content.

What the change brings: the working tree and the commits reachable from head but not from the
base (`base..head`). A version that was already ambiguous on the base is not this change's
doing: it warns, and only when the head still carries that version. An unbumped edit of the
head against the base is PO307's and is not reported twice.
"""

from __future__ import annotations

from promptops.diff.loading import LoadedSides
from promptops.diff.model import DiffReport
from promptops.documents.model import Document
from promptops.findings import Finding
from promptops.git_refs import GitRepo, GitSide
from promptops.version_history import (
    VERSIONED_KINDS,
    Sighting,
    content_digest,
    describe,
    parse_yaml,
    sighting_of,
    sightings_in,
)

CODE = "PO311"


def reused_versions(report: DiffReport, loaded: LoadedSides) -> list[Finding]:
    """PO311 findings for the versioned documents this change touches (see the module doc)."""
    base, head = loaded.base.side, loaded.head.side
    repo = head.repo
    if base.sha is None:
        return []
    head_rev = head.sha or "HEAD"
    brought = repo.changed_in([head_rev], [base.sha])
    new_commits = {v.commit for v in brought}
    paths = {v.path for v in brought}
    for item in [*report.prompts, *report.tools]:
        paths.update(p for p in (item.path, item.old_path) if p)
    if not paths:
        return []
    working = _working_sightings(head, loaded, sorted(paths))
    history = repo.history([head_rev, base.sha], sorted(paths))
    sightings = working + sightings_in(repo, history)
    findings = []
    for (kind, doc_id), mine in _by_document(sightings).items():
        findings += _document_findings(kind, doc_id, mine, new_commits, repo, head, loaded)
    return findings


def _working_sightings(head: GitSide, loaded: LoadedSides, paths: list[str]) -> list[Sighting]:
    """The head's own contents when the head is the working tree (a commit head is in the
    history already)."""
    if not head.is_working_tree:
        return []
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
    repo: GitRepo,
    head: GitSide,
    loaded: LoadedSides,
) -> list[Finding]:
    head_doc = _head_document(kind, doc_id, sightings, repo, head, loaded)
    head_version = head_doc.version if head_doc is not None else None
    unbumped = _po307_version(kind, doc_id, loaded)
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


def _po307_version(kind: str, doc_id: str, loaded: LoadedSides) -> str | None:
    """The version PO307 reports for this document (head and base differ under it), if any."""
    base_doc = next(
        (d for d in loaded.base.docs.values() if d.kind == kind and d.id == doc_id), None
    )
    head_doc = next(
        (d for d in loaded.head.docs.values() if d.kind == kind and d.id == doc_id), None
    )
    if base_doc is None or head_doc is None or base_doc.version != head_doc.version:
        return None
    base_data, head_data = parse_yaml(base_doc.text), parse_yaml(head_doc.text)
    if not isinstance(base_data, dict) or not isinstance(head_data, dict):
        return None
    return head_doc.version if content_digest(base_data) != content_digest(head_data) else None


def _head_document(
    kind: str,
    doc_id: str,
    sightings: list[Sighting],
    repo: GitRepo,
    head: GitSide,
    loaded: LoadedSides,
) -> Document | None:
    """The document on the head side, with positions (None when the head removed it)."""
    for doc in loaded.head.docs.values():
        if doc.kind == kind and doc.id == doc_id:
            return doc
    from promptops.documents.workspace import parse_documents

    for path in dict.fromkeys(s.path for s in sightings):
        text = head.read(path)
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


__all__ = ["CODE", "reused_versions"]
