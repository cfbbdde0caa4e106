"""`promptops check`: the merge gate (lint + diff + charter budgets)."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import (
    config_for,
    config_option,
    emit,
    format_option,
    output_option,
    resolve_format,
    sarif_output_option,
)
from promptops.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.option("--base", "base", help="Base ref (default: merge-base with the default branch).")
@click.option("--head", "head", help="Head ref (default: the working tree).")
@config_option
@format_option(["text", "json", "markdown", "github", "sarif", "auto"], default="auto")
@output_option
@sarif_output_option
@click.option(
    "--json-output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON report here (what `promptops comment github` and the Action read).",
)
@click.option(
    "--markdown-output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the markdown PR comment body here.",
)
@click.option(
    "--telemetry",
    multiple=True,
    help="Production call records (the files `calibrate` reads): a touched workload whose "
    "charter assumptions they contradict beyond the margins (gate.drift) gets a drift "
    "warning, blocking under `calibration: enforce`. Repeatable.",
)
@click.option(
    "--input-tokens",
    type=click.Choice(["auto", "inclusive", "exclusive"]),
    default=None,
    help="The records' input-token convention (default: telemetry.input_tokens, else auto).",
)
def command(
    base: str | None,
    head: str | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    sarif_output: Path | None,
    json_output: Path | None,
    markdown_output: Path | None,
    telemetry: tuple[str, ...],
    input_tokens: str | None,
) -> int:
    """The merge gate: lint the touched documents, diff against the base, apply the charters'
    budgets. Exits 1 when the change introduces a blocking problem: a lint error, a content
    change without a version bump (PO307), or a budget breach (per-call limits, monthly per
    scenario, max_increase in $ and %, the runaway kill switch). A breach already present on
    the base ref only warns; a charter waiver (approver, expiry) turns a block into a warning
    until it expires. `lint.ignore`, `lint.severity` and `# promptops: disable=CODE` apply to
    every finding, PO307, PO308 and PO311 included, as in `promptops lint`.

    A change that relaxes a charter (a budget or kill switch raised, a model allowed, a step or
    thinking cap raised, review relaxed, a signer removed, a waiver added, a kill criterion
    dropped, an assumption that makes the estimate cheaper) needs a signer: on a pull request
    with GITHUB_TOKEN (the Action), an approving review from a signer's @login or @org/team;
    without one it is a warning naming them.

    `--format github` prints workflow annotations on the YAML lines followed by the text
    report; `auto` picks it under GitHub Actions; `sarif` writes the findings for code
    scanning.
    """
    from promptops.check import run_check, touched_paths, with_creep
    from promptops.diff.run import diff_refs, head_workspace
    from promptops.governance.pull_request import pull_request_approvals
    from promptops.report.diff_json import check_report_dict
    from promptops.report.table import render

    config = config_for([], config_file)
    run = diff_refs(config, base, head)
    workspace = None
    if run.report.changed:
        workspace = head_workspace(config, run.head, touched_paths(run.report))
    result = run_check(
        config, run.report, run.loaded, workspace, approvals=pull_request_approvals()
    )
    if run.report.prompts:
        result = with_creep(config, run, result)
    if telemetry:
        from promptops.calibrate.drift import with_drift

        result = with_drift(config, run, result, telemetry, input_tokens)
    data = check_report_dict(result)
    fmt = resolve_format(fmt)
    color = None if output is None and fmt == "text" else False
    options = {"findings": list(result.findings), "root": config.root, "color": color}
    extras = ((json_output, "json"), (markdown_output, "markdown"), (sarif_output, "sarif"))
    for extra_output, extra_fmt in extras:  # --json-output and the others, from the same run
        if extra_output is not None:
            emit(render("check", extra_fmt, data, **options), extra_output)
    emit(render("check", fmt, data, **options), output)
    return EXIT_FINDINGS if result.blocking else EXIT_OK
