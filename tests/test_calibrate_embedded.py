"""DuckDB as the embedded engine for large local files: the same calibration as the stream.

The records mix what the stream's reader accepts (numeric timestamps in s/ms/ns and ISO 8601
strings, the `cache_write` spelling, an exclusive-convention source, records of a prompt no
charter covers, tool spans, invalid token counts, prompt-less spans) and both engines must give
the same report, apart from the per-task fingerprints the embedded engine says it does not
compute. What DuckDB cannot read the stream's way (records nested under `attributes`) is
streamed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from promptops.calibrate import embedded
from promptops.calibrate.compare import calibrate
from promptops.calibrate.engine import measure
from promptops.calibrate.fingerprints import fingerprints
from promptops.calibrate.measure import Measurements
from promptops.canary.rates import TelemetryPricing
from promptops.config import load_config
from promptops.documents.workspace import load_workspace
from promptops.pricing.table import PriceTable
from promptops.report.calibration import render_json
from promptops.tokens.counting import TokenCounter
from tests.support.calibrate_repo import call_record, make_repo, tokens_report, write_records
from tests.support.cli import run_cli

pytest.importorskip("duckdb")

START = 1_788_000_000


def _records(root: Path) -> list[dict[str, Any]]:
    tokens = tokens_report(root)["prompts"][0]["tokens"]
    cached, uncached = tokens["cached"], tokens["uncached"]
    records: list[dict[str, Any]] = []
    for task in range(240):
        for step in range(9 if task % 8 == 0 else 1 + task % 4):
            index = len(records)
            seconds = START + index * 11.5
            stamp: Any = seconds
            if index % 5 == 1:
                stamp = int(seconds * 1000)  # milliseconds
            elif index % 5 == 2:
                stamp = int(seconds) * 1_000_000_000  # nanoseconds
            elif index % 5 == 3:
                stamp = f"2026-08-29T{(index // 3600) % 24:02d}:{(index // 60) % 60:02d}:{index % 60:02d}Z"
            record = call_record(
                cached,
                uncached + (index * 37) % 700,
                index % 3 == 0,
                150 + (index * 53) % 900,
                trace_id=f"t{task}",
                timestamp=stamp,
                outcome=("failure" if task % 7 == 0 else "success") if step == 0 else None,
                error="overloaded" if index % 41 == 0 else None,
            )
            if index % 6 == 0 and record["gen_ai.usage.cache_creation.input_tokens"]:
                record["gen_ai.usage.cache_write.input_tokens"] = record.pop(
                    "gen_ai.usage.cache_creation.input_tokens"
                )
            if index % 4 == 0:
                record["promptops.prompt.version"] = "1.1.0"
            record["gen_ai.request.model"] = "claude-sonnet-4-5"  # Haiku-first: the cascade
            records.append(record)
            if index % 13 == 0:  # the same lookup once, or twice in every third such task
                tool = {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "lookup",
                    "gen_ai.tool.call.arguments": f'{{"id": {task % 4}}}',
                    "trace_id": f"t{task}",
                    "timestamp": seconds,
                }
                records.extend([tool] * (2 if task % 3 == 0 else 1))
    for conversation in range(5):  # each turn resends the history: input grows with turns
        for turn in range(12):
            records.append(
                call_record(
                    cached,
                    uncached + 2000 * turn,
                    turn > 0,
                    200,
                    trace_id=f"conversation-{conversation}-{turn}",
                    timestamp=START + 100_000 + conversation * 5_000 + turn * 60,
                    **{
                        "gen_ai.conversation.id": f"c{conversation}",
                        "gen_ai.request.model": "claude-sonnet-4-5",
                    },
                )
            )
    for task in range(40):  # Haiku first, escalated to Sonnet in most tasks: no saving
        for step, model in enumerate(
            ["claude-haiku-4-5", "claude-sonnet-4-5"] if task % 5 else ["claude-haiku-4-5"]
        ):
            records.append(
                call_record(
                    cached,
                    uncached,
                    False,
                    400,
                    trace_id=f"cascade-{task}",
                    timestamp=START + 200_000 + task * 60 + step,
                    outcome="failure" if task % 10 == 0 else "success",
                    **{"gen_ai.request.model": model},
                )
            )
    for index in range(60):  # spend no charter covers
        records.append(
            {
                "gen_ai.request.model": "claude-haiku-4-5",
                "gen_ai.usage.input_tokens": 900 + index,
                "gen_ai.usage.output_tokens": 40 + index,
                "promptops.prompt.id": "labs/experiment",
                "promptops.prompt.version": "0.1.0",
                "timestamp": START + index * 600,
            }
        )
    records.append({"span": "not ours", "timestamp": START})
    bad = call_record(cached, uncached, True, -3, trace_id="t1", timestamp=START)
    return [bad, *records]  # a negative token count: invalid whatever the convention


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = make_repo(tmp_path_factory.mktemp("embedded"))
    records = _records(root)
    inclusive = write_records(root.parent / "calls.jsonl", records[: len(records) // 2])
    exclusive = []
    for record in records[len(records) // 2 :]:
        record = dict(record)
        cached = int(record.get("gen_ai.usage.cache_read.input_tokens") or 0) + int(
            record.get("gen_ai.usage.cache_creation.input_tokens")
            or record.get("gen_ai.usage.cache_write.input_tokens")
            or 0
        )
        if "gen_ai.usage.input_tokens" in record and record["gen_ai.usage.input_tokens"] > cached:
            record["gen_ai.usage.input_tokens"] -= cached  # Anthropic's exclusive count
        exclusive.append(record)
    return root, [inclusive, write_records(root.parent / "exclusive.jsonl", exclusive)]


def _report(root: Path, paths: list[Path], engine: str, since: float | None = None) -> tuple:
    config = load_config(config_file=root / "promptops.yaml")
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    prices = PriceTable.from_config(config)
    measurements = measure(
        paths,
        TelemetryPricing(prices),
        since=since,
        members=embedded.charter_members(workspace),
        engine=engine,
    )
    result = calibrate(workspace, measurements, TokenCounter(config), prices)
    result.fingerprints = fingerprints(workspace, result)
    return measurements, json.loads(render_json(result, {}))


def _rounded(value: Any) -> Any:
    """Floats to 9 significant digits: DuckDB sums costs in another order than the stream."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _without_task_fingerprints(report: dict) -> dict:
    report = dict(report)
    report["fingerprints"] = [
        _rounded(f) for f in report["fingerprints"] if f["name"] not in embedded.NOT_COMPUTED
    ]
    report["input"] = {k: v for k, v in report["input"].items() if k != "examples"}
    return report


@pytest.mark.parametrize("since", [None, START + 3600.0])
def test_duckdb_calibrates_like_the_stream(repo, since: float | None) -> None:
    root, paths = repo
    streamed: Measurements
    streamed, expected = _report(root, paths, "stream", since)
    embedded_run, got = _report(root, paths, "duckdb", since)
    assert (streamed.engine, embedded_run.engine) == ("stream", "duckdb")
    assert set(streamed.conventions.values()) == {"inclusive", "exclusive"}
    assert expected["input"]["invalid"] == 1 and expected["orphaned"]
    if since is None:
        assert expected["workloads"][0]["measured"]["steps_per_task"]["p95"] == 9
    assert _without_task_fingerprints(got) == _without_task_fingerprints(expected)
    names = {f["name"] for f in got["fingerprints"]}
    assert {
        "recursive-sub-agent",
        "ungoverned-tool",
        "orphaned-workload",
        "eternal-conversation",
        "cascade-that-doesnt",
    } <= names


def test_records_nested_under_attributes_are_streamed(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    tokens = tokens_report(root)["prompts"][0]["tokens"]
    spans = [
        {
            "trace_id": f"t{i // 3}",
            "attributes": call_record(tokens["cached"], tokens["uncached"], i % 2 == 0, 200),
            "timestamp": START + i,
        }
        for i in range(30)
    ]
    path = write_records(tmp_path / "spans.jsonl", spans)
    measurements, report = _report(root, [path], "duckdb")
    assert measurements.engine == "stream"
    assert report["workloads"][0]["measured"]["calls"] == 30


def test_small_files_stay_with_the_stream(repo) -> None:
    root, paths = repo
    assert not embedded.suitable([str(p) for p in paths])
    assert embedded.suitable([str(p) for p in paths], min_bytes=0)
    assert not embedded.suitable(["-"], min_bytes=0)
    measurements, _ = _report(root, paths, "auto")
    assert measurements.engine == "stream"


@pytest.mark.slow
def test_calibrate_on_large_telemetry_uses_duckdb(tmp_path: Path) -> None:
    """Through the CLI: 64 MB of records pick the embedded engine (it says so on stderr);
    the figures are those of the planted traffic."""
    root = make_repo(tmp_path)
    tokens = tokens_report(root)["prompts"][0]["tokens"]
    path = tmp_path / "large.jsonl"
    count = 0
    with path.open("w", encoding="utf-8") as out:
        while path.stat().st_size < embedded.EMBEDDED_MIN_BYTES:
            lines = []
            for _ in range(10_000):
                record = call_record(
                    tokens["cached"],
                    tokens["uncached"],
                    count % 5 != 0,  # a hit rate of 0.8
                    300 + count % 7,
                    trace_id=f"task-{count // 4}",  # four steps a task
                    timestamp=START + count,
                    padding="x" * 200,
                )
                lines.append(json.dumps(record))
                count += 1
            out.write("\n".join(lines) + "\n")
            out.flush()
    result = run_cli(["calibrate", "--telemetry", str(path), "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    assert "aggregated by DuckDB" in result.stderr
    measured = json.loads(result.stdout)["workloads"][0]["measured"]
    assert measured["calls"] == count
    assert measured["cache_hit_rate"] == 0.8
    assert measured["steps_per_task"] == {"p50": 4, "p95": 4, "max": 4}
    assert measured["output_tokens"]["p50"] == 303
