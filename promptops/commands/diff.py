"""`promptops diff [BASE [HEAD]]`: token and cost impact between two git refs."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_for, config_option, emit, format_option, output_option
from promptops.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.argument("base", required=False)
@click.argument("head", required=False)
@config_option
@format_option(["text", "json", "markdown"])
@output_option
def command(
    base: str | None, head: str | None, config_file: Path | None, fmt: str, output: Path | None
) -> int:
    """Show what a change does to tokens per call, cost per call and monthly cost in every
    scenario (expected / stretch / runaway), and why.

    BASE defaults to the merge-base of HEAD with the default branch (config `default_branch`,
    else origin/HEAD, main, master); HEAD defaults to the working tree, untracked files
    included. Documents are read from git objects: no checkout. Both sides are priced with the
    same price table and tokenizer. Exits 0 on success (`promptops check` is the gate), 1
    when a figure cannot be computed: a changed document that does not parse, is not UTF-8
    or is not a document on a side, or a prompt that cannot be priced. Its rows say
    "unpriced" with the reason and the totals say they are incomplete, never a $0 or -100%.
    """
    from promptops.diff.run import diff_refs
    from promptops.report.diff_json import diff_report_dict
    from promptops.report.table import render

    config = config_for([], config_file)
    run = diff_refs(config, base, head)
    data = diff_report_dict(run.report)
    emit(render("diff", fmt, data, color=None if output is None else False), output)
    broken = any(d.problem for d in run.report.documents)
    return EXIT_FINDINGS if run.report.incomplete or broken else EXIT_OK
