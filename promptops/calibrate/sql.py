"""The calibration aggregation as SQL, for telemetry that lives in a warehouse.

`promptops calibrate --sql` prints one query (BigQuery, Snowflake, Postgres, DuckDB) whose rows
`calibrate --summary FILE` reads back: one row per prompt version and one per workload, with
calls, outcomes, cache hits, output tokens, exact percentiles of input and output tokens and of
steps per task, calls beyond the charter's step cap, cost and the time window. The warehouse
scans the calls once; nothing is downloaded. Workloads and step caps enter the query as a
literal table from the charters, prices as in `canary sql` (one row per model and price tier,
from the one price table); a call of a model with no price has a NULL cost and is counted as
unpriced, never free.

Percentiles are `percentile_disc` (the nearest rank, what the streaming path computes) on
Postgres and Snowflake, `quantile_disc` on DuckDB; BigQuery only has `APPROX_QUANTILES`, so its
percentiles are approximate (the query says so). Column names follow `canary sql`; the trace
column is `trace_id` unless `--trace-key` names another.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from promptops.calibrate.compare import max_steps_of
from promptops.canary.rates import TelemetryPricing
from promptops.canary.sql import ATTRIBUTES, DIALECTS, Dialect, _string, _text, price_rows
from promptops.documents.workspace import Workspace
from promptops.errors import UserError
from promptops.pricing.table import PriceTable

SUMMARY_KIND = "promptops-calibration-summary"

Member = tuple[str, str, int | None]  # prompt id, workload, step cap


def charter_members(workspace: Workspace, only: Collection[str] = ()) -> list[Member]:
    """(prompt id, workload, step cap) of every charter's prompts (of the charters in `only`,
    when given): the query's literal table."""
    prompts = workspace.of_kind("prompt")
    members: list[Member] = []
    for charter in workspace.of_kind("charter"):
        if only and charter.id not in only:
            continue
        docs = [d for d in prompts if str(d.data.get("workload")) == charter.id]
        cap = max_steps_of(charter.data, docs)
        members.extend((doc.id, charter.id, cap) for doc in docs)
    return members


def workspace_sql(
    workspace: Workspace,
    prices: PriceTable,
    dialect: str,
    table: str,
    convention: str,
    trace_keys: Sequence[str] = (),
    only: Collection[str] = (),
) -> str:
    """The `calibrate --sql` query for the charters' prompts (those of `only`, when given),
    their step caps and their models. `convention` is the records' input-token convention;
    `auto` reads as inclusive (OTel's), since a query cannot sample the source first."""
    members = charter_members(workspace, only)
    workloads = {workload for _, workload, _ in members}
    models = {
        str(doc.data.get("model"))
        for doc in workspace.of_kind("prompt")
        if str(doc.data.get("workload")) in workloads
    }
    return calibration_sql(
        dialect,
        table,
        members,
        TelemetryPricing(prices),
        sorted(models),
        exclusive=convention == "exclusive",
        trace_key=trace_keys[0] if trace_keys else "trace_id",
    )


def _percentile(dialect: Dialect, column: str, share: float, counted: bool = False) -> str:
    if counted:
        return _COUNTED_MARK
    if dialect.name == "duckdb":
        return f"quantile_disc({column}, {share})"
    if dialect.name == "bigquery":
        return f"APPROX_QUANTILES({column}, 100)[OFFSET({round(share * 100)})]"
    return f"percentile_disc({share}) WITHIN GROUP (ORDER BY {column})"


def calibration_sql(
    dialect_name: str,
    table: str,
    workloads: Sequence[tuple[str, str, int | None]],
    prices: TelemetryPricing,
    models: Sequence[str],
    exclusive: bool = False,
    trace_key: str = "trace_id",
    counted_percentiles: bool = False,
) -> str:
    """One query whose rows are the calibration summary of `workloads` ((prompt id, workload,
    step cap) triples).

    `counted_percentiles` (DuckDB only: the embedded engine) finds each nearest-rank
    percentile from the counts of each distinct value and their running sum instead of an
    ordered-set aggregate, which holds every value of a group in memory at once: the same
    figures in a few megabytes where 10^7 calls would need gigabytes."""
    dialect = DIALECTS.get(dialect_name)
    if dialect is None:
        raise UserError(f"unknown SQL dialect {dialect_name!r} (known: {', '.join(DIALECTS)})")
    if counted_percentiles and dialect.name != "duckdb":
        raise UserError("counted percentiles are written for DuckDB only")
    query = _calibration_sql(
        dialect, table, workloads, prices, models, exclusive, trace_key, counted_percentiles
    )
    if counted_percentiles:
        query = _with_counted_percentiles(query)
    return query


def recursion_sql(
    table: str,
    workloads: Sequence[tuple[str, str, int | None]],
    prices: TelemetryPricing,
    models: Sequence[str],
    trace_key: str = "trace_id",
) -> str:
    """DuckDB: per workload, tasks over their step cap (how many, the longest) and the mean
    cost of a task in the first and second half of the window (tasks ordered by their first
    call, as `fingerprints.recursive_sub_agent` orders them), Haiku-first tasks (escalated,
    to Opus, failed on Haiku alone) and the cost and calls of each tier: the Recursive
    Sub-Agent and Cascade That Doesn't fingerprints' figures without every task in memory."""
    query = _calibration_sql(
        DIALECTS["duckdb"], table, workloads, prices, models, False, trace_key, True
    )
    prefix = query.split("),\nversion_traces AS (", 1)[0]
    return (
        prefix + "),\n"
        "tiered AS (\n"
        "  SELECT *, CASE WHEN lower(model) LIKE '%haiku%' THEN 1\n"
        "    WHEN lower(model) LIKE '%sonnet%' THEN 2 WHEN lower(model) LIKE '%opus%' THEN 4\n"
        "    ELSE 0 END AS tier\n"
        "  FROM priced\n"
        "),\n"
        "tier_costs AS (\n"
        "  SELECT workload,\n"
        + ",\n".join(
            f"    SUM(cost_micro_usd) FILTER (WHERE tier = {bit}) AS {name}_micro,\n"
            f"    COUNT(cost_micro_usd) FILTER (WHERE tier = {bit}) AS {name}_calls"
            for name, bit in (("haiku", 1), ("sonnet", 2), ("opus", 4))
        )
        + "\n  FROM tiered GROUP BY workload\n"
        "),\n"
        "traces AS (\n"
        "  SELECT workload, trace_id, COUNT(*) AS steps, MAX(cap) AS cap, MIN(seen) AS start,\n"
        "    SUM(cost_micro_usd) AS cost, BIT_OR(tier) AS tiers,\n"
        "    COALESCE(BOOL_OR(outcome = 'failure'), FALSE) AS failed\n"
        "  FROM tiered WHERE trace_id IS NOT NULL GROUP BY workload, trace_id\n"
        "),\n"
        "timed AS (\n"
        "  SELECT workload, cost,\n"
        "    ROW_NUMBER() OVER (PARTITION BY workload ORDER BY start, trace_id) AS rank,\n"
        "    COUNT(*) OVER (PARTITION BY workload) AS timed\n"
        "  FROM traces WHERE start IS NOT NULL AND cost IS NOT NULL\n"
        "),\n"
        "halves AS (\n"
        "  SELECT workload, MAX(timed) AS timed,\n"
        "    AVG(cost) FILTER (WHERE rank <= timed // 2) AS first_half,\n"
        "    AVG(cost) FILTER (WHERE rank > timed // 2) AS second_half\n"
        "  FROM timed GROUP BY workload\n"
        ")\n"
        "SELECT t.workload, COUNT(*) FILTER (WHERE t.steps > t.cap) AS over_cap,\n"
        "  MAX(t.steps) FILTER (WHERE t.steps > t.cap) AS longest,\n"
        "  MAX(h.timed) AS timed, MAX(h.first_half) AS first_half,\n"
        "  MAX(h.second_half) AS second_half,\n"
        "  COUNT(*) FILTER (WHERE t.tiers & 1 = 1) AS started,\n"
        "  COUNT(*) FILTER (WHERE t.tiers & 1 = 1 AND t.tiers & 6 <> 0) AS escalated,\n"
        "  COUNT(*) FILTER (WHERE t.tiers & 1 = 1 AND t.tiers & 4 = 4) AS to_opus,\n"
        "  COUNT(*) FILTER (WHERE t.tiers = 1 AND t.failed) AS misrouted,\n"
        "  MAX(k.haiku_micro) AS haiku_micro, MAX(k.haiku_calls) AS haiku_calls,\n"
        "  MAX(k.sonnet_micro) AS sonnet_micro, MAX(k.sonnet_calls) AS sonnet_calls,\n"
        "  MAX(k.opus_micro) AS opus_micro, MAX(k.opus_calls) AS opus_calls\n"
        "FROM traces t LEFT JOIN halves h ON h.workload = t.workload\n"
        "  LEFT JOIN tier_costs k ON k.workload = t.workload\n"
        "GROUP BY t.workload\n"
    )


def _ranked(name: str, keys: str, value: str, source: str) -> str:
    """CTEs `name` with columns `keys`, p50, p95: nearest-rank percentiles from value counts
    (the rank is ceil(share x n) in double precision, as `measure.percentile` computes it)."""
    picks = ", ".join(
        f"MIN(CASE WHEN cum >= GREATEST(1, CEIL(CAST({share} AS DOUBLE) * total)) THEN v END)"
        f" AS {label}"
        for share, label in ((0.5, "p50"), (0.95, "p95"))
    )
    return (
        f"{name}_counts AS (\n  SELECT {keys}, {value} AS v, COUNT(*) AS n FROM {source}\n"
        f"  GROUP BY {keys}, {value}\n),\n"
        f"{name}_cum AS (\n  SELECT {keys}, v,\n"
        f"    SUM(n) OVER (PARTITION BY {keys} ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum,\n"
        f"    SUM(n) OVER (PARTITION BY {keys}) AS total\n  FROM {name}_counts\n),\n"
        f"{name} AS (\n  SELECT {keys}, {picks}\n  FROM {name}_cum GROUP BY {keys}\n)"
    )


_COUNTED_MARK = "CAST(NULL AS BIGINT) /* counted */"


def _with_counted_percentiles(query: str) -> str:
    """The query with its percentile placeholders filled from `_ranked` CTEs (DuckDB)."""
    version, workload = "prompt_id, version", "workload"
    ranked = ",\n".join(
        [
            _ranked("version_input", version, "input_tokens", "priced"),
            _ranked("version_output", version, "output_tokens", "priced"),
            _ranked("workload_input", workload, "input_tokens", "priced"),
            _ranked("workload_output", workload, "output_tokens", "priced"),
            _ranked("version_step_ranks", version, "steps", "version_traces"),
            _ranked("workload_step_ranks", workload, "steps", "workload_traces"),
        ]
    )
    on_version = "ON x.prompt_id = b.prompt_id AND x.version = b.version"
    joined = (
        "version_rows AS (\n  SELECT b.* REPLACE (i.p50 AS input_p50, i.p95 AS input_p95,"
        " o.p50 AS output_p50, o.p95 AS output_p95)\n  FROM version_base b\n"
        f"  JOIN version_input i {on_version.replace('x.', 'i.')}\n"
        f"  JOIN version_output o {on_version.replace('x.', 'o.')}\n),\n"
        "workload_rows AS (\n  SELECT b.* REPLACE (i.p50 AS input_p50, i.p95 AS input_p95,"
        " o.p50 AS output_p50, o.p95 AS output_p95)\n  FROM workload_base b\n"
        "  JOIN workload_input i ON i.workload = b.workload\n"
        "  JOIN workload_output o ON o.workload = b.workload\n),\n"
        "version_steps AS (\n  SELECT b.* REPLACE (k.p50 AS steps_p50, k.p95 AS steps_p95)\n"
        f"  FROM version_steps_base b JOIN version_step_ranks k {on_version.replace('x.', 'k.')}\n"
        "),\n"
        "workload_steps AS (\n  SELECT b.* REPLACE (k.p50 AS steps_p50, k.p95 AS steps_p95)\n"
        "  FROM workload_steps_base b JOIN workload_step_ranks k ON k.workload = b.workload\n)\n"
    )
    for name in ("version_rows", "workload_rows", "version_steps", "workload_steps"):
        base = name.replace("_rows", "_base") if name.endswith("_rows") else f"{name}_base"
        query = query.replace(f"{name} AS (\n", f"{base} AS (\n", 1)
    head, final = query.rsplit(")\nSELECT 'version' AS level", 1)
    return f"{head}),\n{ranked},\n{joined}SELECT 'version' AS level{final}"


def _calibration_sql(
    dialect: Dialect,
    table: str,
    workloads: Sequence[tuple[str, str, int | None]],
    prices: TelemetryPricing,
    models: Sequence[str],
    exclusive: bool,
    trace_key: str,
    counted: bool,
) -> str:
    if not workloads:
        raise UserError("no prompt belongs to a charter: nothing to calibrate")
    c = {key: dialect.column(attribute) for key, attribute in ATTRIBUTES.items()}
    trace = dialect.column(trace_key)
    integer, double, text = dialect.integer, dialect.double, _text(dialect)
    prompt_list = ", ".join(sorted({_string(p) for p, _, _ in workloads}))
    mapping = ",\n    ".join(
        f"({_string(p)}, {_string(w)}, {'NULL' if cap is None else int(cap)})"
        for p, w, cap in workloads
    )
    if dialect.name == "bigquery":
        structs = ",\n    ".join(
            f"STRUCT({_string(p)} AS prompt_id, {_string(w)} AS workload, "
            f"CAST({'NULL' if cap is None else int(cap)} AS INT64) AS cap)"
            for p, w, cap in workloads
        )
        members = f"members AS (\n  SELECT * FROM UNNEST([\n    {structs}\n  ])\n)"
    elif dialect.name == "snowflake":
        members = (
            "members AS (\n  SELECT column1 AS prompt_id, column2 AS workload, column3 AS cap\n"
            f"  FROM VALUES\n    {mapping}\n)"
        )
    else:
        members = f"members (prompt_id, workload, cap) AS (\n  VALUES\n    {mapping}\n)"
    cached = "calls.cache_read + calls.cache_creation"
    total_input = (
        f"(CAST(COALESCE({c['input_tokens']}, 0) AS {integer})"
        f" + CAST(COALESCE({c['cache_read']}, 0) AS {integer})"
        f" + CAST(COALESCE({c['cache_creation']}, 0) AS {integer}))"
        if exclusive
        else f"CAST(COALESCE({c['input_tokens']}, 0) AS {integer})"
    )
    epoch = dialect.epoch_seconds.format(expr="ts")

    def aggregates(source: str) -> str:
        return (
            ",\n  ".join(
                [
                    "COUNT(*) AS calls",
                    "SUM(CASE WHEN outcome = 'success' THEN 1 ELSE 0 END) AS successes",
                    "SUM(CASE WHEN outcome IN ('success', 'failure') THEN 1 ELSE 0 END) AS outcomes",
                    "SUM(CASE WHEN error IS NOT NULL AND error <> '' THEN 1 ELSE 0 END) AS errors",
                    "SUM(CASE WHEN cache_read > 0 THEN 1 ELSE 0 END) AS hits",
                    f"SUM(CASE WHEN {cached.replace('calls.', '')} > 0 THEN 1 ELSE 0 END)"
                    " AS cached_calls",
                    "SUM(output_tokens) AS output_sum",
                    f"{_percentile(dialect, 'input_tokens', 0.5, counted)} AS input_p50",
                    f"{_percentile(dialect, 'input_tokens', 0.95, counted)} AS input_p95",
                    f"{_percentile(dialect, 'output_tokens', 0.5, counted)} AS output_p50",
                    f"{_percentile(dialect, 'output_tokens', 0.95, counted)} AS output_p95",
                    "SUM(cost_micro_usd) AS cost_micro_usd",
                    "SUM(CASE WHEN cost_micro_usd IS NULL THEN 1 ELSE 0 END) AS unpriced",
                    "MIN(seen) AS first_seen",
                    "MAX(seen) AS last_seen",
                    "SUM(CASE WHEN seen IS NULL THEN 1 ELSE 0 END) AS untimed",
                ]
            )
            + f"\nFROM {source}"
        )

    def steps(group: str) -> str:
        return (
            f"SELECT {group}, COUNT(*) AS tasks,\n"
            f"  {_percentile(dialect, 'steps', 0.5, counted)} AS steps_p50,\n"
            f"  {_percentile(dialect, 'steps', 0.95, counted)} AS steps_p95,\n"
            "  MAX(steps) AS steps_max,\n"
            "  SUM(CASE WHEN steps > cap THEN steps - cap ELSE 0 END) AS beyond_cap,\n"
            "  MAX(cap) AS cap\n"
        )

    return (
        f"-- promptops calibration summary ({SUMMARY_KIND} 1), dialect {dialect.name}\n"
        "-- feed the rows to `promptops calibrate --summary FILE` (JSON Lines or CSV export).\n"
        + (
            "-- BigQuery has no exact percentile aggregate: percentiles are APPROX_QUANTILES.\n"
            if dialect.name == "bigquery"
            else ""
        )
        + f"-- input_tokens read as {'exclusive' if exclusive else 'inclusive'} of cache tokens.\n"
        f"WITH {dialect.prices_cte(price_rows(prices, models))},\n"
        f"{members},\n"
        "calls AS (\n"
        "  SELECT\n"
        f"    CAST({c['prompt_id']} AS {text}) AS prompt_id,\n"
        f"    CAST({c['version']} AS {text}) AS version,\n"
        f"    {c['model']} AS model,\n"
        f"    {total_input} AS input_tokens,\n"
        f"    CAST(COALESCE({c['output_tokens']}, 0) AS {integer}) AS output_tokens,\n"
        f"    CAST(COALESCE({c['cache_read']}, 0) AS {integer}) AS cache_read,\n"
        f"    CAST(COALESCE({c['cache_creation']}, 0) AS {integer}) AS cache_creation,\n"
        f"    {c['outcome']} AS outcome,\n"
        f"    {c['error']} AS error,\n"
        f"    CAST({trace} AS {text}) AS trace_id,\n"
        f"    {c['ts']} AS ts\n"
        f"  FROM {table}\n"
        f"  WHERE {c['prompt_id']} IN ({prompt_list})\n"
        "),\n"
        "priced AS (\n"
        f"  SELECT calls.*, members.workload, members.cap, CAST({epoch} AS {double}) AS seen,\n"
        "    (calls.input_tokens - calls.cache_read - calls.cache_creation) * prices.input_rate\n"
        "      + calls.output_tokens * prices.output_rate\n"
        "      + calls.cache_creation * prices.cache_write_rate\n"
        "      + calls.cache_read * prices.cache_read_rate AS cost_micro_usd\n"
        "  FROM calls JOIN members ON members.prompt_id = calls.prompt_id\n"
        "  LEFT JOIN prices ON prices.model = calls.model\n"
        "    AND calls.input_tokens > prices.above_input_tokens\n"
        "    AND calls.input_tokens <= prices.up_to_input_tokens\n"
        "),\n"
        "version_traces AS (\n"
        "  SELECT prompt_id, version, trace_id, COUNT(*) AS steps, MAX(cap) AS cap\n"
        "  FROM priced WHERE trace_id IS NOT NULL GROUP BY prompt_id, version, trace_id\n"
        "),\n"
        "workload_traces AS (\n"
        "  SELECT workload, trace_id, COUNT(*) AS steps, MAX(cap) AS cap\n"
        "  FROM priced WHERE trace_id IS NOT NULL GROUP BY workload, trace_id\n"
        "),\n"
        "version_rows AS (\n"
        "SELECT workload, prompt_id, version,\n  "
        + aggregates("priced")
        + "\nGROUP BY workload, prompt_id, version\n"
        "),\n"
        "workload_rows AS (\n"
        "SELECT workload,\n  " + aggregates("priced") + "\nGROUP BY workload\n"
        "),\n"
        "version_steps AS (\n"
        + steps("prompt_id, version")
        + "FROM version_traces GROUP BY prompt_id, version\n"
        "),\n"
        "workload_steps AS (\n" + steps("workload") + "FROM workload_traces GROUP BY workload\n"
        ")\n"
        "SELECT 'version' AS level, v.*, s.tasks, s.steps_p50, s.steps_p95, s.steps_max,\n"
        "  s.beyond_cap, s.cap\n"
        "FROM version_rows v LEFT JOIN version_steps s\n"
        "  ON s.prompt_id = v.prompt_id AND s.version = v.version\n"
        "UNION ALL\n"
        f"SELECT 'workload' AS level, w.workload, CAST(NULL AS {text}) AS prompt_id,\n"
        f"  CAST(NULL AS {text}) AS version, w.calls, w.successes, w.outcomes, w.errors,\n"
        "  w.hits, w.cached_calls, w.output_sum, w.input_p50, w.input_p95, w.output_p50,\n"
        "  w.output_p95, w.cost_micro_usd, w.unpriced, w.first_seen, w.last_seen, w.untimed,\n"
        "  s.tasks, s.steps_p50, s.steps_p95, s.steps_max, s.beyond_cap, s.cap\n"
        "FROM workload_rows w LEFT JOIN workload_steps s ON s.workload = w.workload\n"
        "ORDER BY level, workload, prompt_id, version;\n"
    )
