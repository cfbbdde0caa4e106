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
from promptops.canary.release import parse_charter_limits, parse_release
from promptops.canary.summaries import read_summaries, write_summary
from promptops.canary.telemetry import read_telemetry
from promptops.errors import UserError
from tests.support.canary_repo import make_repo
from tests.support.cli import run_cli
from tests.support.telemetry import CohortSpec, pricing, write_jsonl

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
        ],
        cwd=repo,
    )
    assert result.returncode == 1, result.stderr
    assert "verdict: ROLLBACK" in result.stdout
    assert "worse than the 10% allowed" in result.stdout
    assert "next: promptops canary rollback" in result.stdout


def test_parallel_reader_equals_single_process(tmp_path: Path) -> None:
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    book = pricing()
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
    cohorts = read_telemetry([path], pricing(), PROMPT).cohorts
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
    # a model neither config `prices:` nor the built-in price table knows
    telemetry = write_jsonl(
        tmp_path / "calls.jsonl", PROMPT, [STABLE, EQUAL_CANARY], model="acme-llm-9"
    )
    (repo / "promptops.yaml").write_text(
        "prices:\n  other-model: {input: 1, output: 2, cache_read: 0.1}\n"
    )
    args = ["canary", "analyze", "releases/triage.yaml", "--telemetry", str(telemetry)]
    result = run_cli(args, cwd=repo)
    assert result.returncode == 2
    assert "no known price (acme-llm-9)" in result.stderr
    assert "`prices:` in promptops.yaml" in result.stderr
    assert "Traceback" not in result.stderr

    # the one override path prices it: config `prices:`, found under --repo or named
    (repo / "promptops.yaml").write_text(
        "prices:\n  acme-llm-9: {input: 1, output: 5, cache_read: 0.1}\n"
    )
    assert run_cli([*args, "--format", "json"], cwd=repo).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "promptops.yaml").rename(elsewhere / "prices.yaml")
    assert run_cli(args, cwd=repo).returncode == 2
    named = run_cli([*args, "--config", str(elsewhere / "prices.yaml")], cwd=repo)
    assert named.returncode == 0, named.stderr


def test_prices_file_option_is_gone_with_a_pointer_to_config(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "prices.yaml").write_text("claude-haiku-4-5: {input: 1, output: 5}\n")
    for command in (["analyze", "--telemetry", "calls.jsonl"], ["sql", "--dialect", "duckdb"]):
        name, *rest = command
        if name == "sql":
            rest += ["--table", "t"]
        args = ["canary", name, "releases/triage.yaml", *rest, "--prices", "prices.yaml"]
        result = run_cli(args, cwd=repo)
        assert result.returncode == 2
        assert "--prices was removed" in result.stderr
        assert "`prices:` in promptops.yaml" in result.stderr


def _record(version: str, model: str, total: int, output: int, **usage: int) -> dict:
    """One call record; `total` is OTel input_tokens (cache read and creation included)."""
    return {
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": total,
        "gen_ai.usage.output_tokens": output,
        "gen_ai.usage.cache_read.input_tokens": usage.pop("read", 0),
        "gen_ai.usage.cache_creation.input_tokens": usage.pop("creation", 0),
        **{f"gen_ai.usage.cache_creation.ephemeral_{k}_input_tokens": v for k, v in usage.items()},
        "promptops.prompt.id": PROMPT,
        "promptops.prompt.version": version,
        "outcome": "success",
        "latency_ms": 100,
    }


def _write_records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_record_above_the_tier_threshold_pays_the_tier_for_all_its_tokens(
    tmp_path: Path,
) -> None:
    # Haiku 5.5 per MTok: base input 0.10, output 0.50, read 0.01, 5m write 0.125; above 100K
    # total input tokens: input 0.50, output 2.50, read 0.05, 5m write 0.625 for the whole call.
    above = _record("1.0.0", "claude-haiku-5-5", 120_000, 2_000, read=100_000, creation=10_000)
    below = _record("1.0.0", "claude-haiku-5-5", 50_000, 1_000, read=40_000)
    path = _write_records(tmp_path / "tiered.jsonl", [above, below])
    cohort = read_telemetry([path], pricing(), PROMPT).cohorts[(PROMPT, "1.0.0")]
    # above: 10,000 x 0.50 + 100,000 x 0.05 + 10,000 x 0.625 + 2,000 x 2.50 = 21,250 micro-$
    # below: 10,000 x 0.10 +  40,000 x 0.01 +                   1,000 x 0.50 =  1,900 micro-$
    assert str(cohort.cost_usd) == "0.02315"
    assert math.isclose(cohort.cost_micro_sum, 23_150, rel_tol=1e-12)
    assert math.isclose(cohort.cost_micro_squares, 21_250**2 + 1_900**2, rel_tol=1e-12)
    tokens = cohort.tokens_by_model["claude-haiku-5-5"]
    assert tokens.calls == 2 and tokens.tiers[100_000].calls == 1

    # Through a summary file, tier by tier, and through workers: the same exact figure.
    summary = tmp_path / "summary.json"
    write_summary(summary, [cohort])
    again = read_summaries([summary], pricing(), PROMPT)[(PROMPT, "1.0.0")]
    assert str(again.cost_usd) == "0.02315"
    rows = json.loads(summary.read_text())["rows"]
    assert [r["input_tier"] for r in rows if not r["histogram"]] == [None, 100_000]


def test_a_tiered_summary_row_without_input_tier_is_refused(tmp_path: Path) -> None:
    row = {
        "prompt_id": PROMPT,
        "version": "1.0.0",
        "model": "claude-haiku-5-5",
        "calls": 2,
        "input_tokens": 170_000,
        "output_tokens": 3_000,
    }
    summary = tmp_path / "old.json"
    summary.write_text(json.dumps([row]))
    with pytest.raises(UserError, match="no input_tier column"):
        read_summaries([summary], pricing(), PROMPT)
    # below the threshold in total, no call can have crossed it: base rates
    summary.write_text(json.dumps([{**row, "input_tokens": 90_000}]))
    cohort = read_summaries([summary], pricing(), PROMPT)[(PROMPT, "1.0.0")]
    # 90,000 x 0.10 + 3,000 x 0.50 = 10,500 micro-dollars
    assert str(cohort.cost_usd) == "0.0105"


def test_split_cache_writes_at_their_own_rate_the_rest_at_the_release_ttl(
    tmp_path: Path,
) -> None:
    # Haiku 4.5 per MTok: input 1, output 5, 5m write 1.25, 1h write 2. 10,000 input tokens:
    # 6,000 cache creation of which 2,000 are 5m writes and 3,000 1h writes, 1,000 unsplit.
    record = _record("1.0.0", "claude-haiku-4-5", 10_000, 100, creation=6_000, **{"5m": 2_000})
    record["gen_ai.usage.cache_creation.ephemeral_1h_input_tokens"] = 3_000
    path = _write_records(tmp_path / "split.jsonl", [record])
    for ttl, unsplit_rate, micro in (("1h", 2, 15_000), ("5m", 1.25, 14_250)):
        cohort = read_telemetry([path], pricing(cache_write_ttl=ttl), PROMPT).cohorts
        # 4,000 x 1 + 2,000 x 1.25 + 3,000 x 2 + 1,000 x unsplit_rate + 100 x 5
        assert 4_000 + 2_500 + 6_000 + 1_000 * unsplit_rate + 500 == micro
        assert cohort[(PROMPT, "1.0.0")].cost_usd * 1_000_000 == micro
        assert math.isclose(cohort[(PROMPT, "1.0.0")].cost_micro_sum, micro, rel_tol=1e-12)
    too_many = {**record, "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens": 5_000}
    path = _write_records(tmp_path / "bad.jsonl", [record, too_many])
    assert read_telemetry([path], pricing(), PROMPT).counters.invalid == 1


def test_config_prices_override_the_table_in_analysis(tmp_path: Path) -> None:
    record = _record("1.0.0", "claude-haiku-4-5", 5_500, 300, read=5_000)
    path = _write_records(tmp_path / "one.jsonl", [record])
    overrides = {"claude-haiku-4-5": {"input": 2, "output": 10}}  # the model's own ratios kept
    cohorts = read_telemetry([path], pricing(overrides), PROMPT).cohorts
    # 5,000 x 0.20 + 500 x 2.00 + 300 x 10.00 = 5,000 micro-dollars
    assert str(cohorts[(PROMPT, "1.0.0")].cost_usd) == "0.005"


def test_missing_telemetry_file_exits_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run_cli(
        [
            "canary",
            "analyze",
            "releases/triage.yaml",
            "--telemetry",
            "nope.jsonl",
        ],
        cwd=repo,
    )
    assert result.returncode == 2
    assert "nope.jsonl" in result.stderr and "Traceback" not in result.stderr


def test_summary_round_trip_gives_the_same_verdict(tmp_path: Path) -> None:
    telemetry = write_jsonl(tmp_path / "calls.jsonl", PROMPT, [STABLE, COSTLY_CANARY])
    book = pricing()
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
    book = pricing()
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
