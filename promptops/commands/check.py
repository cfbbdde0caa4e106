"""`promptops check`: the merge gate (lint + diff + charter budgets)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
from promptops.errors import EXIT_FINDINGS, EXIT_OK, ProviderUnreachable

if TYPE_CHECKING:
    from promptops.config import Config
    from promptops.diff.model import CheckReport
    from promptops.diff.run import DiffRun
    from promptops.governance.gate import Approvals


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
    from promptops.check import run_check, touched_paths
    from promptops.diff.run import diff_refs, head_workspace
    from promptops.report.diff_json import check_report_dict, dumps

    config = config_for([], config_file)
    run = diff_refs(config, base, head)
    workspace = None
    if run.report.changed:
        workspace = head_workspace(config, run.head, touched_paths(run.report))
    result = run_check(config, run.report, run.loaded, workspace, approvals=_approvals())
    if run.report.prompts:
        result = _with_creep(config, run, result)
    if telemetry:
        result = _with_drift(config, run, result, telemetry, input_tokens)
    data = check_report_dict(result)
    if json_output is not None:
        emit(dumps(data), json_output)
    if markdown_output is not None:
        from promptops.report.markdown import render_markdown

        emit(render_markdown(data), markdown_output)
    if sarif_output is not None:
        from promptops.report.findings_sarif import render_findings_sarif

        emit(render_findings_sarif(list(result.findings), root=config.root), sarif_output)
    fmt = resolve_format(fmt)
    if fmt == "json":
        emit(dumps(data), output)
    elif fmt == "markdown":
        from promptops.report.markdown import render_markdown

        emit(render_markdown(data), output)
    elif fmt == "sarif":
        from promptops.report.findings_sarif import render_findings_sarif

        emit(render_findings_sarif(list(result.findings), root=config.root), output)
    else:
        from promptops.report.diff_text import render_diff_text, render_github_annotations

        text = render_diff_text(data, color=None if output is None and fmt == "text" else False)
        if fmt == "github":
            from promptops.report.github_paths import github_report

            text = render_github_annotations(github_report(data, config.root)) + text
        emit(text, output)
    return EXIT_FINDINGS if result.blocking else EXIT_OK


def _approvals() -> Approvals | None:
    """On a pull request with a token: which charter signer approved it (GitHub's reviews);
    None elsewhere (offline, a push), where relaxations only warn."""
    import os

    from promptops.github.event import load_event

    token = os.environ.get("GITHUB_TOKEN")
    event = load_event()
    if not token or event.pr_number is None or not event.repository:
        return None
    from promptops.github.api import GitHubApi, GitHubApiError
    from promptops.governance.approvals import approvers, approving_signer

    api = GitHubApi.from_env(token)
    approved: set[str] | None = None
    repository, number = event.repository, event.pr_number

    def approving(handles: Sequence[str]) -> str | None:
        nonlocal approved
        try:
            if approved is None:
                approved = approvers(api, repository, number)
            return approving_signer(api, handles, approved)
        except GitHubApiError as exc:  # fail closed: an unverifiable approval is no approval
            raise ProviderUnreachable(f"cannot read the pull request's reviews: {exc}") from None

    return approving


def _with_drift(
    config: Config,
    run: DiffRun,
    result: CheckReport,
    telemetry: tuple[str, ...],
    convention: str | None,
) -> CheckReport:
    """The check report with the drift of the touched workloads against the telemetry."""
    from dataclasses import replace

    from promptops.calibrate.compare import calibrate
    from promptops.calibrate.drift import drifts, margins_of
    from promptops.calibrate.measure import measure
    from promptops.canary.rates import TelemetryPricing
    from promptops.commands.canary import _expand
    from promptops.diff.run import head_workspace
    from promptops.pricing.table import PriceTable
    from promptops.report.formatting import signed_usd
    from promptops.tokens.counting import TokenCounter

    prices = PriceTable.from_config(config)
    touched = {w.id for w in run.report.workloads}
    workspace = head_workspace(config, run.head)
    convention = convention or str(config.telemetry.get("input_tokens", "auto"))
    measurements = measure(_expand(telemetry), TelemetryPricing(prices), input_tokens=convention)
    counter = TokenCounter(config)
    try:
        calibration = calibrate(workspace, measurements, counter, prices, touched or None)
    finally:
        counter.close()
    charters = {c.id: c.data for c in workspace.of_kind("charter")}
    found = drifts(calibration, charters, touched, margins_of(config.gate))
    blocking, warnings = list(result.blocking_reasons), list(result.warnings)
    for drift in found:
        money = "" if drift.monthly_usd is None else f", {signed_usd(drift.monthly_usd)}/mo"
        text = (
            f"{drift.path}: production drift in {drift.workload}: {drift.metric} assumed "
            f"{drift.assumed}, measured {drift.measured}{money}"
        )
        if drift.blocking:
            blocking.append(text + " (calibration: enforce)")
        else:
            warnings.append(text)
    return replace(
        result,
        blocking_reasons=tuple(blocking),
        warnings=tuple(warnings),
        drift=tuple(found),
    )


def _with_creep(config: Config, run: DiffRun, result: CheckReport) -> CheckReport:
    """A warning for each touched prompt whose input grew more than `creep_pct` against the
    base ref as it stood `creep_days` ago, although this change alone stays under
    `growth_pct` (the Unbounded System Prompt grows 200 tokens a week, never in one step)."""
    import datetime as dt
    from dataclasses import replace

    from promptops.diff.compute import run_diff
    from promptops.tokens.counting import TokenCounter

    limits = config.limits
    days, creep, step = limits["creep_days"], limits["creep_pct"], limits["growth_pct"]
    if run.base.sha is None or days <= 0:
        return result
    since = (dt.date.today() - dt.timedelta(days=days)).isoformat()
    old_sha = run.repo.git.run("rev-list", "-1", f"--before={since}T00:00:00", run.base.sha).strip()
    if not old_sha or old_sha == run.base.sha:
        return result
    old = run.repo.side(old_sha, f"{int(days)} days before the base")
    counter = TokenCounter(config)
    try:
        report, _ = run_diff(config, old, run.head, run.repo.changes(old, run.head), counter)
    finally:
        counter.close()
    then = {p.id: p.base for p in report.prompts if p.base is not None and not p.unpriced}
    warnings = list(result.warnings)
    for prompt in run.report.prompts:
        growth, before = prompt.growth_pct, then.get(prompt.id)
        if prompt.head is None or before is None or not before.input_tokens:
            continue
        if growth is not None and growth > step:
            continue  # PO308 already says it about this change
        total = (prompt.head.input_tokens - before.input_tokens) * 100 / before.input_tokens
        if total > creep:
            warnings.append(
                f"{prompt.path}: {prompt.id} grew {total:.0f}% in {int(days)} days "
                f"({before.input_tokens:,} → {prompt.head.input_tokens:,} input tokens since "
                f"{old_sha[:12]}), above lint.limits.creep_pct {creep:g}%, though no single "
                "change passed growth_pct: the Unbounded System Prompt"
            )
    return replace(result, warnings=tuple(warnings))
