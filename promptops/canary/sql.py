"""The cohort aggregation as SQL, for telemetry that lives in a warehouse.

`promptops canary sql` prints one query per dialect (BigQuery, Snowflake, Postgres, DuckDB).
Its result rows are the cohort summary format of `promptops.canary.summaries`: one totals row
per (prompt, version, model) and one row per non-empty histogram bucket of latency and cost,
so the warehouse scans the calls once and `canary analyze --summary` runs the same tests as on
raw records. Prices enter the query as a literal table (micro-dollars per token = dollars per
million tokens) taken from the one price table (`PriceTable.from_config`): one row per model and
price tier, joined on the model and the call's total input tokens (OTel ``input_tokens``), so a
call above a tier's threshold pays the tier for all its tokens, and the totals are grouped by
tier (``input_tier``) for the exact recomputation. A call whose model has no price gets a NULL
cost, and those calls are counted as unpriced by the analysis, never as free.

Cache creation tokens are priced at the release's ``analysis.cache_write_ttl``; with
``split_cache_writes`` the 5m/1h split columns (``…ephemeral_5m_input_tokens``,
``…ephemeral_1h_input_tokens``) are read too and each part priced at its own rate.

Columns are the OTel GenAI attribute names, quoted, except on BigQuery, where column names
cannot contain dots: there every dot becomes an underscore (``gen_ai_usage_input_tokens``).
``timestamp`` is a TIMESTAMP column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from promptops.canary.cohort import HISTOGRAM_BASE
from promptops.canary.rates import TelemetryPricing, TokenRates
from promptops.canary.summaries import TOTAL_COLUMNS
from promptops.canary.telemetry import ATTR_CACHE_WRITE_1H, ATTR_CACHE_WRITE_5M
from promptops.errors import UserError

ATTRIBUTES = {
    "prompt_id": "promptops.prompt.id",
    "version": "promptops.prompt.version",
    "model": "gen_ai.request.model",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "cache_read": "gen_ai.usage.cache_read.input_tokens",
    "cache_creation": "gen_ai.usage.cache_creation.input_tokens",
    "cache_write_5m": ATTR_CACHE_WRITE_5M,
    "cache_write_1h": ATTR_CACHE_WRITE_1H,
    "outcome": "outcome",
    "latency_ms": "latency_ms",
    "error": "error",
    "ts": "timestamp",
}


@dataclass(frozen=True)
class Dialect:
    name: str
    quote: str  # identifier quote character
    integer: str
    double: str
    epoch_seconds: str  # format string with {expr}
    dots_to_underscores: bool = False

    def column(self, attribute: str) -> str:
        name = attribute.replace(".", "_") if self.dots_to_underscores else attribute
        return f"{self.quote}{name}{self.quote}"

    def prices_cte(self, rows: list[PriceRow]) -> str:
        names = PRICE_COLUMNS
        if self.name == "bigquery":
            structs = ",\n    ".join(
                "STRUCT("
                + ", ".join(f"{v} AS {n}" for v, n in zip(_literals(r), names, strict=True))
                + ")"
                for r in rows
            )
            return f"prices AS (\n  SELECT * FROM UNNEST([\n    {structs}\n  ])\n)"
        values = ",\n    ".join("(" + ", ".join(_literals(r)) + ")" for r in rows)
        if self.name == "snowflake":
            aliases = ", ".join(f"column{i + 1} AS {n}" for i, n in enumerate(names))
            return f"prices AS (\n  SELECT {aliases}\n  FROM VALUES\n    {values}\n)"
        return f"prices ({', '.join(names)}) AS (\n  VALUES\n    {values}\n)"


PRICE_COLUMNS = (
    "model",
    "above_input_tokens",  # the tier applies to calls with more total input tokens than this
    "up_to_input_tokens",  # ... and at most this many (the next tier's threshold)
    "input_rate",
    "output_rate",
    "cache_write_rate",  # creation tokens without a split: the release's TTL
    "cache_write_5m_rate",
    "cache_write_1h_rate",
    "cache_read_rate",
)
NO_UPPER_BOUND = 2**63 - 1  # BIGINT's largest value: the top tier has no upper bound
PriceRow = tuple[str, int, int, float, float, float, float, float, float]

DIALECTS = {
    "bigquery": Dialect("bigquery", "`", "INT64", "FLOAT64", "UNIX_MICROS({expr}) / 1e6", True),
    "snowflake": Dialect(
        "snowflake", '"', "BIGINT", "DOUBLE", "DATE_PART(epoch_millisecond, {expr}) / 1e3"
    ),
    "postgres": Dialect(
        "postgres", '"', "BIGINT", "DOUBLE PRECISION", "EXTRACT(EPOCH FROM {expr})"
    ),
    "duckdb": Dialect("duckdb", '"', "BIGINT", "DOUBLE", "epoch({expr})"),
}


def aggregation_sql(
    dialect_name: str,
    table: str,
    prompt_id: str,
    versions: Sequence[str],
    prices: TelemetryPricing,
    models: Sequence[str],
    since: str | None = None,
    split_cache_writes: bool = False,
) -> str:
    """One query whose rows are the cohort summary of ``prompt_id`` at ``versions``."""
    dialect = DIALECTS.get(dialect_name)
    if dialect is None:
        raise UserError(f"unknown SQL dialect {dialect_name!r} (known: {', '.join(DIALECTS)})")
    rows = price_rows(prices, models)
    c = {key: dialect.column(attribute) for key, attribute in ATTRIBUTES.items()}
    integer, double = dialect.integer, dialect.double
    version_list = ", ".join(_string(v) for v in versions)
    where = [f"{c['prompt_id']} = {_string(prompt_id)}", f"{c['version']} IN ({version_list})"]
    if since:
        where.append(f"{c['ts']} >= {_timestamp_literal(dialect, since)}")
    ln_base = f"LN({HISTOGRAM_BASE})"

    def split(key: str) -> str:
        if not split_cache_writes:
            return f"CAST(0 AS {integer})"
        return f"CAST(COALESCE({c[key]}, 0) AS {integer})"

    epoch_min = dialect.epoch_seconds.format(expr="MIN(ts)")
    epoch_max = dialect.epoch_seconds.format(expr="MAX(ts)")
    null_int, null_text = f"CAST(NULL AS {integer})", f"CAST(NULL AS {_text(dialect)})"
    null_double = f"CAST(NULL AS {double})"
    counters = [
        "SUM(CASE WHEN outcome = 'success' THEN 1 ELSE 0 END) AS successes",
        "SUM(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) AS failures",
        "SUM(CASE WHEN error IS NOT NULL AND error <> '' THEN 1 ELSE 0 END) AS errors",
        "SUM(CASE WHEN cache_read > 0 THEN 1 ELSE 0 END) AS cache_hit_calls",
        "SUM(input_tokens) AS input_tokens",
        "SUM(output_tokens) AS output_tokens",
        "SUM(cache_read) AS cache_read_input_tokens",
        "SUM(cache_creation) AS cache_creation_input_tokens",
        "SUM(cache_write_5m) AS cache_write_5m_input_tokens",
        "SUM(cache_write_1h) AS cache_write_1h_input_tokens",
        "COUNT(latency_ms) AS latency_calls",
        "SUM(cost_micro_usd) AS cost_micro_usd_sum",
        "SUM(cost_micro_usd * cost_micro_usd) AS cost_micro_usd_squares",
        "SUM(latency_ms) AS latency_ms_sum",
        f"{epoch_min} AS first_seen",
        f"{epoch_max} AS last_seen",
    ]
    empty = [f"{null_int} AS {name}" for name in TOTAL_COLUMNS if name != "calls"] + [
        f"{null_double} AS {name}"
        for name in (
            "cost_micro_usd_sum",
            "cost_micro_usd_squares",
            "latency_ms_sum",
            "first_seen",
            "last_seen",
        )
    ]

    def histogram(name: str, column: str) -> str:
        bucket = f"CAST(FLOOR(LN(1 + {column}) / {ln_base}) AS {integer})"
        return (
            f"SELECT prompt_id, version, {null_text} AS model, '{name}' AS histogram,\n"
            f"  {bucket} AS bucket, {null_int} AS input_tier, COUNT(*) AS calls,\n  "
            + ",\n  ".join(empty)
            + "\n"
            f"FROM priced\nWHERE {column} IS NOT NULL\nGROUP BY prompt_id, version, {bucket}"
        )

    return (
        f"-- promptops canary cohort summary (schema_version 1), dialect {dialect.name}\n"
        f"-- prompt {prompt_id}, versions {', '.join(versions)}; feed the rows to\n"
        f"-- `promptops canary analyze RELEASE --summary FILE` (JSON Lines or CSV export).\n"
        f"WITH {dialect.prices_cte(rows)},\n"
        "calls AS (\n"
        "  SELECT\n"
        f"    CAST({c['prompt_id']} AS {_text(dialect)}) AS prompt_id,\n"
        f"    CAST({c['version']} AS {_text(dialect)}) AS version,\n"
        f"    {c['model']} AS model,\n"
        f"    CAST(COALESCE({c['input_tokens']}, 0) AS {integer}) AS input_tokens,\n"
        f"    CAST(COALESCE({c['output_tokens']}, 0) AS {integer}) AS output_tokens,\n"
        f"    CAST(COALESCE({c['cache_read']}, 0) AS {integer}) AS cache_read,\n"
        f"    CAST(COALESCE({c['cache_creation']}, 0) AS {integer}) AS cache_creation,\n"
        f"    {split('cache_write_5m')} AS cache_write_5m,\n"
        f"    {split('cache_write_1h')} AS cache_write_1h,\n"
        f"    {c['outcome']} AS outcome,\n"
        f"    CAST({c['latency_ms']} AS {double}) AS latency_ms,\n"
        f"    {c['error']} AS error,\n"
        f"    {c['ts']} AS ts\n"
        f"  FROM {table}\n"
        f"  WHERE {' AND '.join(where)}\n"
        "),\n"
        "priced AS (\n"
        "  SELECT calls.*,\n"
        "    NULLIF(prices.above_input_tokens, -1) AS input_tier,\n"
        "    (calls.input_tokens - calls.cache_read - calls.cache_creation) * prices.input_rate\n"
        "      + calls.output_tokens * prices.output_rate\n"
        "      + (calls.cache_creation - calls.cache_write_5m - calls.cache_write_1h)\n"
        "        * prices.cache_write_rate\n"
        "      + calls.cache_write_5m * prices.cache_write_5m_rate\n"
        "      + calls.cache_write_1h * prices.cache_write_1h_rate\n"
        "      + calls.cache_read * prices.cache_read_rate AS cost_micro_usd\n"
        "  FROM calls LEFT JOIN prices ON prices.model = calls.model\n"
        "    AND calls.input_tokens > prices.above_input_tokens\n"
        "    AND calls.input_tokens <= prices.up_to_input_tokens\n"
        ")\n"
        f"SELECT prompt_id, version, model, {null_text} AS histogram, {null_int} AS bucket,\n"
        "  input_tier, COUNT(*) AS calls,\n  " + ",\n  ".join(counters) + "\n"
        "FROM priced\nGROUP BY prompt_id, version, model, input_tier\n"
        "UNION ALL\n"
        + histogram("latency_ms", "latency_ms")
        + "\nUNION ALL\n"
        + histogram("cost_micro_usd", "cost_micro_usd")
        + "\nORDER BY prompt_id, version, histogram, bucket;\n"
    )


def _text(dialect: Dialect) -> str:
    return "STRING" if dialect.name == "bigquery" else "VARCHAR"


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def price_rows(prices: TelemetryPricing, models: Sequence[str]) -> list[PriceRow]:
    """One row per model and price tier: the tier's input-token range and its rates."""
    rows: list[PriceRow] = []
    for model in models:
        model_prices = prices.get(model)
        if model_prices is None:
            raise UserError(prices.why_unpriced(model))
        tiers = prices.tier_rates(model_prices)
        # Only the base tier (first) has no threshold: every later tier starts above one.
        bounds = [above for above, _ in tiers[1:] if above is not None] + [NO_UPPER_BOUND]
        for (above, rates), up_to in zip(tiers, bounds, strict=True):
            rows.append((model, -1 if above is None else above, up_to, *_rates(rates)))
    return rows


def _rates(rates: TokenRates) -> tuple[float, float, float, float, float, float]:
    return (
        rates.input,
        rates.output,
        rates.cache_write,
        rates.cache_write_5m,
        rates.cache_write_1h,
        rates.cache_read,
    )


def _literals(row: PriceRow) -> list[str]:
    model, above, up_to, *rates = row
    return [_string(model), str(above), str(up_to), *(repr(float(rate)) for rate in rates)]


def _timestamp_literal(dialect: Dialect, value: str) -> str:
    from datetime import datetime

    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise UserError(f"--since must be an ISO 8601 timestamp, got {value!r}") from exc
    return f"TIMESTAMP {_string(value)}"
