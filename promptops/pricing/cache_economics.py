"""When does prompt caching pay? The break-even request rate for a cache TTL.

With requests arriving as a Poisson process at rate λ, a call finds the cache warm when the
previous call came within the TTL (hits refresh the entry), so the hit probability is
``p = 1 - exp(-λ·TTL)``. Relative to the input price, a cached prefix costs ``p·r + (1-p)·w``
per call, where r and w are the model's read and write multipliers (from its prices: r is
0.025x-0.1x depending on the model, w 1.25x for 5m and 2x for 1h), against 1.0 uncached.
Caching pays when ``p > (w - 1) / (w - r)``, i.e. when ``λ > -ln(1 - p*) / TTL``.

A month is 730 hours (the convention cloud price sheets use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptops.pricing.table import ModelPrices

TTL_SECONDS = {"5m": 300, "1h": 3600}
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


@dataclass(frozen=True)
class CacheBreakEven:
    """Break-even figures for one TTL, and where a given traffic sits against them."""

    ttl: str
    break_even_hit_rate: float  # p*: caching pays above this hit probability
    break_even_calls_per_hour: float  # λ* in calls per hour
    break_even_calls_per_month: float
    calls_per_month: float | None = None
    hit_probability: float | None = None  # at the given traffic
    relative_cost: float | None = None  # cached prefix cost / uncached cost, at the traffic

    @property
    def pays(self) -> bool | None:
        return None if self.relative_cost is None else self.relative_cost < 1.0


@dataclass(frozen=True)
class Multipliers:
    """A model's cache prices relative to its input price."""

    read: float
    write_5m: float
    write_1h: float

    @classmethod
    def of(cls, prices: ModelPrices) -> Multipliers:
        base = prices.input
        if not base:
            return cls(1.0, 1.0, 1.0)  # a free model: caching changes nothing
        return cls(
            float(prices.cache_read / base),
            float(prices.cache_write_5m / base),
            float(prices.cache_write_1h / base),
        )

    def write(self, ttl: str) -> float:
        return self.write_1h if ttl == "1h" else self.write_5m


def break_even_hit_rate(ttl: str, rates: Multipliers) -> float:
    write = rates.write(ttl)
    if write <= 1.0:
        return 0.0  # writing costs no more than input: any hit pays
    return (write - 1.0) / (write - rates.read)


def hit_probability(calls_per_month: float, ttl: str) -> float:
    """Poisson arrivals: the chance the previous call came within the TTL."""
    rate_per_second = calls_per_month / SECONDS_PER_MONTH
    return 1.0 - math.exp(-rate_per_second * TTL_SECONDS[ttl])


def relative_cost(hit: float, ttl: str, rates: Multipliers) -> float:
    return hit * rates.read + (1.0 - hit) * rates.write(ttl)


def cache_break_even(
    ttl: str, rates: Multipliers, calls_per_month: float | Decimal | None = None
) -> CacheBreakEven:
    """Break-even rate for `ttl` ("5m" or "1h") at a model's multipliers; with traffic, the
    hit rate it implies."""
    p_star = break_even_hit_rate(ttl, rates)
    rate_per_second = -math.log(1.0 - p_star) / TTL_SECONDS[ttl]
    if calls_per_month is None:
        return CacheBreakEven(
            ttl, p_star, rate_per_second * 3600, rate_per_second * SECONDS_PER_MONTH
        )
    calls = float(calls_per_month)
    hit = hit_probability(calls, ttl)
    return CacheBreakEven(
        ttl,
        p_star,
        rate_per_second * 3600,
        rate_per_second * SECONDS_PER_MONTH,
        calls,
        hit,
        relative_cost(hit, ttl, rates),
    )
