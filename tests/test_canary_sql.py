"""`promptops canary sql`: valid SQL in four dialects; on DuckDB, the same cohorts as streaming."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from promptops.canary.analysis import analyze
from promptops.canary.release import parse_release
from promptops.canary.summaries import read_summaries
from promptops.canary.telemetry import read_telemetry
from tests.support.canary_repo import make_repo
from tests.support.cli import run_cli
from tests.support.telemetry import CohortSpec, pricing, write_jsonl

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


def test_sql_prices_the_prompts_model_and_refuses_an_unpriced_one(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    args = ["canary", "sql", "releases/triage.yaml", "--dialect", "postgres", "--table", "t"]
    result = run_cli(args, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "('claude-haiku-4-5', -1, 9223372036854775807, 1.0, 5.0, 1.25, 1.25, 2.0, 0.1)" in (
        result.stdout
    )
    unknown = run_cli([*args, "--model", "acme-llm-9"], cwd=repo)
    assert unknown.returncode == 2
    assert "acme-llm-9" in unknown.stderr and "`prices:` in promptops.yaml" in unknown.stderr
    (repo / "promptops.yaml").write_text(
        "prices:\n  acme-llm-9: {input: 2, output: 8, cache_read: 0.2}\n"
    )
    priced = run_cli([*args, "--model", "acme-llm-9"], cwd=repo)
    assert priced.returncode == 0, priced.stderr
    # 5m and 1h writes follow the published multipliers of the input price
    assert "('acme-llm-9', -1, 9223372036854775807, 2.0, 8.0, 2.5, 2.5, 4.0, 0.2)" in (
        priced.stdout
    )


def test_sql_has_a_price_row_per_tier(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    args = ["canary", "sql", "releases/triage.yaml", "--dialect", "duckdb", "--table", "t"]
    sql = run_cli([*args, "--model", "claude-haiku-5-5"], cwd=repo).stdout
    assert "('claude-haiku-5-5', -1, 100000, 0.1, 0.5, 0.125, 0.125, 0.2, 0.01)" in sql
    assert "('claude-haiku-5-5', 100000, 9223372036854775807, 0.5, 2.5, 0.625, 0.625, 1.0, " in sql
    assert "GROUP BY prompt_id, version, model, input_tier" in sql


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

    book = pricing()
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
            "--format",
            "json",
        ],
        cwd=repo,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "rollback"


def test_duckdb_prices_tiers_and_split_writes_like_streaming(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    repo = make_repo(tmp_path)
    (repo / "releases" / "triage.yaml").write_text(
        (repo / "releases" / "triage.yaml")
        .read_text()
        .replace(
            "max_p95_latency_increase_pct: 25",
            "max_p95_latency_increase_pct: 25\n  cache_write_ttl: 1h",
        )
    )
    model, split_5m = "claude-haiku-5-5", "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens"
    records = []
    for index, (total, read, creation, five) in enumerate(
        [(120_000, 100_000, 10_000, 4_000), (50_000, 40_000, 0, 0), (100_000, 0, 6_000, 6_000)]
    ):
        records.append(
            {
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": total,
                "gen_ai.usage.output_tokens": 1_000,
                "gen_ai.usage.cache_read.input_tokens": read,
                "gen_ai.usage.cache_creation.input_tokens": creation,
                split_5m: five,
                "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens": 0,
                "promptops.prompt.id": PROMPT,
                "promptops.prompt.version": "1.0.0",
                "outcome": "success",
                "latency_ms": 100.0 + index,
                "error": None,
                "timestamp": 1_788_000_000 + index,
            }
        )
    telemetry = tmp_path / "calls.jsonl"
    telemetry.write_text("".join(json.dumps(r) + "\n" for r in records))
    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE calls AS SELECT * EXCLUDE (timestamp), to_timestamp(timestamp) AS "
        f"\"timestamp\" FROM read_json_auto('{telemetry}')"
    )
    args = ["canary", "sql", "releases/triage.yaml", "--dialect", "duckdb", "--table", "calls"]
    sql = run_cli([*args, "--model", model, "--split-cache-writes"], cwd=repo)
    assert sql.returncode == 0, sql.stderr
    cursor = connection.execute(sql.stdout)
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    summary = tmp_path / "summary.jsonl"
    summary.write_text("".join(json.dumps(row, default=str) + "\n" for row in rows))
    totals = [r for r in rows if r["histogram"] is None]
    assert sorted((r["input_tier"] or 0, r["calls"]) for r in totals) == [(0, 2), (100_000, 1)]

    book = pricing(cache_write_ttl="1h")
    streamed = read_telemetry([telemetry], book, PROMPT).cohorts[(PROMPT, "1.0.0")]
    from_sql = read_summaries([summary], book, PROMPT)[(PROMPT, "1.0.0")]
    # above the tier (120,000): 10,000 x 0.50 + 100,000 x 0.05 + 4,000 x 0.625 (5m)
    #   + 6,000 x 1.00 (unsplit: 1h TTL) + 1,000 x 2.50                    = 21,000 micro-$
    # 50,000:  10,000 x 0.10 + 40,000 x 0.01 + 1,000 x 0.50                 =  1,900 micro-$
    # 100,000 (not above): 94,000 x 0.10 + 6,000 x 0.125 (5m) + 1,000 x 0.50 = 10,650 micro-$
    assert str(streamed.cost_usd) == str(from_sql.cost_usd) == "0.03355"
    assert math.isclose(from_sql.cost_micro_squares, streamed.cost_micro_squares, rel_tol=1e-9)
    assert from_sql.cost_histogram == streamed.cost_histogram
