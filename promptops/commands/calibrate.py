"""`promptops calibrate`: a charter's assumptions against production telemetry."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_option, emit, format_option, output_option
from promptops.errors import EXIT_OK


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
    from promptops.calibrate.run import calibration_query, run_calibration
    from promptops.config import load_config

    config = load_config(config_file=config_file)
    if print_sql:
        emit(calibration_query(config, workloads, dialect, table, input_tokens, trace_keys), output)
        return EXIT_OK
    run = run_calibration(
        config,
        workloads,
        telemetry,
        summaries,
        input_tokens,
        since,
        trace_keys,
        notify=lambda line: click.echo(f"promptops: {line}", err=True),
    )
    if write:
        from promptops.calibrate.write import write_measured

        write_measured(config.root, run.result, on_change=lambda line: click.echo(line, err=True))
    from promptops.report.table import render

    emit(render("calibrate", fmt, run.result, provenance=run.provenance), output)
    return EXIT_OK
