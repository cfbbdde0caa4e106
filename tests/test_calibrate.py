"""`promptops calibrate`: a charter's assumptions against generated production telemetry, through
the CLI. The telemetry is built from the prompt's own token counts (as `tokens` reports them),
so a charter written back from it must price a call the way the telemetry did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.calibrate_repo import DAY, TASKS_LONG, TASKS_SHORT, make_repo, tokens_report
from tests.support.cli import run_cli


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def write_telemetry(root: Path, path: Path, exclusive: bool = False, extra: list | None = None):
    """Hit rate 0.4, output 500 (90%) / 900 (10%): p95 900, mean 540; steps p95 7."""
    prompt = tokens_report(root)["prompts"][0]["tokens"]
    cached, uncached = prompt["cached"], prompt["uncached"]
    records = []
    steps = [3] * TASKS_SHORT + [7] * TASKS_LONG
    index = 0
    total = sum(steps)
    for task, count in enumerate(steps):
        for _ in range(count):
            hit = index % 5 < 2
            records.append(
                {
                    "gen_ai.request.model": "claude-haiku-4-5",
                    "gen_ai.usage.input_tokens": uncached if exclusive else cached + uncached,
                    "gen_ai.usage.output_tokens": 900 if index % 10 == 0 else 500,
                    "gen_ai.usage.cache_read.input_tokens": cached if hit else 0,
                    "gen_ai.usage.cache_creation.input_tokens": 0 if hit else cached,
                    "promptops.prompt.id": "support/agent",
                    "promptops.prompt.version": "1.0.0",
                    "trace_id": f"task-{task}",
                    "outcome": "success",
                    "timestamp": 1_788_000_000 + index * DAY / total,
                }
            )
            index += 1
    records.extend(extra or [])
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path, total


def calibrate(root: Path, *args: str) -> tuple[int, dict, str]:
    result = run_cli(["calibrate", *args, "--format", "json"], cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def test_three_gaps_with_their_money(repo: Path, tmp_path: Path) -> None:
    telemetry, calls = write_telemetry(repo, tmp_path / "calls.jsonl")
    code, report, _ = calibrate(repo, "--telemetry", str(telemetry))
    assert code == 0
    (workload,) = report["workloads"]
    gaps = {g["metric"]: g for g in workload["gaps"]}
    assert gaps["cache_hit_rate"]["assumed"] == 0.9
    assert gaps["cache_hit_rate"]["measured"] == 0.4
    assert gaps["output_tokens"]["assumed"] == 450
    assert gaps["output_tokens"]["measured"] == 540
    assert gaps["max_steps"]["assumed"] == 4 and gaps["max_steps"]["measured"] == 7
    measured = workload["measured"]
    assert measured["output_tokens"]["p95"] == 900
    assert measured["steps_per_task"] == {"p50": 3, "p95": 7, "max": 7}
    assert measured["cache_hit_rate"] == 0.4
    # a day of calls, one mean gap added, scaled to the 730-hour month
    assert gaps["calls_per_month"]["measured"] == pytest.approx(calls * 730 / 24, rel=0.001)
    # fewer hits and longer answers cost more each month; steps beyond 4 are money too
    for metric in ("cache_hit_rate", "output_tokens", "max_steps"):
        assert float(gaps[metric]["monthly_usd"]) > 0, gaps[metric]
    # the hit-rate gap priced by the estimate tokens prints: same prompt, hit rate replaced
    assert float(workload["measured_monthly_usd"]) > float(workload["assumed_monthly_usd"])


def test_write_keeps_comments_validates_and_prices_like_the_telemetry(
    repo: Path, tmp_path: Path
) -> None:
    telemetry, _ = write_telemetry(repo, tmp_path / "calls.jsonl")
    code, report, stderr = calibrate(repo, "--telemetry", str(telemetry), "--write")
    assert code == 0, stderr
    text = (repo / "charters" / "support.yaml").read_text()
    for comment in (
        "# traffic as planned at sign-off",
        "# the plan",
        "# hoped-for",
        "# per ticket",
    ):
        assert comment in text
    assert "cache_hit_rate: 0.4 " in text and "output_tokens: 540\n" in text
    assert "max_steps: 7 " in text
    assert "monthly_usd: {expected: 2000, stretch: 6000, runaway: 30000}" in text  # budgets stay
    assert "calls_per_month: 100000" not in text
    assert run_cli(["validate"], cwd=repo).returncode == 0
    per_call = float(tokens_report(repo)["prompts"][0]["scenarios"][0]["cost_per_call_usd"])
    measured = float(report["workloads"][0]["measured"]["cost_per_call_usd"])
    assert per_call == pytest.approx(measured, rel=0.02)


def test_exclusive_records_calibrate_the_same(repo: Path, tmp_path: Path) -> None:
    inclusive, _ = write_telemetry(repo, tmp_path / "otel.jsonl")
    exclusive, _ = write_telemetry(repo, tmp_path / "api.jsonl", exclusive=True)
    first = calibrate(repo, "--telemetry", str(inclusive))[1]["workloads"][0]
    second = calibrate(repo, "--telemetry", str(exclusive))[1]["workloads"][0]
    assert first["gaps"] == second["gaps"]
    assert first["measured"]["cost_per_call_usd"] == second["measured"]["cost_per_call_usd"]


def test_spend_no_charter_covers_is_listed(repo: Path, tmp_path: Path) -> None:
    stray = {
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 100,
        "promptops.prompt.id": "marketing/blurb",
        "promptops.prompt.version": "0.1.0",
    }
    telemetry, _ = write_telemetry(repo, tmp_path / "calls.jsonl", extra=[stray] * 3)
    report = calibrate(repo, "--telemetry", str(telemetry))[1]
    assert report["orphaned"]["marketing/blurb"]["calls"] == 3
    text = run_cli(["calibrate", "--telemetry", str(telemetry)], cwd=repo).stdout
    assert "Orphaned Workload — marketing/blurb: 3 calls" in text
    assert "cache hit rate" in text and "90.0%" in text and "40.0%" in text


def test_unknown_workload_and_unreadable_telemetry_are_usage_errors(
    repo: Path, tmp_path: Path
) -> None:
    telemetry, _ = write_telemetry(repo, tmp_path / "calls.jsonl")
    result = run_cli(["calibrate", "nope", "--telemetry", str(telemetry)], cwd=repo)
    assert result.returncode == 2 and "no charter with id 'nope'" in result.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("{not json\n" * 10)
    result = run_cli(["calibrate", "--telemetry", str(garbage)], cwd=repo)
    assert result.returncode == 2 and "could not be read" in result.stderr
    assert "Traceback" not in result.stderr
