"""A small on-disk memo for results that are pure functions of a file's text.

Loading a big repo is mostly YAML parsing with positions and schema validation, and every
command (`validate`, `tokens`, `lint`, `mbom`, `check`, `diff`) loads the whole repo. A file
whose bytes did not change since the last run should cost a dictionary lookup, so results are
stored by content hash, one file per namespace and repo under the cache folder.

The file is a sealed file of `store` (salted with promptops's own source, so a changed loader,
rule or message never reads stale results; checksummed, verified before anything is
unmarshalled: `marshal` is not safe on damaged bytes), so a truncated, damaged or older file is
an empty cache, recomputed, never a different result and never a crash. Values are
`marshal`-ed (plain data only: no code runs when reading, unlike pickle), each on its own, so
a value that cannot be stored is just recomputed next time. Writes are atomic. Entries no run
has used for `MAX_AGE` saves are dropped, so the file tracks the repo, not its history.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptops.cache.folder import cache_folder
from promptops.cache.store import read_sealed, write_sealed

__all__ = ["MAX_AGE", "ContentStore", "cache_folder", "store_path"]

MAX_AGE = 8  # saves an entry survives without being used


def store_path(folder: Path, namespace: str, scope: str) -> Path:
    """One file per namespace and scope (the repo root), so repos never evict each other."""
    digest = hashlib.sha256(scope.encode()).hexdigest()[:12]
    return folder / f"{namespace}-{digest}.bin"


def _read(path: Path) -> tuple[int, dict[str, tuple[int, bytes]]]:
    """The generation and entries of a store file; empty when missing, stale or damaged."""
    try:
        blob = read_sealed(path, path.name)
        if blob is None:
            return 0, {}
        generation, entries = marshal.loads(blob)
        if not isinstance(generation, int) or not isinstance(entries, dict):
            return 0, {}
        return generation, entries
    except Exception:  # a missing, unreadable or damaged cache is an empty cache
        return 0, {}


class ContentStore:
    """`get(key)`, `put(key, value)`, `get_or_compute(key, fn)`; `save()` at the end of a run.

    Keys should include a content hash; values must be plain data (`marshal`-able).
    """

    def __init__(self, folder: Path | None, namespace: str, scope: str = "") -> None:
        self.path = store_path(folder, namespace, scope) if folder is not None else None
        self.generation, self._entries = _read(self.path) if self.path else (0, {})
        self._used: set[str] = set()
        self._dirty = False

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            value = marshal.loads(entry[1])
        except Exception:
            del self._entries[key]
            return None
        self._used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        """Remember `value` (a snapshot: later changes to it are not stored)."""
        try:
            blob = marshal.dumps(value)
        except ValueError:  # not plain data: computed again next time
            return
        self._entries[key] = (self.generation + 1, blob)
        self._used.add(key)
        self._dirty = True

    def put_blob(self, key: str, blob: bytes) -> None:
        """Remember a value already `marshal.dumps`-ed (e.g. by a forked worker)."""
        self._entries[key] = (self.generation + 1, blob)
        self._used.add(key)
        self._dirty = True

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def save(self) -> None:
        """Write the file when something new was computed; never fails the run."""
        if self.path is None or not self._dirty:
            return
        generation = self.generation + 1
        oldest = generation - MAX_AGE
        kept = {
            key: (generation if key in self._used else stamp, blob)
            for key, (stamp, blob) in self._entries.items()
            if key in self._used or stamp >= oldest
        }
        payload = marshal.dumps((generation, kept))
        write_sealed(self.path, payload, self.path.name)  # never raises
        self.generation, self._entries, self._dirty = generation, kept, False
