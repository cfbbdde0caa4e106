"""When does prompt caching pay? The break-even request rate for a cache TTL.

With requests arriving as a Poisson process at rate λ, a call finds the cache warm when the
previous call came within the TTL (hits refresh the entry), so the hit probability is
``p = 1 - exp(-λ·TTL)``. Relative to the input price, a cached prefix costs ``p·0.1 + (1-p)·w``
per call, where w is the write multiplier (1.25 for 5m, 2.0 for 1h), against 1.0 uncached.
Caching pays when ``p > (w - 1) / (w - 0.1)``, i.e. when ``λ > -ln(1 - p*) / TTL``.

A month is 730 hours (the convention cloud price sheets use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

READ_MULTIPLIER = 0.1
WRITE_MULTIPLIER = {"5m": 1.25, "1h": 2.0}
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


def break_even_hit_rate(ttl: str) -> float:
    write = WRITE_MULTIPLIER[ttl]
    return (write - 1.0) / (write - READ_MULTIPLIER)


def hit_probability(calls_per_month: float, ttl: str) -> float:
    rate_per_second = calls_per_month / SECONDS_PER_MONTH
    return 1.0 - math.exp(-rate_per_second * TTL_SECONDS[ttl])


def relative_cost(hit: float, ttl: str) -> float:
    return hit * READ_MULTIPLIER + (1.0 - hit) * WRITE_MULTIPLIER[ttl]


def cache_break_even(ttl: str, calls_per_month: float | Decimal | None = None) -> CacheBreakEven:
    """Break-even rate for `ttl` ("5m" or "1h"); with traffic, the hit rate it implies."""
    p_star = break_even_hit_rate(ttl)
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
        relative_cost(hit, ttl),
    )
