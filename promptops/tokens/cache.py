"""A content-hash cache of token counts on disk, so unchanged text is never re-tokenized.

One JSON file per tokenizer under the cache folder (default `$XDG_CACHE_HOME/promptops`),
written atomically and only when something new was counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptops.config import Config


def default_cache_dir() -> Path:
    if os.environ.get("PROMPTOPS_CACHE_DIR"):
        return Path(os.environ["PROMPTOPS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "promptops"


def cache_dir_of(config: Config) -> Path:
    """The cache folder of a run: `cache_dir` in the config, else `default_cache_dir()`."""
    return config.cache_dir or default_cache_dir()


def text_key(namespace: str, text: str) -> str:
    return hashlib.sha256(f"{namespace}\0{text}".encode()).hexdigest()[:40]


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write via a temp file in the same folder and rename over the target."""
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


class TokenCache:
    """Counts keyed by the hash of (tokenizer, text)."""

    def __init__(self, folder: Path | None, tokenizer: str) -> None:
        self.path = (folder / f"tokens-{tokenizer}.json") if folder else None
        self.tokenizer = tokenizer
        self._counts: dict[str, int] | None = None
        self._dirty = False

    def _load(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = {}
            if self.path is not None and self.path.is_file():
                try:
                    data = json.loads(self.path.read_text())
                    if isinstance(data, dict):
                        self._counts = data
                except (OSError, ValueError):
                    self._counts = {}
        return self._counts

    def get(self, text: str) -> int | None:
        return self._load().get(text_key(self.tokenizer, text))

    def put(self, text: str, count: int) -> None:
        self._load()[text_key(self.tokenizer, text)] = count
        self._dirty = True

    def save(self) -> None:
        if not self._dirty or self.path is None:
            return
        # A read-only cache folder must never fail a lint run.
        with contextlib.suppress(OSError):
            atomic_write(self.path, json.dumps(self._counts, separators=(",", ":")))
        self._dirty = False
