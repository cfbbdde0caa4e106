"""DuckDB as the embedded engine for large local telemetry files (`calibrate` on 10^7 records).

The streaming fold (`measure.measure_stream`) keeps every token count and every trace in Python
objects: exact, and what the fingerprints read, but about 10 µs and 100+ bytes a record, so
ten million records would take minutes and gigabytes. For flat JSONL files (plain or gzip) of
at least `EMBEDDED_MIN_BYTES`, `calibrate` instead loads the records' few columns once into a
temporary DuckDB database (compressed on disk, memory capped at `MEMORY_LIMIT`, all cores) and
runs the same aggregation `calibrate --sql --dialect duckdb` prints (`calibrate.sql`) on it;
its rows come back through `measured_of_row`, exactly as `calibrate --summary` reads a
warehouse's. Percentiles are exact nearest ranks, as in the stream, found from value counts
and running sums (`counted_percentiles`): `quantile_disc` holds every value of a group in memory
and ran out of it at 10^7 calls.

The view the query runs on applies the stream's reading rules: each source's input-token
convention (told by the telemetry sampler) is made inclusive, the `cache_write` spelling and a
5m/1h split stand for the creation tokens, the first trace key present names the task,
numeric timestamps (s, ms or ns by magnitude) and ISO 8601 strings are both read, `--since`
drops earlier calls, records with impossible token counts are counted invalid as the stream
counts them, and prompt ids no charter covers are measured too (orphaned spend).

The fingerprints are computed in SQL on the same table (`sql.recursion_sql` for Recursive
Sub-Agent and Cascade That Doesn't, `_tool_repeats`, `_conversations`) and read by
`calibrate.fingerprints` from the workload's `fixed` figures, so no task or conversation is
held in Python. Anything the view cannot read the stream's way (records nested under
`attributes`, Parquet, stdin, 5m/1h-split cache writes priced at their own rates, values DuckDB
cannot cast, malformed JSON lines) falls back to the streaming fold, so figures never depend
on the engine. Known difference: a prompt no charter covers that has several versions gets no
token percentiles in the orphaned list (percentiles of a union need the values), as with
`--summary`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptops.calibrate.measure import (
    ATTR_CONVERSATION,
    ATTR_OPERATION,
    ATTR_TOOL_ARGUMENTS,
    ATTR_TOOL_NAME,
    Measured,
    measured_of_row,
)
from promptops.calibrate.sql import Member, calibration_sql, recursion_sql
from promptops.calibrate.sql import charter_members as charter_members  # what measure() takes
from promptops.canary.rates import TelemetryPricing
from promptops.canary.telemetry import (
    ATTR_CACHE_CREATION,
    ATTR_CACHE_READ,
    ATTR_CACHE_WRITE,
    ATTR_CACHE_WRITE_1H,
    ATTR_CACHE_WRITE_5M,
    ATTR_ERROR_TYPE,
    ATTR_INPUT_TOKENS,
    ATTR_OUTPUT_TOKENS,
    ATTR_PROMPT_ID,
    ATTR_PROMPT_VERSION,
    ATTR_REQUEST_MODEL,
    ATTR_RESPONSE_MODEL,
    EXCLUSIVE,
    FIELD_ERROR,
    FIELD_OUTCOME,
    FIELD_START_NANOS,
    FIELD_TIMESTAMP,
    ReadCounters,
    SourcePlan,
    check_readable,
    sample_records,
)

EMBEDDED_MIN_BYTES = 64 * 1024 * 1024  # below this the stream is as fast and computes more
MEMORY_LIMIT = "320MB"  # DuckDB's buffer pool; it spills to the temporary database beyond
ORPHAN_WORKLOAD = "\x00orphaned"  # the literal workload of prompt ids no charter covers
NOT_COMPUTED: tuple[str, ...] = ()


class Unsupported(Exception):
    """The files need the streaming fold (the reason is the message)."""


def available() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def suitable(paths: Sequence[str], min_bytes: int = EMBEDDED_MIN_BYTES) -> bool:
    """True when every source is a local JSONL file (plain or gzip), together `min_bytes` or
    more, and DuckDB is installed."""
    if not paths or any(p == "-" or p.lower().endswith((".parquet", ".pq")) for p in paths):
        return False
    try:
        total = sum(os.path.getsize(p) for p in paths)
    except OSError:
        return False  # the stream reports the unreadable file
    return total >= min_bytes and available()


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(trace_keys: Sequence[str]) -> dict[str, str]:
    columns = {
        ATTR_PROMPT_ID: "VARCHAR",
        ATTR_PROMPT_VERSION: "VARCHAR",
        ATTR_REQUEST_MODEL: "VARCHAR",
        ATTR_RESPONSE_MODEL: "VARCHAR",
        ATTR_INPUT_TOKENS: "BIGINT",
        ATTR_OUTPUT_TOKENS: "BIGINT",
        ATTR_CACHE_READ: "BIGINT",
        ATTR_CACHE_CREATION: "BIGINT",
        ATTR_CACHE_WRITE: "BIGINT",
        ATTR_CACHE_WRITE_5M: "BIGINT",
        ATTR_CACHE_WRITE_1H: "BIGINT",
        FIELD_OUTCOME: "VARCHAR",
        FIELD_ERROR: "VARCHAR",
        ATTR_ERROR_TYPE: "VARCHAR",
        FIELD_TIMESTAMP: "VARCHAR",
        FIELD_START_NANOS: "VARCHAR",
        ATTR_TOOL_NAME: "VARCHAR",
        ATTR_OPERATION: "VARCHAR",
        ATTR_CONVERSATION: "VARCHAR",
        ATTR_TOOL_ARGUMENTS: "VARCHAR",
        "attributes": "VARCHAR",
    }
    for key in trace_keys:
        columns.setdefault(key, "VARCHAR")
    return columns


def _truthy(column: str) -> str:
    """Python truthiness of a JSON value read as text (null, false, 0, "" are false)."""
    return f"({column} IS NOT NULL AND {column} NOT IN ('', 'false', '0', '0.0', '[]', '{{}}'))"


def _load_sql(plan: SourcePlan, trace_keys: Sequence[str]) -> str:
    """The statement that reads the files once into `source` (normalised, one row a record)."""
    columns = _columns(trace_keys)
    struct = ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in columns.items())
    files = ", ".join(_sql_string(p) for p in plan.conventions)
    exclusive = [p for p, convention in plan.conventions.items() if convention == EXCLUSIVE]
    col = {key: _ident(key) for key in columns}
    write5 = f"COALESCE({col[ATTR_CACHE_WRITE_5M]}, 0)"
    write1 = f"COALESCE({col[ATTR_CACHE_WRITE_1H]}, 0)"
    creation = (
        f"COALESCE(NULLIF(COALESCE({col[ATTR_CACHE_CREATION]}, 0), 0), "
        f"NULLIF(COALESCE({col[ATTR_CACHE_WRITE]}, 0), 0), {write5} + {write1})"
    )
    if exclusive:
        listed = ", ".join(_sql_string(p) for p in exclusive)
        total_input = f"CASE WHEN filename IN ({listed}) THEN raw_input + r + c ELSE raw_input END"
    else:
        total_input = "raw_input"
    trace = "COALESCE(" + ", ".join(col[k] for k in trace_keys) + ")" if trace_keys else "NULL"
    stamp, number = col[FIELD_TIMESTAMP], f"TRY_CAST({col[FIELD_TIMESTAMP]} AS DOUBLE)"
    seen = (
        f"CASE WHEN {stamp} IS NULL THEN TRY_CAST({col[FIELD_START_NANOS]} AS DOUBLE) / 1e9 "
        f"WHEN {number} IS NOT NULL THEN CASE WHEN {number} > 1e17 THEN {number} / 1e9 "
        f"WHEN {number} > 1e11 THEN {number} / 1e3 ELSE {number} END "
        f"ELSE epoch(CAST({stamp} AS TIMESTAMPTZ)) END"
    )
    tool = (
        f"({col[ATTR_TOOL_NAME]} IS NOT NULL AND COALESCE({col[ATTR_OPERATION]}, 'execute_tool')"
        f" = 'execute_tool' AND {trace} IS NOT NULL)"
    )
    return f"""
CREATE TABLE source AS
SELECT prompt_id, version, model, {total_input} AS input_tokens, output_tokens, r, c, w5, w1,
  outcome, error, trace_id, conversation, seen, nested, tool, tool_name, tool_arguments,
  (LEAST(raw_input, output_tokens, r, c, w5, w1) >= 0 AND w5 + w1 <= c
    AND {total_input} >= r + c) AS valid
FROM (
  SELECT
    CAST({col[ATTR_PROMPT_ID]} AS VARCHAR) AS prompt_id,
    CAST({col[ATTR_PROMPT_VERSION]} AS VARCHAR) AS version,
    COALESCE(NULLIF({col[ATTR_REQUEST_MODEL]}, ''), {col[ATTR_RESPONSE_MODEL]}) AS model,
    COALESCE({col[ATTR_INPUT_TOKENS]}, 0) AS raw_input,
    COALESCE({col[ATTR_OUTPUT_TOKENS]}, 0) AS output_tokens,
    COALESCE({col[ATTR_CACHE_READ]}, 0) AS r,
    {creation} AS c,
    {write5} AS w5,
    {write1} AS w1,
    {col[FIELD_OUTCOME]} AS outcome,
    CASE WHEN {_truthy(col[FIELD_ERROR])} OR {_truthy(col[ATTR_ERROR_TYPE])}
      THEN 'error' ELSE NULL END AS error,
    CAST({trace} AS VARCHAR) AS trace_id,
    CAST({col[ATTR_CONVERSATION]} AS VARCHAR) AS conversation,
    {seen} AS seen,
    {col["attributes"]} IS NOT NULL AS nested,
    {tool} AS tool,
    CASE WHEN {tool} THEN CAST({col[ATTR_TOOL_NAME]} AS VARCHAR) END AS tool_name,
    CASE WHEN {tool} THEN CAST({col[ATTR_TOOL_ARGUMENTS]} AS VARCHAR) END AS tool_arguments,
    filename
  FROM read_json([{files}], format = 'newline_delimited', columns = {{{struct}}},
    filename = true, compression = 'auto')
)
"""


def measure_embedded(
    plan: SourcePlan,
    pricing: TelemetryPricing,
    members: Sequence[Member],
    since: float | None,
    trace_keys: Sequence[str],
) -> tuple[dict[tuple[str, str], Measured], dict[str, Measured], ReadCounters]:
    """Versions and workloads as `Measured` (with the query's exact figures) and counters.

    Raises `Unsupported` when the files need the stream."""
    import duckdb

    for path in plan.conventions:
        head = sample_records(path)
        if any(r.__class__ is dict and r.get("attributes") is not None for r in head):
            raise Unsupported(f"{path}: records nested under attributes")
    with tempfile.TemporaryDirectory(prefix="promptops-calibrate-") as scratch:
        connection = duckdb.connect(str(Path(scratch) / "calls.duckdb"))
        try:
            connection.execute(f"SET memory_limit = {_sql_string(MEMORY_LIMIT)}")
            connection.execute(f"SET temp_directory = {_sql_string(scratch)}")
            connection.execute("SET preserve_insertion_order = false")
            connection.execute("SET TimeZone = 'UTC'")
            connection.execute(f"SET threads = {max(1, os.cpu_count() or 1)}")
            try:
                connection.execute(_load_sql(plan, trace_keys))
            except duckdb.Error as exc:
                raise Unsupported(f"DuckDB could not read the records: {exc}") from exc
            try:
                return _measure_loaded(connection, pricing, members, since)
            except duckdb.Error as exc:  # out of memory, a value it cannot cast: stream it
                raise Unsupported(f"DuckDB could not aggregate the records: {exc}") from exc
        finally:
            connection.close()


def _measure_loaded(
    connection: Any, pricing: TelemetryPricing, members: Sequence[Member], since: float | None
) -> tuple[dict[tuple[str, str], Measured], dict[str, Measured], ReadCounters]:
    named = "prompt_id IS NOT NULL AND version IS NOT NULL"
    in_window = "TRUE" if since is None else f"(seen IS NULL OR seen >= {since!r})"
    lines, invalid, records, missing, nested, split = connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {named} AND NOT valid),"
        f" count(*) FILTER (WHERE {named} AND valid AND {in_window}),"
        f" count(*) FILTER (WHERE NOT ({named}) AND NOT tool),"
        " count(*) FILTER (WHERE nested),"
        f" count(*) FILTER (WHERE {named} AND valid AND w5 + w1 > 0) FROM source"
    ).fetchone()
    if nested:
        raise Unsupported("records nested under attributes")
    if split:
        raise Unsupported("5m/1h-split cache writes")
    counters = ReadCounters(lines=int(lines), records=int(records))
    counters.missing_prompt = int(missing)
    counters.invalid = int(invalid)
    if invalid:
        counters.examples.append(
            f"{invalid:,} record(s) with impossible token counts (negative, or cache tokens "
            "beyond input_tokens)"
        )
    check_readable(counters)
    connection.execute(
        f"""CREATE VIEW otel_calls AS SELECT
  prompt_id AS {_ident(ATTR_PROMPT_ID)},
  version AS {_ident(ATTR_PROMPT_VERSION)},
  model AS {_ident(ATTR_REQUEST_MODEL)},
  input_tokens AS {_ident(ATTR_INPUT_TOKENS)},
  output_tokens AS {_ident(ATTR_OUTPUT_TOKENS)},
  r AS {_ident(ATTR_CACHE_READ)},
  c AS {_ident(ATTR_CACHE_CREATION)},
  outcome AS {_ident(FIELD_OUTCOME)},
  error AS {_ident(FIELD_ERROR)},
  trace_id,
  make_timestamp(CAST(round(seen * 1e6) AS BIGINT)) AS {_ident(FIELD_TIMESTAMP)},
  seen, c AS written, conversation
FROM source WHERE {named} AND valid AND {in_window}"""
    )
    present = connection.execute(
        'SELECT DISTINCT "promptops.prompt.id", "gen_ai.request.model" FROM otel_calls'
    ).fetchall()
    prompts = sorted({str(p) for p, _ in present})
    known = {p for p, _, _ in members}
    everyone = [m for m in members if m[0] in prompts] + [
        (p, ORPHAN_WORKLOAD, None) for p in prompts if p not in known
    ]
    models = sorted({str(m) for _, m in present if m is not None and pricing.get(str(m))})
    versions: dict[tuple[str, str], Measured] = {}
    workloads: dict[str, Measured] = {}
    if not everyone:
        return versions, workloads, counters
    if not models:
        raise Unsupported("no call of a priced model")
    query = calibration_sql(
        "duckdb", "otel_calls", everyone, pricing, models, False, "trace_id", True
    )
    cursor = connection.execute(query)
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        measured = measured_of_row(record)
        if record["level"] == "workload":
            if record["workload"] != ORPHAN_WORKLOAD:
                workloads[str(record["workload"])] = measured
        else:
            versions[(str(record["prompt_id"]), str(record["version"]))] = measured
    _version_extras(connection, pricing, versions)
    recursion = recursion_sql("otel_calls", everyone, pricing, models, "trace_id")
    cursor = connection.execute(recursion)
    names = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        workload, over, longest = row["workload"], row["over_cap"], row["longest"]
        timed, first, second = row["timed"], row["first_half"], row["second_half"]
        part = workloads.get(str(workload))
        if part is not None and part.fixed is not None:
            part.fixed["cascade"] = {
                key: int(row[key] or 0) for key in ("started", "escalated", "to_opus", "misrouted")
            }
            for tier in ("haiku", "sonnet", "opus"):
                if row[f"{tier}_calls"]:
                    part.tier_cost[tier] = [
                        float(row[f"{tier}_micro"]),
                        float(row[f"{tier}_calls"]),
                    ]
            part.fixed["recursion"] = {
                "tasks_over_cap": int(over or 0),
                "longest": None if longest is None else int(longest),
                "timed_tasks": int(timed or 0),
                "first_half_micro": None if first is None else float(first),
                "second_half_micro": None if second is None else float(second),
            }
    for prompt_id, workload, _cap in members:
        rollup = workloads.get(workload)
        for (version_prompt, _), part in versions.items():
            if rollup is not None and version_prompt == prompt_id:
                rollup.models |= part.models
                rollup.input_rate_sum += part.input_rate_sum
                rollup.rated_calls += part.rated_calls
                if rollup.rated_calls:
                    rollup.input_rate_micro = rollup.input_rate_sum / rollup.rated_calls
                rollup.cache_write_premium_micro += part.cache_write_premium_micro
                rollup.cache_written_tokens += part.cache_written_tokens
    _tool_repeats(connection, everyone, workloads)
    _conversations(connection, everyone, workloads)
    return versions, workloads, counters


def _conversations(
    connection: Any, members: Sequence[Member], workloads: dict[str, Measured]
) -> None:
    """Eternal Conversation's figures per workload: conversations of 10+ turns with their
    first and tenth calls' input tokens (turns ordered by time, then tokens), and the input
    tokens every call carries beyond its conversation's first -- as the fingerprint reads them."""
    mapping = ", ".join(f"({_sql_string(p)}, {_sql_string(w)})" for p, w, _ in members)
    rows = connection.execute(
        f"""WITH members (prompt_id, workload) AS (VALUES {mapping}),
turns AS (
  SELECT m.workload, c.conversation, c."gen_ai.usage.input_tokens" AS tokens,
    ROW_NUMBER() OVER w AS turn, FIRST_VALUE(c."gen_ai.usage.input_tokens") OVER w AS first
  FROM otel_calls c JOIN members m ON m.prompt_id = c."promptops.prompt.id"
  WHERE c.conversation IS NOT NULL AND c.seen IS NOT NULL
  WINDOW w AS (PARTITION BY m.workload, c.conversation ORDER BY c.seen, c."gen_ai.usage.input_tokens"
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT workload, COUNT(*) FILTER (WHERE turn = 10), SUM(first) FILTER (WHERE turn = 10),
  SUM(tokens) FILTER (WHERE turn = 10), SUM(GREATEST(0, tokens - first))
FROM turns GROUP BY workload"""
    ).fetchall()
    for rollup in workloads.values():
        if rollup.fixed is not None:
            rollup.fixed["conversations"] = {"long": 0, "turn_1": 0, "turn_10": 0, "extra": 0}
    for workload, long, turn_1, turn_10, extra in rows:
        part = workloads.get(str(workload))
        if part is not None and part.fixed is not None:
            part.fixed["conversations"] = {
                "long": int(long or 0),
                "turn_1": int(turn_1 or 0),
                "turn_10": int(turn_10 or 0),
                "extra": int(extra or 0),
            }


def _tool_repeats(
    connection: Any, members: Sequence[Member], workloads: dict[str, Measured]
) -> None:
    """Ungoverned Tool's figures per workload: its tasks that ran a tool again with the same
    arguments, the repeats, and the worst (count, tool, task) -- as the fingerprint counts."""
    mapping = ", ".join(f"({_sql_string(p)}, {_sql_string(w)})" for p, w, _ in members)
    rows = connection.execute(
        f"""WITH members (prompt_id, workload) AS (VALUES {mapping}),
tasks AS (
  SELECT DISTINCT m.workload, c.trace_id FROM otel_calls c
  JOIN members m ON m.prompt_id = c."promptops.prompt.id" WHERE c.trace_id IS NOT NULL
),
repeated AS (
  SELECT trace_id, tool_name, COUNT(*) AS runs FROM source WHERE tool
  GROUP BY trace_id, tool_name, tool_arguments HAVING COUNT(*) > 1
)
SELECT t.workload, COUNT(DISTINCT r.trace_id), SUM(r.runs - 1),
  MAX(struct_pack(runs := r.runs, name := r.tool_name, task := r.trace_id))
FROM tasks t JOIN repeated r ON r.trace_id = t.trace_id GROUP BY t.workload"""
    ).fetchall()
    for workload, tasks, repeats, worst in rows:
        part = workloads.get(str(workload))
        if part is not None and part.fixed is not None:
            part.fixed["tools"] = {
                "tasks": int(tasks),
                "repeats": int(repeats),
                "worst": [int(worst["runs"]), str(worst["name"]), str(worst["task"])],
            }
    for part in workloads.values():
        if part.fixed is not None:
            part.fixed.setdefault("tools", {"tasks": 0, "repeats": 0, "worst": None})


def _version_extras(
    connection: Any, pricing: TelemetryPricing, versions: dict[tuple[str, str], Any]
) -> None:
    """Models, cache-write premium and input rate per version: what Cached Timestamp prices."""
    rows = connection.execute(
        'SELECT "promptops.prompt.id", "promptops.prompt.version", "gen_ai.request.model", '
        "SUM(written), COUNT(*) FROM otel_calls GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    for prompt_id, version, model, written, calls in rows:
        part = versions.get((str(prompt_id), str(version)))
        if part is None:
            continue
        if model:
            part.models.add(str(model))
        rates = pricing.rates(None if model is None else str(model))
        if rates is not None:
            part.input_rate_sum += rates.base.input * int(calls)
            part.rated_calls += int(calls)
            part.input_rate_micro = part.input_rate_sum / part.rated_calls
            part.cache_write_premium_micro += int(written or 0) * (
                rates.base.cache_write - rates.base.cache_read
            )
        part.cache_written_tokens += int(written or 0)


def not_computed_note() -> str:
    """What `calibrate` says on stderr when DuckDB measured the calls."""
    note = "telemetry aggregated by DuckDB (the embedded engine for large local files)"
    if NOT_COMPUTED:
        note += f"; not computed at this size: {', '.join(NOT_COMPUTED)}"
    return note
