"""`promptops comment github` against a loopback server speaking GitHub's REST API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptops.github.comments import COMMENT_MAX_CHARS, build_body, parse_marker
from tests.support.cli import run_cli
from tests.support.fake_github import FakeGitHub, start_fake_github, stop_fake_github

REPO = "acme/prompts"
PR = 7
UPDATED_AT = "2026-03-01T10:00:00Z"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = start_fake_github()
    yield fake
    stop_fake_github(fake)


def write_event(tmp_path: Path, *, fork: bool = False, updated_at: str = UPDATED_AT) -> Path:
    head_repo = "contributor/prompts" if fork else REPO
    event = {
        "action": "synchronize",
        "number": PR,
        "pull_request": {
            "number": PR,
            "updated_at": updated_at,
            "base": {"sha": "a" * 40, "ref": "main", "repo": {"full_name": REPO}},
            "head": {
                "sha": "b" * 40,
                "ref": "feature",
                "repo": {"full_name": head_repo, "fork": fork},
            },
        },
        "repository": {"full_name": REPO},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def actions_env(github: FakeGitHub, event: Path, token: str = "ghs_installation") -> dict:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": github.url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_TOKEN": token,
    }


def write_report(tmp_path: Path, text: str, name: str = "report.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def comment(report: Path, env: dict, *extra: str):
    return run_cli(["comment", "github", "--report", str(report), *extra], env=env)


def writes(github: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in github.writes()]


def test_first_run_creates_and_second_run_updates_the_same_comment(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    first = comment(write_report(tmp_path, "### promptops\n\ncost +$412/mo\n"), env)
    assert first.returncode == 0, first.stderr
    assert writes(github) == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]
    created = github.issue_comments(REPO, PR)
    assert len(created) == 1
    assert created[0]["body"].splitlines()[0] == (
        f"<!-- promptops:comment id=default valid-at={UPDATED_AT} -->"
    )
    assert "cost +$412/mo" in created[0]["body"]
    post = github.writes()[0]
    assert post.headers["accept"] == "application/vnd.github+json"
    assert post.headers["x-github-api-version"] == "2022-11-28"
    assert post.headers["authorization"] == "Bearer ghs_installation"

    second_event = write_event(tmp_path, updated_at="2026-03-01T11:00:00Z")
    second = comment(
        write_report(tmp_path, "### promptops\n\ncost +$99/mo\n"),
        actions_env(github, second_event),
    )
    assert second.returncode == 0, second.stderr
    comment_id = created[0]["id"]
    assert writes(github)[1:] == [("PATCH", f"/repos/{REPO}/issues/comments/{comment_id}")]
    comments = github.issue_comments(REPO, PR)
    assert [c["id"] for c in comments] == [comment_id]
    assert "cost +$99/mo" in comments[0]["body"]
    assert "valid-at=2026-03-01T11:00:00Z" in comments[0]["body"]


def test_identical_body_sends_nothing(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    report = write_report(tmp_path, "### promptops\n\nno change\n")
    assert comment(report, env).returncode == 0
    before = len(github.requests)
    again = comment(report, env)
    assert again.returncode == 0, again.stderr
    assert len(github.writes()) == 1
    # reads only: GETs, and the GraphQL `viewer` query that names an installation token's bot
    reads = github.requests[before:]
    assert all(r.method == "GET" or r.path == "/graphql" for r in reads)
    assert not any("mutation" in str((r.body or {}).get("query")) for r in reads)
    assert "identical" in again.stderr


def test_delete_and_new_deletes_then_creates(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    comment(write_report(tmp_path, "old report\n"), env)
    old_id = github.issue_comments(REPO, PR)[0]["id"]
    result = comment(write_report(tmp_path, "new report\n"), env, "--behavior", "delete-and-new")
    assert result.returncode == 0, result.stderr
    assert writes(github)[1:] == [
        ("DELETE", f"/repos/{REPO}/issues/comments/{old_id}"),
        ("POST", f"/repos/{REPO}/issues/{PR}/comments"),
    ]
    remaining = github.issue_comments(REPO, PR)
    assert len(remaining) == 1 and remaining[0]["id"] != old_id
    assert "new report" in remaining[0]["body"]


def test_hide_and_new_minimizes_the_old_comment_through_graphql(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    comment(write_report(tmp_path, "old report\n"), env)
    old = github.issue_comments(REPO, PR)[0]
    result = comment(write_report(tmp_path, "new report\n"), env, "--behavior", "hide-and-new")
    assert result.returncode == 0, result.stderr
    assert writes(github)[1:] == [
        ("POST", "/graphql"),
        ("POST", f"/repos/{REPO}/issues/{PR}/comments"),
    ]
    mutation = github.writes()[1].body
    assert "minimizeComment" in mutation["query"] and "OUTDATED" in mutation["query"]
    assert mutation["variables"] == {"id": old["node_id"]}
    comments = github.issue_comments(REPO, PR)
    assert [c["minimized"] for c in comments] == [True, False]


def test_new_always_adds_a_comment(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    report = write_report(tmp_path, "same report\n")
    comment(report, env, "--behavior", "new")
    comment(report, env, "--behavior", "new")
    assert len(github.issue_comments(REPO, PR)) == 2


def test_pagination_past_100_comments_finds_the_old_one(tmp_path, github):
    human = {"login": "alice", "id": 1, "type": "User"}
    for i in range(150):
        github.add_comment(REPO, PR, f"review note {i}", human)
    ours = github.add_comment(REPO, PR, "<!-- promptops:comment id=default -->\nold\n")
    for i in range(30):
        github.add_comment(REPO, PR, f"later note {i}", human)
    env = actions_env(github, write_event(tmp_path))
    result = comment(write_report(tmp_path, "fresh\n"), env)
    assert result.returncode == 0, result.stderr
    assert writes(github) == [("PATCH", f"/repos/{REPO}/issues/comments/{ours['id']}")]
    pages = [r.query for r in github.requests if r.path.endswith(f"/issues/{PR}/comments")]
    assert pages[0]["per_page"] == "100"
    assert [p.get("page", "1") for p in pages] == ["1", "2"]


def test_a_403_on_a_fork_pull_request_is_reported_and_not_fatal(tmp_path, github):
    github.read_only = True
    env = actions_env(github, write_event(tmp_path, fork=True))
    result = comment(write_report(tmp_path, "report\n"), env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("::warning title=promptops comment::could not post")
    assert "HTTP 403" in result.stdout and "forks get a read-only GITHUB_TOKEN" in result.stdout
    assert github.issue_comments(REPO, PR) == []


def test_a_403_on_a_same_repo_pull_request_names_the_missing_permission(tmp_path, github):
    github.read_only = True
    result = comment(write_report(tmp_path, "r\n"), actions_env(github, write_event(tmp_path)))
    assert result.returncode == 0
    assert "pull-requests: write" in result.stdout


def test_a_comment_from_a_newer_run_is_never_overwritten(tmp_path, github):
    newer = "2026-03-02T00:00:00Z"
    existing = github.add_comment(
        REPO, PR, f"<!-- promptops:comment id=default valid-at={newer} -->\nnewer result\n"
    )
    env = actions_env(github, write_event(tmp_path, updated_at=UPDATED_AT))
    result = comment(write_report(tmp_path, "older result\n"), env)
    assert result.returncode == 0, result.stderr
    assert github.writes() == []
    assert github.issue_comments(REPO, PR)[0]["body"] == existing["body"]
    assert "newer run" in result.stderr


def test_a_human_comment_quoting_the_marker_is_left_alone(tmp_path, github):
    human = {"login": "mallory", "id": 2, "type": "User"}
    quoted = github.add_comment(REPO, PR, "<!-- promptops:comment id=default -->\nfake\n", human)
    result = comment(write_report(tmp_path, "real\n"), actions_env(github, write_event(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert writes(github) == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]
    assert github.issue_comments(REPO, PR)[0]["body"] == quoted["body"]


def test_a_personal_token_matches_comments_by_its_own_login(tmp_path, github):
    github.users["ghp_personal"] = {"login": "octocat", "id": 3, "type": "User"}
    env = actions_env(github, write_event(tmp_path), token="ghp_personal")
    comment(write_report(tmp_path, "one\n"), env)
    result = comment(write_report(tmp_path, "two\n"), env)
    assert result.returncode == 0, result.stderr
    assert [m for m, _ in writes(github)] == ["POST", "PATCH"]
    assert github.issue_comments(REPO, PR)[0]["user"]["login"] == "octocat"


def test_tags_keep_separate_comments(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    comment(write_report(tmp_path, "check\n"), env, "--tag", "check")
    comment(write_report(tmp_path, "eval\n"), env, "--tag", "eval")
    comment(write_report(tmp_path, "check v2\n"), env, "--tag", "check")
    bodies = [c["body"] for c in github.issue_comments(REPO, PR)]
    assert len(bodies) == 2
    assert parse_marker(bodies[0])[0] == "check" and "check v2" in bodies[0]
    assert parse_marker(bodies[1])[0] == "eval"


def test_server_errors_are_retried(tmp_path, github):
    github.fail_next = [502]
    result = comment(write_report(tmp_path, "r\n"), actions_env(github, write_event(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert github.requests[0].path == github.requests[1].path == "/user"
    assert len(github.issue_comments(REPO, PR)) == 1


def test_an_oversized_report_is_truncated_with_a_pointer_to_the_job_summary(tmp_path, github):
    rows = "".join(f"| prompt-{i:05d} | +$1.00 |\n" for i in range(6000))
    report = write_report(tmp_path, "### promptops headline\n\n```\n" + rows)
    result = comment(report, actions_env(github, write_event(tmp_path)))
    assert result.returncode == 0, result.stderr
    body = github.issue_comments(REPO, PR)[0]["body"]
    assert len(body) < COMMENT_MAX_CHARS
    assert "### promptops headline" in body.splitlines()[1]
    assert "https://github.com/acme/prompts/actions/runs/4242" in body
    assert body.count("```") % 2 == 0


def test_build_body_closes_open_details_when_truncating():
    markdown = "<details><summary>Why</summary>\n\n" + "line\n" * 20000
    body = build_body(markdown, "default", None)
    assert body.count("<details") == body.count("</details>")
    assert "truncated" in body


def test_ghes_base_url_and_derived_graphql_url(tmp_path):
    fake = start_fake_github(prefix="/api/v3")
    try:
        env = actions_env(fake, write_event(tmp_path))
        env["GITHUB_GRAPHQL_URL"] = ""  # derived from GITHUB_API_URL, as on GHES
        comment(write_report(tmp_path, "one\n"), env)
        result = comment(write_report(tmp_path, "two\n"), env, "--behavior", "hide-and-new")
        assert result.returncode == 0, result.stderr
        assert [c["minimized"] for c in fake.issue_comments(REPO, PR)] == [True, False]
    finally:
        stop_fake_github(fake)


def test_dry_run_prints_the_body_and_changes_nothing(tmp_path, github):
    env = actions_env(github, write_event(tmp_path))
    result = comment(write_report(tmp_path, "preview me\n"), env, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!-- promptops:comment id=default")
    assert "preview me" in result.stdout
    assert github.writes() == []
    assert "would have created" in result.stderr


def test_a_push_event_has_no_pull_request_to_comment_on(tmp_path, github):
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    env = actions_env(github, event) | {"GITHUB_EVENT_NAME": "push"}
    result = comment(write_report(tmp_path, "r\n"), env)
    assert result.returncode == 0
    assert "no pull request in this push event" in result.stdout
    assert github.requests == []


@pytest.mark.parametrize(
    ("args", "env_changes", "message"),
    [
        ([], {"GITHUB_TOKEN": "", "GH_TOKEN": ""}, "set GITHUB_TOKEN"),
        (["--tag", "bad tag!"], {}, "invalid comment tag"),
        (["--valid-at", "yesterday"], {}, "--valid-at must be an ISO-8601"),
        (["--repo", "not-a-repo"], {}, "invalid repository"),
    ],
)
def test_bad_input_is_a_usage_error(tmp_path, github, args, env_changes, message):
    env = actions_env(github, write_event(tmp_path)) | env_changes
    result = comment(write_report(tmp_path, "r\n"), env, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_report_file_is_a_usage_error(tmp_path, github):
    result = comment(tmp_path / "nope.md", actions_env(github, write_event(tmp_path)))
    assert result.returncode == 2
    assert "report file not found" in result.stderr


def test_hiding_with_a_read_only_token_is_a_warning_too(tmp_path, github):
    github.add_comment(REPO, PR, "<!-- promptops:comment id=default -->\nold\n")
    github.read_only = True
    env = actions_env(github, write_event(tmp_path, fork=True))
    result = comment(write_report(tmp_path, "new\n"), env, "--behavior", "hide-and-new")
    assert result.returncode == 0, result.stderr
    assert "::warning" in result.stdout and "HTTP 403" in result.stdout
    assert [c["minimized"] for c in github.issue_comments(REPO, PR)] == [False]


def test_a_json_report_is_rendered_to_markdown(tmp_path, github):
    report = {
        "schema_version": 3,
        "blocking": True,
        "blocking_reasons": [
            {
                "code": "budget-exceeded",
                "budget": "kill_switch_usd",
                "workload": "support-bot",
                "path": "charters/support-bot.yaml",
                "line": 9,
                "limit": "15000",
                "value": "15250.5",
                "base_value": None,
            }
        ],
        "totals": {"monthly_delta_usd": "412.00"},
    }
    path = write_report(tmp_path, json.dumps(report), name="report.json")
    result = comment(path, actions_env(github, write_event(tmp_path)))
    assert result.returncode == 0, result.stderr
    body = github.issue_comments(REPO, PR)[0]["body"]
    assert (
        "support-bot: runaway monthly cost $15,250.50 passes the kill switch at $15,000.00 "
        "(was not priced on base) \\[kill_switch_usd\\] — charters/support-bot.yaml:9"
    ) in body
    assert not body.splitlines()[1].startswith("{")
