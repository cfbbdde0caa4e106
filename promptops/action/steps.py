"""The Python half of the GitHub Action (`action/run.sh` calls it; users never need to).

`refs` prints the commit to compare against (the merge-base of the PR's base and head, from
the event payload unless the `base`/`head` inputs say otherwise). `cache-plan` names the cache
folder and its actions/cache keys. `finish` turns a report into what the runner reads:
annotations on stdout, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`, and an exit status per
`fail-on`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from promptops.action.report_input import ReportInput, read_report, render_report_markdown
from promptops.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, PromptopsError, UserError
from promptops.github.event import load_event
from promptops.github.refs import commit_sha, merge_base
from promptops.github.workflow import (
    Annotation,
    annotation_from_finding,
    annotation_lines,
    append_step_summary,
    workflow_command,
    write_outputs,
)
from promptops.output_file import write_output_file
from promptops.report.reasons import reason_text

FAIL_ON = ("error", "warning", "never")


@dataclass(frozen=True)
class Verdict:
    """What a report means for the required check."""

    blocking: bool
    reasons: tuple[str, ...]
    warnings: int
    monthly_delta_usd: str


def compare_base(env: Mapping[str, str], repo_dir: Path) -> str | None:
    """The merge-base to pass as `--base`, or None when there is nothing to compare with."""
    base = env.get("INPUT_BASE", "").strip() or load_event(env).base_sha
    if not base:
        return None
    head = env.get("INPUT_HEAD", "").strip() or "HEAD"
    return merge_base(repo_dir, base, head)


CACHE_KEY_PREFIX = "promptops-v1"


def cache_plan(env: Mapping[str, str], repo_dir: Path) -> dict[str, str]:
    """Where the runner keeps promptops' cache and the actions/cache keys for it.

    Entries are keyed by content, so any restored cache is safe and the keys only decide which
    one is most useful. Every run restores `key`, the cache `warm` saved for the commit it
    compares against (a pull request's merge-base), else the newest one (`restore-prefix`).
    `warm` saves under that key; other commands under their own (`save-key`), so a `check` on
    the default branch never takes the key its `warm` step is about to save."""
    if env.get("INPUT_CACHE", "true").strip().lower() in ("false", "0", "no", "off"):
        return {"enabled": "false", "dir": "", "key": "", "save-key": "", "restore-prefix": ""}
    command = env.get("INPUT_COMMAND") or "check"
    sha = None
    if command != "warm":
        try:
            sha = compare_base(env, repo_dir)
        except PromptopsError:
            sha = None  # the run step reports it
    if not sha:
        try:
            sha = commit_sha(repo_dir) or "no-commit"
        except PromptopsError:  # no git on PATH: the run step reports it
            sha = "no-commit"
    folder = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir()) / "promptops-cache"
    prefix = f"{CACHE_KEY_PREFIX}-{env.get('RUNNER_OS') or sys.platform}-"
    key = prefix + sha
    return {
        "enabled": "true",
        "dir": str(folder),
        "key": key,
        "save-key": key if command == "warm" else f"{key}-{command}",
        "restore-prefix": prefix,
    }


def verdict_of(data: object, command_exit_status: int) -> Verdict:
    """Read `blocking` from the report when it says so; else errors (lint) or the exit code."""
    report = data if isinstance(data, dict) else {}
    findings = _findings(data)
    errors = sum(1 for f in findings if f.get("severity") == "error")
    warnings = sum(1 for f in findings if f.get("severity") == "warning")
    if isinstance(report.get("blocking"), bool):
        blocking = report["blocking"]
    elif data is not None:
        blocking = errors > 0 or command_exit_status == EXIT_FINDINGS
    else:
        blocking = command_exit_status == EXIT_FINDINGS
    reasons = tuple(reason_text(r) for r in report.get("blocking_reasons") or [] if r)
    if blocking and not reasons and errors:
        reasons = (f"{errors} finding{'s' if errors != 1 else ''} at error severity",)
    return Verdict(blocking, reasons, warnings, _monthly_delta(report))


def should_fail(verdict: Verdict, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    if fail_on == "warning":
        return verdict.blocking or verdict.warnings > 0
    return verdict.blocking


def finish(
    report_path: Path,
    command_exit_status: int,
    fail_on: str,
    markdown_out: Path,
    env: Mapping[str, str],
) -> int:
    """Annotations, outputs and summary for one report; the exit status the step ends with."""
    if fail_on not in FAIL_ON:
        raise UserError(f"fail-on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    report = _published(read_report(report_path), Path.cwd(), env.get("GITHUB_WORKSPACE"))
    verdict = verdict_of(report.data, command_exit_status)
    _write_or_warn("the Markdown report", markdown_out, write_output_file, report.markdown)
    annotations = [
        Annotation("error", f"Merge blocked: {reason}", title="promptops")
        for reason in verdict.reasons
    ] + [
        annotation_from_finding(_workspace_relative(f, Path.cwd(), env.get("GITHUB_WORKSPACE")))
        for f in _findings(report.data)
    ]
    for line in annotation_lines(annotations):
        print(line)
    if env.get("GITHUB_STEP_SUMMARY"):
        _write_or_warn(
            "the job summary", env["GITHUB_STEP_SUMMARY"], append_step_summary, report.markdown
        )
    if env.get("GITHUB_OUTPUT"):
        outputs = {
            "blocking": "true" if verdict.blocking else "false",
            "monthly-delta-usd": verdict.monthly_delta_usd,
            "report-path": str(report_path),
        }
        _write_or_warn("the step outputs", env["GITHUB_OUTPUT"], write_outputs, outputs)
    if should_fail(verdict, fail_on):
        why = "; ".join(verdict.reasons) or (
            f"{verdict.warnings} warning(s) with fail-on: warning"
            if not verdict.blocking
            else "the gate failed"
        )
        print(workflow_command("error", f"promptops: {why}", title="promptops gate"))
        return EXIT_FINDINGS
    return EXIT_OK


def _write_or_warn(
    what: str, path: str | Path, write: Callable[[Any, Any], object], content: object
) -> bool:
    """Write one of the step's side files; a read-only or full target (EACCES, EROFS, ENOSPC,
    or any other OSError) is one warning, never the step's result: the verdict is the gate's."""
    try:
        write(path, content)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            workflow_command(
                "warning", f"could not write {what} to {path}: {reason}", title="promptops"
            )
        )
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m promptops.action.steps")
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("refs", help="print the merge-base to compare against")
    sub.add_parser("cache-plan", help="write the cache folder and key to $GITHUB_OUTPUT")
    done = sub.add_parser("finish", help="annotations, outputs, summary, verdict")
    done.add_argument("--report", type=Path, required=True)
    done.add_argument("--exit-status", type=int, default=0)
    done.add_argument("--fail-on", default="error")
    done.add_argument("--markdown-out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.step == "refs":
            base = compare_base(os.environ, Path.cwd())
            if base:
                print(base)
            return EXIT_OK
        if args.step == "cache-plan":
            plan = cache_plan(os.environ, Path.cwd())
            if os.environ.get("GITHUB_OUTPUT"):
                write_outputs(os.environ["GITHUB_OUTPUT"], plan)
            else:
                print("\n".join(f"{k}={v}" for k, v in plan.items()))
            return EXIT_OK
        return finish(args.report, args.exit_status, args.fail_on, args.markdown_out, os.environ)
    except PromptopsError as exc:
        print(workflow_command("error", str(exc), title="promptops"))
        return exc.exit_code if exc.exit_code else EXIT_USAGE


def _published(report: ReportInput, cwd: Path, workspace: str | None) -> ReportInput:
    """The report as the Action publishes it: run in a `working-directory` below the
    workspace, every path names the file from the workspace (`llm/prompts/x.yaml`), so the PR
    comment, the job summary and the annotations point at real files."""
    from promptops.report.github_paths import with_github_paths

    if report.data is None or not workspace:
        return report
    try:
        prefix = cwd.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return report
    if prefix in ("", "."):
        return report
    data = with_github_paths(report.data, prefix)
    return ReportInput(render_report_markdown(data), data)


def _workspace_relative(finding: dict, cwd: Path, workspace: str | None) -> dict:
    """Annotations name files relative to the workspace; findings, to the promptops repo root
    (which is the `working-directory`, or the git root above it)."""
    path = finding.get("path")
    if not workspace or not isinstance(path, str) or Path(path).is_absolute():
        return finding
    try:
        prefix = cwd.resolve().relative_to(Path(workspace).resolve())
    except ValueError:
        return finding
    if prefix == Path(".") or not (cwd / path).exists() or (Path(workspace) / path).exists():
        return finding
    return {**finding, "path": (prefix / path).as_posix()}


def _findings(data: object) -> list[dict]:
    items = data.get("findings") if isinstance(data, dict) else data
    return [f for f in items if isinstance(f, dict)] if isinstance(items, list) else []


def _monthly_delta(report: Mapping[str, object]) -> str:
    totals = report.get("totals")
    value = totals.get("monthly_delta_usd") if isinstance(totals, dict) else None
    if value is None or isinstance(value, bool):
        return ""
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        return ""


if __name__ == "__main__":
    sys.exit(main())
