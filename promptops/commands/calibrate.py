"""`promptops calibrate`: a charter's assumptions against production telemetry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import click

from promptops.commands.common import config_option, emit, format_option, output_option
from promptops.errors import EXIT_OK, UserError


def _since(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise UserError(f"--since must be a date or ISO 8601 time, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


@click.command()
@click.argument("workloads", nargs=-1)
@click.option(
    "--telemetry",
    "telemetry",
    multiple=True,
    help="Call records (JSONL, .jsonl.gz, Parquet; a glob, or - for stdin), the format "
    "`canary analyze` reads. Repeatable.",
)
@click.option(
    "--summary",
    "summaries",
    multiple=True,
    help="Rows of the `--sql` query run in a warehouse (JSON Lines, JSON or CSV), instead of "
    "call records. Repeatable.",
)
@click.option(
    "--sql",
    "print_sql",
    is_flag=True,
    help="Print the aggregation query for --dialect and --table instead of calibrating: run it "
    "where the telemetry lives and pass its rows to --summary.",
)
@click.option(
    "--dialect",
    type=click.Choice(["bigquery", "snowflake", "postgres", "duckdb"]),
    help="SQL dialect for --sql.",
)
@click.option("--table", help="Table (or view) of call records for --sql, one row per call.")
@click.option(
    "--since",
    default=None,
    help="Only calls at or after this date or ISO 8601 time (records without a timestamp count).",
)
@click.option(
    "--input-tokens",
    type=click.Choice(["auto", "inclusive", "exclusive"]),
    default=None,
    help="Whether input_tokens include cache reads and writes (OTel) or not (Anthropic's "
    "field). Default: telemetry.input_tokens in the config, else told per file.",
)
@click.option(
    "--trace-key",
    "trace_keys",
    multiple=True,
    help="Record field that groups calls into one task, for steps per task "
    "(default: trace_id, traceId). Repeatable.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Write the measured expected scenario (calls_per_month, cache_hit_rate, "
    "output_tokens) and agent.max_steps (p95) into each charter, keeping its comments. "
    "Budgets are left to people.",
)
@config_option
@format_option(["text", "json"])
@output_option
def command(
    workloads: tuple[str, ...],
    telemetry: tuple[str, ...],
    summaries: tuple[str, ...],
    print_sql: bool,
    dialect: str | None,
    table: str | None,
    since: str | None,
    input_tokens: str | None,
    trace_keys: tuple[str, ...],
    write: bool,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
) -> int:
    """Compare each workload charter's assumptions with production call records.

    WORKLOADS are charter ids (default: every charter). For each: calls per month (scaled
    from the records' time window), cache hit rate, output tokens, agent steps per task, cost
    per call and per successful outcome, error rate — assumed beside measured, with the monthly
    money each gap is worth at the charter's traffic. Prompt ids no charter covers are listed
    as orphaned spend.
    """
    from promptops.calibrate.compare import calibrate
    from promptops.calibrate.embedded import charter_members, not_computed_note
    from promptops.calibrate.fingerprints import fingerprints
    from promptops.calibrate.measure import DEFAULT_TRACE_KEYS, measure, measure_summary
    from promptops.canary.rates import TelemetryPricing
    from promptops.commands.canary import _expand
    from promptops.config import load_config
    from promptops.documents.workspace import load_workspace
    from promptops.estimate import provenance_of
    from promptops.prices.table import PriceTable
    from promptops.report.calibration import render_json, render_text
    from promptops.text.json_view import to_jsonable
    from promptops.tokens.counting import TokenCounter

    config = load_config(config_file=config_file)
    workspace = load_workspace(config)
    known = {c.id for c in workspace.of_kind("charter")}
    unknown = [w for w in workloads if w not in known]
    if unknown:
        raise UserError(
            f"no charter with id {', '.join(map(repr, unknown))}; charters: "
            + (", ".join(sorted(known)) or "none")
        )
    prices = PriceTable.from_config(config)
    convention = input_tokens or str(config.telemetry.get("input_tokens", "auto"))
    if print_sql:
        if not dialect or not table:
            raise UserError("--sql needs --dialect and --table")
        emit(
            _query(workspace, set(workloads), prices, dialect, table, convention, trace_keys),
            output,
        )
        return EXIT_OK
    if bool(telemetry) == bool(summaries):
        raise UserError(
            "give call records with --telemetry FILE or warehouse rows with --summary FILE "
            "(one of the two; --sql prints the query that makes the rows)"
        )
    if summaries:
        measurements = measure_summary(_expand(summaries))
    else:
        measurements = measure(
            _expand(telemetry),
            TelemetryPricing(prices),
            input_tokens=convention,
            since=_since(since),
            trace_keys=trace_keys or DEFAULT_TRACE_KEYS,
            members=charter_members(workspace),
        )
        if measurements.engine == "duckdb":
            click.echo(f"promptops: note: {not_computed_note()}", err=True)
    counter = TokenCounter(config)
    result = calibrate(workspace, measurements, counter, prices, set(workloads) or None)
    result.fingerprints = fingerprints(workspace, result)
    provenance = provenance_of(prices, counter, result.exactness)
    if measurements.counters.invalid:
        click.echo(
            f"promptops: warning: skipped {measurements.counters.invalid:,} invalid record(s); "
            "first: " + "; ".join(measurements.counters.examples[:3]),
            err=True,
        )
    if write:
        _write(config.root, result)
    if fmt == "json":
        emit(render_json(result, to_jsonable(provenance)), output)
    else:
        emit(render_text(result, provenance.sentence()), output)
    return EXIT_OK


def _query(
    workspace: object,
    only: set[str],
    prices: object,
    dialect: str,
    table: str,
    convention: str,
    trace_keys: tuple[str, ...],
) -> str:
    """The `--sql` query for the charters' prompts, their step caps and their models."""
    from promptops.calibrate.compare import max_steps_of
    from promptops.calibrate.sql import calibration_sql
    from promptops.canary.rates import TelemetryPricing
    from promptops.documents.workspace import Workspace
    from promptops.prices.table import PriceTable

    assert isinstance(workspace, Workspace) and isinstance(prices, PriceTable)
    if convention == "auto":
        convention = "inclusive"  # SQL cannot sample a source: OTel's convention unless told
    members: list[tuple[str, str, int | None]] = []
    models: set[str] = set()
    prompts = workspace.of_kind("prompt")
    for charter in workspace.of_kind("charter"):
        if only and charter.id not in only:
            continue
        docs = [d for d in prompts if str(d.data.get("workload")) == charter.id]
        cap = max_steps_of(charter.data, docs)
        for doc in docs:
            members.append((doc.id, charter.id, cap))
            models.add(str(doc.data.get("model")))
    return calibration_sql(
        dialect,
        table,
        members,
        TelemetryPricing(prices),
        sorted(models),
        exclusive=convention == "exclusive",
        trace_key=trace_keys[0] if trace_keys else "trace_id",
    )


def _write(root: Path, result: object) -> None:
    """Edit each charter in place (atomically), keeping its comments and key order."""
    from promptops.calibrate.compare import Calibration
    from promptops.canary.release_edit import read_text_exact, set_values, write_atomically

    assert isinstance(result, Calibration)
    for item in result.workloads:
        if not item.writes:
            continue
        path = root / item.path
        edited = set_values(read_text_exact(path), dict(item.writes), item.path)
        write_atomically(path, edited.text)
        for change in edited.changes:
            click.echo(f"{item.path}: {change}", err=True)
