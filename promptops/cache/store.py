"""The one cache store: how promptops writes and reads every file in its cache folder.

A cache folder is restored from anywhere (actions/cache, another machine, a disk that lost a
sector), so what it holds is untrusted input to the merge gate. Every entry therefore carries a
checksum of its bytes, made together with the key it was stored under, and verified on read;
anything that does not verify — a flipped byte, a truncated file, an entry moved to another key,
an older unchecksummed format, another tool's file — is a miss that the caller recomputes, never
a different figure and never an error. Two shapes:

- a sealed file (`write_sealed` / `read_sealed`): one payload per file behind a header line
  `promptops-cache/1 <digest>`; for files that hold one thing (a figure entry, the price
  snapshot, the parsed tokenizer ranks, a content-store file, an eval response).
- an entry map (`EntryMap`): many small JSON values in one JSON file, each value stored as its
  own digest followed by its JSON text and checked only when read, so one damaged entry costs
  one recompute, not the whole file (damage to the file's structure is a miss of all of it).

Writes go through a temp file renamed over the target (readers never see half a file) and never
fail a run: a read-only cache folder only costs the recompute next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Container, Iterator
from pathlib import Path
from typing import Any

VERSION = 1  # of the two formats below; a new one makes every older file a miss
_SEAL = f"promptops-cache/{VERSION} ".encode()
_SEAL_DIGEST = 32  # hex digits of the sealed file's digest (128 bits)
_HEADER = len(_SEAL) + _SEAL_DIGEST + 1  # the header line, newline included
_ENTRY_DIGEST = 16  # hex digits of an entry's digest (64 bits)
_MAP_FORMAT = f"promptops-entries/{VERSION}"


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write via a temp file in the same folder and rename over the target (raises OSError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def _digest(key: str, payload: bytes | memoryview) -> bytes:
    """SHA-256 of the key and the payload (a payload verifies only under its own key), cut to
    128 bits: sealed files are megabytes (parsed documents, tokenizer ranks) read on every warm
    run, and SHA-256 has CPU instructions on current x86 and ARM (twice blake2b's speed)."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(payload)
    return digest.hexdigest()[:_SEAL_DIGEST].encode()


def _entry_digest(key: str, text: str) -> str:
    """The same for one small entry, with blake2b in one call: the cheapest per call for tens of
    bytes (a diff checks one per file of the repo)."""
    data = f"{key}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=_ENTRY_DIGEST // 2).hexdigest()


# -- sealed files ---------------------------------------------------------------------------
def seal(payload: bytes, key: str) -> bytes:
    """The header line (format and digest of `key` + `payload`) followed by the payload."""
    return _SEAL + _digest(key, payload) + b"\n" + payload


def _verified(header: bytes, payload: bytes | memoryview, key: str) -> bool:
    return (
        len(header) == _HEADER
        and header.startswith(_SEAL)
        and header[-1:] == b"\n"
        and header[len(_SEAL) : -1] == _digest(key, payload)
    )


def unseal(blob: bytes, key: str) -> bytes | None:
    """The payload of a sealed blob, or None when it is not one or does not verify."""
    payload = memoryview(blob)[_HEADER:]
    return bytes(payload) if _verified(blob[:_HEADER], payload, key) else None


def read_sealed(path: Path | None, key: str) -> bytes | None:
    """The verified payload of a sealed file; None (a miss) when absent or damaged. (The
    header and the payload are read apart: a payload of megabytes is never copied.)"""
    if path is None:
        return None
    try:
        with path.open("rb", buffering=0) as handle:  # unbuffered: `readall` sizes it once
            header = handle.read(_HEADER)
            payload = handle.readall()
    except OSError:
        return None
    return payload if _verified(header, payload, key) else None


def write_sealed(path: Path | None, payload: bytes, key: str) -> bool:
    """Seal and write atomically; False when the folder is not writable (never raises)."""
    if path is None:
        return False
    try:
        atomic_write(path, seal(payload, key))
    except OSError:
        return False
    return True


# -- entry maps -----------------------------------------------------------------------------
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
    "promptops-entries/1", "entries": {key: digest + JSON text}}`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stored: dict[str, Any] = _read_map(path)
        self._values: dict[str, Any] = {}  # verified and decoded by `preload`
        self.dirty = False

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
            return value
        stored = self._stored.get(key)
        if stored is None:
            return None
        value = open_entry(key, stored)
        if value is None:  # damaged: forget it, so the recomputed value replaces it
            del self._stored[key]
            self.dirty = True
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._stored[key] = seal_entry(key, value)
        self._values.pop(key, None)
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
        text = json.dumps({"format": _MAP_FORMAT, "entries": self._stored}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            atomic_write(self.path, text)
        self.dirty = False


def _read_map(path: Path | None) -> dict[str, Any]:
    """The stored entries of a map file (unverified); empty when absent, damaged or older."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _MAP_FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}
