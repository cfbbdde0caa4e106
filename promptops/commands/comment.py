"""`promptops comment github`: create or update the one sticky pull request comment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from promptops.commands.option_types import SECONDS
from promptops.errors import EXIT_OK, UserError
from promptops.github.comments import BEHAVIORS, DEFAULT_TAG


@click.group(name="comment")
def command() -> None:
    """Publish a promptops report as a pull request comment."""


@command.command(name="github")
@click.option(
    "--report",
    "report_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Markdown file (posted as is) or a promptops JSON report (rendered to Markdown).",
)
@click.option(
    "--behavior",
    type=click.Choice(BEHAVIORS),
    default="update",
    show_default=True,
    help="update: edit our comment in place; new: always add one; hide-and-new / "
    "delete-and-new: hide or delete our old comments, then add one.",
)
@click.option("--repo", help="OWNER/NAME [default: $GITHUB_REPOSITORY or the event's].")
@click.option(
    "--pr",
    "pr_number",
    type=click.IntRange(min=1),
    help="Pull request number [default: from $GITHUB_EVENT_PATH].",
)
@click.option(
    "--tag",
    default=DEFAULT_TAG,
    show_default=True,
    help="Keeps several promptops comments on one PR apart (e.g. per project).",
)
@click.option(
    "--valid-at",
    help="ISO-8601 time the report is valid at; a comment stamped "
    "later is never overwritten [default: the PR's updated_at from the event].",
)
@click.option("--dry-run", is_flag=True, help="Print the body and the plan; change nothing.")
@click.option(
    "--timeout",
    "timeout_s",
    type=SECONDS,
    default=30.0,
    show_default=True,
    help="Total seconds per GitHub API call (connect, retries and the whole answer).",
)
def github(
    report_path: Path,
    behavior: str,
    repo: str | None,
    pr_number: int | None,
    tag: str,
    valid_at: str | None,
    dry_run: bool,
    timeout_s: float,
) -> int:
    """Create or update the one sticky promptops comment on a GitHub pull request.

    Reads GITHUB_TOKEN (or GH_TOKEN), GITHUB_API_URL and GITHUB_EVENT_PATH. A read-only
    token (pull requests from forks) is reported as a warning, not a failure.
    """
    from promptops.action.report_input import read_report
    from promptops.github.api import GitHubApi, GitHubApiError
    from promptops.github.comments import StickyComment, build_body, validate_tag
    from promptops.github.event import load_event
    from promptops.github.workflow import running_in_actions

    validate_tag(tag)
    report = read_report(report_path)
    event = load_event()
    repository = repo or event.repository
    number = pr_number or event.pr_number
    if number is None:
        if running_in_actions():
            _warn(f"no pull request in this {event.name or 'workflow'} event: no comment posted")
            return EXIT_OK
        raise UserError("--pr is required outside a GitHub Actions pull_request run")
    if not repository:
        raise UserError("--repo is required (or set GITHUB_REPOSITORY)")
    stamp = valid_at or (event.updated_at if number == event.pr_number else None)
    _check_timestamp(stamp)
    body = build_body(report.markdown, tag, stamp, _run_url(repository))
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if dry_run:
        click.echo(body, nl=False)
    if not token:
        if dry_run:
            return EXIT_OK
        raise UserError("set GITHUB_TOKEN (the action passes its github-token input) to comment")
    sticky = StickyComment(
        GitHubApi.from_env(token, timeout_seconds=timeout_s), repository, number, tag
    )
    try:
        outcome = sticky.publish(body, behavior, dry_run=dry_run)
    except GitHubApiError as exc:
        return _handle_api_error(exc, event.is_fork)
    click.echo(f"promptops: {outcome.describe()} on {repository}#{number}", err=True)
    return EXIT_OK


def _handle_api_error(exc: Exception, is_fork: bool) -> int:
    """403 means a read-only token: warn and carry on, the gate is not the comment's job."""
    status = getattr(exc, "status", None)
    if status == 403:
        why = (
            "pull requests from forks get a read-only GITHUB_TOKEN; the report is in the job "
            "summary (post comments for forks from a separate workflow_run workflow)"
            if is_fork
            else "give the job `permissions: pull-requests: write`; the report is in the job "
            "summary"
        )
        _warn(f"could not post the PR comment ({exc}): {why}")
        return EXIT_OK
    if status == 401:
        raise UserError(f"GitHub rejected the token ({exc})")
    if status == 404:
        raise UserError(f"pull request not found, or the token cannot see it ({exc})")
    if status is None or status >= 500:
        raise UserError(f"could not reach GitHub after retries ({exc})")
    raise UserError(f"GitHub refused the comment ({exc})")


def _warn(message: str) -> None:
    from promptops.github.workflow import running_in_actions, workflow_command

    if running_in_actions():
        click.echo(workflow_command("warning", message, title="promptops comment"))
    else:
        click.echo(f"promptops: warning: {message}", err=True)


def _run_url(repository: str) -> str | None:
    run_id = os.environ.get("GITHUB_RUN_ID")
    if not run_id:
        return None
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{os.environ.get('GITHUB_REPOSITORY') or repository}/actions/runs/{run_id}"


def _check_timestamp(value: str | None) -> None:
    from promptops.github.comments import parse_timestamp

    if value and parse_timestamp(value) is None:
        raise UserError(f"--valid-at must be an ISO-8601 time with a zone, got {value!r}")
