"""When each file last changed in git: one `git log` walk for all paths, "unknown" without git.

Committer dates (ISO 8601) of the newest commit touching each path, from the one git layer
(`promptops.git.last_commit_dates`). Files never committed, a directory outside a git
repository, or no git executable all give "unknown": the bill of materials is still produced.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

UNKNOWN = "unknown"


def last_changes(root: Path, paths: Iterable[str], timeout_s: float = 30.0) -> dict[str, str]:
    """{path: ISO commit date or "unknown"} for paths relative to `root`."""
    from promptops.git import last_commit_dates  # GitPython loads only when an mbom is made

    wanted = sorted(set(paths))
    result = dict.fromkeys(wanted, UNKNOWN)
    if wanted:
        result.update(last_commit_dates(root, wanted, timeout_s))
    return result


def latest(dates: Iterable[str]) -> str:
    """The newest of some ISO dates ("unknown" when none is known)."""
    from datetime import datetime

    known = [d for d in dates if d != UNKNOWN]
    if not known:
        return UNKNOWN
    return max(known, key=datetime.fromisoformat)
