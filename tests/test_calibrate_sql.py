"""`calibrate --sql`: the aggregation run where the telemetry lives. The query parses in every
dialect (sqlglot), and DuckDB running it on the same records gives the same calibration as the
streaming path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.calibrate_repo import call_record, make_repo, tokens_report, write_records
from tests.support.cli import run_cli

DIALECTS = ["bigquery", "snowflake", "postgres", "duckdb"]


def _records(root: Path) -> list[dict]:
    tokens = tokens_report(root)["prompts"][0]["tokens"]
    cached, uncached = tokens["cached"], tokens["uncached"]
    records = []
    for task in range(300):
        for _step in range(9 if task % 10 == 0 else 3):
            index = len(records)
            records.append(
                call_record(
                    cached,
                    uncached + (index * 37) % 500,
                    index % 3 == 0,
                    200 + (index * 53) % 900,
                    trace_id=f"t{task}",
                    timestamp=1_788_000_000 + index * 7,
                    outcome="failure" if index % 17 == 0 else "success",
                    error="overloaded" if index % 41 == 0 else None,
                )
            )
    return records


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = make_repo(tmp_path_factory.mktemp("sql"))
    return root, write_records(root.parent / "calls.jsonl", _records(root))


def _sql(root: Path, dialect: str, table: str = "calls") -> str:
    args = ["calibrate", "--sql", "--dialect", dialect, "--table", table]
    result = run_cli(args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_query_parses_in_every_dialect(repo, dialect: str) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    sql = _sql(repo[0], dialect)
    statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    assert len(statements) == 1
    assert "'support/agent', 'support', 4" in sql.replace("(", " ").replace(")", " ") or (
        dialect == "bigquery" and "'support/agent' AS prompt_id" in sql
    )


def _figures(workload: dict) -> dict:
    measured = dict(workload["measured"])
    measured.pop("models")  # a summary row does not list models
    cost = float(measured.pop("cost_per_call_usd"))
    success = float(measured.pop("cost_per_success_usd"))
    return {
        "gaps": workload["gaps"],
        "assumed": workload["assumed_monthly_usd"],
        "measured_monthly": workload["measured_monthly_usd"],
        "measured": measured,
        "cost": round(cost, 7),
        "success": round(success, 7),
    }


def test_duckdb_rows_calibrate_like_the_streaming_path(repo, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    root, telemetry = repo
    connection = duckdb.connect()
    connection.execute(
        'CREATE TABLE calls AS SELECT * EXCLUDE (timestamp), to_timestamp("timestamp") AS '
        f"\"timestamp\" FROM read_json_auto('{telemetry}')"
    )
    cursor = connection.execute(_sql(root, "duckdb"))
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert {r["level"] for r in rows} == {"version", "workload"}
    summary = tmp_path / "rows.jsonl"
    summary.write_text("".join(json.dumps(r, default=float) + "\n" for r in rows))

    def run(*args: str) -> dict:
        result = run_cli(["calibrate", *args, "--format", "json"], cwd=root)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["workloads"][0]

    streamed = run("--telemetry", str(telemetry))
    warehoused = run("--summary", str(summary))
    assert _figures(warehoused) == _figures(streamed)
    assert streamed["measured"]["steps_per_task"]["p95"] == 9  # the planted long tasks


def test_summary_and_telemetry_together_is_a_usage_error(repo) -> None:
    root, telemetry = repo
    result = run_cli(["calibrate", "--telemetry", str(telemetry), "--summary", "x"], cwd=root)
    assert result.returncode == 2 and "one of the two" in result.stderr
    assert run_cli(["calibrate", "--sql"], cwd=root).returncode == 2
