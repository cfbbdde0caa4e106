"""The canary verdict: promote, hold (not enough evidence yet) or rollback, with every reason.

Each check compares the canary cohort with the stable one (or with an absolute limit) and ends
*pass*, *fail*, *inconclusive* or *skipped*. Comparisons are non-inferiority tests: with the
interval of how much worse the canary is, a check fails when even the interval's best case is
worse than the tolerated margin, passes when its worst case is within the margin, and is
inconclusive otherwise (Argo Rollouts' Successful / Failed / Inconclusive).

The verdict: any failed check whose action is rollback (or retire) → **rollback**; otherwise a
failed *pause* check, an unmet step minimum (calls, minutes) or an inconclusive check →
**hold**; otherwise **promote**. A rollback may come before the step's minimums are met (a
harmful canary is stopped early), but then needs the stricter ``early_confidence`` so that
repeated looks at a growing sample do not raise false alarms. The charter's runaway kill switch
is a hard limit on the point estimate and rolls back regardless of quality.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promptops.canary import stats
from promptops.canary.cohort import CohortStats
from promptops.canary.release import CharterLimits, KillCriterion, Release
from promptops.errors import UserError

PROMOTE, HOLD, ROLLBACK = "promote", "hold", "rollback"
PASS, FAIL, INCONCLUSIVE, SKIPPED = "pass", "fail", "inconclusive", "skipped"
MIN_CALLS_FOR_TESTS = 30

DEFAULTS: dict[str, float | None] = {
    "max_cost_per_call_increase_pct": 10.0,
    "max_p95_latency_increase_pct": 25.0,
    "min_success_rate": None,
    "max_error_rate": None,
    "max_success_rate_drop_pts": 1.0,
    "max_error_rate_increase_pts": 1.0,
    "confidence": 0.95,
    "early_confidence": 0.99,
}

# charter kill criterion (metric, op family) -> the analysis threshold it sets by default
_CRITERIA_TO_THRESHOLD = {
    ("cost_per_call_increase_pct", ">"): "max_cost_per_call_increase_pct",
    ("p95_latency_increase_pct", ">"): "max_p95_latency_increase_pct",
    ("success_rate", "<"): "min_success_rate",
    ("error_rate", ">"): "max_error_rate",
}


@dataclass(frozen=True)
class Threshold:
    value: float | None
    action: str  # rollback | pause | retire
    source: str  # release | charter | default


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str
    action: str = ROLLBACK
    figures: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[str, ...]
    checks: tuple[Check, ...]
    release: Release
    stable: CohortStats
    canary: CohortStats
    thresholds: Mapping[str, Threshold]
    confidence: float
    next_action: str
    charter: CharterLimits | None = None


def resolve_thresholds(release: Release, charter: CharterLimits | None) -> dict[str, Threshold]:
    """Release `analysis` first, then the charter's kill criteria, then the defaults."""
    resolved = {name: Threshold(value, ROLLBACK, "default") for name, value in DEFAULTS.items()}
    for criterion in charter.kill_criteria if charter else ():
        family = criterion.op[0]
        name = _CRITERIA_TO_THRESHOLD.get((criterion.metric, family))
        if name is not None:
            resolved[name] = Threshold(criterion.value, criterion.action, "charter")
    for name, raw in release.analysis.items():
        if name == "cache_write_ttl":
            continue
        if name not in DEFAULTS:
            raise UserError(
                f"unknown analysis threshold `{name}` (known: {', '.join(sorted(DEFAULTS))})",
                path=release.path,
            )
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise UserError(f"analysis `{name}` must be a number", path=release.path)
        resolved[name] = Threshold(None if raw is None else float(raw), ROLLBACK, "release")
    for name in ("confidence", "early_confidence"):
        value = resolved[name].value
        if value is None or not 0.5 < value < 1:
            raise UserError(f"analysis `{name}` must be between 0.5 and 1", path=release.path)
    return resolved


def analyze(
    release: Release,
    cohorts: Mapping[tuple[str, str], CohortStats],
    charter: CharterLimits | None = None,
) -> Verdict:
    """Compare the canary cohort with the stable one and decide."""
    if release.canary_version is None:
        raise UserError(f"release {release.id} has no canary version to analyze", path=release.path)
    thresholds = resolve_thresholds(release, charter)
    stable = cohorts.get((release.prompt, release.stable)) or CohortStats(
        release.prompt, release.stable
    )
    canary = cohorts.get((release.prompt, release.canary_version)) or CohortStats(
        release.prompt, release.canary_version
    )
    for cohort in (stable, canary):
        if cohort.unpriced_calls:
            models = sorted(cohort.unpriced_models)
            raise UserError(
                f"{cohort.unpriced_calls} calls of {cohort.prompt_id}@{cohort.version} use a "
                f"model with no known price ({', '.join(models)}); add it under `prices:` in "
                "promptops.yaml (input, output and cache_read per million tokens)"
            )
    minimums = _minimum_checks(release, canary)
    minimums_met = all(check.status == PASS for check in minimums)
    confidence = thresholds["confidence" if minimums_met else "early_confidence"].value
    assert confidence is not None
    checks: list[Check] = [
        *_kill_switch_check(canary, charter),
        *_comparison_checks(stable, canary, thresholds, confidence),
        *_kill_criteria_checks(canary, charter, confidence),
        *minimums,
    ]
    verdict, reasons = _decide(checks, canary)
    return Verdict(
        verdict=verdict,
        reasons=tuple(reasons),
        checks=tuple(checks),
        release=release,
        stable=stable,
        canary=canary,
        thresholds=thresholds,
        confidence=confidence,
        next_action=_next_action(verdict, release),
        charter=charter,
    )


def _decide(checks: list[Check], canary: CohortStats) -> tuple[str, list[str]]:
    failed = [c for c in checks if c.status == FAIL]
    rollback = [c for c in failed if c.action in (ROLLBACK, "retire")]
    if rollback:
        return ROLLBACK, [c.message for c in rollback]
    holding = [c for c in failed if c.action == "pause"]
    holding += [c for c in checks if c.status == INCONCLUSIVE]
    if canary.calls == 0:
        return HOLD, ["no calls of the canary version in the telemetry yet"]
    if holding:
        return HOLD, [c.message for c in holding]
    return PROMOTE, [c.message for c in checks if c.status == PASS]


def _next_action(verdict: str, release: Release) -> str:
    if verdict == ROLLBACK:
        return f"promptops canary rollback: set the canary weight of {release.canary_version} to 0"
    if verdict == HOLD:
        return "keep the current step and analyze again with more telemetry"
    if release.is_last_step:
        return f"promptops canary promote: make {release.canary_version} the stable version"
    nxt = release.steps[release.step + 1]
    return f"promptops canary promote: advance to step {release.step + 1} ({_pct(nxt.weight)})"


# ----- checks ----------------------------------------------------------------------------------
def _minimum_checks(release: Release, canary: CohortStats) -> list[Check]:
    step = release.current_step
    if step is None:
        return []
    checks = [
        Check(
            "min_calls",
            PASS if canary.calls >= step.min_calls else INCONCLUSIVE,
            f"canary has {canary.calls:,} calls; step {release.step} needs {step.min_calls:,}",
            action="pause",
            figures={"calls": canary.calls, "required": step.min_calls},
        )
    ]
    minutes = canary.minutes_observed
    if step.min_minutes > 0:
        if minutes is None:
            status, text = INCONCLUSIVE, "telemetry has no timestamps to measure minutes observed"
        else:
            status = PASS if minutes >= step.min_minutes else INCONCLUSIVE
            text = f"canary observed over {minutes:,.1f} min"
        checks.append(
            Check(
                "min_minutes",
                status,
                f"{text}; step {release.step} needs {step.min_minutes:g} min",
                action="pause",
                figures={"minutes": minutes, "required": step.min_minutes},
            )
        )
    return checks


def _kill_switch_check(canary: CohortStats, charter: CharterLimits | None) -> list[Check]:
    if charter is None or charter.kill_switch_usd is None:
        return []
    calls = charter.runaway_calls_per_month
    per_call = canary.cost_per_call_usd
    if calls is None:
        return [
            Check(
                "runaway_kill_switch",
                SKIPPED,
                f"charter {charter.id} has no expected calls_per_month to project",
            )
        ]
    if per_call is None:
        return [Check("runaway_kill_switch", INCONCLUSIVE, "no priced canary calls yet to project")]
    projected = per_call * Decimal(repr(calls))
    figures = {
        "projected_monthly_usd": _money(projected, "0.01"),
        "kill_switch_usd": _money(charter.kill_switch_usd, "0.01"),
        "runaway_calls_per_month": calls,
    }
    text = (
        f"canary cost per call ${_money(per_call, '0.000001')} at the runaway scenario's "
        f"{calls:,.0f} calls/month projects ${projected:,.2f}/month"
    )
    if projected > charter.kill_switch_usd:
        return [
            Check(
                "runaway_kill_switch",
                FAIL,
                f"{text}, above the kill switch ${charter.kill_switch_usd:,.2f}",
                figures=figures,
            )
        ]
    return [
        Check(
            "runaway_kill_switch",
            PASS,
            f"{text}, within the kill switch ${charter.kill_switch_usd:,.2f}",
            figures=figures,
        )
    ]


def _comparison_checks(
    stable: CohortStats,
    canary: CohortStats,
    thresholds: Mapping[str, Threshold],
    confidence: float,
) -> list[Check]:
    checks: list[Check] = []
    enough = canary.calls >= MIN_CALLS_FOR_TESTS and stable.calls >= MIN_CALLS_FOR_TESTS
    too_few = (
        f"too few calls for a test (canary {canary.calls:,}, stable {stable.calls:,}; "
        f"at least {MIN_CALLS_FOR_TESTS} each)"
    )
    level = f"{confidence:.0%}"

    cost = thresholds["max_cost_per_call_increase_pct"]
    if cost.value is not None:
        if not enough or canary.priced_calls < 2 or stable.priced_calls < 2:
            checks.append(
                Check("cost_per_call", INCONCLUSIVE, f"cost per call: {too_few}", cost.action)
            )
        else:
            ratio = stats.mean_ratio(
                canary.cost_micro_sum,
                canary.cost_micro_squares,
                canary.priced_calls,
                stable.cost_micro_sum,
                stable.cost_micro_squares,
                stable.priced_calls,
                confidence,
            )
            shift = stats.mann_whitney(canary.cost_histogram, stable.cost_histogram, confidence)
            checks.append(
                _non_inferiority(
                    "cost_per_call",
                    ratio,
                    cost,
                    f"cost per call {_ratio_text(ratio, level)}",
                    "%",
                    {"ratio": ratio, "mann_whitney": shift},
                )
            )

    latency = thresholds["max_p95_latency_increase_pct"]
    if latency.value is not None:
        p95_ratio = stats.quantile_ratio(
            canary.latency_histogram, stable.latency_histogram, 0.95, confidence
        )
        if not enough or p95_ratio is None:
            checks.append(
                Check("p95_latency", INCONCLUSIVE, f"p95 latency: {too_few}", latency.action)
            )
        else:
            shift = stats.mann_whitney(
                canary.latency_histogram, stable.latency_histogram, confidence
            )
            checks.append(
                _non_inferiority(
                    "p95_latency",
                    p95_ratio,
                    latency,
                    f"p95 latency {_ratio_text(p95_ratio, level)}",
                    "%",
                    {"ratio": p95_ratio, "mann_whitney": shift},
                )
            )

    for name, count, threshold_name in (
        ("success_rate", "successes", "max_success_rate_drop_pts"),
        ("error_rate", "errors", "max_error_rate_increase_pts"),
    ):
        margin = thresholds[threshold_name]
        label = name.replace("_", " ")
        if margin.value is None:
            continue
        if not enough:
            checks.append(Check(name, INCONCLUSIVE, f"{label}: {too_few}", margin.action))
            continue
        test = stats.two_proportions(
            getattr(canary, count), canary.calls, getattr(stable, count), stable.calls, confidence
        )
        summary = (
            f"{label} {getattr(canary, name):.2%} vs stable {getattr(stable, name):.2%} "
            f"(difference {test.estimate * 100:+.2f} pts, {level} CI {test.low * 100:+.2f} to "
            f"{test.high * 100:+.2f}, two-proportion p={test.p_value:.3g})"
        )
        checks.append(_non_inferiority(name, test, margin, summary, " pts", {"difference": test}))

    checks.extend(_absolute_rate_checks(canary, thresholds, confidence))
    return checks


def _ratio_text(ratio: stats.TestResult, level: str) -> str:
    return (
        f"{_signed_pct((ratio.estimate - 1) * 100)} vs stable ({level} CI "
        f"{_signed_pct((ratio.low - 1) * 100)} to {_signed_pct((ratio.high - 1) * 100)})"
    )


def _absolute_rate_checks(
    canary: CohortStats, thresholds: Mapping[str, Threshold], confidence: float
) -> list[Check]:
    checks = []
    for name, count, threshold_name, lower_is_bad in (
        ("min_success_rate", "successes", "min_success_rate", True),
        ("max_error_rate", "errors", "max_error_rate", False),
    ):
        limit = thresholds[threshold_name]
        if limit.value is None:
            continue
        label = "success rate" if lower_is_bad else "error rate"
        if canary.calls < MIN_CALLS_FOR_TESTS:
            checks.append(
                Check(name, INCONCLUSIVE, f"canary {label}: too few calls for a test", limit.action)
            )
            continue
        interval = stats.wilson_interval(getattr(canary, count), canary.calls, confidence)
        text = (
            f"canary {label} {interval.estimate:.2%} ({confidence:.0%} CI {interval.low:.2%} to "
            f"{interval.high:.2%}) against a {'minimum' if lower_is_bad else 'maximum'} of "
            f"{limit.value:.2%}"
        )
        bad_for_sure = interval.high < limit.value if lower_is_bad else interval.low > limit.value
        ok_for_sure = interval.low >= limit.value if lower_is_bad else interval.high <= limit.value
        status = FAIL if bad_for_sure else PASS if ok_for_sure else INCONCLUSIVE
        checks.append(Check(name, status, text, limit.action, {"interval": interval}))
    return checks


def _non_inferiority(
    name: str,
    test: stats.TestResult,
    threshold: Threshold,
    summary: str,
    unit: str,
    figures: Mapping[str, Any],
) -> Check:
    """Fail when the canary is surely worse than the margin, pass when surely within it."""
    margin = threshold.value
    assert margin is not None
    if unit == "%":  # a ratio: worsening in percent
        low, high = (test.low - 1) * 100, (test.high - 1) * 100
    elif name == "success_rate":  # a difference of proportions where lower is worse
        low, high = -test.high * 100, -test.low * 100
    else:
        low, high = test.low * 100, test.high * 100
    allowed = f"{margin:g}{unit} allowed"
    if low > margin:
        return Check(name, FAIL, f"{summary}; worse than the {allowed}", threshold.action, figures)
    if high <= margin:
        return Check(name, PASS, f"{summary}; within the {allowed}", threshold.action, figures)
    return Check(
        name,
        INCONCLUSIVE,
        f"{summary}; not yet conclusive against the {allowed}",
        threshold.action,
        figures,
    )


# ----- absolute kill criteria of the charter ---------------------------------------------------
def _canary_metric(canary: CohortStats, metric: str, charter: CharterLimits) -> float | None:
    getters: dict[str, Callable[[], Any]] = {
        "cost_per_call_usd": lambda: canary.cost_per_call_usd,
        "cost_per_success_usd": lambda: canary.cost_per_success_usd,
        "p50_latency_ms": lambda: canary.latency_quantile(0.5),
        "p95_latency_ms": lambda: canary.latency_quantile(0.95),
        "cache_hit_rate": lambda: canary.cache_hit_rate,
        "success_rate": lambda: canary.success_rate,
        "error_rate": lambda: canary.error_rate,
        "monthly_usd": lambda: (
            None
            if canary.cost_per_call_usd is None or charter.calls_per_month is None
            else canary.cost_per_call_usd
            * Decimal(repr(charter.calls_per_month * charter.prompt_share))
        ),
    }
    getter = getters.get(metric)
    if getter is None:
        raise KeyError(metric)
    value = getter()
    return None if value is None else float(value)


def _kill_criteria_checks(
    canary: CohortStats, charter: CharterLimits | None, confidence: float
) -> list[Check]:
    if charter is None:
        return []
    checks = []
    for criterion in charter.kill_criteria:
        if (criterion.metric, criterion.op[0]) in _CRITERIA_TO_THRESHOLD:
            continue  # already applied as an analysis threshold
        checks.append(_kill_criterion_check(canary, charter, criterion, confidence))
    return checks


def _kill_criterion_check(
    canary: CohortStats, charter: CharterLimits, criterion: KillCriterion, confidence: float
) -> Check:
    name = f"kill_criterion:{criterion.metric}"
    rule = f"{criterion.metric} {criterion.op} {criterion.value:g}"
    try:
        value = _canary_metric(canary, criterion.metric, charter)
    except KeyError:
        return Check(
            name, SKIPPED, f"charter kill criterion {rule}: unknown metric", criterion.action
        )
    if value is None or canary.calls < MIN_CALLS_FOR_TESTS:
        return Check(
            name,
            INCONCLUSIVE,
            f"charter kill criterion {rule}: too few canary calls",
            criterion.action,
        )
    if criterion.metric in ("success_rate", "error_rate"):
        count = canary.successes if criterion.metric == "success_rate" else canary.errors
        interval = stats.wilson_interval(count, canary.calls, confidence)
        low, high = interval.low, interval.high
    else:
        low = high = value
    compare = {
        ">": lambda a: a > criterion.value,
        ">=": lambda a: a >= criterion.value,
        "<": lambda a: a < criterion.value,
        "<=": lambda a: a <= criterion.value,
    }
    breached = compare[criterion.op]
    surely = breached(low) and breached(high)
    text = f"charter kill criterion {rule} (action {criterion.action}): canary {value:.6g}"
    return Check(name, FAIL if surely else PASS, text, criterion.action, {"value": value})


# ----- JSON view -------------------------------------------------------------------------------
def verdict_to_dict(result: Verdict) -> dict[str, Any]:
    """The `--format json` document (money as decimal strings)."""
    release = result.release
    step = release.current_step
    return {
        "schema_version": 1,
        "release": release.id,
        "prompt": release.prompt,
        "stable": release.stable,
        "canary": release.canary_version,
        "step": release.step,
        "weight": step.weight if step else 0,
        "verdict": result.verdict,
        "reasons": list(result.reasons),
        "next": result.next_action,
        "confidence": result.confidence,
        "checks": [_check_to_dict(check) for check in result.checks],
        "thresholds": {
            name: {"value": t.value, "action": t.action, "source": t.source}
            for name, t in result.thresholds.items()
        },
        "cohorts": {
            "stable": cohort_to_dict(result.stable),
            "canary": cohort_to_dict(result.canary),
        },
    }


def cohort_to_dict(cohort: CohortStats) -> dict[str, Any]:
    p50 = cohort.latency_quantile(0.5)
    p95 = cohort.latency_quantile(0.95)
    return {
        "prompt_id": cohort.prompt_id,
        "version": cohort.version,
        "calls": cohort.calls,
        "successes": cohort.successes,
        "failures": cohort.failures,
        "errors": cohort.errors,
        "success_rate": _round(cohort.success_rate, 6),
        "error_rate": _round(cohort.error_rate, 6),
        "cache_hit_rate": _round(cohort.cache_hit_rate, 6),
        "tokens_per_call": {k: _round(v, 2) for k, v in cohort.tokens_per_call().items()},
        "cost_usd": _money(cohort.cost_usd, "0.000001"),
        "cost_per_call_usd": _money(cohort.cost_per_call_usd, "0.000000001"),
        "cost_per_success_usd": _money(cohort.cost_per_success_usd, "0.000000001"),
        "latency_ms": {
            "mean": _round(cohort.latency_ms_sum / cohort.latency_calls, 1)
            if cohort.latency_calls
            else None,
            "p50": _round(p50, 1),
            "p95": _round(p95, 1),
        },
        "minutes_observed": _round(cohort.minutes_observed, 2),
        "models": sorted(cohort.tokens_by_model),
        "unpriced_calls": cohort.unpriced_calls,
    }


def _check_to_dict(check: Check) -> dict[str, Any]:
    return {
        "name": check.name,
        "status": check.status,
        "action": check.action,
        "message": check.message,
        "figures": {k: _jsonable(v) for k, v in check.figures.items()},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, stats.TestResult):
        return {
            "estimate": _round(value.estimate, 6),
            "low": _round(value.low, 6),
            "high": _round(value.high, 6),
            "p_value": _round(value.p_value, 6),
            "method": value.method,
        }
    if isinstance(value, stats.Interval):
        return {
            "estimate": _round(value.estimate, 6),
            "low": _round(value.low, 6),
            "high": _round(value.high, 6),
        }
    if isinstance(value, float):
        return _round(value, 6)
    return value


def _round(value: float | None, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return round(value, digits)


def _money(value: Decimal | None, quantum: str) -> str | None:
    return None if value is None else str(value.quantize(Decimal(quantum)))


def _pct(weight: float) -> str:
    return f"{weight:g}%"


def _signed_pct(value: float) -> str:
    return f"{value:+.1f}%"
