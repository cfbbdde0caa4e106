"""A small on-disk memo for results that are pure functions of a file's text.

Loading a big repo is mostly YAML parsing with positions and schema validation, and every
command (`validate`, `tokens`, `lint`, `mbom`, `check`, `diff`) loads the whole repo. A file
whose bytes did not change since the last run should cost a dictionary lookup, so results are
stored by content hash, one file per namespace and repo under the token cache folder.

The file is salted with the promptops version, the Python version and the bytes of every
schema, so an upgrade or a schema change never reads stale results. The file is sealed by
`cache_store` (a checksum of its name and bytes, verified before anything is unmarshalled:
`marshal` is not safe on damaged bytes), so a truncated or damaged file is an empty cache,
recomputed, never a different result and never a crash. Values are
`marshal`-ed (plain data only: no code runs when reading, unlike pickle), each on its own, so
a value that cannot be stored is just recomputed next time. Writes are atomic. Entries no run
has used for `MAX_AGE` saves are dropped, so the file tracks the repo, not its history.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from promptops import __version__
from promptops.cache_store import read_sealed, write_sealed
from promptops.config import Config

FORMAT = 2  # bump when what is stored (or how it is computed) changes
MAX_AGE = 8  # saves an entry survives without being used
_SALT = 16  # bytes of salt before the marshalled payload


# The code whose results are stored here: a change to any of it is a new salt, so nobody has
# to remember to bump FORMAT when the loader or a rule reads a text differently.
_SOURCES = ("documents", "lint", "pricing", "tokens")
_MODULES = ("render.py", "findings.py", "config.py", "globs.py")


@cache
def salt() -> str:
    """16 hex digits that change with the format, promptops, Python, the schemas and the
    source of the code that produces what is stored (the loader, the rules, the cost model)."""
    from promptops.resources import schemas_dir

    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version_info[:2]}".encode())
    for schema in sorted(schemas_dir().glob("*.schema.json")):
        digest.update(schema.name.encode() + b"\0" + schema.read_bytes())
    package = Path(__file__).resolve().parents[1]
    sources = [p for sub in _SOURCES for p in sorted((package / sub).rglob("*.py"))]
    sources += [package / name for name in _MODULES] + [package / "pricing" / "facts.json"]
    for source in sources:
        with contextlib.suppress(OSError):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder(config: Config) -> Path | None:
    """The token cache folder (`cache_dir` or $PROMPTOPS_CACHE_DIR / XDG); None with
    PROMPTOPS_NO_CACHE=1, which turns the parse and lint caches off (not token counts)."""
    if os.environ.get("PROMPTOPS_NO_CACHE"):
        return None
    from promptops.tokens.cache import cache_dir_of

    return cache_dir_of(config)


def store_path(folder: Path, namespace: str, scope: str) -> Path:
    """One file per namespace and scope (the repo root), so repos never evict each other."""
    digest = hashlib.sha256(scope.encode()).hexdigest()[:12]
    return folder / f"{namespace}-{digest}.bin"


def _read(path: Path) -> tuple[int, dict[str, tuple[int, bytes]]]:
    """The generation and entries of a store file; empty when missing, stale or damaged."""
    try:
        blob = read_sealed(path, path.name)
        if blob is None or blob[:_SALT] != salt().encode():
            return 0, {}
        generation, entries = marshal.loads(memoryview(blob)[_SALT:])
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
        write_sealed(self.path, salt().encode() + payload, self.path.name)  # never raises
        self.generation, self._entries, self._dirty = generation, kept, False
