"""`promptops mbom`: the Model Bill of Materials of the repo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from promptops.commands.common import config_for, config_option, emit, format_option, output_option
from promptops.errors import EXIT_OK, UserError


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of must be a date like 2026-08-21, got {value!r}") from None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@format_option(["markdown", "json", "cyclonedx", "html"], default="markdown")
@output_option
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="Judge review recency at this date (default: today, UTC).",
)
def command(
    paths: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    as_of: str | None,
) -> int:
    """Model Bill of Materials: every workload with owner, signers, TRAM cell, alpha, models,
    prompts and tools with versions, limits, review topology, kill criteria, budgets and
    projected monthly cost per scenario, and the last git change.

    Formats: markdown (for a finance partner), json, cyclonedx (CycloneDX 1.6 ML-BOM) and
    html (one self-contained page with cost per workload per scenario against its budget).
    Flags orphaned workloads, reviews older than the transparency cadence, the cache cliff
    of every cached prompt and the subsidy exposure of effective prices.
    """
    from promptops.documents.workspace import load_workspace
    from promptops.mbom.collect import collect_mbom
    from promptops.pricing.table import PriceTable
    from promptops.report.table import render
    from promptops.tokens.counting import TokenCounter

    date = _as_of(as_of)
    config = config_for(paths, config_file)
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    counter = TokenCounter(config)
    try:
        mbom = collect_mbom(workspace, counter, as_of=date)
    finally:
        counter.close()
    emit(render("mbom", fmt, mbom), output)
    return EXIT_OK
