"""`promptops tokens`: tokens per prompt part, cost per call, monthly cost per scenario."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_for, config_option, emit, format_option, output_option
from promptops.commands.option_types import BASE_URL, SECONDS
from promptops.errors import EXIT_FINDINGS, EXIT_OK, UserError


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@format_option(["text", "json"])
@output_option
@click.option(
    "--tokenizer",
    type=click.Choice(["auto", "cl100k_base", "o200k_base", "anthropic"]),
    help="Override the configured tokenizer. `auto`: exact counts from promptops.lock where "
    "present, else cl100k_base calibrated for Claude; cl100k_base/o200k_base: raw counts.",
)
@click.option(
    "--update-lock",
    is_flag=True,
    help="Count new content exactly with the Anthropic API (needs ANTHROPIC_API_KEY) "
    "and record it in promptops.lock.",
)
@click.option(
    "--anthropic-base-url",
    type=BASE_URL,
    envvar="ANTHROPIC_BASE_URL",
    help="Messages API endpoint for --update-lock [env: ANTHROPIC_BASE_URL; never read from "
    "the repository].",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=SECONDS,
    default=30.0,
    show_default=True,
    help="Total seconds per count_tokens call with --update-lock (connect, retries, answer).",
)
def command(
    paths: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    tokenizer: str | None,
    update_lock: bool,
    anthropic_base_url: str | None,
    timeout_s: float,
) -> int:
    """Show tokens per prompt part (tools / system / messages, cached vs uncached), cost per
    call, and monthly cost per charter scenario (expected / stretch / runaway) with budget
    headroom.

    Works offline with no API key: counts are exact where promptops.lock holds them, else
    cl100k_base estimates scaled to Claude's tokenizer (raw with `--tokenizer cl100k_base`).
    Every report names the price table date and the tokenizer.
    """
    from promptops.documents.workspace import load_workspace
    from promptops.estimate import estimate_workspace
    from promptops.pricing.table import PriceTable
    from promptops.tokens.counting import TokenCounter

    config = config_for(paths, config_file)
    if tokenizer:
        config.tokenizer = tokenizer
    workspace = load_workspace(config, paths, models=PriceTable.from_config(config))
    broken = [
        f
        for f in workspace.findings
        if f.severity == "error" and f.code in ("PO001", "PO002", "PO005")
    ]
    if broken and not workspace.of_kind("prompt"):
        first = broken[0]
        raise UserError(f"{first.message} (run `promptops validate`)", first.path, first.line)
    counter = TokenCounter(
        config, update_lock=update_lock, timeout_s=timeout_s, anthropic_base_url=anthropic_base_url
    )
    try:
        report = estimate_workspace(workspace, counter)
    finally:
        counter.close()
    from promptops.report.table import render

    color = None if output is None else False
    emit(render("tokens", fmt, report, invalid=broken, color=color), output)
    # A prompt that could not be priced, or a document that could not be read, is a finding:
    # the report is incomplete (exit 1), never a quiet total without it.
    return EXIT_FINDINGS if report.unpriced or broken else EXIT_OK
