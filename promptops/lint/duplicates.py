"""Near-duplicate paragraphs across a set of texts: word 3-shingles, Jaccard similarity.

Every paragraph (text between blank lines) with at least `min_words` words becomes a set of
hashed word 3-shingles. Candidates come from MinHash with locality-sensitive hashing: a
32-value one-permutation MinHash signature (densified by rotation for short paragraphs), cut
into 8 bands of 4 values; two paragraphs are candidates when one band is equal. A pair at
Jaccard 0.8 becomes a candidate with probability 1 − (1 − 0.8⁴)⁸ ≈ 98.5%, an unrelated pair
almost never. Each candidate is then confirmed with the exact Jaccard index of the two shingle
sets, so the threshold is exact while the search stays near-linear. Hashes are stable across
runs (crc32 of each word, mixed per shingle), so signatures are cached by document content.
"""

from __future__ import annotations

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
_MASK = (1 << 61) - 1
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


# MinHash sketches use explicit 64-bit arithmetic, so the pure-Python path (a few files) and
# the numpy path (a whole repo) give the same band keys, which are cached across runs.
_M64 = (1 << 64) - 1
_K = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5)
_F1, _F2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_BIN_BITS = 5  # SIGNATURE_SIZE == 32 bins
_VALUE_SHIFT = 11  # values keep 53 bits, so value * 64 + offset fits in 64
NUMPY_MIN_WORDS = 20_000  # below this, importing numpy costs more than it saves


def _finish(x: int) -> int:
    """splitmix64's finaliser on a 64-bit int."""
    x ^= x >> 30
    x = (x * _F1) & _M64
    x ^= x >> 27
    x = (x * _F2) & _M64
    return x ^ (x >> 31)


def _shingle_hashes(ids: list[int]) -> list[int]:
    k0, k1, k2 = _K[0], _K[1], _K[2]
    return [
        _finish(((a * k0) ^ (b * k1) ^ (c * k2)) & _M64)
        for a, b, c in zip(ids, ids[1:], ids[2:], strict=False)
    ]


def signature(hashes: list[int]) -> tuple[int, ...]:
    """One-permutation MinHash: the minimum per bin, empty bins filled from the next
    non-empty bin to the right (rotation densification), offset by the distance."""
    if not hashes:
        return ()
    size = SIGNATURE_SIZE
    filled: dict[int, int] = {}
    for h in hashes:
        slot, value = h & (size - 1), h >> _VALUE_SHIFT
        if value < filled.get(slot, _M64):
            filled[slot] = value
    first = min(filled)
    carry, carry_at = filled[first], first + size  # the wrap-around for the last bins
    result = [0] * size
    for i in range(size - 1, -1, -1):
        value = filled.get(i)
        if value is not None:
            carry, carry_at = value, i
        result[i] = carry * 64 + (carry_at - i)
    return tuple(result)


def band_keys(sig: tuple[int, ...]) -> tuple[int, ...]:
    """One 64-bit int per band (band index mixed in), so bucketing is a dict of ints."""
    if len(sig) != SIGNATURE_SIZE:
        return ()
    keys = []
    for band in range(BANDS):
        x = band
        for k, value in zip(_K, sig[band * ROWS : (band + 1) * ROWS], strict=True):
            x ^= (value * k) & _M64
        keys.append(_finish(x))
    return tuple(keys)


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
    keys. A whole repo is hashed in one numpy pass; a few files in plain Python (same keys)."""
    found: list[tuple[str, tuple[Any, ...], int, int, list[str]]] = [
        (path, source_path, start, end, words)
        for path, sources in texts.items()
        for source_path, text in sources
        for start, end, words in _chunks(text, min_words)
    ]
    total = sum(len(item[4]) for item in found)
    if total >= NUMPY_MIN_WORDS:
        bands = _bands_numpy([_ids(item[4]) for item in found])
    else:
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


def _bands_numpy(id_lists: list[list[int]]) -> list[tuple[int, ...]]:
    """`band_keys(signature(_shingle_hashes(ids)))` for many paragraphs at once."""
    import numpy as np

    size = SIGNATURE_SIZE
    lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists))
    ids = np.fromiter(
        (i for ids in id_lists for i in ids), dtype=np.uint64, count=int(lengths.sum())
    )
    ends = np.cumsum(lengths)
    starts = ends - lengths
    n_shingles = lengths - (SHINGLE_WORDS - 1)
    # Shingle j of paragraph p starts at word starts[p] + j.
    para = np.repeat(np.arange(len(id_lists)), n_shingles)
    first = np.arange(int(n_shingles.sum())) - np.repeat(
        np.cumsum(n_shingles) - n_shingles, n_shingles
    )
    at = starts[para] + first
    with np.errstate(over="ignore"):
        k = [np.uint64(v) for v in _K]
        x = (ids[at] * k[0]) ^ (ids[at + 1] * k[1]) ^ (ids[at + 2] * k[2])
        x = _finish_numpy(x, np)
        slots = (x & np.uint64(size - 1)).astype(np.int64)
        values = x >> np.uint64(_VALUE_SHIFT)
        empty = np.uint64(_M64)
        sig = np.full(len(id_lists) * size, empty, dtype=np.uint64)
        np.minimum.at(sig, para * size + slots, values)
        sig = sig.reshape(len(id_lists), size)
        # Rotation densification: each bin takes the next non-empty bin at or after it
        # (wrapping), plus 64 * value + distance.
        doubled = np.concatenate([sig, sig], axis=1)
        position = np.where(doubled != empty, np.arange(2 * size), 2 * size)
        nearest = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1][:, :size]
        rows = np.arange(len(id_lists))[:, None]
        dense = doubled[rows, nearest] * np.uint64(64) + (nearest - np.arange(size)).astype(
            np.uint64
        )
        bands = dense.reshape(len(id_lists), BANDS, ROWS)
        keys = np.arange(BANDS, dtype=np.uint64)[None, :].repeat(len(id_lists), axis=0)
        for r in range(ROWS):
            keys = keys ^ (bands[:, :, r] * k[r])
        keys = _finish_numpy(keys, np)
    return [tuple(row) for row in keys.tolist()]


def _finish_numpy(x: Any, np: Any) -> Any:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_F1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_F2)
    return x ^ (x >> np.uint64(31))


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
    checked: set[tuple[int, int]] = set()
    for bucket in buckets.values():
        if len(bucket) < 2:
            continue
        if wanted is not None:
            heads = [a for a in bucket if is_wanted[a]]
            pairs = [(a, b) if a < b else (b, a) for a in heads for b in bucket if b != a]
        elif len(bucket) > LARGE_BUCKET:
            pairs = [(bucket[0], other) for other in bucket[1:]]
        else:
            pairs = [(a, b) for n, a in enumerate(bucket) for b in bucket[n + 1 :]]
        for a, b in pairs:
            if (a, b) in checked:
                continue
            checked.add((a, b))
            score = jaccard(shingle_set(a), shingle_set(b))
            if score >= threshold:
                similar[a][b] = similar[b][a] = score

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
