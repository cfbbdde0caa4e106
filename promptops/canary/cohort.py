"""One cohort's aggregate: the mergeable numbers every canary statistic is computed from.

A cohort is the calls of one prompt version. Telemetry (JSONL, Parquet) and warehouse
summaries both reduce to `CohortStats`, so the analysis never sees raw records and memory stays
bounded whatever the traffic: integer counters, exact per-model token sums (priced in Decimal
at the end), float sums and sums of squares of the per-call cost, and two log-bucket histograms
(latency in ms and cost in micro-dollars) with 1 % relative accuracy for percentiles and the
Mann-Whitney test.

Histogram buckets are ``floor(ln(1 + x) / ln(1.02))``: zero-safe, monotone, and simple enough
to compute identically in SQL (see `promptops.canary.sql`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

HISTOGRAM_BASE = 1.02
LN_HISTOGRAM_BASE = math.log(HISTOGRAM_BASE)


def histogram_bucket(value: float) -> int:
    """The log bucket of a non-negative value (latency ms or cost micro-dollars)."""
    return int(math.log1p(value) / LN_HISTOGRAM_BASE) if value > 0 else 0


def bucket_value(bucket: int) -> float:
    """A representative value of a bucket: the midpoint of its range on the log scale."""
    return math.expm1((bucket + 0.5) * LN_HISTOGRAM_BASE)


@dataclass
class ModelTokens:
    """Exact token sums of one cohort's calls to one model.

    `tiers` holds, by threshold, the sums of the calls whose total input tokens exceeded a
    price tier's (they are included in the totals too): tiered prices apply per call, so the
    sums of each tier are priced on their own."""

    calls: int = 0
    input_tokens: int = 0  # OTel semantics: includes cache read and cache creation tokens
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    # The part of cache_creation_input_tokens the records split by TTL (the rest is unsplit).
    cache_write_5m_input_tokens: int = 0
    cache_write_1h_input_tokens: int = 0
    tiers: dict[int, ModelTokens] = field(default_factory=dict)

    @property
    def uncached_input_tokens(self) -> int:
        return self.input_tokens - self.cache_read_input_tokens - self.cache_creation_input_tokens

    @property
    def unsplit_cache_creation(self) -> int:
        """Cache creation tokens not split into 5m and 1h writes (priced at the TTL's rate)."""
        return (
            self.cache_creation_input_tokens
            - self.cache_write_5m_input_tokens
            - self.cache_write_1h_input_tokens
        )

    def merge(self, other: ModelTokens) -> None:
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_input_tokens += other.cache_read_input_tokens
        self.cache_creation_input_tokens += other.cache_creation_input_tokens
        self.cache_write_5m_input_tokens += other.cache_write_5m_input_tokens
        self.cache_write_1h_input_tokens += other.cache_write_1h_input_tokens
        for above, tokens in other.tiers.items():
            self.tiers.setdefault(above, ModelTokens()).merge(tokens)

    def minus(self, other: ModelTokens) -> ModelTokens:
        """These sums without `other`'s (tiers dropped)."""
        return ModelTokens(
            calls=self.calls - other.calls,
            input_tokens=self.input_tokens - other.input_tokens,
            output_tokens=self.output_tokens - other.output_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens - other.cache_read_input_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens
            - other.cache_creation_input_tokens,
            cache_write_5m_input_tokens=self.cache_write_5m_input_tokens
            - other.cache_write_5m_input_tokens,
            cache_write_1h_input_tokens=self.cache_write_1h_input_tokens
            - other.cache_write_1h_input_tokens,
        )

    def by_tier(self) -> list[tuple[int | None, ModelTokens]]:
        """(threshold, sums) of the calls at each price tier: base (None) first."""
        base = self.minus(ModelTokens())
        for tokens in self.tiers.values():
            base = base.minus(tokens)
        parts: list[tuple[int | None, ModelTokens]] = [(None, base)] if base.calls else []
        parts.extend(sorted(self.tiers.items()))
        return parts


@dataclass
class CohortStats:
    """Mergeable aggregate of one prompt version's calls."""

    prompt_id: str
    version: str
    calls: int = 0
    successes: int = 0
    failures: int = 0
    errors: int = 0
    cache_hit_calls: int = 0
    unpriced_calls: int = 0
    unpriced_models: set[str] = field(default_factory=set)
    tokens_by_model: dict[str, ModelTokens] = field(default_factory=dict)
    cost_usd: Decimal = Decimal(0)  # exact, for priced calls
    cost_micro_sum: float = 0.0  # float mirror of cost_usd, for the variance
    cost_micro_squares: float = 0.0
    latency_ms_sum: float = 0.0
    latency_calls: int = 0
    first_seen: float | None = None  # epoch seconds
    last_seen: float | None = None
    latency_histogram: dict[int, int] = field(default_factory=dict)
    cost_histogram: dict[int, int] = field(default_factory=dict)

    def merge(self, other: CohortStats) -> None:
        """Add another partial aggregate of the same cohort (another file or worker)."""
        self.calls += other.calls
        self.successes += other.successes
        self.failures += other.failures
        self.errors += other.errors
        self.cache_hit_calls += other.cache_hit_calls
        self.unpriced_calls += other.unpriced_calls
        self.unpriced_models |= other.unpriced_models
        for model, tokens in other.tokens_by_model.items():
            self.tokens_by_model.setdefault(model, ModelTokens()).merge(tokens)
        self.cost_usd += other.cost_usd
        self.cost_micro_sum += other.cost_micro_sum
        self.cost_micro_squares += other.cost_micro_squares
        self.latency_ms_sum += other.latency_ms_sum
        self.latency_calls += other.latency_calls
        self.first_seen = _min_optional(self.first_seen, other.first_seen)
        self.last_seen = _max_optional(self.last_seen, other.last_seen)
        _merge_histogram(self.latency_histogram, other.latency_histogram)
        _merge_histogram(self.cost_histogram, other.cost_histogram)

    # ----- derived figures -------------------------------------------------------------------
    @property
    def priced_calls(self) -> int:
        return self.calls - self.unpriced_calls

    @property
    def input_tokens(self) -> int:
        return sum(t.input_tokens for t in self.tokens_by_model.values())

    @property
    def output_tokens(self) -> int:
        return sum(t.output_tokens for t in self.tokens_by_model.values())

    @property
    def cache_read_input_tokens(self) -> int:
        return sum(t.cache_read_input_tokens for t in self.tokens_by_model.values())

    @property
    def cache_creation_input_tokens(self) -> int:
        return sum(t.cache_creation_input_tokens for t in self.tokens_by_model.values())

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.calls if self.calls else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.calls if self.calls else None

    @property
    def cache_hit_rate(self) -> float | None:
        """Share of calls that read from the prompt cache (the charter's `cache_hit_rate`)."""
        return self.cache_hit_calls / self.calls if self.calls else None

    @property
    def cost_per_call_usd(self) -> Decimal | None:
        return self.cost_usd / self.priced_calls if self.priced_calls else None

    @property
    def cost_per_success_usd(self) -> Decimal | None:
        return self.cost_usd / self.successes if self.successes and self.priced_calls else None

    @property
    def cost_micro_variance(self) -> float | None:
        """Sample variance of the per-call cost in micro-dollars²."""
        n = self.priced_calls
        if n < 2:
            return None
        mean = self.cost_micro_sum / n
        return max(0.0, (self.cost_micro_squares - n * mean * mean) / (n - 1))

    @property
    def minutes_observed(self) -> float | None:
        if self.first_seen is None or self.last_seen is None:
            return None
        return (self.last_seen - self.first_seen) / 60.0

    def latency_quantile(self, q: float) -> float | None:
        return histogram_quantile(self.latency_histogram, q)

    def tokens_per_call(self) -> dict[str, float | None]:
        n = self.calls
        return {
            "input": self.input_tokens / n if n else None,
            "output": self.output_tokens / n if n else None,
            "cache_read_input": self.cache_read_input_tokens / n if n else None,
            "cache_creation_input": self.cache_creation_input_tokens / n if n else None,
        }


def histogram_quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of a log-bucket histogram, within the bucket accuracy."""
    bucket = histogram_rank_bucket(histogram, q * (sum(histogram.values()) - 1))
    return None if bucket is None else bucket_value(bucket)


def histogram_rank_bucket(histogram: Mapping[int, int], rank: float) -> int | None:
    """The bucket holding the value of 0-based ``rank`` in sorted order (clamped)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = min(max(rank, 0.0), total - 1)
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if rank < seen:
            return bucket
    return max(histogram)


def merge_all(parts: Iterable[Mapping[tuple[str, str], CohortStats]]) -> dict:
    """Merge partial aggregates keyed by (prompt id, version)."""
    merged: dict[tuple[str, str], CohortStats] = {}
    for part in parts:
        for key, stats in part.items():
            if key in merged:
                merged[key].merge(stats)
            else:
                merged[key] = stats
    return merged


def _merge_histogram(into: dict[int, int], other: Mapping[int, int]) -> None:
    for bucket, count in other.items():
        into[bucket] = into.get(bucket, 0) + count


def _min_optional(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max_optional(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)
