"""What a caller with a base ref supplies to the rules that need one (`NEEDS` holds `base`).

`promptops check` fills a `BaseChange` from its diff; `promptops lint` has no base and supplies
none, so the pipeline (`lint.run`) does not run those rules there. The value is plain data in
the lint layer's own terms (documents, token figures, the two git sides), so a rule never
reaches into the diff's internals and the diff never knows which rules read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from promptops.documents.model import Document
from promptops.findings import Finding

if TYPE_CHECKING:  # the git layer is imported only where a base ref is read
    from promptops.git import GitSide


@dataclass(frozen=True)
class ChangedDocument:
    """One prompt or tool of the change, as read on both sides.

    `base_input_tokens`/`head_input_tokens` are the priced input tokens per call at expected
    variable sizes (None when that side is absent or could not be priced)."""

    kind: str  # prompt | tool
    id: str
    path: str  # on the head (on the base when the head removed it)
    old_path: str | None
    base: Document | None
    head: Document | None
    base_input_tokens: int | None = None
    head_input_tokens: int | None = None
    workload: str | None = None


@dataclass(frozen=True)
class BaseChange:
    """The change between a base ref and the head, for the rules that need a base."""

    base_side: GitSide
    head_side: GitSide
    documents: tuple[ChangedDocument, ...] = ()
    base_docs: Mapping[str, Document] = field(default_factory=dict)  # every one read, by path
    head_docs: Mapping[str, Document] = field(default_factory=dict)
    # Findings of reading the change's head files (a file the head workspace could not read,
    # such as bytes that are not UTF-8, is still reported and gated).
    load_findings: tuple[Finding, ...] = ()

    def of_kind(self, kind: str) -> list[ChangedDocument]:
        return [d for d in self.documents if d.kind == kind]

    def head_document(self, kind: str, doc_id: str) -> Document | None:
        return next((d for d in self.head_docs.values() if d.kind == kind and d.id == doc_id), None)

    def base_document(self, kind: str, doc_id: str) -> Document | None:
        return next((d for d in self.base_docs.values() if d.kind == kind and d.id == doc_id), None)


__all__ = ["BaseChange", "ChangedDocument"]
