"""Price lookup: the built-in dated table plus the config's overrides and effective prices.

An unknown model is an error with a fix in its message, never a silent $0.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.errors import UnknownModelError
from promptops.pricing.data import MODELS, PRICE_TABLE_DATE

if TYPE_CHECKING:
    from promptops.config import Config

MONEY_FIELDS = (
    "input",
    "output",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "batch_input",
    "batch_output",
)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class ModelPrices:
    """Prices of one model in USD per million tokens, plus the limits that affect cost."""

    model: str
    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    batch_input: Decimal
    batch_output: Decimal
    min_cacheable_tokens: int
    tool_overhead_tokens: int
    tool_overhead_tokens_any: int
    context_window: int
    max_output_tokens: int
    retired: str | None = None
    notes: str = ""
    source: str = "built-in"  # "built-in", "config" or "built-in+config"
    effective: ModelPrices | None = field(default=None, compare=False)

    def cache_write(self, ttl: str) -> Decimal:
        return self.cache_write_1h if ttl == "1h" else self.cache_write_5m

    def to_dict(self) -> dict[str, Any]:
        from promptops.report.json_view import decimal_str

        data: dict[str, Any] = {"model": self.model}
        data.update({name: decimal_str(getattr(self, name)) for name in MONEY_FIELDS})
        data.update(
            min_cacheable_tokens=self.min_cacheable_tokens,
            tool_overhead_tokens=self.tool_overhead_tokens,
            context_window=self.context_window,
            max_output_tokens=self.max_output_tokens,
            retired=self.retired,
            source=self.source,
        )
        if self.effective is not None:
            data["effective"] = {
                name: decimal_str(getattr(self.effective, name)) for name in MONEY_FIELDS
            }
        return data


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _derive(values: dict[str, Any]) -> dict[str, Any]:
    """Fill cache and batch prices from the published multipliers when only input/output given."""
    out = dict(values)
    if "input" in out:
        base = _decimal(out["input"])
        out.setdefault("cache_write_5m", base * Decimal("1.25"))
        out.setdefault("cache_write_1h", base * 2)
        out.setdefault("cache_read", base / 10)
        out.setdefault("batch_input", base / 2)
    if "output" in out:
        out.setdefault("batch_output", _decimal(out["output"]) / 2)
    return out


class PriceTable:
    """The resolved table: built-in rows, aliases, and config overrides."""

    def __init__(self, overrides: dict[str, dict[str, Any]] | None = None) -> None:
        self.date = PRICE_TABLE_DATE
        self._rows: dict[str, dict[str, Any]] = {k: dict(v) for k, v in MODELS.items()}
        self._aliases: dict[str, str] = {}
        self._source: dict[str, str] = {k: "built-in" for k in self._rows}
        for model_id, row in MODELS.items():
            for alias in row["aliases"]:
                self._aliases[alias] = model_id
        self.overridden = bool(overrides)
        for model_id, values in (overrides or {}).items():
            self._apply_override(model_id, values)
        self._cache: dict[str, ModelPrices] = {}

    @classmethod
    def from_config(cls, config: Config | None) -> PriceTable:
        return cls(config.prices if config is not None else None)

    def _apply_override(self, model_id: str, values: dict[str, Any]) -> None:
        if "alias_of" in values:
            self._aliases[model_id] = self.canonical(str(values["alias_of"]))
            return
        target = self.canonical(model_id) if self.knows(model_id) else model_id
        row = self._rows.get(target)
        plain = {k: v for k, v in values.items() if k not in ("effective", "discount_pct")}
        if row is None:
            missing = [k for k in ("input", "output") if k not in plain]
            if missing:
                raise UnknownModelError(
                    f"price override for new model {model_id!r} needs {' and '.join(missing)}"
                )
            row = {
                "min_cacheable_tokens": 1024,
                "tool_overhead_tokens": 0,
                "tool_overhead_tokens_any": 0,
                "context_window": 200_000,
                "max_output_tokens": 64_000,
                "aliases": [],
                "retired": None,
                "notes": "added in config",
            }
            self._source[target] = "config"
            row.update(_derive(plain))
        else:
            row = dict(row)
            self._source[target] = "built-in+config"
            row.update(_derive(plain) if "input" in plain or "output" in plain else plain)
        if "effective" in values or "discount_pct" in values:
            row["effective_overrides"] = values.get("effective") or {}
            row["discount_pct"] = values.get("discount_pct")
        self._rows[target] = row

    def canonical(self, model: str) -> str:
        return self._aliases.get(model, model)

    def knows(self, model: str) -> bool:
        return self.canonical(model) in self._rows

    def unknown_message(self, model: str) -> str:
        names = sorted({*self._rows, *self._aliases})
        close = difflib.get_close_matches(model, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return (
            f"unknown model {model!r}: not in the price table of {self.date}.{hint} "
            "Add it under `prices:` in promptops.yaml with at least input and output prices."
        )

    def get(self, model: str) -> ModelPrices:
        """Prices for a model id or alias; UnknownModelError when the table lacks it."""
        if model in self._cache:
            return self._cache[model]
        canonical = self.canonical(model)
        row = self._rows.get(canonical)
        if row is None:
            raise UnknownModelError(self.unknown_message(model))
        book = ModelPrices(
            model=canonical,
            **{name: _decimal(row[name]) for name in MONEY_FIELDS},
            min_cacheable_tokens=int(row["min_cacheable_tokens"]),
            tool_overhead_tokens=int(row["tool_overhead_tokens"]),
            tool_overhead_tokens_any=int(row.get("tool_overhead_tokens_any", 0)),
            context_window=int(row["context_window"]),
            max_output_tokens=int(row["max_output_tokens"]),
            retired=row.get("retired"),
            notes=row.get("notes", ""),
            source=self._source.get(canonical, "config"),
        )
        if "effective_overrides" in row:
            effective_values = {name: getattr(book, name) for name in MONEY_FIELDS}
            discount = row.get("discount_pct")
            if discount is not None:
                factor = 1 - _decimal(discount) / 100
                effective_values = {k: v * factor for k, v in effective_values.items()}
            for key, value in _derive(row["effective_overrides"]).items():
                if key in MONEY_FIELDS:
                    effective_values[key] = _decimal(value)
            book = replace(book, effective=replace(book, **effective_values, source="effective"))
        self._cache[model] = book
        return book

    def models(self) -> list[str]:
        return sorted(self._rows)


def get_model_prices(model: str, config: Config | None = None) -> ModelPrices:
    """Convenience for callers outside a workspace (providers, canary analysis)."""
    return PriceTable.from_config(config).get(model)
