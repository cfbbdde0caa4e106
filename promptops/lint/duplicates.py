"""Near-duplicate paragraphs across a set of texts: word 3-shingles, Jaccard similarity.

Every paragraph (text between blank lines) with at least `min_words` words becomes a set of
hashed word 3-shingles. Candidates come from bottom-k MinHash sketches: two paragraphs whose
k smallest shingle hashes overlap in at least a quarter of the k values (a pair at Jaccard 0.8
shares about 28 of 32, an unrelated pair almost none). Each candidate is then confirmed with
the exact Jaccard index of the two shingle sets, so the threshold is exact while the search
stays near-linear. Hashes are stable across runs (crc32 of each word, mixed per shingle), so a
document's sketches can be cached by its content hash.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

SHINGLE_WORDS = 3
SKETCH_SIZE = 32
MIN_SHARED = SKETCH_SIZE // 4
COMMON_SHINGLE = 64  # a shingle in more sketches than this is a stock phrase: no evidence
_MASK = (1 << 61) - 1
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_word_ids: dict[str, int] = {}


@dataclass(frozen=True)
class Paragraph:
    """One paragraph: where it is, how long, and its sketch."""

    path: str  # document path
    source_path: tuple[Any, ...]  # value path inside the document
    offset: int  # start offset inside the parsed text
    end: int
    n_words: int
    words_key: str  # equal for paragraphs with the same words
    sketch: tuple[int, ...]  # the SKETCH_SIZE smallest shingle hashes


def _word_id(word: str) -> int:
    value = _word_ids.get(word)
    if value is None:
        value = _word_ids[word] = zlib.crc32(word.encode()) + 1
    return value


def shingles(words: list[str]) -> set[int]:
    ids = [_word_id(w) for w in words]
    return {
        ((a * 0x9E3779B97F4A7C15 + b) * 0xC2B2AE3D27D4EB4F + c) & _MASK
        for a, b, c in zip(ids, ids[1:], ids[2:], strict=False)
    }


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def paragraphs(
    path: str, source_path: tuple[Any, ...], text: str, min_words: int
) -> Iterable[Paragraph]:
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        words = words_of(chunk)
        if len(words) >= max(min_words, SHINGLE_WORDS):
            lead = len(chunk) - len(chunk.lstrip())
            key = hashlib.sha1(" ".join(words).encode()).hexdigest()[:20]
            sketch = tuple(heapq.nsmallest(SKETCH_SIZE, shingles(words)))
            yield Paragraph(path, source_path, start + lead, end, len(words), key, sketch)
        if match:
            start = match.end()


def jaccard(a: set[int], b: set[int]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def find_duplicates(
    items: list[Paragraph],
    threshold: float,
    shingles_of: Any,
    wanted: Callable[[Paragraph], bool] | None = None,
) -> dict[int, list[tuple[int, float]]]:
    """For each paragraph index, the other paragraphs at or above `threshold` similarity.

    `shingles_of(paragraph)` gives the full shingle set, asked only for candidate pairs.
    With `wanted`, only paragraphs it accepts get results (linting one file in a big repo
    compares that file's paragraphs against all others, not all against all).
    Identical paragraphs are grouped first; near-duplicates are searched among one
    representative per group.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[item.words_key].append(i)
    reps = [members[0] for members in groups.values()]
    group_of = {rep: members for rep, members in zip(reps, groups.values(), strict=True)}

    index: dict[int, list[int]] = defaultdict(list)
    for rep in reps:
        for value in items[rep].sketch:
            index[value].append(rep)
    full: dict[int, set[int]] = {}

    def shingle_set(i: int) -> set[int]:
        if i not in full:
            full[i] = shingles_of(items[i])
        return full[i]

    similar: dict[int, dict[int, float]] = defaultdict(dict)
    for rep in reps:
        if wanted is not None and not any(wanted(items[m]) for m in group_of[rep]):
            continue
        shared = Counter(
            chain.from_iterable(
                bucket
                for value in items[rep].sketch
                if len(bucket := index[value]) <= COMMON_SHINGLE
            )
        )
        needed = max(1, min(MIN_SHARED, len(items[rep].sketch) // 4))
        for other, count in shared.items():
            if count < needed or other == rep or other in similar[rep]:
                continue
            score = jaccard(shingle_set(rep), shingle_set(other))
            if score >= threshold:
                similar[rep][other] = similar[other][rep] = score

    result: dict[int, list[tuple[int, float]]] = {}
    for rep, members in group_of.items():
        if wanted is not None and not any(wanted(items[m]) for m in members):
            continue
        near = [(m, score) for other, score in similar[rep].items() for m in group_of[other]]
        for member in members:
            same = [(m, 1.0) for m in members if m != member]
            if same or near:
                result[member] = same + near
    return result
