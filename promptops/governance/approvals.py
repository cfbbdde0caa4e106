"""Who approved a pull request, as GitHub's branch protection counts it, and whether one of a
charter's signers is among them.

GitHub counts each reviewer's latest review that is not a plain comment: APPROVED approves;
CHANGES_REQUESTED and DISMISSED (a dismissed approval) do not; COMMENTED after an approval leaves
the approval standing. A team handle (`@org/team`) is satisfied by an approval from an active
member (`GET /orgs/{org}/teams/{team}/memberships/{login}`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from promptops.documents.charter_changes import mapping

if TYPE_CHECKING:
    from promptops.github.api import GitHubApi

COUNTED_STATES = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


def approvers(api: GitHubApi, repository: str, pr_number: int) -> set[str]:
    """Logins (lower-case) whose latest counted review of the pull request approves it."""
    latest: dict[str, str] = {}
    for review in api.paginate(f"/repos/{repository}/pulls/{pr_number}/reviews"):
        user = mapping(review.get("user"))
        login = str(user.get("login") or "").lower()
        state = str(review.get("state") or "").upper()
        if login and state in COUNTED_STATES:
            latest[login] = state  # the API lists reviews oldest first
    return {login for login, state in latest.items() if state == "APPROVED"}


def _team_member(api: GitHubApi, org: str, team: str, login: str) -> bool:
    from promptops.github.api import GitHubApiError

    try:
        response = api.request("GET", f"/orgs/{org}/teams/{team}/memberships/{login}")
    except GitHubApiError as exc:
        if exc.status == 404:
            return False
        raise
    data = response.data if isinstance(response.data, dict) else {}
    return data.get("state") == "active"


def approving_signer(api: GitHubApi, handles: Iterable[str], approved: set[str]) -> str | None:
    """The first signer handle satisfied by an approval (a login, or a team with an approving
    active member), or None."""
    for handle in handles:
        if "/" in handle:
            org, team = handle.split("/", 1)
            if any(_team_member(api, org, team, login) for login in sorted(approved)):
                return handle
        elif handle.lower() in approved:
            return handle
    return None
