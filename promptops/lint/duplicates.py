"""Near-duplicate paragraphs across a set of texts: word 3-shingles, Jaccard similarity.

Every paragraph (text between blank lines) with at least `min_words` words becomes a set of
hashed word 3-shingles. Candidates come from bottom-k MinHash sketches: two paragraphs whose k
smallest shingle hashes overlap in at least a quarter of the k values (a pair at Jaccard 0.8
shares about 28 of 32, an unrelated pair almost none). Each candidate is then confirmed with
the exact Jaccard index of the two shingle sets, so the threshold is exact while the search
stays near-linear. Shingle hashes only need to agree within one run, so Python's own tuple
hash is used (it is several times faster than any stable hash).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SHINGLE_WORDS = 3
SKETCH_SIZE = 32
MIN_SHARED = SKETCH_SIZE // 4
COMMON_SHINGLE = 64  # a shingle in more sketches than this is a stock phrase: no evidence
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass
class Paragraph:
    """One paragraph of one text: where it is, and its words."""

    path: str  # document path
    source_path: tuple[Any, ...]  # value path inside the document
    offset: int  # character offset inside the parsed text
    text: str
    words: list[str]
    _shingles: frozenset[int] | None = field(default=None, repr=False)

    @property
    def shingles(self) -> frozenset[int]:
        if self._shingles is None:
            w = self.words
            self._shingles = frozenset(map(hash, zip(w, w[1:], w[2:], strict=False)))
        return self._shingles


def paragraphs(
    path: str, source_path: tuple[Any, ...], text: str, min_words: int
) -> Iterable[Paragraph]:
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        words = _WORD.findall(chunk.lower())
        if len(words) >= max(min_words, SHINGLE_WORDS):
            lead = len(chunk) - len(chunk.lstrip())
            yield Paragraph(path, source_path, start + lead, chunk.strip(), words)
        if match:
            start = match.end()


def jaccard(a: Paragraph, b: Paragraph) -> float:
    sa, sb = a.shingles, b.shingles
    if not sa or not sb:
        return 0.0
    common = len(sa & sb)
    return common / (len(sa) + len(sb) - common)


def find_duplicates(items: list[Paragraph], threshold: float) -> dict[int, list[tuple[int, float]]]:
    """For each paragraph index, the other paragraphs at or above `threshold` similarity.

    Identical paragraphs are grouped by their words first; near-duplicates are then searched
    among one representative per group.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[" ".join(item.words)].append(i)
    reps = [members[0] for members in groups.values()]
    group_of = {rep: members for rep, members in zip(reps, groups.values(), strict=True)}

    sketches = {rep: sorted(items[rep].shingles)[:SKETCH_SIZE] for rep in reps}
    index: dict[int, list[int]] = defaultdict(list)
    for rep in reps:
        for value in sketches[rep]:
            index[value].append(rep)
    similar: dict[int, dict[int, float]] = defaultdict(dict)
    for rep in reps:
        shared: dict[int, int] = defaultdict(int)
        for value in sketches[rep]:
            bucket = index[value]
            if len(bucket) > COMMON_SHINGLE:
                continue
            for other in bucket:
                if other > rep:
                    shared[other] += 1
        needed = min(MIN_SHARED, len(sketches[rep]) // 4 or 1)
        for other, count in shared.items():
            if count < needed:
                continue
            score = jaccard(items[rep], items[other])
            if score >= threshold:
                similar[rep][other] = similar[other][rep] = score

    result: dict[int, list[tuple[int, float]]] = {}
    for rep, members in group_of.items():
        near = [(m, score) for other, score in similar[rep].items() for m in group_of[other]]
        for member in members:
            same = [(m, 1.0) for m in members if m != member]
            if same or near:
                result[member] = same + near
    return result
