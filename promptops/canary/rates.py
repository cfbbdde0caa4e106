"""Prices of call records, from the one price table (`promptops.pricing.table`).

Every figure comes from `PriceTable.from_config(config)`: genai-prices, promptops' facts and the
config's `prices:` (the one override path). Nothing here has a price or a multiplier of its own.

Two views of a model's prices:

- `RecordRates`: float micro-dollars per token (a price per million tokens in dollars is a price
  per token in micro-dollars), one `TokenRates` per price tier, for the hot loop's per-call cost
  (variances and histograms). Each tier's figures are `ModelPrices.rates(total_input)` at that
  tier, so a record whose total input tokens exceed a tier's threshold pays the tier for all
  its tokens (Haiku 5.5 above 100K input tokens), output included.
- `cost_usd(tokens, prices)`: the exact Decimal cost of token sums through
  `promptops.pricing.cost.cost_of`, tier by tier.

Cache creation tokens a record does not split into 5-minute and 1-hour writes are priced at the
release's `analysis.cache_write_ttl` write rate; split ones each at their own. A model the table
cannot price is never $0: its calls are counted as unpriced and the analysis refuses to compare
costs it cannot compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from promptops.canary.cohort import ModelTokens
from promptops.errors import UserError
from promptops.pricing.cost import Usage, cost_of
from promptops.pricing.table import ModelPrices, PriceTable

if TYPE_CHECKING:
    from promptops.config import Config

CACHE_WRITE_TTLS = ("5m", "1h")
NO_PRICE_FIX = (
    "add it under `prices:` in promptops.yaml (input, output and cache_read per million tokens)"
)


@dataclass(frozen=True)
class TokenRates:
    """Float micro-dollars per token of one price tier, for the hot loop."""

    input: float
    output: float
    cache_write: float  # creation tokens without a 5m/1h split: the release's TTL
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


@dataclass(frozen=True)
class RecordRates:
    """One model's rates by a record's total input tokens: the base rates, and the tiers
    highest threshold first (the first a record's total exceeds is the one it pays)."""

    base: TokenRates
    tiers: tuple[tuple[int, TokenRates], ...] = ()

    def tier_of(self, total_input: int) -> int | None:
        """The threshold of the tier a call with `total_input` tokens pays, None for base."""
        for above, _rates in self.tiers:
            if total_input > above:
                return above
        return None


class TelemetryPricing:
    """Looks up the table's prices for the models seen in telemetry (unknown -> None)."""

    def __init__(self, table: PriceTable, cache_write_ttl: str = "5m") -> None:
        if cache_write_ttl not in CACHE_WRITE_TTLS:
            raise UserError(f"cache write TTL must be one of {', '.join(CACHE_WRITE_TTLS)}")
        self.table = table
        self.cache_write_ttl = cache_write_ttl
        self._rates: dict[str, RecordRates | None] = {}

    @classmethod
    def from_config(cls, config: Config | None, cache_write_ttl: str = "5m") -> TelemetryPricing:
        return cls(PriceTable.from_config(config), cache_write_ttl)

    def get(self, model: str | None) -> ModelPrices | None:
        """Prices of `model`, or None when the table cannot price it."""
        if not model or not self.table.knows(str(model)):
            return None
        return self.table.get(str(model))

    def why_unpriced(self, model: str | None) -> str:
        """The table's own explanation (with its fix) of why `model` has no price."""
        if not model:
            return f"the records name no model; {NO_PRICE_FIX}"
        return self.table.unknown_message(str(model))

    def rates(self, model: str | None) -> RecordRates | None:
        """Float rates of `model` for the hot loop, or None when it has no price."""
        key = str(model) if model else ""
        if key not in self._rates:
            prices = self.get(model)
            self._rates[key] = None if prices is None else self._record_rates(prices)
        return self._rates[key]

    def tier_rates(self, prices: ModelPrices) -> list[tuple[int | None, TokenRates]]:
        """(threshold, rates) of every tier of `prices`, base (None) first."""
        rates = self._record_rates(prices)
        return [(None, rates.base), *sorted(rates.tiers)]

    def _record_rates(self, prices: ModelPrices) -> RecordRates:
        thresholds = [above for above, _ in prices.standard.tiers]
        return RecordRates(
            base=self._token_rates(prices, 0),
            tiers=tuple(
                (above, self._token_rates(prices, above + 1))
                for above in sorted(thresholds, reverse=True)
            ),
        )

    def _token_rates(self, prices: ModelPrices, total_input: int) -> TokenRates:
        rates = prices.rates(total_input)
        return TokenRates(
            input=float(rates.input),
            output=float(rates.output),
            cache_write=float(rates.cache_write(self.cache_write_ttl)),
            cache_write_5m=float(rates.cache_write_5m),
            cache_write_1h=float(rates.cache_write_1h),
            cache_read=float(rates.cache_read),
        )

    def thresholds(self, prices: ModelPrices) -> frozenset[int]:
        return frozenset(above for above, _ in prices.standard.tiers)

    def usage_of(self, tokens: ModelTokens) -> Usage:
        """Token sums (OTel semantics: input includes cache tokens) as Anthropic's usage."""
        unsplit = tokens.unsplit_cache_creation
        five, hour = tokens.cache_write_5m_input_tokens, tokens.cache_write_1h_input_tokens
        if self.cache_write_ttl == "1h":
            hour += unsplit
        else:
            five += unsplit
        return Usage(
            input_tokens=tokens.uncached_input_tokens,
            cache_read_input_tokens=tokens.cache_read_input_tokens,
            cache_write_5m_input_tokens=five,
            cache_write_1h_input_tokens=hour,
            output_tokens=tokens.output_tokens,
        )

    def cost_usd(self, tokens: ModelTokens, prices: ModelPrices) -> Decimal:
        """Exact cost of token sums: each tier's calls at that tier's rates."""
        total = Decimal(0)
        for above, part in tokens.by_tier():
            # The tier's rates are those of a call just above its threshold.
            call_input = 0 if above is None else above + 1
            total += cost_of(self.usage_of(part), prices, total_input=call_input).total
        return total
