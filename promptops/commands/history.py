"""`promptops history`: cost per prompt and workload at every commit that changed them."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_option, emit, output_option
from promptops.errors import EXIT_OK


@click.command()
@click.option(
    "--since",
    default=None,
    help="Start after this ref (its commit is the first base) or at this date (YYYY-MM-DD). "
    "Default: the whole history.",
)
@click.option("--until", default="HEAD", show_default=True, help="The last commit to price.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json", "html", "svg"]),
    default="text",
    show_default=True,
    help="text and json list every commit's figures; html and svg draw the chart.",
)
@config_option
@output_option
def command(
    since: str | None, until: str, fmt: str, config_file: Path | None, output: Path | None
) -> int:
    """Input tokens, cost per call and monthly cost of every prompt and workload at every
    commit that changed them, with the commit, author and message.

    Each commit is priced against the one before it by the diff engine (the figures `promptops
    diff PREV COMMIT` prints, and its caches); the first is priced whole. `--format html` writes
    a self-contained page: one line per workload, budgets dashed, the biggest jumps annotated.
    """
    from promptops.config import load_config
    from promptops.history.compute import walk

    config = load_config(config_file=config_file)
    history = walk(config, since, until)
    from promptops.report.table import render

    emit(render("history", fmt, history), output)
    return EXIT_OK
