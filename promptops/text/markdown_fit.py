"""Fit a Markdown view under a size limit by dropping whole rows, never by cutting text.

GitHub refuses a comment over 65,536 characters, and the job summary and `--markdown-output`
are the same body. A view is a head (the verdict and the totals: always kept), sections of
rows (table rows, list items, detail blocks) and a tail (provenance). When the whole does not
fit, sections give up rows in the caller's order, the last rows first, and each cut section
ends with one line saying how many rows are not shown and where to find them. A row is a whole
line or block, so no table row, code span or escape is ever cut in half.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

GITHUB_COMMENT_LIMIT = 65_536


@dataclass
class Section:
    """Rows with the lines around them; `more(n)` is the line that replaces n dropped rows."""

    rows: list[str]
    more: Callable[[int], str]
    lead: list[str] = field(default_factory=list)  # e.g. a blank line and a table header
    trail: list[str] = field(default_factory=list)  # e.g. a closing </details>
    hidden: int = 0  # rows left out before fitting (a cap): counted in `more` too
    trail_always: bool = False  # keep the trail (e.g. totals) even when every row is dropped
    shown: int = -1  # rows kept; set by `fit`

    def __post_init__(self) -> None:
        if self.shown < 0:
            self.shown = len(self.rows)
        self._prefix = [0]
        for row in self.rows:
            self._prefix.append(self._prefix[-1] + len(row) + 1)

    def size(self, shown: int) -> int:
        """Characters this section takes with `shown` rows (every line counted with its \\n)."""
        total = len(self.rows)
        if total == 0:
            return 0
        if shown == 0:
            kept = self.trail if self.trail_always else []
            return _size(["", self.more(total + self.hidden), *kept])
        size = _size(self.lead) + self._prefix[shown] + _size(self.trail)
        dropped = total - shown + self.hidden
        return size + (_size([self.more(dropped)]) if dropped else 0)

    def lines(self) -> list[str]:
        total = len(self.rows)
        if total == 0:
            return []  # an empty list has no heading either
        if self.shown == 0:
            return ["", self.more(total + self.hidden), *(self.trail if self.trail_always else [])]
        out = [*self.lead, *self.rows[: self.shown]]
        if self.shown < total or self.hidden:
            out.append(self.more(total - self.shown + self.hidden))
        return out + self.trail


def _size(lines: Sequence[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def fit(
    head: list[str],
    sections: list[Section],
    tail: list[str],
    limit: int,
    drop_order: Sequence[int] | None = None,
) -> str:
    """HEAD, the sections in their order, then TAIL, joined by newlines and at most LIMIT
    characters: sections in DROP_ORDER (indexes; default last first) lose rows until it fits."""
    order = list(drop_order) if drop_order is not None else list(range(len(sections)))[::-1]
    for section in sections:
        section.shown = len(section.rows)
    fixed = _size(head) + _size(tail)
    total = fixed + sum(s.size(s.shown) for s in sections)
    for index in order:
        if total <= limit:
            break
        section = sections[index]
        others = total - section.size(section.shown)
        section.shown = _most_rows(section, limit - others)
        total = others + section.size(section.shown)
    lines = [*head]
    for section in sections:
        lines += section.lines()
    lines += tail
    body = "\n".join(lines) + "\n"
    return body if len(body) <= limit else cut_lines(body, limit)


def _most_rows(section: Section, room: int) -> int:
    """The most rows of SECTION that fit in ROOM characters (0 if none do)."""
    total = len(section.rows)
    if section.size(total) <= room:
        return total
    low, high = 0, total - 1  # size(k) grows with k below `total`
    while low < high:
        mid = (low + high + 1) // 2
        if section.size(mid) <= room:
            low = mid
        else:
            high = mid - 1
    return low


CUT_NOTE = "…the rest is not shown: GitHub's comment limit; see the JSON report."


def cut_lines(body: str, limit: int, note: str = CUT_NOTE) -> str:
    """Last resort for a head that alone is too big: whole lines up to LIMIT, then NOTE."""
    room = limit - len(note) - 2
    kept: list[str] = []
    used = 0
    for line in body.splitlines():
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, note]) + "\n"
