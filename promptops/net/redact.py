"""Redaction of known secrets from text a server sent back, before it is printed or stored.

A server may echo a request's credentials in an error body (or a model may be talked into
repeating them); promptops prints those bodies and writes answers into reports and caches. Every
such string passes through `redact()`, which replaces the values of the secret environment
variables (ANTHROPIC_API_KEY, GITHUB_TOKEN, …) and of keys registered at run time (a local
server's configured key) with `[REDACTED]`.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from typing import Any

SECRET_ENV_VARS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "INPUT_GITHUB_TOKEN",
    "INPUT_ANTHROPIC-API-KEY",
    "INPUT_ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
)
# Shorter values are not credentials (tests use keys like "k"); replacing them would mangle text.
MIN_SECRET_LENGTH = 8
REPLACEMENT = "[REDACTED]"

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Treat `value` (a key from the command line or config) as a secret from now on."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _registered.add(value)


def known_secrets() -> list[str]:
    """Every secret value to hide, longest first (a key that contains another goes first)."""
    values = {os.environ.get(name) or "" for name in SECRET_ENV_VARS}
    with _lock:
        values |= _registered
    forms: set[str] = set()
    for value in values:
        value = value.strip()
        if len(value) >= MIN_SECRET_LENGTH:
            forms.add(value)
            forms.add(urllib.parse.quote(value, safe=""))
    return sorted(forms, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every known secret replaced by `[REDACTED]`."""
    if not text:
        return text
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, REPLACEMENT)
    return text


def redact_data(value: Any) -> Any:
    """The same for every string (keys included) in a JSON-like structure."""
    secrets = known_secrets()
    if not secrets:
        return value

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            for secret in secrets:
                if secret in item:
                    item = item.replace(secret, REPLACEMENT)
            return item
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return type(item)(walk(v) for v in item)
        return item

    return walk(value)
