"""`promptops canary plan|analyze|sql|promote|rollback`: canary releases of prompt versions.

Exit codes: 0 promote or hold (and successful edits), 1 a rollback verdict, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from promptops.commands.common import emit
from promptops.errors import EXIT_FINDINGS, EXIT_OK, UserError

FORMATS = click.Choice(["text", "json"])
RELEASE_HELP = "A release YAML file, or a release id found under --repo."


@click.group(name="canary")
def command() -> None:
    """Canary releases of prompt versions: plan, analyze, promote, rollback, sql."""


PRICES_REMOVED = (
    "--prices was removed: canary prices come from the one price table, so put overrides and "
    "models it lacks under `prices:` in promptops.yaml (same keys: input, output, cache_read, "
    "cache_write_5m, cache_write_1h, tiers …), found under --repo or named with --config FILE"
)


def _reject_prices_file(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """`--prices FILE` had its own format; one override path (config `prices:`) replaced it."""
    if value is not None:
        raise click.UsageError(PRICES_REMOVED, ctx)


def _pricing_options(function: Any) -> Any:
    function = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        help="Config file whose `prices:` override the price table (default: found under --repo).",
    )(function)
    return click.option(
        "--prices",
        hidden=True,
        expose_value=False,
        callback=_reject_prices_file,
        help="Removed: use `prices:` in promptops.yaml.",
    )(function)


def _pricing(repo: Path, config_file: str | None, release: Any) -> Any:
    """The price table of the repo's config (`prices:` applied), for the release's TTL."""
    from promptops.canary.rates import TelemetryPricing
    from promptops.config import load_config

    config = load_config(repo, config_file)
    return TelemetryPricing.from_config(config, str(release.analysis.get("cache_write_ttl", "5m")))


def _input_convention(repo: Path, config_file: str | None, flag: str | None) -> str:
    """--input-tokens, else the config's default (`canary.telemetry.input_convention`); the
    config is read only when the flag is not given."""
    if flag:
        return flag
    from promptops.canary.telemetry import input_convention
    from promptops.config import load_config

    return input_convention(load_config(repo, config_file), None)


def _repo_option(function: Any) -> Any:
    return click.option(
        "--repo",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="Repository root, where release ids, prompts and charters are looked up.",
    )(function)


@command.command("plan")
@click.argument("release")
@_repo_option
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format."
)
def plan_command(release: str, repo: Path, fmt: str) -> int:
    """Show the current step, the weights and what the next promote does."""
    from promptops.canary.documents import load_release
    from promptops.report.table import render

    loaded = load_release(release, repo)
    emit(render("canary plan", fmt, loaded.release), None)
    return EXIT_OK


@command.command("analyze")
@click.argument("release")
@click.option(
    "--telemetry",
    "telemetry",
    multiple=True,
    metavar="FILE",
    help="Call records: JSONL (.jsonl, .jsonl.gz, '-' for stdin) or Parquet. Repeatable; "
    "globs are expanded.",
)
@click.option(
    "--summary",
    "summaries",
    multiple=True,
    metavar="FILE",
    help="Pre-aggregated cohort summaries (the output of `canary sql`). Repeatable.",
)
@_pricing_options
@click.option(
    "--charter",
    "charter_file",
    type=click.Path(dir_okay=False),
    help="The workload charter (default: the prompt's `workload` found under --repo).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for large JSONL files (default: CPU count).",
)
@click.option(
    "--input-tokens",
    "input_tokens",
    type=click.Choice(["auto", "inclusive", "exclusive"]),
    default=None,
    help="Whether records' gen_ai.usage.input_tokens include cache reads and writes (OTel: "
    "inclusive) or not (Anthropic's field: exclusive). Default: telemetry.input_tokens in the "
    "config, else auto (told per file from its first records).",
)
@_repo_option
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format."
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report here instead of standard output.",
)
def analyze_command(
    release: str,
    telemetry: tuple[str, ...],
    summaries: tuple[str, ...],
    config_file: str | None,
    charter_file: str | None,
    workers: int | None,
    input_tokens: str | None,
    repo: Path,
    fmt: str,
    output: Path | None,
) -> int:
    """Compare the canary with stable in telemetry; verdict promote, hold or rollback.

    Exit 1 on rollback, 0 on promote or hold.
    """
    from promptops.canary.analysis import ROLLBACK, analyze
    from promptops.canary.cohort import merge_all
    from promptops.canary.documents import load_charter_for, load_release
    from promptops.canary.summaries import read_summaries
    from promptops.canary.telemetry import expand_paths, read_telemetry
    from promptops.report.table import render

    if not telemetry and not summaries:
        raise UserError("give call records with --telemetry FILE or summaries with --summary FILE")
    loaded = load_release(release, repo)
    rel = loaded.release
    book = _pricing(repo, config_file, rel)
    charter = load_charter_for(rel, repo, charter_file)
    parts = []
    counters = None
    if telemetry:
        result = read_telemetry(
            expand_paths(telemetry),
            book,
            prompt_id=rel.prompt,
            workers=workers,
            input_tokens=_input_convention(repo, config_file, input_tokens),
        )
        parts.append(result.cohorts)
        counters = result.counters
    if summaries:
        parts.append(read_summaries(expand_paths(summaries), book, prompt_id=rel.prompt))
    verdict = analyze(rel, merge_all(parts), charter)
    if counters is not None and counters.invalid:
        click.echo(
            f"promptops: warning: skipped {counters.invalid:,} invalid record(s); first: "
            + "; ".join(counters.examples[:3]),
            err=True,
        )
    emit(render("canary analyze", fmt, verdict, counters=counters), output)
    return EXIT_FINDINGS if verdict.verdict == ROLLBACK else EXIT_OK


@command.command("sql")
@click.argument("release")
@click.option(
    "--dialect",
    type=click.Choice(["bigquery", "snowflake", "postgres", "duckdb"]),
    required=True,
    help="SQL dialect of the warehouse.",
)
@click.option("--table", required=True, help="Table (or view) of call records, one row per call.")
@_pricing_options
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Models to price in the query, repeatable (default: the prompt's model).",
)
@click.option(
    "--split-cache-writes",
    is_flag=True,
    help="Also read the 5m/1h cache write columns (…ephemeral_5m/1h_input_tokens).",
)
@click.option("--since", default=None, help="Only calls at or after this ISO 8601 timestamp.")
@_repo_option
def sql_command(
    release: str,
    dialect: str,
    table: str,
    config_file: str | None,
    models: tuple[str, ...],
    split_cache_writes: bool,
    since: str | None,
    repo: Path,
) -> int:
    """Print the cohort aggregation as SQL; its rows feed `canary analyze --summary`."""
    from promptops.canary.documents import load_release, prompt_model
    from promptops.canary.sql import aggregation_sql

    rel = load_release(release, repo).release
    book = _pricing(repo, config_file, rel)
    wanted = list(models) or [m for m in [prompt_model(repo, rel.prompt)] if m]
    if not wanted:
        raise UserError(f"prompt {rel.prompt!r} names no model: name the models with --model")
    versions = [v for v in (rel.stable, rel.canary_version) if v is not None]
    click.echo(
        aggregation_sql(
            dialect, table, rel.prompt, versions, book, wanted, since, split_cache_writes
        )
    )
    return EXIT_OK


def _edit(release: str, repo: Path, dry_run: bool, fmt: str, action: str) -> int:
    from promptops.canary import release_edit
    from promptops.canary.documents import load_release
    from promptops.report.table import render

    loaded = load_release(release, repo)
    text = release_edit.read_text_exact(loaded.path)
    edit = getattr(release_edit, action)
    result = edit(text, str(loaded.path))
    if not dry_run:
        try:
            release_edit.write_atomically(loaded.path, result.text)
        except OSError as exc:  # read-only or full: the file is as it was (atomic), say so
            raise UserError(
                f"cannot write the release: {exc.strerror or exc}", path=str(loaded.path)
            ) from None
    options = {"loaded": loaded, "action": action, "before": text, "dry_run": dry_run}
    emit(render("canary edit", fmt, result, **options), None)
    return EXIT_OK


@command.command("promote")
@click.argument("release")
@_repo_option
@click.option("--dry-run", is_flag=True, help="Print the change as a diff; do not write.")
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format."
)
def promote_command(release: str, repo: Path, dry_run: bool, fmt: str) -> int:
    """Advance the canary one step; after the last step, make it the stable version."""
    return _edit(release, repo, dry_run, fmt, "promote")


@command.command("rollback")
@click.argument("release")
@_repo_option
@click.option("--dry-run", is_flag=True, help="Print the change as a diff; do not write.")
@click.option(
    "--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format."
)
def rollback_command(release: str, repo: Path, dry_run: bool, fmt: str) -> int:
    """Set the canary weight to 0 so every caller gets the stable version."""
    return _edit(release, repo, dry_run, fmt, "rollback")
