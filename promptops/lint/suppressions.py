"""Inline and file-level suppressions, and the report of unused ones (PO009).

    key: value  # promptops: disable=PO102            this line and the next
    # promptops: disable=PO101,PO203                  (on its own line) the next line
    # promptops: disable-file=PO203                   the whole file

A YAML block scalar (`|`, `>`) cannot hold comments (a `#` there is prompt text), so a
suppression on the key line of a multi-line string, or the line above it, covers every line of
that string. Codes are always explicit: there is no blanket disable.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from promptops.documents.model import Document
from promptops.findings import Finding

UNUSED_CODE = "PO009"
COMMENT = re.compile(
    r"(?:^|[ \t])#[ \t]*promptops:[ \t]*(disable-file|disable)\b[ \t]*(?:=[ \t]*([^\n#]*))?",
    re.MULTILINE,
)
_CODE = re.compile(r"^[A-Z]+[0-9]+$")


@dataclass
class Suppression:
    line: int
    column: int
    end_column: int
    codes: tuple[str, ...]
    file_level: bool
    used: set[str] = field(default_factory=set)

    def covers(self, code: str, lines: tuple[int, ...]) -> bool:
        if code not in self.codes:
            return False
        return self.file_level or any(self.line in (n, n - 1) for n in lines)


def _scalar_spans(doc: Document) -> list[tuple[int, int, int, bool]]:
    """(start index, end index, start line, is block scalar) of every scalar value."""
    spans = []
    for path, style in doc.source.styles.items():
        span = doc.source.values.get(path)
        if span is not None and span.end_index > span.index:
            spans.append((span.index, span.end_index, span.line, style in ("|", ">")))
    return spans


def parse_suppressions(doc: Document) -> list[Suppression]:
    """Suppression comments of a document, ignoring look-alikes inside prompt text."""
    text = doc.text
    if "promptops:" not in text:
        return []
    scalars = _scalar_spans(doc)
    found = []
    for match in COMMENT.finditer(text):
        hash_at = text.index("#", match.start())
        line = text.count("\n", 0, hash_at) + 1
        inside = any(
            start < hash_at < end and not (block and line == first_line)
            for start, end, first_line, block in scalars
        )
        if inside:
            continue
        raw = (match.group(2) or "").strip()
        codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw) if c)
        column = hash_at - (text.rfind("\n", 0, hash_at) + 1) + 1
        end_column = column + len(match.group(0).rstrip()) - (hash_at - match.start())
        found.append(Suppression(line, column, end_column, codes, match.group(1) == "disable-file"))
    return found


def anchor_lines(doc: Document) -> dict[int, int]:
    """Line -> key line of the multi-line string that contains it."""
    anchors: dict[int, int] = {}
    for path in doc.source.styles:
        span = doc.source.values.get(path)
        if span is None:
            continue
        end_line = span.end_line - 1 if span.end_column == 1 else span.end_line
        if end_line <= span.line:
            continue
        key = doc.source.keys.get(path)
        anchor = key.line if key is not None else span.line
        for line in range(span.line, end_line + 1):
            anchors.setdefault(line, anchor)
    return anchors


def apply_suppressions(
    findings: list[Finding],
    documents: dict[str, Document],
    enabled: frozenset[str],
    known: frozenset[str],
    unused_in: Collection[str] | None = None,
) -> list[Finding]:
    """Drop suppressed findings; add PO009 for each suppression that suppressed nothing.

    `enabled` are the codes that ran (a suppression of a code that did not run is never
    unused); `unused_in` limits the PO009 report to those paths (default: every document),
    so a document that is read only for a finding about it has its suppressions honoured
    without being linted."""
    by_path: dict[str, list[Suppression]] = {
        path: parse_suppressions(doc) for path, doc in documents.items()
    }
    anchors: dict[str, dict[int, int]] = {}

    def suppressed(finding: Finding, mark: bool = True) -> bool:
        rules = by_path.get(finding.path)
        if not rules:
            return False
        if finding.path not in anchors:
            anchors[finding.path] = anchor_lines(documents[finding.path])
        anchor = anchors[finding.path].get(finding.line)
        lines = (finding.line,) if anchor in (None, finding.line) else (finding.line, anchor)
        hit = False
        for rule in rules:
            if rule.covers(finding.code, lines):
                if mark:
                    rule.used.add(finding.code)
                hit = True
        return hit

    kept = [f for f in findings if not suppressed(f)]
    if UNUSED_CODE not in enabled:
        return kept
    unused: list[Finding] = []
    for path, rules in by_path.items():
        if unused_in is not None and path not in unused_in:
            continue
        for rule in rules:
            scope = "in this file" if rule.file_level else "on this line or the next"
            if not rule.codes:
                unused.append(
                    _unused(
                        path,
                        rule,
                        "suppression names no rule code: write "
                        "`# promptops: disable=PO102` (there is no blanket disable)",
                    )
                )
            for code in rule.codes:
                if not _CODE.match(code) or code not in known:
                    unused.append(_unused(path, rule, f"unknown rule code {code!r} in suppression"))
                elif code in enabled and code not in rule.used:
                    unused.append(
                        _unused(path, rule, f"unused suppression: no {code} finding {scope}")
                    )
    return kept + [f for f in unused if not suppressed(f, mark=False)]


def _unused(path: str, rule: Suppression, message: str) -> Finding:
    return Finding(
        UNUSED_CODE, "warning", message, path, rule.line, rule.column, rule.line, rule.end_column
    )
