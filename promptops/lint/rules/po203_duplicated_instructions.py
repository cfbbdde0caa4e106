"""Near-duplicate paragraphs within one prompt or across prompts.

**What it catches.** Two paragraphs (text between blank lines, at least
`lint.limits.duplicate_min_words` words, default 25) whose word 3-shingle sets have a Jaccard
similarity of at least `lint.limits.duplicate_similarity` (default 0.8), in the system prompt
or messages of the same prompt or of two prompts. Both places are reported, each naming the
other (and how many more copies there are).

**Why it costs money.** Within a prompt, a repeated instruction is paid on every call for no
effect. Across prompts, the same block of rules kept in several files drifts apart: one copy
gets fixed, the others keep costing tokens and giving different answers. Near-duplicates are
usually the copy someone edited slightly instead of sharing.

**Fix.** Say it once. Within a prompt, delete the repeat. Across prompts, keep one wording
(ideally in an identical leading system segment, which prompts with the same tools can then
share in the cache) or suppress with `# promptops: disable=PO203` when the repetition is
deliberate.

**Example.**

Before:

    system: |
      Always answer in the customer's language, keep answers under 120 words, never promise
      refunds, and escalate to a human when the customer mentions legal action or a chargeback.

      ...

      Always answer in the customer's language and keep answers under 120 words; never promise
      refunds, and escalate to a human if the customer mentions legal action or a chargeback.

After:

    system: |
      Always answer in the customer's language, keep answers under 120 words, never promise
      refunds, and escalate to a human when the customer mentions legal action or a chargeback.

      ...
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator

from promptops.documents.model import Document
from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding
from promptops.lint.duplicates import (
    LeadMatches,
    Paragraph,
    find_duplicates,
    lead_words,
    shingles,
    sketch,
    words_of,
)
from promptops.parsing.yaml_source import Span
from promptops.render import text_sources

CODE = "PO203"
NAME = "duplicated-instructions"
SEVERITY = "warning"
SOURCE = "lint"
_NEWLINE = re.compile("\n")


def _texts(doc: Document) -> dict[tuple, str]:
    return {path: text for _, path, text, _ in text_sources(doc.data)}


class Locator:
    """Where paragraphs start in one document's file, each text and its raw YAML folded
    once (`LeadMatches`), so locating every paragraph of a long prompt costs a search that
    skips to its first words, not a scan per finding. A paragraph is the n-th match of its
    first words in its parsed text; it stands at the n-th match (or the last) in the raw
    scalar, whose span is used when there is none."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.texts = _texts(doc)
        self._parsed: dict[tuple, LeadMatches] = {}
        self._raw: dict[tuple, tuple[Span, LeadMatches]] = {}
        self._newlines: list[int] | None = None

    def text(self, source_path: tuple) -> str:
        return self.texts.get(source_path, "")

    def span(self, item: Paragraph) -> Span:
        source_path = item.source_path
        parsed = self._parsed.get(source_path)
        if parsed is None:
            parsed = self._parsed[source_path] = LeadMatches(self.text(source_path))
        lead = lead_words(parsed.text[item.offset : item.end])
        occurrence = parsed.count_before(lead, item.offset)
        raw = self._raw.get(source_path)
        if raw is None:
            value = self.doc.source.value(source_path)
            segment = self.doc.source.text[value.index : value.end_index]
            raw = (value, LeadMatches(segment))
            self._raw[source_path] = raw
        value, matches = raw
        found = matches.matches(lead)
        if not found:
            return value
        start, end = found[min(occurrence, len(found) - 1)]
        return self._span_of(value.index + start, value.index + end)

    def _span_of(self, start: int, end: int) -> Span:
        """`SourceMap.span_of` with the file's line breaks found once."""
        if self._newlines is None:
            text = self.doc.source.text
            self._newlines = [m.start() for m in _NEWLINE.finditer(text)]
        line, column = self._position(start)
        end_line, end_column = self._position(end)
        return Span(line, column, end_line, end_column, start, end)

    def _position(self, index: int) -> tuple[int, int]:
        newlines = self._newlines or []
        before = bisect.bisect_left(newlines, index)  # line breaks before `index`
        line_start = newlines[before - 1] + 1 if before else 0
        return before + 1, index - line_start + 1


def _sources(doc: Document) -> list[tuple[tuple, str]]:
    return [(source_path, text) for _, source_path, text, _ in text_sources(doc.data)]


def _first(
    others: list[tuple[int, float]], items: list[Paragraph], span: Callable[[int], Span]
) -> tuple[int, float]:
    """The place a finding names: the most similar paragraph, then by path, then by line (the
    first of `sorted` by that key). Only the candidates tied on score and path are located: a
    paragraph with hundreds of near-copies locates one or a few, not all of them."""
    best = max(score for _, score in others)
    top = [o for o in others if o[1] == best]
    if len(top) > 1:
        path = min(items[o[0]].path for o in top)
        top = [o for o in top if items[o[0]].path == path]
    return top[0] if len(top) == 1 else min(top, key=lambda o: span(o[0]).line)


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.targeted("prompt"):
        return
    min_words = int(ctx.limits["duplicate_min_words"])
    threshold = float(ctx.limits["duplicate_similarity"])
    store = ctx.store("paragraphs")
    prompts = {doc.path: doc for doc in ctx.workspace.of_kind("prompt")}
    key_of = {path: f"{min_words}:{doc.content_hash}" for path, doc in prompts.items()}
    cached: dict[str, list] = {}
    for path in prompts:
        rows = store.get(key_of[path])
        if rows is not None:
            cached[path] = rows
    # Documents sketched for the first time are hashed in one batch (numpy for a whole repo).
    missing = {path: _sources(doc) for path, doc in prompts.items() if path not in cached}
    for path, found in sketch(missing, min_words).items():
        cached[path] = [("", *item[1:]) for item in found]
        store.put(key_of[path], cached[path])
    targets = ctx.workspace.targets
    items: list[Paragraph] = []
    if targets is None:
        for path, rows in cached.items():
            items.extend(Paragraph(path, *row[1:]) for row in rows)
    else:
        # Linting a few files: only paragraphs that share a word set or an LSH band with
        # theirs can be reported, so the rest of the repo is never materialised.
        mine = [Paragraph(p, *row[1:]) for p in targets if p in cached for row in cached[p]]
        keys = {item.words_key for item in mine}
        bands = {band for item in mine for band in item.bands}
        items.extend(mine)
        for path, rows in cached.items():
            if path in targets:
                continue
            items.extend(
                Paragraph(path, *row[1:])
                for row in rows
                if row[5] in keys or not bands.isdisjoint(row[6])
            )

    locators: dict[str, Locator] = {}

    def locator(path: str) -> Locator:
        if path not in locators:
            locators[path] = Locator(prompts[path])
        return locators[path]

    def shingles_of(item: Paragraph) -> set[int]:
        text = locator(item.path).text(item.source_path)
        return shingles(words_of(text[item.offset : item.end]))

    wanted = None
    if ctx.workspace.targets is not None:
        targets = ctx.workspace.targets
        wanted = lambda item: item.path in targets  # noqa: E731
    duplicates = find_duplicates(items, threshold, shingles_of, wanted)
    spans: dict[int, Span] = {}

    def span(i: int) -> Span:
        if i not in spans:
            spans[i] = locator(items[i].path).span(items[i])
        return spans[i]

    for i, others in duplicates.items():
        item = items[i]
        if not ctx.workspace.is_target(item.path):
            continue
        here = span(i)
        other, score = _first(others, items, span)
        there = span(other)
        where = (
            f"line {there.line} of this prompt"
            if items[other].path == item.path
            else f"{items[other].path}:{there.line}"
        )
        more = ""
        if len(others) > 1:
            more = f" and {len(others) - 1} more place{'s' if len(others) > 2 else ''}"
        kind = "repeats" if score >= 0.999 else f"is {score:.0%} similar to"
        yield make_finding(
            CODE,
            SEVERITY,
            item.path,
            Span(here.line, here.column, here.line, here.end_column, here.index, here.end_index),
            f"this paragraph ({item.n_words} words) {kind} the one at {where}{more}: say it once",
            duplicate_of=f"{items[other].path}:{there.line}",
            similarity=round(score, 3),
        )
