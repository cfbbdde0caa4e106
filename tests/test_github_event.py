"""The event payload and the REST client's guards."""

from __future__ import annotations

import json

import pytest

from promptops.errors import UserError
from promptops.github.api import GitHubApi, GitHubApiError, graphql_url_for
from promptops.github.event import load_event
from tests.support.fake_github import start_fake_github, stop_fake_github


def event_env(tmp_path, payload: dict, name: str = "pull_request") -> dict:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {"GITHUB_EVENT_PATH": str(path), "GITHUB_EVENT_NAME": name}


def pull(base_repo: str, head_repo: dict | None) -> dict:
    return {
        "pull_request": {
            "number": 5,
            "base": {"sha": "1" * 40, "repo": {"full_name": base_repo}},
            "head": {"sha": "2" * 40, "repo": head_repo},
        },
        "repository": {"full_name": base_repo},
    }


def test_a_pull_request_event_gives_number_shas_and_repository(tmp_path):
    event = load_event(event_env(tmp_path, pull("acme/p", {"full_name": "acme/p", "fork": False})))
    assert (event.pr_number, event.base_sha, event.head_sha) == (5, "1" * 40, "2" * 40)
    assert event.repository == "acme/p"
    assert event.is_fork is False


@pytest.mark.parametrize(
    ("head_repo", "fork"),
    [
        ({"full_name": "someone/p", "fork": True}, True),
        ({"full_name": "acme/p", "fork": True}, False),  # a PR inside a fork itself
        (None, True),  # the fork was deleted
    ],
)
def test_fork_detection(tmp_path, head_repo, fork):
    assert load_event(event_env(tmp_path, pull("acme/p", head_repo))).is_fork is fork


def test_an_issue_comment_on_a_pull_request_names_the_pull_request(tmp_path):
    payload = {"issue": {"number": 9, "pull_request": {"url": "x"}}, "repository": {}}
    assert load_event(event_env(tmp_path, payload, "issue_comment")).pr_number == 9


def test_no_event_outside_actions_and_a_broken_one_is_a_user_error(tmp_path):
    assert load_event({}).pr_number is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match="cannot read the event payload"):
        load_event({"GITHUB_EVENT_PATH": str(bad)})


def test_graphql_url_is_derived_for_github_and_enterprise_server():
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url_for("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"


def test_the_token_is_never_sent_to_another_host():
    api = GitHubApi("ghs_x", api_url="http://127.0.0.1:9")
    with pytest.raises(GitHubApiError, match="another host"):
        api.request("GET", "http://127.0.0.2:9/repos/a/b/issues/1/comments")


def test_an_unreachable_server_fails_after_retries_with_status_none():
    fake = start_fake_github()
    url = fake.url
    stop_fake_github(fake)  # nothing listens on the port any more
    api = GitHubApi("ghs_x", api_url=url, max_attempts=2, backoff_seconds=0.01, timeout_seconds=2)
    with pytest.raises(GitHubApiError) as caught:
        api.request("GET", "/user")
    assert caught.value.status is None


def test_client_errors_are_not_retried():
    fake = start_fake_github()
    try:
        api = GitHubApi("ghs_x", api_url=fake.url, backoff_seconds=0.01)
        with pytest.raises(GitHubApiError) as caught:
            api.request("GET", "/user")
        assert caught.value.status == 403
        assert "Resource not accessible by integration" in str(caught.value)
        assert len(fake.requests) == 1
    finally:
        stop_fake_github(fake)
