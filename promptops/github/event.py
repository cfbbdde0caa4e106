"""What the workflow run is about, read from `GITHUB_EVENT_PATH` and the runner's variables.

Base and head come from the payload (`pull_request.base.sha` / `head.sha`), never from
`GITHUB_SHA`, which on `pull_request` is the synthetic merge commit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptops.errors import UserError


@dataclass(frozen=True)
class GitHubEvent:
    """The parts of a workflow run's event that promptops acts on."""

    name: str
    repository: str | None
    pr_number: int | None
    base_sha: str | None
    head_sha: str | None
    is_fork: bool
    updated_at: str | None


def load_event(env: Mapping[str, str] | None = None) -> GitHubEvent:
    """Read the event of the current run; an empty event outside GitHub Actions."""
    env = os.environ if env is None else env
    payload = _read_payload(env.get("GITHUB_EVENT_PATH", ""))
    name = env.get("GITHUB_EVENT_NAME", "")
    pull = payload.get("pull_request")
    if not isinstance(pull, dict):
        pull = {}
    number = pull.get("number")
    if number is None:
        issue = payload.get("issue")
        # issue_comment on a pull request: the issue carries a `pull_request` link.
        if isinstance(issue, dict) and issue.get("pull_request"):
            number = issue.get("number")
    base = _object(pull.get("base"))
    head = _object(pull.get("head"))
    repository = env.get("GITHUB_REPOSITORY") or _full_name(payload.get("repository"))
    return GitHubEvent(
        name=name,
        repository=repository or None,
        pr_number=int(number) if isinstance(number, int) else None,
        base_sha=base.get("sha") or None,
        head_sha=head.get("sha") or None,
        is_fork=_is_fork(base, head),
        updated_at=pull.get("updated_at") or None,
    )


def _read_payload(path: str) -> dict:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("the event payload file does not exist", path=path) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the event payload: {exc}", path=path) from None
    return data if isinstance(data, dict) else {}


def _full_name(repo: object) -> str | None:
    return repo.get("full_name") if isinstance(repo, dict) else None


def _object(value: Any) -> dict:
    """A JSON object from the payload, or an empty one when GitHub sent something else."""
    return value if isinstance(value, dict) else {}


def _is_fork(base: dict, head: dict) -> bool:
    """A pull request from another repository gets a read-only token and no secrets."""
    head_repo = head.get("repo")
    if not isinstance(head_repo, dict):
        # GitHub sends `repo: null` when the fork was deleted: treat it as a fork.
        return bool(head) and "repo" in head
    base_name = _full_name(base.get("repo"))
    head_name = head_repo.get("full_name")
    if base_name and head_name:
        # `head.repo.fork` is also true for a PR between two branches of a fork itself.
        return base_name != head_name
    return head_repo.get("fork") is True
