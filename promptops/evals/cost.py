"""Cost of one model call from its returned `usage`.

cost = input x P_in + 5m writes x P_w5m + 1h writes x P_w1h + reads x P_read + output x P_out,
prices per million tokens. In batch mode every input-side price is scaled by the batch input
discount (the multipliers stack) and output is priced at the batch output price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from promptops.evals.providers.base import Usage

PER_MILLION = Decimal(1_000_000)


class Prices(Protocol):
    """Per-million-token prices; `promptops.pricing.table.ModelPrices` has this shape."""

    input: Decimal
    output: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    batch_input: Decimal
    batch_output: Decimal


@dataclass(frozen=True)
class FlatPrices:
    """Prices for a model outside the table, e.g. a local model with a configured price.

    Cache reads and writes cost the input price unless given: local servers do not discount.
    """

    input: Decimal = Decimal(0)
    output: Decimal = Decimal(0)
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None
    cache_read: Decimal | None = None
    batch_input: Decimal | None = None
    batch_output: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("cache_write_5m", "cache_write_1h", "cache_read", "batch_input"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.input)
        if self.batch_output is None:
            object.__setattr__(self, "batch_output", self.output)


FREE = FlatPrices()


def cost_from_usage(usage: Usage, prices: Prices, batch: bool = False) -> Decimal:
    """Dollar cost of one call, exact (Decimal), from the usage the provider returned."""
    input_scale = Decimal(1)
    output_price = prices.output
    if batch:
        input_scale = prices.batch_input / prices.input if prices.input else Decimal(0)
        output_price = prices.batch_output
    input_side = (
        usage.input_tokens * prices.input
        + usage.cache_write_5m_input_tokens * prices.cache_write_5m
        + usage.cache_write_1h_input_tokens * prices.cache_write_1h
        + usage.cache_read_input_tokens * prices.cache_read
    )
    return (input_side * input_scale + usage.output_tokens * output_price) / PER_MILLION
