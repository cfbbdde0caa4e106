"""Signers guard their charter (issue 18, acceptance 1): `promptops check` on a pull request, with
a token and a fake GitHub speaking the REST API on loopback, blocks a change that relaxes a
charter until one of its signers approves; a dismissed review, another user's approval or a
later change request does not count; a team handle counts its active members; tightening needs
nobody; without a token the relaxation is a warning naming the signers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptops.report.reasons import reason_text
from tests.support.cli import run_cli
from tests.support.fake_github import start_fake_github, stop_fake_github
from tests.support.git_repo import GitRepo

REPO = "acme/support-bot"
PR = 7
CHARTER = """\
kind: charter
id: support
owner: jane.doe@example.com
signers:
  platform: Tomas Berg @tberg
  finance: Helen Cho @acme/finance
scenarios:
  expected: {calls_per_month: 1000, cache_hit_rate: 0.5, output_tokens: 300}
budgets:
  monthly_usd: {expected: 100, stretch: 300, runaway: 1500}
"""
PROMPT = """\
kind: prompt
id: support/answer
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system: You answer questions about orders.
messages:
  - role: user
    content: "{{ question }}"
variables:
  question: {max_tokens: 300, expected_tokens: 50}
"""


@pytest.fixture()
def github():
    fake = start_fake_github()
    yield fake
    stop_fake_github(fake)


def pull_request(tmp_path: Path, new_budget: str) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", "tokenizer: cl100k_base\n")
    repo.write("charters/support.yaml", CHARTER)
    repo.write("prompts/answer.yaml", PROMPT)
    repo.commit("base")
    repo.branch("feature")
    repo.write(
        "charters/support.yaml", CHARTER.replace("expected: 100,", f"expected: {new_budget},")
    )
    repo.commit("budget")
    return repo


def check(
    repo: GitRepo, github, tmp_path: Path, token: str | None = "ghs_actions"
) -> tuple[int, dict, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": PR,
                    "base": {"sha": repo.git("rev-parse", "main"), "repo": {"full_name": REPO}},
                    "head": {"sha": repo.git("rev-parse", "HEAD"), "repo": {"full_name": REPO}},
                },
                "repository": {"full_name": REPO},
            }
        )
    )
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": token or "",
    }
    result = run_cli(["check", "--base", "main", "--format", "json"], cwd=repo.root, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def test_a_raised_budget_waits_for_a_signer(tmp_path: Path, github) -> None:
    repo = pull_request(tmp_path, "250")
    code, report, _ = check(repo, github, tmp_path)
    assert code == 1
    (data,) = [r for r in report["blocking_reasons"] if r["code"] == "charter-needs-approval"]
    assert data["handles"] == ["@acme/finance", "@tberg"]
    reason = reason_text(data)
    assert "budgets.monthly_usd.expected: 100 → 250" in reason
    assert "needs approval from one of: @acme/finance, @tberg" in reason
    (change,) = report["charter_changes"]
    assert change["status"] == "needs-approval" and change["handles"] == ["@acme/finance", "@tberg"]

    github.add_review(REPO, PR, "mallory", "APPROVED")  # not a signer
    github.add_review(REPO, PR, "tberg", "COMMENTED")  # a comment is no approval
    assert check(repo, github, tmp_path)[0] == 1

    github.add_review(REPO, PR, "tberg", "APPROVED")
    code, report, _ = check(repo, github, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert report["charter_changes"][0]["approved_by"] == "tberg"

    github.add_review(REPO, PR, "tberg", "DISMISSED")  # the approval was dismissed
    assert check(repo, github, tmp_path)[0] == 1
    github.add_review(REPO, PR, "tberg", "APPROVED")
    github.add_review(REPO, PR, "tberg", "CHANGES_REQUESTED")  # the latest counted review wins
    assert check(repo, github, tmp_path)[0] == 1


def test_a_team_signer_is_any_active_member_across_pages(tmp_path: Path, github) -> None:
    repo = pull_request(tmp_path, "250")
    for number in range(150):  # the approval is on the second page of reviews
        github.add_review(REPO, PR, f"bystander{number}", "COMMENTED")
    github.add_review(REPO, PR, "helen", "APPROVED")
    assert check(repo, github, tmp_path)[0] == 1  # helen is not (yet) in acme/finance
    github.team_members[("acme", "finance")] = {"helen"}
    code, report, _ = check(repo, github, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert report["charter_changes"][0]["approved_by"] == "acme/finance"
    pages = [r for r in github.requests if r.path.endswith(f"/pulls/{PR}/reviews")]
    assert any(r.query.get("page") == "2" for r in pages)


def test_tightening_needs_no_approval(tmp_path: Path, github) -> None:
    repo = pull_request(tmp_path, "80")
    code, report, _ = check(repo, github, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert report["charter_changes"] == []
    assert not [r for r in github.requests if "reviews" in r.path]


def test_offline_it_warns_naming_the_signers(tmp_path: Path, github) -> None:
    repo = pull_request(tmp_path, "250")
    code, report, _ = check(repo, github, tmp_path, token=None)
    assert code == 0
    (data,) = [w for w in report["warnings"] if w["code"] == "charter-unverified"]
    warning = reason_text(data)
    assert "a signer should approve (@acme/finance, @tberg)" in warning
    assert report["charter_changes"][0]["status"] == "unverified"


def test_an_unreadable_review_list_fails_closed(tmp_path: Path, github) -> None:
    repo = pull_request(tmp_path, "250")
    github.echo_status = 500  # every answer an error
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": PR}, "repository": {"full_name": REPO}})
    )
    env = {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_TOKEN": "ghs_actions",
    }
    result = run_cli(["check", "--base", "main", "--format", "json"], cwd=repo.root, env=env)
    assert result.returncode == 3, result.stderr  # never a pass on an unverifiable approval
    assert "cannot read the pull request's reviews" in result.stderr
    assert "Traceback" not in result.stderr


def test_signers_without_handles_warn_and_do_not_block(tmp_path: Path, github) -> None:
    named = CHARTER.replace(" @tberg", "").replace(" @acme/finance", "")
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", "tokenizer: cl100k_base\n")
    repo.write("charters/support.yaml", named)
    repo.write("prompts/answer.yaml", PROMPT)
    repo.commit("base")
    repo.branch("feature")
    repo.write("charters/support.yaml", named.replace("expected: 100,", "expected: 250,"))
    repo.commit("budget")
    code, report, _ = check(repo, github, tmp_path)
    assert code == 0, report["blocking_reasons"]
    (data,) = [w for w in report["warnings"] if w["code"] == "charter-unverified"]
    warning = reason_text(data)
    assert "write a signer's @login or @org/team in signers: to enforce it" in warning
    assert "Tomas Berg" in warning
