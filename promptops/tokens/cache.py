"""A content-hash cache of token counts on disk, so unchanged text is never re-tokenized.

One entry map per tokenizer under the cache folder (default `$XDG_CACHE_HOME/promptops`),
written atomically and only when something new was counted. Each count is checked on its own
(`cache.store.EntryMap`): a damaged count is counted again, never read as a different number.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from promptops.cache.folder import cache_dir_of, default_cache_dir
from promptops.cache.store import EntryMap, atomic_write

__all__ = ["TokenCache", "atomic_write", "cache_dir_of", "default_cache_dir", "text_key"]

# Counts a run did not use that the file keeps: beyond this, a save keeps only the used ones
# (a big repo's counts stay; the texts of long-gone versions go).
MAX_UNUSED_COUNTS = 50_000


def text_key(namespace: str, text: str) -> str:
    return hashlib.sha256(f"{namespace}\0{text}".encode()).hexdigest()[:40]


class TokenCache:
    """Counts keyed by the hash of (tokenizer, text); a missing or damaged count is None."""

    def __init__(self, folder: Path | None, tokenizer: str) -> None:
        self.path = (folder / f"tokens-{tokenizer}.json") if folder else None
        self.tokenizer = tokenizer
        self._counts: EntryMap | None = None

    def _load(self) -> EntryMap:
        if self._counts is None:
            self._counts = EntryMap(self.path, max_unused=MAX_UNUSED_COUNTS)
        return self._counts

    def get(self, text: str) -> int | None:
        count = self._load().get(text_key(self.tokenizer, text))
        return count if type(count) is int and count >= 0 else None

    def put(self, text: str, count: int) -> None:
        self._load()[text_key(self.tokenizer, text)] = count

    def save(self) -> None:
        # A read-only cache folder must never fail a lint run (EntryMap.save never raises).
        if self._counts is not None:
            self._counts.save()
