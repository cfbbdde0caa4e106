"""Anthropic's prices from `genai-prices` (pydantic's maintained price database).

Importing `genai_prices` costs about 0.35 s (pydantic), too much for a pre-commit hook, so the
Anthropic part of its bundled data is copied once into a plain JSON snapshot in the promptops
cache folder, keyed by the installed package (version and data file), sealed by `cache.store`
(a checksum of its name and bytes, salted with promptops's own source): upgrading
`genai-prices` makes a new snapshot (new prices, no promptops release), so does a change to this
extraction; a damaged snapshot is rebuilt, never read. Only the bundled data is
used — never its network auto-update.

A snapshot model is ``{"context_window": int | None, "prices": [[start_date | None, rates]],
"batch": [[start_date | None, rates]]}``; rates map input, output, cache_read, cache_write_5m
and cache_write_1h to a price per million tokens (a decimal string) or to
``{"base": str, "tiers": [[above_input_tokens, str], ...]}``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROVIDER = "anthropic"
# genai-prices field -> promptops field
FIELDS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write_5m",
    "cache_write_1h_mtok": "cache_write_1h",
}


@dataclass(frozen=True)
class Snapshot:
    """The Anthropic models of one installed genai-prices, as plain data."""

    version: str  # genai-prices version, or "" when it is not installed
    models: dict[str, dict[str, Any]]

    @property
    def label(self) -> str:
        return f"genai-prices {self.version}" if self.version else "genai-prices (not installed)"


def _installed() -> tuple[str, Path] | None:
    """(version, data file) of the installed genai-prices, found without importing it."""
    spec = importlib.util.find_spec("genai_prices")
    if spec is None or not spec.origin:
        return None
    package = Path(spec.origin).parent
    version = ""
    for info in package.parent.glob("genai_prices-*.dist-info"):
        version = info.name[len("genai_prices-") : -len(".dist-info")]
        break
    return version, package / "data.py"


def _rates(price: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source, name in FIELDS.items():
        value = getattr(price, source, None)
        if value is None:
            continue
        tiers = getattr(value, "tiers", None)
        if tiers is None:
            out[name] = str(value)
        else:
            out[name] = {
                "base": str(value.base),
                "tiers": [[int(t.start), str(t.price)] for t in tiers],
            }
    return out


def _start(constraint: Any) -> str | None:
    start = getattr(constraint, "start_date", None)
    if isinstance(start, dt.datetime):
        return start.date().isoformat()
    return start.isoformat() if isinstance(start, dt.date) else None


def extract() -> dict[str, dict[str, Any]]:
    """Read the Anthropic models out of the installed genai-prices (the slow import)."""
    from genai_prices import data

    provider = next(p for p in data.providers if p.id == PROVIDER)
    models: dict[str, dict[str, Any]] = {}
    for info in provider.models:
        prices = info.prices
        if isinstance(prices, list):  # conditional prices, e.g. a price change on a date
            schedule = [[_start(c.constraint), _rates(c.prices)] for c in prices]
        else:
            schedule = [[None, _rates(prices)]]
        batch = [
            [_start(v.constraint), _rates(v.prices)]
            for v in info.price_variants or []
            if v.when == {"processing": "batch"}
        ]
        models[info.id] = {
            "context_window": info.context_window,
            "prices": schedule,
            "batch": batch,
        }
    return models


def load_snapshot(cache_dir: Path | None) -> Snapshot:
    """The snapshot for the installed genai-prices, from the cache folder or made now."""
    found = _installed()
    if found is None:
        return Snapshot("", {})
    version, data_file = found
    try:
        stat = data_file.stat()
        key = f"{version}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        key = version
    name = "prices-" + hashlib.sha256(key.encode()).hexdigest()[:16] + ".json"
    path = cache_dir / name if cache_dir is not None else None
    if path is not None:
        cached = _read(path)
        if cached is not None:
            return Snapshot(version, cached)
    models = extract()
    if path is not None:
        _write(path, models)
    return Snapshot(version, models)


def _read(path: Path) -> dict[str, dict[str, Any]] | None:
    from promptops.cache.store import read_sealed

    payload = read_sealed(path, path.name)  # None when damaged: a miss, rebuilt from the package
    if payload is None:
        return None
    try:
        models = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return models if isinstance(models, dict) else None


def _write(path: Path, models: dict[str, dict[str, Any]]) -> None:
    from promptops.cache.store import write_sealed

    # an unwritable cache folder only costs the import next time
    if write_sealed(path, json.dumps(models, sort_keys=True).encode(), path.name):
        with contextlib.suppress(OSError):  # prune another genai-prices' snapshot
            for older in path.parent.glob("prices-*.json"):
                if older != path:
                    older.unlink(missing_ok=True)


def active(schedule: list[list[Any]], on: dt.date) -> dict[str, Any] | None:
    """The rates in force on `on`: the last entry whose start date has come (the first entry
    has no start date and applies before every other)."""
    chosen = None
    for start, rates in schedule:
        if start is None or dt.date.fromisoformat(start) <= on:
            chosen = rates
    return chosen
