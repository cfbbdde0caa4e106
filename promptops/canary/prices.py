"""Prices per million tokens for the models seen in telemetry: the one coupling to pricing.

The lead's price table (`promptops.pricing.table.get_model_prices(model)`, returning Decimal
attributes `input`, `output`, `cache_write_5m`, `cache_write_1h`, `cache_read` per MTok) is
used when present; explicit prices (a `--prices FILE` or a mapping in tests) take precedence.
A model that no source knows is never priced as $0: its calls are counted as unpriced and the
analysis refuses to compare costs it cannot compute.

A price per million tokens in dollars is also a price per token in micro-dollars, which is the
unit of the float figures used for variances and histograms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from promptops.errors import UserError

PRICE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
CACHE_WRITE_TTLS = ("5m", "1h")


@dataclass(frozen=True)
class ModelPrices:
    """Dollars per million tokens."""

    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal

    @classmethod
    def from_mapping(cls, model: str, values: Mapping[str, Any]) -> ModelPrices:
        """Build from a mapping; missing cache prices follow Anthropic's multipliers."""
        try:
            base = _decimal(values["input"])
            return cls(
                input=base,
                output=_decimal(values["output"]),
                cache_write_5m=_decimal(values.get("cache_write_5m", base * Decimal("1.25"))),
                cache_write_1h=_decimal(values.get("cache_write_1h", base * 2)),
                cache_read=_decimal(values.get("cache_read", base * Decimal("0.1"))),
            )
        except (KeyError, TypeError, InvalidOperation, ValueError) as exc:
            raise UserError(
                f"prices for {model!r} need numeric 'input' and 'output' per million tokens"
            ) from exc


@dataclass(frozen=True)
class TokenRates:
    """Float micro-dollars per token for the hot loop: (uncached input, output, write, read)."""

    input: float
    output: float
    cache_write: float
    cache_read: float


class PriceBook:
    """Looks up model prices: explicit ones first, then the built-in price table."""

    def __init__(
        self,
        explicit: Mapping[str, ModelPrices | Mapping[str, Any]] | None = None,
        cache_write_ttl: str = "5m",
        use_table: bool = True,
    ) -> None:
        if cache_write_ttl not in CACHE_WRITE_TTLS:
            raise UserError(f"cache write TTL must be one of {', '.join(CACHE_WRITE_TTLS)}")
        self.cache_write_ttl = cache_write_ttl
        self.use_table = use_table
        self._explicit: dict[str, ModelPrices] = {}
        for model, value in (explicit or {}).items():
            prices = (
                value if isinstance(value, ModelPrices) else ModelPrices.from_mapping(model, value)
            )
            self._explicit[model] = prices

    @property
    def explicit_models(self) -> list[str]:
        return sorted(self._explicit)

    def get(self, model: str | None) -> ModelPrices | None:
        """Prices of ``model``, or None when no source knows it."""
        if not model:
            return None
        if model in self._explicit:
            return self._explicit[model]
        if not self.use_table:
            return None
        return _from_price_table(model)

    def rates(self, model: str | None) -> TokenRates | None:
        prices = self.get(model)
        if prices is None:
            return None
        return TokenRates(
            input=float(prices.input),
            output=float(prices.output),
            cache_write=float(self.cache_write_price(prices)),
            cache_read=float(prices.cache_read),
        )

    def cache_write_price(self, prices: ModelPrices) -> Decimal:
        return prices.cache_write_1h if self.cache_write_ttl == "1h" else prices.cache_write_5m

    def __getstate__(self) -> dict[str, Any]:  # picklable for worker processes
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def load_prices_file(path: str | Path) -> dict[str, ModelPrices]:
    """Read ``{model: {input, output, cache_write_5m, cache_write_1h, cache_read}}`` (YAML/JSON)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read prices: {exc.strerror}", path=str(path)) from exc
    try:
        if file.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (ValueError, Exception) as exc:  # yaml.YAMLError and json errors alike
        raise UserError(f"cannot parse prices: {exc}", path=str(path)) from exc
    if isinstance(data, dict) and isinstance(data.get("models"), dict):
        data = data["models"]
    if not isinstance(data, dict):
        raise UserError("prices must map model ids to prices per million tokens", path=str(path))
    return {str(model): ModelPrices.from_mapping(str(model), v or {}) for model, v in data.items()}


def _from_price_table(model: str) -> ModelPrices | None:
    try:
        from promptops.pricing.table import get_model_prices  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        found = get_model_prices(model)
    except UserError:
        return None
    if found is None:
        return None
    return ModelPrices(
        input=Decimal(found.input),
        output=Decimal(found.output),
        cache_write_5m=Decimal(found.cache_write_5m),
        cache_write_1h=Decimal(found.cache_write_1h),
        cache_read=Decimal(found.cache_read),
    )


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a price cannot be a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))
