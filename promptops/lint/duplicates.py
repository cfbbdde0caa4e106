"""Near-duplicate paragraphs across a set of texts: word 3-shingles, Jaccard similarity.

Every paragraph (text between blank lines) with at least `min_words` words becomes a set of
hashed word 3-shingles. Candidates come from MinHash with locality-sensitive hashing: a
32-value one-permutation MinHash signature (densified by rotation for short paragraphs), cut
into 8 bands of 4 values; two paragraphs are candidates when one band is equal. A pair at
Jaccard 0.8 becomes a candidate with probability 1 − (1 − 0.8⁴)⁸ ≈ 98.5%, an unrelated pair
almost never. Each candidate is then confirmed with the exact Jaccard index of the two shingle
sets, so the threshold is exact while the search stays near-linear. Hashes are stable across
runs (crc32 of each word, a tuple hash per shingle), so signatures are cached by content.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

SHINGLE_WORDS = 3
SIGNATURE_SIZE = 32
BANDS = 8
ROWS = SIGNATURE_SIZE // BANDS
LARGE_BUCKET = 64  # beyond this, a band bucket is compared as a star, not all pairs
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_word_ids: dict[str, int] = {}


class Paragraph(NamedTuple):
    """One paragraph: where it is, how long, and its MinHash signature."""

    path: str  # document path
    source_path: tuple[Any, ...]  # value path inside the document
    offset: int  # start offset inside the parsed text
    end: int
    n_words: int
    words_key: str  # equal for paragraphs with the same words
    bands: tuple[int, ...]  # LSH keys: a hash per band of the MinHash signature


def shingles(words: list[str]) -> set[int]:
    """Hashes of the word 3-shingles, for the exact Jaccard check of candidate pairs. Words
    become crc32 ids and a shingle is the hash of a tuple of ints (the same in every process)."""
    numbers = _ids(words)
    return set(map(hash, zip(numbers, numbers[1:], numbers[2:], strict=False)))


def _ids(words: list[str]) -> list[int]:
    ids = _word_ids
    for word in set(words).difference(ids):
        ids[word] = zlib.crc32(word.encode())
    return list(map(ids.__getitem__, words))


def _shingle_hashes(ids: list[int]) -> list[int]:
    """Hashes of the word 3-shingles (with repeats): a tuple of ints hashes the same in every
    process of one Python version (the cache salt includes it)."""
    return list(map(hash, zip(ids, ids[1:], ids[2:], strict=False)))


def signature(hashes: list[int]) -> tuple[Any, ...]:
    """One-permutation MinHash: the minimum hash per bin (bin = low bits). An empty bin takes
    the next non-empty bin to the right, wrapping (rotation densification), as
    (value, distance), so it never equals a filled bin by accident.

    Built from C-level calls only: sorted descending and fed to dict(), each bin keeps its
    last, i.e. smallest, value; only the (few) empty bins are visited in Python."""
    if not hashes:
        return ()
    size = SIGNATURE_SIZE
    ordered = sorted(hashes, reverse=True)
    filled = dict(zip(map(_BIN.__and__, ordered), ordered, strict=True))
    result: list[Any] = list(map(filled.get, _BINS))
    if len(filled) < size:
        for i in _ALL_BINS.difference(filled):
            j = i + 1
            while j % size not in filled:
                j += 1
            result[i] = (filled[j % size], j - i)
    return tuple(result)


_BIN = SIGNATURE_SIZE - 1
_BINS = range(SIGNATURE_SIZE)
_ALL_BINS = frozenset(_BINS)


def band_keys(sig: tuple[int, ...]) -> tuple[int, ...]:
    """One int per band (band index included), so bucketing is a dict of ints."""
    if len(sig) != SIGNATURE_SIZE:
        return ()
    return tuple(hash((band, sig[band * ROWS : (band + 1) * ROWS])) for band in range(BANDS))


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _chunks(text: str, min_words: int) -> Iterable[tuple[int, int, list[str]]]:
    """(start, end, words) of each paragraph with at least `min_words` words."""
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        words = words_of(chunk)
        if len(words) >= max(min_words, SHINGLE_WORDS):
            lead = len(chunk) - len(chunk.lstrip())
            yield start + lead, end, words
        if match:
            start = match.end()


def sketch(
    texts: dict[str, list[tuple[tuple[Any, ...], str]]], min_words: int
) -> dict[str, list[Paragraph]]:
    """The paragraphs of many documents ({path: [(source_path, text)]}) with their LSH band
    keys (their words, word count and a key equal for equal word sequences)."""
    found: list[tuple[str, tuple[Any, ...], int, int, list[str]]] = [
        (path, source_path, start, end, words)
        for path, sources in texts.items()
        for source_path, text in sources
        for start, end, words in _chunks(text, min_words)
    ]
    bands = [band_keys(signature(_shingle_hashes(_ids(item[4])))) for item in found]
    result: dict[str, list[Paragraph]] = {path: [] for path in texts}
    for (path, source_path, start, end, words), keys in zip(found, bands, strict=True):
        key = hashlib.sha1(" ".join(words).encode()).hexdigest()[:20]
        result[path].append(Paragraph(path, source_path, start, end, len(words), key, keys))
    return result


def paragraphs(
    path: str, source_path: tuple[Any, ...], text: str, min_words: int
) -> list[Paragraph]:
    """The paragraphs of one text (see `sketch`)."""
    return sketch({path: [(source_path, text)]}, min_words)[path]


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

    is_wanted = {
        rep: wanted is None or any(wanted(items[m]) for m in group_of[rep]) for rep in reps
    }
    buckets: dict[int, list[int]] = defaultdict(list)
    wanted_keys: set[int] | None = None
    if wanted is not None:  # only bands of the wanted paragraphs matter
        wanted_keys = {key for rep in reps if is_wanted[rep] for key in items[rep].bands}
    for rep in reps:
        for key in items[rep].bands:
            if wanted_keys is None or key in wanted_keys:
                buckets[key].append(rep)
    full: dict[int, set[int]] = {}

    def shingle_set(i: int) -> set[int]:
        if i not in full:
            full[i] = shingles_of(items[i])
        return full[i]

    similar: dict[int, dict[int, float]] = defaultdict(dict)

    def compare(a: int, b: int) -> None:
        score = jaccard(shingle_set(a), shingle_set(b))
        if score >= threshold:
            similar[a][b] = similar[b][a] = score

    if wanted is not None:
        # Each wanted paragraph against every other one it shares a band with, each pair
        # once: the union of its buckets (in C), not every bucket's pairs (a cluster of k
        # near-copies shares up to all 8 bands: 8k² pairs listed for k²/2 to compare).
        for a in reps:  # ascending: a wanted pair is compared from its first paragraph
            if is_wanted[a]:
                for b in set().union(*(buckets[key] for key in items[a].bands)):
                    if b != a and not (b < a and is_wanted[b]):
                        compare(a, b)
    else:
        checked: set[tuple[int, int]] = set()
        for bucket in buckets.values():
            if len(bucket) < 2:
                continue
            if len(bucket) > LARGE_BUCKET:
                pairs = [(bucket[0], other) for other in bucket[1:]]
            else:
                pairs = [(a, b) for n, a in enumerate(bucket) for b in bucket[n + 1 :]]
            for pair in pairs:
                if pair not in checked:
                    checked.add(pair)
                    compare(*pair)

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


# The only non-ASCII characters that `re.IGNORECASE` equates with an ASCII letter or digit, and
# the letter each stands for. Mapped first, lower-casing keeps every character one character
# (U+0130 is the one that lower-cases to two) and a word character (`\\w`) or not, as it was.
# tests/test_lint_po203_fold.py checks all three facts over all of Unicode for this Python.
_TO_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_WORD_CHAR = re.compile(r"\w")


class LeadMatches:
    """Every match of many "lead" patterns in one text, without running a case-insensitive
    regex over it per pattern (which tries every position of a long text in Python's engine).

    A lead pattern (`lead_pattern`) is `\\b` + a paragraph's first ASCII words joined by
    `\\W+`, matched case-insensitively: where a paragraph's words stand in its YAML source.
    The text is folded once (`_TO_ASCII`, then lower-cased): the same length, so the same
    offsets; a character of it is `x` exactly where the text has a character the pattern's
    `x` matches case-insensitively, and a word character exactly where the text has one. So
    the same pattern with the words lower-cased, matched case-sensitively in the folded text,
    finds the same matches as `finditer` of the lead pattern in the text; without its
    leading `\\b` (checked at each match instead) it starts with a literal word, which
    Python's regex engine skips to in C instead of trying every position.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None
        self._memo: dict[str, list[tuple[int, int]]] = {}

    def _fold(self) -> str | None:
        """The folded text; None if folding changed its length (no Python we know of)."""
        if self._folded is None:
            text = self.text
            if not text.isascii() and any(chr(c) in text for c in _TO_ASCII):
                text = text.translate(_TO_ASCII)
            self._folded = text.lower()
        return self._folded if len(self._folded) == len(self.text) else None

    def matches(self, lead: list[str]) -> list[tuple[int, int]]:
        """(start, end) of each match of `lead_pattern(lead)`, as `finditer` finds them."""
        key = "\0".join(lead)
        found = self._memo.get(key)
        if found is None:
            folded = self._fold() if lead else None
            if folded is None:
                found = [m.span() for m in lead_pattern(lead).finditer(self.text)]
            else:
                found = _search(_folded_pattern(tuple(w.lower() for w in lead)), folded)
            self._memo[key] = found
        return found

    def count_before(self, lead: list[str], offset: int) -> int:
        """How many matches `findall` finds in `text[:offset]`, where `offset` starts a
        paragraph (the text before it ends with white space, so no match straddles it)."""
        found = self.matches(lead)
        n = bisect.bisect_right(found, offset, key=lambda span: span[1])
        if n and found[n - 1][0] == offset:  # an empty match at the cut is not in the prefix
            n -= 1
        return n


_LEAD_WORDS = re.compile(r"[A-Za-z0-9]+")
LEAD_WORDS = 6


def lead_words(paragraph: str) -> list[str]:
    """The first words of a paragraph that locate it in its source."""
    return _LEAD_WORDS.findall(paragraph)[:LEAD_WORDS]


@functools.lru_cache(maxsize=4096)
def _compiled(lead: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\W+".join(map(re.escape, lead)), re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _folded_pattern(lead: tuple[str, ...]) -> re.Pattern[str]:
    """`lead_pattern` of lower-cased words without its leading `\\b`, for a folded text: a
    pattern that starts with a literal, which the regex engine finds by a fast search."""
    return re.compile(r"\W+".join(map(re.escape, lead)))


def _search(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The matches `finditer` gives for `\\b` + `pattern` (whose first character is a word
    character): the leftmost match of `pattern` from where the last one ended, kept when no
    word character stands before it, else the search goes on from the next position."""
    found = []
    at = 0
    while (match := pattern.search(text, at)) is not None:
        start = match.start()
        if start and _WORD_CHAR.match(text, start - 1):
            at = start + 1
        else:
            found.append(match.span())
            at = match.end()
    return found


def lead_pattern(lead: list[str]) -> re.Pattern[str]:
    """A paragraph's first words as they may be spelled in YAML: any case, any punctuation,
    spaces or line breaks between them."""
    return _compiled(tuple(lead))
