"""`promptops canary sql`: valid SQL in four dialects; on DuckDB, the same cohorts as streaming."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from promptops.canary.analysis import analyze
from promptops.canary.prices import PriceBook
from promptops.canary.release import parse_release
from promptops.canary.summaries import read_summaries
from promptops.canary.telemetry import read_telemetry
from tests.support.canary_repo import make_repo
from tests.support.cli import run_cli
from tests.support.telemetry import PRICES, CohortSpec, write_jsonl

PROMPT = "support/triage"
DIALECTS = ["bigquery", "snowflake", "postgres", "duckdb"]


def _sql(repo: Path, dialect: str, table: str = "calls") -> str:
    result = run_cli(
        [
            "canary",
            "sql",
            "releases/triage.yaml",
            "--dialect",
            dialect,
            "--table",
            table,
            "--prices",
            "prices.yaml",
        ],
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_parses_in_its_dialect(tmp_path: Path, dialect: str) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    repo = make_repo(tmp_path)
    sql = _sql(repo, dialect, "analytics.calls")
    statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    assert len(statements) == 1
    assert "'support/triage'" in sql and "'1.0.0', '1.1.0'" in sql
    assert "0.1" in sql and "1.25" in sql  # cache read and 5m write prices as literals
    if dialect == "bigquery":
        assert "`gen_ai_usage_input_tokens`" in sql and "UNNEST" in sql
    else:
        assert '"gen_ai.usage.input_tokens"' in sql


def test_sql_needs_prices(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run_cli(
        ["canary", "sql", "releases/triage.yaml", "--dialect", "postgres", "--table", "t"], cwd=repo
    )
    assert result.returncode == 2
    assert "--prices" in result.stderr


def test_bad_dialect_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = run_cli(
        [
            "canary",
            "sql",
            "releases/triage.yaml",
            "--dialect",
            "oracle",
            "--table",
            "t",
            "--prices",
            "prices.yaml",
        ],
        cwd=repo,
    )
    assert result.returncode == 2


def test_duckdb_aggregation_equals_streaming_aggregation(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    repo = make_repo(tmp_path)
    telemetry = write_jsonl(
        tmp_path / "calls.jsonl",
        PROMPT,
        [CohortSpec("1.0.0", 4000), CohortSpec("1.1.0", 1000, output_tokens=448)],
    )
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE calls AS SELECT * EXCLUDE (timestamp), to_timestamp(timestamp) AS "
        f"\"timestamp\" FROM read_json_auto('{telemetry}')"
    )
    cursor = connection.execute(_sql(repo, "duckdb"))
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    summary = tmp_path / "summary.jsonl"
    summary.write_text("".join(json.dumps(row, default=str) + "\n" for row in rows))

    book = PriceBook(PRICES, use_table=False)
    from_sql = read_summaries([summary], book, PROMPT)
    streamed = read_telemetry([telemetry], book, PROMPT).cohorts
    assert set(from_sql) == set(streamed)
    for key, cohort in streamed.items():
        other = from_sql[key]
        assert (other.calls, other.successes, other.failures, other.errors) == (
            cohort.calls,
            cohort.successes,
            cohort.failures,
            cohort.errors,
        )
        assert other.cache_hit_calls == cohort.cache_hit_calls
        assert other.cost_usd == cohort.cost_usd
        assert math.isclose(other.cost_micro_squares, cohort.cost_micro_squares, rel_tol=1e-9)
        assert other.latency_histogram == cohort.latency_histogram
        assert other.cost_histogram == cohort.cost_histogram
        assert math.isclose(other.first_seen, cohort.first_seen, abs_tol=1e-3)
        assert math.isclose(other.last_seen, cohort.last_seen, abs_tol=1e-3)

    release = parse_release(
        {
            "id": "r",
            "prompt": PROMPT,
            "stable": "1.0.0",
            "canary": {
                "version": "1.1.0",
                "steps": [{"weight": 5, "min_calls": 500, "min_minutes": 60}],
            },
        }
    )
    assert analyze(release, from_sql).verdict == analyze(release, streamed).verdict == "rollback"

    result = run_cli(
        [
            "canary",
            "analyze",
            "releases/triage.yaml",
            "--summary",
            str(summary),
            "--prices",
            "prices.yaml",
            "--format",
            "json",
        ],
        cwd=repo,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "rollback"
