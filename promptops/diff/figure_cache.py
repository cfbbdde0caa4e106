"""Each prompt's priced figures on disk, so a warm diff prices only what changed.

A workload's totals need every prompt of the workload, but an unchanged prompt with unchanged
tools and charter costs what it cost last time. Its figures (per scenario: monthly USD and calls
per month; the exactness of its token counts) are stored under a key made of everything they
depend on: the prompt's blob id, its tools' and charter's blob ids, and a fingerprint of the
pricing inputs (price sources, config price overrides, tokenizer, the lock file's counts when
they are used). Any change to one of them is a different key; a change to promptops's own code
(the cost model, the token counts, the renderer) is a different salt of the store
(`cache.salt`), so a stale figure cannot be served — nobody has to remember to bump a constant.

One small sealed JSON file per key (`cache.store.KeyedFiles`, in folders by key prefix) under
the cache folder: a diff reads only the keys of the workloads it touches, and concurrent runs
never lose each other's writes. Each file carries a checksum of its key and text, so a damaged,
truncated, misplaced or older entry is a miss, priced again, never a different figure.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from promptops.cache.store import KeyedFiles, writes_disabled
from promptops.config import Config
from promptops.pricing.table import PriceTable
from promptops.tokens.counting import TokenCounter

FOLDER = "diff-figures"


@dataclass(frozen=True)
class Figures:
    """What a workload total needs from one prompt; `skipped` says why it has none."""

    workload: str | None
    scenarios: tuple[tuple[str, Decimal, Decimal], ...]  # (name, monthly USD, calls per month)
    exact: str  # "exact" | "estimate" | "mixed"
    skipped: str | None = None  # "invalid", or the reason it could not be priced

    def to_json(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "scenarios": [[n, str(m), str(c)] for n, m, c in self.scenarios],
            "exact": self.exact,
            "skipped": self.skipped,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Figures:
        return cls(
            value["workload"],
            tuple((str(n), Decimal(m), Decimal(c)) for n, m, c in value["scenarios"]),
            str(value["exact"]),
            value.get("skipped"),
        )


def pricing_fingerprint(config: Config, table: PriceTable, counter: TokenCounter) -> str:
    """Every input to a prompt's figures that is not one of its documents."""
    parts: dict[str, Any] = {
        "price_table_date": table.date,
        "price_overrides": config.prices,
        "tokenizer": config.tokenizer,
        "estimator": counter.estimator,
    }
    if counter.lock is not None:  # exact counts come from the lock file
        try:
            parts["lock"] = hashlib.sha256(config.lock_path.read_bytes()).hexdigest()
        except OSError:
            parts["lock"] = None
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def figures_key(
    fingerprint: str, prompt_blob: str, tool_blobs: list[str | None], charter_blob: str | None
) -> str:
    text = json.dumps([fingerprint, prompt_blob, tool_blobs, charter_blob])
    return hashlib.sha256(text.encode()).hexdigest()


class FigureCache:
    """Figures by key; a missing or unreadable entry is a miss, never an error.

    PROMPTOPS_NO_FIGURE_CACHE=1 (every `get` a miss, `put` a no-op) exists so bench/ can weigh
    the cache side by side (bench/README.md: primed and warm diffs 27-53% faster with it)."""

    def __init__(self, folder: Path | None) -> None:
        if os.environ.get("PROMPTOPS_NO_FIGURE_CACHE"):
            folder = None
        self.files = KeyedFiles(folder / FOLDER if folder else None)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Figures | None:
        payload = self.files.read(key)
        found = None
        if payload is not None:
            with contextlib.suppress(ValueError, KeyError, TypeError, ArithmeticError):
                found = Figures.from_json(json.loads(payload))
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: str, figures: Figures) -> None:
        """Write an entry now. (A pool of writer threads did this in the background until
        bench/ showed cold diffs 17-23% slower with it: the threads also kept the diff's fork
        from running.)"""
        if self.files.folder is None or writes_disabled():
            return
        self.files.write(key, json.dumps(figures.to_json(), separators=(",", ":")).encode())
