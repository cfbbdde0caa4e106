"""The one cache store: how promptops writes and reads every file of its caches.

A cache folder is restored from anywhere (actions/cache, another machine, a disk that lost a
sector), so what it holds is untrusted input to the merge gate. Every entry therefore carries a
checksum of its bytes, made together with the key it was stored under and the salt of the code
that wrote it (`salt.salt()`), and verified on read; anything that does not verify — a flipped
byte, a truncated file, an entry moved to another key, an entry an older or patched promptops
wrote, another tool's file — is a miss that the caller recomputes, never a different figure
and never an error. Three shapes:

- a sealed file (`write_sealed` / `read_sealed`): one payload per file behind a header line
  `promptops-cache/<salt> <digest>`; for files that hold one thing (the price snapshot, the
  parsed tokenizer ranks, a content store of parsed documents or lint results).
- keyed files (`KeyedFiles`): a sealed file per content key in folders by key prefix (priced
  figures, eval responses): a run reads only the keys it needs, concurrent runs never lose
  each other's writes, and the file of a key is overwritten when the salt changes.
- an entry map (`EntryMap`): many small JSON values in one JSON file, each value stored as its
  own digest followed by its JSON text and checked only when read, so one damaged entry costs
  one recompute, not the whole file; a map written under another salt is empty.

Writes go through a temp file renamed over the target (readers never see half a file). A
cache folder that cannot be written (read-only, full, not a folder) never fails a run: the first
failure prints one warning on stderr and the process stops writing cache files (what is there
is still read, and verified); the command's result is the same, only slower next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any

from promptops.cache.salt import salt

_SEAL_DIGEST = 32  # hex digits of the sealed file's digest (128 bits)
_ENTRY_DIGEST = 16  # hex digits of an entry's digest (64 bits)


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write via a temp file in the same folder and rename over the target (raises OSError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(content)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_temp(path: Path) -> tuple[int, str]:
    """A new file beside `path` (`.<name>.<random>.tmp`, mode 0600, opened exclusively) as
    `tempfile.mkstemp` makes it, without importing `tempfile` (shutil, bz2, lzma and random
    with it: 4 ms of every `lint FILE` that caches a new token count)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


# -- writes that never fail a run ---------------------------------------------------------------
_write_lock = threading.Lock()
_not_writable: list[str] = []  # the one failure of this process, once there was one


def writes_disabled() -> bool:
    """True once a cache write failed in this process (no more are tried)."""
    return bool(_not_writable)


def write_cache_file(path: Path, content: str | bytes) -> bool:
    """`atomic_write` for a cache file: False, after one warning per process, when the folder
    cannot be written (EACCES, EROFS, ENOSPC, a file where a folder should be, …)."""
    if _not_writable:
        return False
    try:
        atomic_write(path, content)
    except OSError as exc:
        _disable_writes(path, exc)
        return False
    return True


def _disable_writes(path: Path, exc: OSError) -> None:
    with _write_lock:
        if _not_writable:
            return
        reason = exc.strerror or type(exc).__name__
        _not_writable.append(reason)
    # one line, on stderr: the command's own output and exit code are unchanged
    sys.stderr.write(
        f"promptops: warning: cannot write the cache ({path.parent}: {reason}); "
        "continuing without caching\n"
    )
    sys.stderr.flush()


# -- sealed files -------------------------------------------------------------------------------
def _header() -> bytes:
    return f"promptops-cache/{salt()} ".encode()


def _digest(key: str, payload: bytes | memoryview) -> bytes:
    """SHA-256 of the key and the payload (a payload verifies only under its own key), cut to
    128 bits: sealed files are megabytes (parsed documents, tokenizer ranks) read on every warm
    run, and SHA-256 has CPU instructions on current x86 and ARM (twice blake2b's speed)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(payload)
    return digest.hexdigest()[:_SEAL_DIGEST].encode()


def seal(payload: bytes, key: str) -> bytes:
    """The header line (salt, and digest of `key` + `payload`) followed by the payload."""
    return _header() + _digest(key, payload) + b"\n" + payload


def _verified(header: bytes, payload: bytes | memoryview, key: str) -> bool:
    prefix = _header()
    return (
        len(header) == len(prefix) + _SEAL_DIGEST + 1
        and header.startswith(prefix)
        and header[-1:] == b"\n"
        and header[len(prefix) : -1] == _digest(key, payload)
    )


def unseal(blob: bytes, key: str) -> bytes | None:
    """The payload of a sealed blob, or None when it is not one or does not verify."""
    size = len(_header()) + _SEAL_DIGEST + 1
    payload = memoryview(blob)[size:]
    return bytes(payload) if _verified(blob[:size], payload, key) else None


def read_sealed(path: Path | None, key: str) -> bytes | None:
    """The verified payload of a sealed file; None (a miss) when absent, damaged or written
    under another salt. (Header and payload are read apart: megabytes are never copied.)"""
    if path is None:
        return None
    try:
        with path.open("rb", buffering=0) as handle:  # unbuffered: `readall` sizes it once
            header = handle.read(len(_header()) + _SEAL_DIGEST + 1)
            payload = handle.readall()
    except OSError:
        return None
    return payload if _verified(header, payload, key) else None


def write_sealed(path: Path | None, payload: bytes, key: str) -> bool:
    """Seal and write atomically; False when the folder is not writable (never raises)."""
    if path is None:
        return False
    return write_cache_file(path, seal(payload, key))


# -- keyed files --------------------------------------------------------------------------------
KEEP_UNUSED_DAYS = 30  # a keyed file no run has read or written for this long is pruned
_DAY = 86_400.0


class KeyedFiles:
    """Sealed payloads by content key (hex), one file each: `<folder>/<2 hex>/<rest>.json`.

    Pruned by use: a hit refreshes a file's mtime when it is a day old, and the first write of
    a process removes, in the shard (key prefix) it writes to, the files no run has used for
    `KEEP_UNUSED_DAYS`: 1/256 of the folder per run, a few dozen stats, so over many runs the
    folder follows the repo, not its history."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._pruned = False

    def path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key[2:]}.json" if self.folder is not None else None

    def read(self, key: str) -> bytes | None:
        path = self.path(key)
        payload = read_sealed(path, key)
        if payload is not None and path is not None and not _not_writable:
            try:
                if time.time() - path.stat().st_mtime > _DAY:
                    os.utime(path)  # in use: not pruned
            except OSError:
                pass
        return payload

    def write(self, key: str, payload: bytes) -> bool:
        path = self.path(key)
        if not self._pruned and path is not None:
            self._pruned = True
            prune_unused(path.parent, time.time() - KEEP_UNUSED_DAYS * _DAY)
        return write_sealed(path, payload, key)


def prune_unused(shard: Path, oldest: float) -> int:
    """Remove the files of `shard` last used before `oldest` (a time); how many (never raises)."""
    removed = 0
    if _not_writable:
        return removed
    try:
        for file in shard.iterdir():
            if file.stat().st_mtime < oldest:
                file.unlink(missing_ok=True)
                removed += 1
    except OSError:
        pass  # a missing shard (nothing to prune) or a folder that is not ours to change
    return removed


# -- entry maps ---------------------------------------------------------------------------------
def _map_format() -> str:
    return f"promptops-entries/{salt()}"


def _entry_digest(key: str, text: str) -> str:
    """The digest of one small entry, with blake2b in one call: the cheapest per call for tens
    of bytes (a diff checks one per file of the repo)."""
    data = f"{key}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=_ENTRY_DIGEST // 2).hexdigest()


def seal_entry(key: str, value: Any) -> str:
    """An entry as stored: its digest (of key and JSON text), then the JSON text."""
    text = json.dumps(value, separators=(",", ":"))
    return _entry_digest(key, text) + text


def open_entry(key: str, stored: Any) -> Any | None:
    """The value of a stored entry, or None when it does not verify under `key`."""
    if not isinstance(stored, str) or len(stored) <= _ENTRY_DIGEST:
        return None
    text = stored[_ENTRY_DIGEST:]
    if stored[:_ENTRY_DIGEST] != _entry_digest(key, text):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # cannot happen to what `seal_entry` wrote
        return None


class EntryMap:
    """JSON values by key in one file, each checked on its own when read.

    `get` returns None for a missing or damaged entry (values are never None); `m[key] = v`
    stores; `save()` writes the file when something changed. File: `{"format":
    "promptops-entries/<salt>", "entries": {key: digest + JSON text}}`."""

    def __init__(self, path: Path | None, max_unused: int | None = None) -> None:
        self.path = path
        self._stored: dict[str, Any] = _read_map(path)
        self._values: dict[str, Any] = {}  # verified and decoded by `preload`
        self.dirty = False
        # With `max_unused`, a save drops the entries this run did not use once there are
        # more than that many of them (the file follows the repo, not its history).
        self.max_unused = max_unused
        self._used: set[str] = set()

    def preload(self) -> None:
        """Verify every entry now and decode them all in one parse: a run that reads most of
        them (a diff reads the whole document index) pays a third of doing it one by one."""
        keys, texts = [], []
        for key, stored in self._stored.items():
            if isinstance(stored, str):
                text = stored[_ENTRY_DIGEST:]
                if stored[:_ENTRY_DIGEST] == _entry_digest(key, text) and text:
                    keys.append(key)
                    texts.append(text)
        try:
            values = json.loads("[" + ",".join(texts) + "]")
        except (ValueError, RecursionError):  # cannot happen to what `seal_entry` wrote
            return
        self._values = {k: v for k, v in zip(keys, values, strict=True) if v is not None}

    def __len__(self) -> int:
        return len(self._stored)

    def __iter__(self) -> Iterator[str]:
        """The stored keys, verified or not (`get` says which hold a value)."""
        return iter(list(self._stored))

    def get(self, key: str) -> Any | None:
        value = self._values.get(key)
        if value is not None:
            self._used.add(key)
            return value
        stored = self._stored.get(key)
        if stored is None:
            return None
        value = open_entry(key, stored)
        if value is None:  # damaged: forget it, so the recomputed value replaces it
            del self._stored[key]
            self.dirty = True
        else:  # verified once: a second `get` (lint asks twice for a count) is a lookup
            self._values[key] = value
            self._used.add(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._stored[key] = seal_entry(key, value)
        self._values.pop(key, None)
        self._used.add(key)
        self.dirty = True

    def retain(self, keys: Container[str]) -> None:
        """Drop every entry whose key is not in `keys`."""
        kept = {k: v for k, v in self._stored.items() if k in keys}
        if len(kept) != len(self._stored):
            self._stored, self.dirty = kept, True
            self._values = {k: v for k, v in self._values.items() if k in kept}

    def save(self) -> None:
        """Write the file when something changed; never fails the run."""
        if not self.dirty or self.path is None:
            return
        if self.max_unused is not None and len(self._stored) - len(self._used) > self.max_unused:
            self.retain(self._used)
        data = {"format": _map_format(), "entries": self._stored}
        write_cache_file(self.path, json.dumps(data, separators=(",", ":")))
        self.dirty = False


def _read_map(path: Path | None) -> dict[str, Any]:
    """The stored entries of a map file (unverified); empty when absent, damaged or written
    under another salt."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _map_format():
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}
