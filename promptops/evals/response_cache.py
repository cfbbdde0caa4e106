"""Response cache on disk, keyed by a hash of everything that can change the answer.

The key is the SHA-256 of canonical JSON holding the provider's identity (name, base URL,
local model), the full rendered request (model, system, tools,
messages, max_tokens, temperature, …) and the repeat index (each of `--repeat N` samples is
its own entry). Grading calls are cached the same way on the grader's request, which holds
the grader model, the rubric and the graded answer. Entries hold the answer and its usage;
cost is recomputed from usage at the current prices when an entry is read. Each entry is a
keyed file of the one store (`cache.store.KeyedFiles`: a checksum of its key and bytes, salted
with promptops's own source): a damaged, misplaced or older entry is a miss, asked again, never
a different answer; a folder that cannot be written costs one warning, not the run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from promptops.cache.store import KeyedFiles
from promptops.evals.providers.base import Provider, ProviderResult

DEFAULT_CACHE_DIR = ".promptops-cache/responses"


def cache_key(provider_identity: dict[str, Any], request: dict[str, Any], sample: int = 0) -> str:
    material = {
        "provider": provider_identity,
        "request": request,
        "sample": sample,
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """A directory of `<2 hex>/<62 hex>.json` entries, written atomically (safe across
    threads and concurrent shard runs on one runner)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.files = KeyedFiles(self.directory)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> dict[str, Any] | None:
        payload = self.files.read(key)
        try:
            data = json.loads(payload) if payload is not None else None
        except (ValueError, RecursionError):
            data = None
        with self._lock:
            if isinstance(data, dict):
                self.hits += 1
                return data
            self.misses += 1
        return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        payload = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self.files.write(key, payload)  # never raises: an unwritable folder only warns once


def cached_complete(
    cache: ResponseCache | None,
    provider: Provider,
    request: dict[str, Any],
    sample: int = 0,
    batch: bool = False,
) -> ProviderResult:
    """The answer from the cache when there is one, else from the provider (then stored)."""
    if cache is None:
        return provider.complete(request)
    key = cache_key(provider.identity(), request, sample)
    stored = cache.get(key)
    if stored is not None:
        try:
            result = ProviderResult.from_dict(stored, cached=True)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            result = None
        if result is not None:
            model = str(request.get("model", result.model))
            return result.with_cost(provider.price(result.usage, batch=batch, model=model))
    result = provider.complete(request)
    cache.put(key, result.to_dict())
    return result
