"""Canary analysis on generated telemetry, through the real CLI and the library."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from promptops.canary import stats
from promptops.canary.analysis import analyze
from promptops.canary.cohort import histogram_bucket
from promptops.canary.prices import PriceBook
from promptops.canary.release import parse_charter_limits, parse_release
from promptops.canary.summaries import read_summaries, write_summary
from promptops.canary.telemetry import read_telemetry
from tests.support.canary_repo import make_repo
from tests.support.cli import run_cli
from tests.support.telemetry import PRICES, CohortSpec, write_jsonl

PROMPT = "support/triage"
STABLE = CohortSpec("1.0.0", calls=40_000)
EQUAL_CANARY = CohortSpec("1.1.0", calls=10_000)
# +148 output tokens at $5/MTok on a ~$0.0037 call is +20% per call
COSTLY_CANARY = CohortSpec("1.1.0", calls=10_000, output_tokens=448)


def _analyze(repo: Path, telemetry: Path, *extra: str):
    result = run_cli(
        [
            "canary",
            "analyze",
            "releases/triage.yaml",
            "--telemetry",
            str(telemetry),
            "--prices",
            "prices.yaml",
            "--format",
            "json",
            *extra,
        ],
        cwd=repo,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _check(document: dict, name: str) -> dict:
    return next(c for c in document["checks"] if c["name"] == name)


def test_canary_twenty_percent_more_expensive_is_rolled_back(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    code, document = _analyze(repo, telemetry)
    assert code == 1
    assert document["verdict"] == "rollback"
    cost = _check(document, "cost_per_call")
    assert cost["status"] == "fail"
    assert 1.17 < cost["figures"]["ratio"]["estimate"] < 1.23
    assert cost["figures"]["ratio"]["low"] > 1.10
    assert any("cost per call" in reason for reason in document["reasons"])
    stable_cost = float(document["cohorts"]["stable"]["cost_per_call_usd"])
    assert 0.0035 < stable_cost < 0.0039  # the DESIGN.md worked example's order of magnitude


def test_equal_canary_with_too_few_calls_holds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    few = CohortSpec("1.1.0", calls=200)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, few])
    code, document = _analyze(repo, telemetry)
    assert code == 0
    assert document["verdict"] == "hold"
    assert _check(document, "min_calls")["status"] == "inconclusive"
    assert any("needs 1,000" in reason for reason in document["reasons"])
    assert not any(c["status"] == "fail" for c in document["checks"])


def test_equal_canary_with_enough_calls_is_promoted(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, kill_switch_usd=500_000)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, EQUAL_CANARY])
    code, document = _analyze(repo, telemetry)
    assert code == 0, document["reasons"]
    assert document["verdict"] == "promote"
    statuses = {c["name"]: c["status"] for c in document["checks"]}
    assert statuses == {
        "runaway_kill_switch": "pass",
        "cost_per_call": "pass",
        "p95_latency": "pass",
        "success_rate": "pass",
        "error_rate": "pass",
        "min_calls": "pass",
        "min_minutes": "pass",
    }
    assert "step 1 (25%)" in document["next"]
    canary = document["cohorts"]["canary"]
    assert canary["calls"] == 10_000
    assert 0.75 < canary["cache_hit_rate"] < 0.85
    assert canary["latency_ms"]["p50"] < canary["latency_ms"]["p95"]


def test_breached_runaway_kill_switch_rolls_back_regardless_of_quality(tmp_path: Path) -> None:
    # $0.0037 per call x 15 x 1,000,000 calls = ~$55,500 a month against a $20,000 switch
    repo = make_repo(tmp_path, kill_switch_usd=20_000)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, EQUAL_CANARY])
    code, document = _analyze(repo, telemetry)
    assert code == 1
    assert document["verdict"] == "rollback"
    switch = _check(document, "runaway_kill_switch")
    assert switch["status"] == "fail"
    assert 50_000 < float(switch["figures"]["projected_monthly_usd"]) < 60_000
    assert _check(document, "cost_per_call")["status"] == "pass"  # quality itself is fine
    assert document["reasons"] == [switch["message"]]


def test_text_report_names_verdict_and_reasons(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    result = run_cli(
        [
            "canary",
            "analyze",
            "triage-rollout",
            "--telemetry",
            str(telemetry),
            "--prices",
            "prices.yaml",
        ],
        cwd=repo,
    )
    assert result.returncode == 1, result.stderr
    assert "verdict: ROLLBACK" in result.stdout
    assert "worse than the 10% allowed" in result.stdout
    assert "next: promptops canary rollback" in result.stdout


def test_parallel_reader_equals_single_process(tmp_path: Path) -> None:
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    book = PriceBook(PRICES, use_table=False)
    single = read_telemetry([telemetry], book, PROMPT, workers=1)
    split = read_telemetry(
        [telemetry], book, PROMPT, workers=2, parallel_min_bytes=1024, chunk_bytes=1_000_000
    )
    assert telemetry.stat().st_size > 10_000_000  # so it really was split into ranges
    assert split.counters.records == single.counters.records == 50_000
    for key, cohort in single.cohorts.items():
        other = split.cohorts[key]
        assert (other.calls, other.successes, other.errors) == (
            cohort.calls,
            cohort.successes,
            cohort.errors,
        )
        assert other.cost_usd == cohort.cost_usd
        assert other.latency_histogram == cohort.latency_histogram
        assert math.isclose(other.cost_micro_squares, cohort.cost_micro_squares, rel_tol=1e-9)


def test_cache_tokens_are_priced_from_otel_semantics(tmp_path: Path) -> None:
    # OTel input_tokens includes cache tokens: 5,500 input = 5,000 read + 500 uncached
    record = {
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.usage.input_tokens": 5500,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 5000,
        "gen_ai.usage.cache_creation.input_tokens": 0,
        "promptops.prompt.id": PROMPT,
        "promptops.prompt.version": "1.0.0",
        "outcome": "success",
        "latency_ms": 100,
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    cohorts = read_telemetry([path], PriceBook(PRICES, use_table=False), PROMPT).cohorts
    # 5,000 x 0.10 + 500 x 1.00 + 300 x 5.00 = 2,500 micro-dollars
    assert str(cohorts[(PROMPT, "1.0.0")].cost_usd) == "0.0025"


def test_invalid_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, EQUAL_CANARY])
    with telemetry.open("a") as out:
        out.write("{not json\n")
        out.write(
            json.dumps(
                {
                    "promptops.prompt.id": PROMPT,
                    "promptops.prompt.version": "1.1.0",
                    "gen_ai.usage.input_tokens": "lots",
                }
            )
            + "\n"
        )
    code, document = _analyze(repo, telemetry)
    assert code == 0
    assert document["input"]["invalid"] == 2
    assert document["input"]["records"] == 50_000


def test_unknown_model_is_a_usage_error_not_free(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    # a model neither --prices nor the built-in price table knows
    telemetry = write_jsonl(
        tmp_path / "calls.jsonl", PROMPT, [STABLE, EQUAL_CANARY], model="acme-llm-9"
    )
    (repo / "prices.yaml").write_text("other-model: {input: 1, output: 2}\n")
    result = run_cli(
        [
            "canary",
            "analyze",
            "releases/triage.yaml",
            "--telemetry",
            str(telemetry),
            "--prices",
            "prices.yaml",
        ],
        cwd=repo,
    )
    assert result.returncode == 2
    assert "no known price (acme-llm-9)" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_telemetry_file_exits_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run_cli(
        [
            "canary",
            "analyze",
            "releases/triage.yaml",
            "--telemetry",
            "nope.jsonl",
            "--prices",
            "prices.yaml",
        ],
        cwd=repo,
    )
    assert result.returncode == 2
    assert "nope.jsonl" in result.stderr and "Traceback" not in result.stderr


def test_summary_round_trip_gives_the_same_verdict(tmp_path: Path) -> None:
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    book = PriceBook(PRICES, use_table=False)
    cohorts = read_telemetry([telemetry], book, PROMPT).cohorts
    summary = tmp_path / "summary.json"
    write_summary(summary, cohorts.values())
    again = read_summaries([summary], book, PROMPT)
    release = parse_release(
        {
            "id": "r",
            "prompt": PROMPT,
            "stable": "1.0.0",
            "canary": {"version": "1.1.0", "steps": [{"weight": 5, "min_calls": 100}]},
        }
    )
    direct, via_summary = analyze(release, cohorts), analyze(release, again)
    assert direct.verdict == via_summary.verdict == "rollback"
    assert [c.status for c in direct.checks] == [c.status for c in via_summary.checks]
    assert again[(PROMPT, "1.1.0")].cost_usd == cohorts[(PROMPT, "1.1.0")].cost_usd


def test_parquet_telemetry_matches_jsonl(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    jsonl = write_jsonl(
        tmp_path / "calls.jsonl", PROMPT, [CohortSpec("1.0.0", 2000), CohortSpec("1.1.0", 500)]
    )
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "calls.parquet")
    book = PriceBook(PRICES, use_table=False)
    from_jsonl = read_telemetry([jsonl], book, PROMPT).cohorts
    from_parquet = read_telemetry([tmp_path / "calls.parquet"], book, PROMPT).cohorts
    for key, cohort in from_jsonl.items():
        assert from_parquet[key].cost_usd == cohort.cost_usd
        assert from_parquet[key].latency_histogram == cohort.latency_histogram


def test_charter_kill_criteria_set_default_thresholds() -> None:
    charter = parse_charter_limits(
        {
            "id": "c",
            "scenarios": {"expected": {"calls_per_month": 1000}},
            "kill_criteria": [
                {"metric": "error_rate", "op": ">", "value": 0.001, "action": "rollback"}
            ],
        },
        PROMPT,
    )
    release = parse_release(
        {
            "id": "r",
            "prompt": PROMPT,
            "stable": "1",
            "canary": {"version": "2", "steps": [{"weight": 5}]},
        }
    )
    from promptops.canary.cohort import CohortStats

    stable = CohortStats(PROMPT, "1", calls=1000, successes=990, errors=1)
    canary = CohortStats(PROMPT, "2", calls=1000, successes=950, errors=50)
    result = analyze(release, {(PROMPT, "1"): stable, (PROMPT, "2"): canary}, charter)
    assert result.thresholds["max_error_rate"].source == "charter"
    assert result.verdict == "rollback"
    assert any(c.name == "max_error_rate" and c.status == "fail" for c in result.checks)


# ----- the statistics themselves ---------------------------------------------------------------
def test_two_proportion_z_matches_textbook_value() -> None:
    # 45/100 vs 30/100: pooled p = .375, z = .15 / sqrt(.375 * .625 * .02) = 2.1909
    result = stats.two_proportions(45, 100, 30, 100)
    assert math.isclose(result.statistic, 2.1909, abs_tol=1e-4)
    assert math.isclose(result.p_value, 0.02846, abs_tol=1e-4)
    assert result.low < 0.15 < result.high


def test_wilson_interval_matches_known_value() -> None:
    interval = stats.wilson_interval(81, 263)  # classic example: [0.2553, 0.3662]
    assert math.isclose(interval.low, 0.2553, abs_tol=1e-4)
    assert math.isclose(interval.high, 0.3662, abs_tol=1e-4)


def test_mann_whitney_from_histograms_equals_brute_force() -> None:
    rng = random.Random(3)
    a = [rng.randint(0, 20) for _ in range(60)]
    b = [rng.randint(3, 25) for _ in range(80)]
    hist_a = {v: a.count(v) for v in set(a)}
    hist_b = {v: b.count(v) for v in set(b)}
    brute = sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)
    result = stats.mann_whitney(hist_a, hist_b)
    assert result is not None
    assert math.isclose(result.estimate, brute / (60 * 80), rel_tol=1e-12)
    assert result.p_value < 0.01 and result.estimate < 0.5


def test_mean_ratio_interval_covers_truth() -> None:
    rng = random.Random(5)
    a = [rng.gauss(120, 30) for _ in range(5000)]
    b = [rng.gauss(100, 30) for _ in range(5000)]
    result = stats.mean_ratio(
        sum(a), sum(x * x for x in a), len(a), sum(b), sum(x * x for x in b), len(b)
    )
    assert result.low < 1.2 < result.high
    assert result.high - result.low < 0.03


def test_histogram_bucket_is_monotone_and_one_percent_accurate() -> None:
    from promptops.canary.cohort import bucket_value

    previous = -1
    for value in [0, 0.5, 1, 10, 99.9, 100, 1000, 12345.6]:
        bucket = histogram_bucket(value)
        assert bucket >= previous
        previous = bucket
        if value >= 10:
            assert abs(bucket_value(bucket) - value) / value < 0.011
