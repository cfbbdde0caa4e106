"""The action's run step, run like a runner would, against a fake GitHub and a real git repo."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptops.diff.index import INDEX_FILE
from promptops.github.comments import parse_marker
from tests.support.action_runner import StepResult, run_step
from tests.support.cli import REPO_ROOT
from tests.support.fake_github import FakeGitHub, start_fake_github, stop_fake_github

REPO = "acme/prompts"
PR = 12
BREACH_DATA = {  # a blocking reason as the check JSON holds it: a code and its figures
    "code": "budget-exceeded",
    "budget": "monthly_usd.expected",
    "workload": "support-bot",
    "prompt": None,
    "path": "charters/support-bot.yaml",
    "line": 7,
    "limit": "3000",
    "value": "3650",
    "base_value": "2900",
    "expired_waiver": None,
}
BREACH = (  # ... and as the summary, the annotation and the comment word it (the first part)
    "support-bot: expected monthly cost $3,650.00 is over its budget of $3,000.00 "
    "(was $2,900.00 on base)"
)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = start_fake_github()
    yield fake
    stop_fake_github(fake)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def make_repo(path: Path) -> tuple[str, str]:
    """A repo whose main has one commit and whose feature branch adds one: (base, head)."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "examples").mkdir()
    (path / "examples" / "README.md").write_text("prompts\n", encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "base")
    base = git(path, "rev-parse", "HEAD")
    git(path, "checkout", "-q", "-b", "feature")
    (path / "examples" / "prompt.yaml").write_text("kind: prompt\n", encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "head")
    return base, git(path, "rev-parse", "HEAD")


def write_event(path: Path, base: str, head: str, *, fork: bool = False) -> Path:
    event = {
        "action": "synchronize",
        "number": PR,
        "pull_request": {
            "number": PR,
            "updated_at": "2026-05-01T09:00:00Z",
            "base": {"sha": base, "ref": "main", "repo": {"full_name": REPO}},
            "head": {
                "sha": head,
                "ref": "feature",
                "repo": {"full_name": "fork/prompts" if fork else REPO, "fork": fork},
            },
        },
        "repository": {"full_name": REPO},
    }
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def check_report(path: Path, *, blocking: bool, findings: list[dict] | None = None) -> Path:
    report = {
        "schema_version": 3,
        "blocking": blocking,
        "blocking_reasons": [BREACH_DATA] if blocking else [],
        "totals": {"monthly_delta_usd": "412.50"},
        "findings": findings or [],
    }
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> dict:
    base, head = make_repo(tmp_path / "repo")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    return {
        "repo": tmp_path / "repo",
        "base": base,
        "head": head,
        "temp": runner_temp,
        "event": write_event(tmp_path / "event.json", base, head),
    }


def run_action(
    ws: dict, github: FakeGitHub, *, with_: dict | None = None, env: dict | None = None
) -> StepResult:
    """The cache-plan step, then the run step with its outputs, as the runner chains them."""
    full_env = {
        "GITHUB_API_URL": github.url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(ws["event"]),
        "GITHUB_RUN_ID": "777",
        **(env or {}),
    }
    installed = {"install": {"python": sys.executable}}
    plan = run_step(
        "cache-plan",
        workspace=ws["repo"],
        runner_temp=ws["temp"],
        with_=with_,
        step_outputs=installed,
        env=full_env,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    return run_step(
        "run",
        workspace=ws["repo"],
        runner_temp=ws["temp"],
        with_=with_,
        step_outputs={**installed, "cache-plan": {"dir": "", **plan.outputs}},
        env=full_env,
    )


def test_a_budget_breach_fails_the_step_comments_and_sets_outputs(workspace, github):
    report = check_report(workspace["temp"] / "prepared.json", blocking=True)
    result = run_action(workspace, github, env={"PROMPTOPS_REPORT_FILE": str(report)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["blocking"] == "true"
    assert result.outputs["monthly-delta-usd"] == "412.50"
    assert Path(result.outputs["report-path"]).is_file()
    assert Path(result.outputs["report-path"]).parent.parent == workspace["temp"]
    assert BREACH in result.summary
    assert f"::error title=promptops::Merge blocked: {BREACH}" in result.stdout
    assert "::error title=promptops gate::" in result.stdout
    comments = github.issue_comments(REPO, PR)
    assert len(comments) == 1
    assert parse_marker(comments[0]["body"]) == ("check", "2026-05-01T09:00:00Z")
    assert BREACH in comments[0]["body"]


def test_the_same_pull_request_with_a_waiver_passes(workspace, github):
    report = check_report(workspace["temp"] / "prepared.json", blocking=False)
    result = run_action(workspace, github, env={"PROMPTOPS_REPORT_FILE": str(report)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["blocking"] == "false"
    assert "::error" not in result.stdout
    assert len(github.issue_comments(REPO, PR)) == 1


def test_a_second_run_updates_the_comment_and_an_identical_one_sends_nothing(workspace, github):
    env = {"PROMPTOPS_REPORT_FILE": str(check_report(workspace["temp"] / "a.json", blocking=True))}
    run_action(workspace, github, env=env)
    run_action(workspace, github, env=env)
    assert [r.method for r in github.writes()] == ["POST"]
    env = {"PROMPTOPS_REPORT_FILE": str(check_report(workspace["temp"] / "b.json", blocking=False))}
    run_action(workspace, github, env=env)
    assert [r.method for r in github.writes()] == ["POST", "PATCH"]
    assert len(github.issue_comments(REPO, PR)) == 1


def test_fail_on_never_reports_but_does_not_fail(workspace, github):
    report = check_report(workspace["temp"] / "prepared.json", blocking=True)
    result = run_action(
        workspace, github, with_={"fail-on": "never"}, env={"PROMPTOPS_REPORT_FILE": str(report)}
    )
    assert result.returncode == 0
    assert result.outputs["blocking"] == "true"


def test_fail_on_warning_fails_on_warnings_and_annotates_most_severe_first(workspace, github):
    findings = [
        {
            "code": "PO306",
            "severity": "warning",
            "message": "no max_output_tokens",
            "path": "examples/prompt.yaml",
            "line": 1,
            "column": 1,
        },
        {
            "code": "PO304",
            "severity": "info",
            "message": "fyi",
            "path": "examples/a.yaml",
            "line": 2,
            "column": 1,
        },
    ]
    report = check_report(workspace["temp"] / "r.json", blocking=False, findings=findings)
    env = {"PROMPTOPS_REPORT_FILE": str(report)}
    passing = run_action(workspace, github, env=env)
    assert passing.returncode == 0
    failing = run_action(workspace, github, with_={"fail-on": "warning"}, env=env)
    assert failing.returncode == 1
    annotations = [line for line in failing.stdout.splitlines() if line.startswith("::")]
    assert annotations[0].startswith("::warning file=examples/prompt.yaml,line=1,")
    assert annotations[1].startswith("::notice file=")
    assert "title=promptops (PO304)::" in annotations[1]


def test_comment_off_sends_no_request(workspace, github):
    report = check_report(workspace["temp"] / "prepared.json", blocking=True)
    result = run_action(
        workspace, github, with_={"comment": "off"}, env={"PROMPTOPS_REPORT_FILE": str(report)}
    )
    assert result.returncode == 1
    assert github.requests == []
    assert BREACH in result.summary


def test_delete_and_new_and_working_directory_tag(workspace, github):
    env = {"PROMPTOPS_REPORT_FILE": str(check_report(workspace["temp"] / "a.json", blocking=True))}
    with_ = {"working-directory": "examples", "comment": "delete-and-new"}
    run_action(workspace, github, with_=with_, env=env)
    env = {"PROMPTOPS_REPORT_FILE": str(check_report(workspace["temp"] / "b.json", blocking=False))}
    run_action(workspace, github, with_=with_, env=env)
    assert [r.method for r in github.writes()] == ["POST", "DELETE", "POST"]
    (only,) = github.issue_comments(REPO, PR)
    assert parse_marker(only["body"])[0] == "check/examples"


def test_a_read_only_token_on_a_fork_pr_is_a_warning_not_a_failure(workspace, github, tmp_path):
    github.read_only = True
    workspace["event"] = write_event(
        tmp_path / "fork.json", workspace["base"], workspace["head"], fork=True
    )
    report = check_report(workspace["temp"] / "prepared.json", blocking=False)
    result = run_action(workspace, github, env={"PROMPTOPS_REPORT_FILE": str(report)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "forks get a read-only GITHUB_TOKEN" in result.stdout
    assert result.outputs["blocking"] == "false"
    assert "passed" in result.summary or "promptops" in result.summary


def test_a_missing_base_commit_asks_for_fetch_depth_zero(workspace, github, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            f"file://{workspace['repo']}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    workspace["repo"] = clone
    report = check_report(workspace["temp"] / "prepared.json", blocking=False)
    result = run_action(workspace, github, env={"PROMPTOPS_REPORT_FILE": str(report)})
    assert result.returncode == 2
    assert f"the base commit {workspace['base']} is not in this clone" in result.stdout
    assert "fetch-depth: 0" in result.stdout
    assert github.requests == []


def test_the_base_is_the_merge_base_of_the_event_shas(workspace):
    from promptops.github.refs import merge_base

    git(workspace["repo"], "checkout", "-q", "main")
    (workspace["repo"] / "later.txt").write_text("x", encoding="utf-8")
    git(workspace["repo"], "add", "-A")
    git(workspace["repo"], "commit", "-q", "-m", "main moves on")
    main_tip = git(workspace["repo"], "rev-parse", "HEAD")
    assert merge_base(workspace["repo"], main_tip, workspace["head"]) == workspace["base"]


@pytest.mark.parametrize(
    ("with_", "message"),
    [
        ({"command": "deploy; rm -rf /"}, "input command must be check, lint, eval or warm"),
        ({"comment": "sometimes"}, "input comment must be"),
        ({"fail-on": "info\n::error::injected"}, "input fail-on must be"),
        ({"working-directory": "nowhere"}, "working-directory 'nowhere' does not exist"),
        ({"args": "--foo 'unbalanced"}, "input args has unbalanced quotes"),
    ],
)
def test_bad_inputs_fail_clearly(workspace, github, with_, message):
    report = check_report(workspace["temp"] / "prepared.json", blocking=False)
    result = run_action(workspace, github, with_=with_, env={"PROMPTOPS_REPORT_FILE": str(report)})
    assert result.returncode == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and message in errors[0]
    assert "::error::injected" not in result.stdout.replace("%0A::error::injected", "")


def test_a_lint_findings_array_blocks_on_errors(workspace, github):
    report = workspace["temp"] / "lint.json"
    report.write_text(
        json.dumps(
            [
                {
                    "code": "PO101",
                    "severity": "error",
                    "message": "variable in cached prefix",
                    "path": "examples/prompt.yaml",
                    "line": 4,
                    "column": 3,
                },
            ]
        ),
        encoding="utf-8",
    )
    result = run_action(
        workspace, github, with_={"command": "lint"}, env={"PROMPTOPS_REPORT_FILE": str(report)}
    )
    assert result.returncode == 1
    assert result.outputs["blocking"] == "true"
    assert result.outputs["monthly-delta-usd"] == ""
    assert "::error file=examples/prompt.yaml,line=4," in result.stdout
    assert "title=promptops (PO101)::" in result.stdout
    assert parse_marker(github.issue_comments(REPO, PR)[0]["body"])[0] == "lint"


CHARTER = """\
kind: charter
id: support-bot
owner: jane@example.com
scenarios:
  expected: {calls_per_month: 1000000, cache_hit_rate: 0.8, output_tokens: 300}
budgets:
  monthly_usd: {expected: 2000}  # base ≈ $1,508/month fits; the longer prompt ≈ $3,900 does not
"""
PROMPT = """\
kind: prompt
id: support/triage
version: 1.0.0
model: claude-haiku-4-5
workload: support-bot
max_output_tokens: 300
system: {system}
messages:
  - role: user
    content: "Classify this ticket."
"""
WAIVER = """\
waivers:
  - budget: monthly_usd.expected
    reason: launch week traffic
    approver: finance@example.com
    expires: 2099-12-31
"""


def real_repo(tmp_path: Path) -> tuple[Path, str]:
    """main: a charter and a prompt; feature: the prompt grows past the budget. (repo, base)"""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "charters").mkdir()
    (repo / "prompts").mkdir()
    (repo / "charters" / "support-bot.yaml").write_text(CHARTER, encoding="utf-8")
    (repo / "prompts" / "triage.yaml").write_text(
        PROMPT.format(system="Be brief."), encoding="utf-8"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    long_system = json.dumps("You triage support tickets. " * 400)
    (repo / "prompts" / "triage.yaml").write_text(
        PROMPT.format(system=long_system).replace("1.0.0", "1.1.0"), encoding="utf-8"
    )
    git(repo, "commit", "-q", "-am", "longer prompt")
    return repo, base


def test_real_check_blocks_a_budget_breach_and_a_waiver_unblocks_it(tmp_path, github):
    repo, base = real_repo(tmp_path)
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    ws = {
        "repo": repo,
        "temp": runner_temp,
        "event": write_event(tmp_path / "event.json", base, git(repo, "rev-parse", "HEAD")),
    }
    sarif = tmp_path / "promptops.sarif"
    breach = run_action(ws, github, with_={"sarif-file": str(sarif)})
    assert breach.returncode == 1, breach.stdout + breach.stderr
    assert breach.outputs["blocking"] == "true"
    assert json.loads(sarif.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert (runner_temp / "promptops-cache" / INDEX_FILE).is_file()
    charter = repo / "charters" / "support-bot.yaml"
    charter.write_text(CHARTER + WAIVER, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "waive the budget for launch week")
    waived = run_action(ws, github)
    assert waived.returncode == 0, waived.stdout + waived.stderr
    assert waived.outputs["blocking"] == "false"


def test_annotations_name_files_relative_to_the_workspace(workspace, github):
    findings = [
        {
            "code": "PO306",
            "severity": "warning",
            "message": "m",
            "path": "prompt.yaml",
            "line": 1,
            "column": 1,
        },
    ]
    report = check_report(workspace["temp"] / "r.json", blocking=False, findings=findings)
    result = run_action(
        workspace,
        github,
        with_={"working-directory": "examples"},
        env={"PROMPTOPS_REPORT_FILE": str(report)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::warning file=examples/prompt.yaml,line=1," in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(
    not (REPO_ROOT / "README.md").is_file(), reason="pyproject's readme is not in this checkout"
)
def test_install_step_builds_a_private_venv_that_the_run_step_uses(workspace, github):
    installed = run_step(
        "install",
        workspace=workspace["repo"],
        runner_temp=workspace["temp"],
        step_outputs={"python": {"python-path": sys.executable}},
        env={"PYTHONPATH": ""},
        timeout=900,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    venv_python = Path(installed.outputs["python"])
    assert venv_python.parent.parent == workspace["temp"] / "promptops-venv"
    report = check_report(workspace["temp"] / "prepared.json", blocking=True)
    result = run_step(
        "run",
        workspace=workspace["repo"],
        runner_temp=workspace["temp"],
        step_outputs={"install": {"python": str(venv_python)}, "cache-plan": {"dir": ""}},
        env={
            "PYTHONPATH": "",
            "GITHUB_API_URL": github.url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(workspace["event"]),
            "PROMPTOPS_REPORT_FILE": str(report),
        },
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["blocking"] == "true"
    assert len(github.issue_comments(REPO, PR)) == 1


def test_the_cache_plan_keys_a_pull_request_by_its_merge_base(workspace):
    def plan(with_: dict | None = None) -> dict[str, str]:
        result = run_step(
            "cache-plan",
            workspace=workspace["repo"],
            runner_temp=workspace["temp"],
            with_=with_,
            step_outputs={"install": {"python": sys.executable}},
            env={"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(workspace["event"])},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.outputs

    pull_request = plan()
    assert pull_request == {
        "enabled": "true",
        "dir": str(workspace["temp"] / "promptops-cache"),
        "key": f"promptops-v1-Linux-{workspace['base']}",  # what main's warm run saved
        "save-key": f"promptops-v1-Linux-{workspace['base']}-check",
        "restore-prefix": "promptops-v1-Linux-",
    }
    warm = plan({"command": "warm"})
    assert warm["key"] == warm["save-key"] == f"promptops-v1-Linux-{workspace['head']}"
    assert plan({"cache": "false"})["enabled"] == "false"
    assert plan({"working-directory": "nowhere"})["enabled"] == "false"  # the run step says why


def test_warm_on_the_default_branch_fills_the_cache_a_pull_request_restores(tmp_path, github):
    repo, base = real_repo(tmp_path)
    git(repo, "checkout", "-q", "main")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    push_event = tmp_path / "push.json"
    push_event.write_text(json.dumps({"ref": "refs/heads/main", "after": base}), encoding="utf-8")
    ws = {"repo": repo, "temp": runner_temp, "event": push_event}
    warm = run_action(ws, github, with_={"command": "warm"}, env={"GITHUB_EVENT_NAME": "push"})
    assert warm.returncode == 0, warm.stdout + warm.stderr
    assert "warmed" in warm.stdout and "1 prompt in 1 workload (1 priced" in warm.stdout
    assert github.requests == []  # no report, no comment
    cache = runner_temp / "promptops-cache"
    assert len(list((cache / "diff-figures").glob("*/*.json"))) == 1
    assert (cache / INDEX_FILE).is_file()

    git(repo, "checkout", "-q", "feature")
    pr = {**ws, "event": write_event(tmp_path / "pr.json", base, git(repo, "rev-parse", "HEAD"))}
    checked = run_action(pr, github)
    assert checked.returncode == 1, checked.stdout + checked.stderr  # the same gate, warm
    assert checked.outputs["blocking"] == "true"


def broken_pr(tmp_path: Path, files: dict[str, bytes]) -> dict:
    """main: promptops.yaml, the charter and the prompt; feature: `files` as they are."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "promptops.yaml").write_text("tokenizer: cl100k_base\n", encoding="utf-8")
    (repo / "charters").mkdir()
    (repo / "prompts").mkdir()
    (repo / "charters" / "support-bot.yaml").write_text(CHARTER, encoding="utf-8")
    (repo / "prompts" / "triage.yaml").write_text(
        PROMPT.format(system="Be brief."), encoding="utf-8"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    for rel, data in files.items():
        (repo / rel).write_bytes(data)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the attack")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    head = git(repo, "rev-parse", "HEAD")
    return {
        "repo": repo,
        "temp": runner_temp,
        "event": write_event(tmp_path / "e.json", base, head),
    }


@pytest.mark.parametrize(
    ("rel", "data", "message"),
    [
        # item 2: "A PR that adds a new file with broken YAML (or a duplicate key) passes `check`"
        (
            "prompts/new.yaml",
            b"kind: prompt\nid: new\nid: newer\nversion: 1.0.0\nmodel: claude-haiku-4-5\n",
            "duplicate key 'id'",
        ),
        # item 3: "A document that is not valid UTF-8 disappears: ... `check` reports the
        # workload at $0 ('decreases by $35.04 (-100%)') and passes."
        (
            "prompts/triage.yaml",
            PROMPT.format(system="Soyez bref, café.").replace("1.0.0", "1.1.0").encode("latin-1"),
            "not UTF-8 text",
        ),
    ],
    ids=["new-file-duplicate-key", "not-utf8"],
)
def test_the_action_blocks_broken_documents_with_a_red_comment(
    tmp_path, github, rel, data, message
):
    ws = broken_pr(tmp_path, {rel: data})
    result = run_action(ws, github)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["blocking"] == "true"
    assert result.outputs["monthly-delta-usd"] == ""  # incomplete: no figure, not $0
    assert (
        f"::error file={rel},line=" in result.stdout and "title=promptops (PO001)" in result.stdout
    )
    (comment,) = github.issue_comments(REPO, PR)
    body = comment["body"]
    assert "❌" in body and "blocking issue" in body
    assert f"{rel}:" in body and message in body and "PO001" in body
    assert "-100" not in body and "decreases" not in body


def pr_between(tmp_path: Path, base: dict[str, str], head: dict[str, str]) -> dict:
    """A repo whose main holds `base` and whose feature branch rewrites `head` on top."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for files in (base, head):
        for rel, text in files.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base" if files is base else "the change")
        if files is base:
            base_sha = git(repo, "rev-parse", "HEAD")
            git(repo, "checkout", "-q", "-b", "feature")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    head_sha = git(repo, "rev-parse", "HEAD")
    return {
        "repo": repo,
        "temp": runner_temp,
        "event": write_event(tmp_path / "e.json", base_sha, head_sha),
    }


def test_the_action_blocks_a_tool_growth_behind_a_pyyaml_style_tools_list(tmp_path, github):
    """Item 1: "A `tools:` block list is invisible to diff, check and cache warm ... A tool that
    grows 1,597 tokens is charged to no prompt: `check` says '±$0.000000 … passed' (exit 0) on a
    +156% change against `max_increase.pct: 10`." The list is written as PyYAML writes it."""
    charter = CHARTER.replace(
        "budgets:\n", "agent: {max_steps: 5}\nbudgets:\n  max_increase: {pct: 10}\n"
    ).replace("{expected: 2000}", "{expected: 100000}")
    prompt = PROMPT.format(system="Be brief.").replace(
        "max_output_tokens: 300\n", "max_output_tokens: 300\ntools:\n- lookup\n"
    )
    tool = (
        "kind: tool\nid: lookup\nversion: {version}\ndescription: {description}\n"
        "input_schema:\n  type: object\n  properties:\n    q: {{type: string}}\n"
    )
    base = {
        "promptops.yaml": "tokenizer: cl100k_base\n",
        "charters/support-bot.yaml": charter,
        "prompts/triage.yaml": prompt,
        "tools/lookup.yaml": tool.format(version="1.0.0", description="Look an order up."),
    }
    grown = "Look an order up." + " Mention the order status." * 320
    ws = pr_between(
        tmp_path, base, {"tools/lookup.yaml": tool.format(version="1.1.0", description=grown)}
    )
    result = run_action(ws, github)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["blocking"] == "true"
    (comment,) = github.issue_comments(REPO, PR)
    body = comment["body"]
    assert "❌" in body and "max_increase.pct" in body
    assert "±$0.000000" not in body and "support/triage" in body
