"""The gate's view of charter changes: what a change relaxes, who may approve it, and whether
one of them has.

`promptops check` calls `review_charter_changes` with the change's two sides and, on a pull
request with a token, a way to ask GitHub which signer approved (`approvals`); without one
(offline, a push, a fork without a token) a relaxation is a warning naming the signers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from promptops.documents.charter_changes import (
    RELAXING,
    TIGHTENING,
    CharterChange,
    classify,
    signer_handles,
    signer_names,
)
from promptops.text.formatting import short_repr

Approvals = Callable[[Sequence[str]], str | None]  # signer handles -> the one that approved


@dataclass(frozen=True)
class CharterReview:
    charter: str
    path: str
    line: int
    relaxed: tuple[CharterChange, ...]
    tightened: tuple[CharterChange, ...]
    signers: tuple[str, ...]  # as written, "role: value"
    handles: tuple[str, ...]  # GitHub logins and teams among them
    # approved | needs-approval | unverified (no pull request and token, or no signer with a
    # GitHub handle: enforcement needs a @login or @org/team among the signers)
    status: str
    approved_by: str | None = None

    @property
    def blocking(self) -> bool:
        return self.status == "needs-approval"

    def describe(self) -> str:
        changes = "; ".join(
            f"{'.'.join(c.path)}: {short_repr(c.before)} → {short_repr(c.after)}"
            for c in self.relaxed
        )
        return f"charter {self.charter!r} relaxed ({changes})"

    def who(self) -> str:
        if self.handles:
            return ", ".join(f"@{h}" for h in self.handles)
        return "; ".join(self.signers) or "no signer named"

    def reason_fields(self) -> dict[str, Any]:
        """What a blocking reason or warning about this review carries (the report words it)."""
        return {
            "charter": self.charter,
            "path": self.path,
            "line": self.line,
            "relaxed": [
                {"path": ".".join(c.path), "before": c.before, "after": c.after}
                for c in self.relaxed
            ],
            "signers": list(self.signers),
            "handles": [f"@{h}" for h in self.handles],
        }

    def to_dict(self) -> dict[str, Any]:
        def change(c: CharterChange) -> dict[str, Any]:
            return {"path": ".".join(c.path), "what": c.what, "before": c.before, "after": c.after}

        return {
            "charter": self.charter,
            "path": self.path,
            "line": self.line,
            "status": self.status,
            "approved_by": self.approved_by,
            "relaxed": [change(c) for c in self.relaxed],
            "tightened": [change(c) for c in self.tightened],
            "signers": list(self.signers),
            "handles": [f"@{h}" for h in self.handles],
        }


def review_charter_changes(
    base_charters: dict[str, Any],
    head_charters: dict[str, Any],
    changed: set[str],
    approvals: Approvals | None,
) -> list[CharterReview]:
    """A review of every charter of `changed` that exists on both sides (documents by id)."""
    reviews = []
    for charter_id in sorted(changed):
        base, head = base_charters.get(charter_id), head_charters.get(charter_id)
        if base is None or head is None:
            continue
        changes = classify(base.data, head.data)
        relaxed = tuple(c for c in changes if c.kind == RELAXING)
        if not relaxed:
            continue
        # The base's signers decide: a change cannot approve itself by editing them.
        handles = tuple(sorted({h for hs in signer_handles(base.data).values() for h in hs}))
        names = tuple(signer_names(base.data))
        if approvals is None or not handles:  # offline, or no signer GitHub can name
            status, approved_by = "unverified", None
        else:
            approved_by = approvals(handles)
            status = "approved" if approved_by else "needs-approval"
        first = relaxed[0].path
        try:
            line = head.key_span(*first).line if first[0] in head.data else 1
        except (KeyError, IndexError, TypeError):
            line = 1
        reviews.append(
            CharterReview(
                charter_id,
                head.path,
                line,
                relaxed,
                tuple(c for c in changes if c.kind == TIGHTENING),
                names,
                handles,
                status,
                approved_by,
            )
        )
    return reviews
