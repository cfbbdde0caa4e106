"""When each file last changed in git: one `git log` walk for all paths, "unknown" without git.

Committer dates (ISO 8601) of the newest commit touching each path. Files never committed, a
directory outside a git repository, or no git executable all give "unknown": the bill of
materials is still produced.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

UNKNOWN = "unknown"
_MARK = "\x1e"


def last_changes(root: Path, paths: Iterable[str], timeout_s: float = 30.0) -> dict[str, str]:
    """{path: ISO commit date or "unknown"} for paths relative to `root`."""
    wanted = sorted(set(paths))
    result = dict.fromkeys(wanted, UNKNOWN)
    if not wanted:
        return result
    try:
        proc = subprocess.run(
            ["git", "log", "--format=%x1e%cI", "--name-only", "--relative", "--", *wanted],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return result
    if proc.returncode != 0:
        return result
    date = UNKNOWN
    for line in proc.stdout.split("\n"):  # not splitlines(): it splits on \x1e
        if line.startswith(_MARK):
            date = line[len(_MARK) :].strip()
        elif line and result.get(line) == UNKNOWN:
            result[line] = date
    return result


def latest(dates: Iterable[str]) -> str:
    """The newest of some ISO dates ("unknown" when none is known)."""
    from datetime import datetime

    known = [d for d in dates if d != UNKNOWN]
    if not known:
        return UNKNOWN
    return max(known, key=datetime.fromisoformat)
