"""Which charter signer approved the pull request under test, for `promptops check`."""

from __future__ import annotations

from collections.abc import Sequence

from promptops.errors import ProviderUnreachable
from promptops.governance.gate import Approvals


def pull_request_approvals() -> Approvals | None:
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
