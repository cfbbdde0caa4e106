"""A small on-disk store keyed by content hash, for results that are pure functions of a file.

One pickle per namespace under the token cache folder, salted with the promptops version and
the schemas so an upgrade never reads stale results. Only the entries a run used are written
back, so the file never grows with history. A corrupt or unreadable file is an empty cache; a
read-only folder just means nothing is saved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from promptops import __version__
from promptops.config import Config
from promptops.resources import schemas_dir
from promptops.tokens.cache import default_cache_dir

_FORMAT = 6


@cache
def salt() -> str:
    # The Python version is part of it: PO203 caches tuple hashes, stable only per version.
    digest = hashlib.sha256(f"{_FORMAT}\0{__version__}\0{sys.version_info[:2]}".encode())
    for schema in sorted(schemas_dir().glob("*.schema.json")):
        digest.update(schema.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder(config: Config) -> Path | None:
    """Where lint caches live: the token cache folder (None with PROMPTOPS_NO_CACHE=1)."""
    if os.environ.get("PROMPTOPS_NO_CACHE"):
        return None
    return config.cache_dir or default_cache_dir()


class PickleStore:
    """`get_or_compute(key, fn)` memoised on disk; call `save()` at the end of a run."""

    def __init__(self, folder: Path | None, namespace: str) -> None:
        self.path = folder / f"lint-{namespace}.pickle" if folder else None
        self._entries: dict[str, Any] = {}
        self._used: dict[str, Any] = {}
        self._dirty = False
        if self.path is not None and self.path.is_file():
            with contextlib.suppress(Exception):
                with self.path.open("rb") as handle:
                    stored_salt, entries = pickle.load(handle)
                if stored_salt == salt() and isinstance(entries, dict):
                    self._entries = entries

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            entry = compute()
            self._entries[key] = entry
            self._dirty = True
        self._used[key] = entry
        return entry

    def save(self) -> None:
        if self.path is None or not (self._dirty or len(self._used) != len(self._entries)):
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((salt(), self._used), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        self._dirty = False
