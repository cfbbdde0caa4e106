"""The statistical tests behind a canary verdict, computed from streaming aggregates.

Choices, and why:

* **Rates** (success, error): the two-proportion z-test (pooled, H0: equal rates) gives the
  p-value; the interval for the difference is Newcombe's hybrid score interval (method 10,
  built from two Wilson intervals), which stays inside [-1, 1] and keeps its coverage for rare
  events and small samples, where the textbook Wald interval does not. Absolute thresholds
  (``min_success_rate``) use the canary's Wilson interval.
* **Cost per call** is a *mean* (money adds up), so it is compared as a ratio of means with a
  delta-method interval on ``log(mean_c / mean_s)`` from exact streaming sums and sums of
  squares (Welch-style, unequal variances). With the few hundred calls a step requires, the
  central limit theorem holds for per-call costs, whose tails are bounded by ``max_tokens``; a
  bootstrap would need every per-call value (unbounded memory) or a reservoir (a wider,
  seed-dependent interval) for the same answer. Mann-Whitney on the cost histogram is reported
  alongside as a distribution-free check of a shift.
* **Latency** is skewed and its p95 is what users feel: each cohort's p95 gets a
  distribution-free order-statistic interval (the ranks ``n·q ± z·sqrt(n·q·(1-q))``, read off
  the 1 %-accurate log histogram); the ratio interval combines the two conservatively
  (canary low / stable high, canary high / stable low, each at half the error rate, so the
  joint coverage is at least the nominal level). Mann-Whitney U (normal approximation with the
  tie correction, ties = same histogram bucket) tests for a general shift, and its effect size,
  P(canary > stable) + ½P(tie), is reported with a Hanley-McNeil interval.

Every function is pure and stdlib-only (`statistics.NormalDist`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


def z_for(confidence: float) -> float:
    """Two-sided critical value, e.g. 1.96 for 0.95."""
    return _NORMAL.inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class TestResult:
    """An estimate with its interval and the p-value of H0 "no difference"."""

    estimate: float
    low: float
    high: float
    p_value: float | None
    statistic: float | None = None
    method: str = ""

    @property
    def interval(self) -> Interval:
        return Interval(self.estimate, self.low, self.high)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion."""
    if n <= 0:
        return Interval(math.nan, 0.0, 1.0)
    z = z_for(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def two_proportions(
    x_canary: int, n_canary: int, x_stable: int, n_stable: int, confidence: float = 0.95
) -> TestResult:
    """Difference of proportions canary - stable: pooled z-test and Newcombe interval."""
    p1 = x_canary / n_canary
    p2 = x_stable / n_stable
    pooled = (x_canary + x_stable) / (n_canary + n_stable)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_canary + 1 / n_stable))
    if se > 0:
        z = (p1 - p2) / se
        p_value = 2 * (1 - _NORMAL.cdf(abs(z)))
    else:
        z, p_value = 0.0, 1.0
    w1 = wilson_interval(x_canary, n_canary, confidence)
    w2 = wilson_interval(x_stable, n_stable, confidence)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = diff + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2)
    return TestResult(diff, low, high, p_value, z, "two-proportion z-test, Newcombe interval")


def mean_ratio(
    sum_c: float,
    squares_c: float,
    n_c: int,
    sum_s: float,
    squares_s: float,
    n_s: int,
    confidence: float = 0.95,
) -> TestResult:
    """Ratio of means canary/stable with a delta-method interval on the log ratio."""
    mean_c, mean_s = sum_c / n_c, sum_s / n_s
    var_c = max(0.0, (squares_c - n_c * mean_c * mean_c) / (n_c - 1))
    var_s = max(0.0, (squares_s - n_s * mean_s * mean_s) / (n_s - 1))
    if mean_c <= 0 or mean_s <= 0:
        ratio = math.inf if mean_s <= 0 < mean_c else 1.0 if mean_c == mean_s else 0.0
        return TestResult(ratio, ratio, ratio, None, None, "ratio of means (degenerate)")
    se_log = math.sqrt(var_c / (n_c * mean_c * mean_c) + var_s / (n_s * mean_s * mean_s))
    log_ratio = math.log(mean_c / mean_s)
    z = z_for(confidence)
    statistic = log_ratio / se_log if se_log > 0 else 0.0
    p_value = 2 * (1 - _NORMAL.cdf(abs(statistic))) if se_log > 0 else None
    return TestResult(
        mean_c / mean_s,
        math.exp(log_ratio - z * se_log),
        math.exp(log_ratio + z * se_log),
        p_value,
        statistic,
        "ratio of means, delta-method (Welch) interval",
    )


def mann_whitney(
    canary: Mapping[int, int], stable: Mapping[int, int], confidence: float = 0.95
) -> TestResult | None:
    """Mann-Whitney U on two histograms (values in one bucket are ties).

    The estimate is the effect size P(canary > stable) + ½·P(tie), 0.5 when the distributions
    are the same; larger means the canary's values are larger.
    """
    n1 = sum(canary.values())
    n2 = sum(stable.values())
    if n1 == 0 or n2 == 0:
        return None
    u = 0.0
    stable_below = 0
    tie_term = 0.0
    for bucket in sorted(set(canary) | set(stable)):
        c = canary.get(bucket, 0)
        s = stable.get(bucket, 0)
        u += c * (stable_below + 0.5 * s)
        stable_below += s
        t = c + s
        tie_term += t * t * t - t
    total = n1 + n2
    mean_u = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    effect = u / (n1 * n2)
    if variance <= 0:
        return TestResult(effect, effect, effect, 1.0, 0.0, "Mann-Whitney U")
    z = (u - mean_u - math.copysign(0.5, u - mean_u) if u != mean_u else 0.0) / math.sqrt(variance)
    p_value = min(1.0, 2 * (1 - _NORMAL.cdf(abs(z))))
    a = min(max(effect, 1e-12), 1 - 1e-12)
    q1 = a / (2 - a)
    q2 = 2 * a * a / (1 + a)
    se = math.sqrt(max(0.0, a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n2 - 1) * (q2 - a * a)))
    se /= math.sqrt(n1 * n2)
    half = z_for(confidence) * se
    return TestResult(
        effect,
        max(0.0, effect - half),
        min(1.0, effect + half),
        p_value,
        z,
        "Mann-Whitney U (normal approximation, tie-corrected)",
    )


def quantile_interval(
    histogram: Mapping[int, int], q: float, confidence: float = 0.95
) -> tuple[int, int, int] | None:
    """Buckets of the q-quantile and of its distribution-free confidence bounds."""
    from promptops.canary.cohort import histogram_rank_bucket

    n = sum(histogram.values())
    if n == 0:
        return None
    z = z_for(confidence)
    centre = q * (n - 1)
    half = z * math.sqrt(n * q * (1 - q))
    point = histogram_rank_bucket(histogram, centre)
    low = histogram_rank_bucket(histogram, math.floor(centre - half))
    high = histogram_rank_bucket(histogram, math.ceil(centre + half))
    assert point is not None and low is not None and high is not None
    return low, point, high


def quantile_ratio(
    canary: Mapping[int, int], stable: Mapping[int, int], q: float, confidence: float = 0.95
) -> TestResult | None:
    """Ratio of the q-quantiles canary/stable with a conservative interval."""
    from promptops.canary.cohort import bucket_value

    per_cohort = 1 - (1 - confidence) / 2
    c = quantile_interval(canary, q, per_cohort)
    s = quantile_interval(stable, q, per_cohort)
    if c is None or s is None:
        return None
    c_low, c_point, c_high = (bucket_value(b) for b in c)
    s_low, s_point, s_high = (bucket_value(b) for b in s)
    return TestResult(
        c_point / s_point,
        c_low / s_high,
        c_high / s_low,
        None,
        None,
        f"p{round(q * 100)} ratio, order-statistic intervals",
    )
