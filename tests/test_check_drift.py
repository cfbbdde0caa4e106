"""`promptops check --telemetry`: a touched workload whose charter assumptions production
contradicts gets a drift section in the PR comment with the money at stake (a warning), and
blocks when the charter says `calibration: enforce` (issue 17, acceptance 3)."""

from __future__ import annotations

import json
from pathlib import Path

from promptops.report.reasons import reason_text
from tests.support.calibrate_repo import CHARTER, PROMPT, call_record, tokens_report, write_records
from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo


def _repo(tmp_path: Path, charter: str) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", "tokenizer: cl100k_base\n")
    repo.write("charters/support.yaml", charter)
    repo.write("prompts/agent.yaml", PROMPT)
    repo.commit("base")
    repo.branch("feature")
    repo.write(
        "prompts/agent.yaml",
        PROMPT.replace("version: 1.0.0", "version: 1.0.1").replace(
            "You are a support agent.", "You are a friendly support agent."
        ),
    )
    repo.commit("touch the prompt")
    return repo


def _telemetry(repo: GitRepo, tmp_path: Path) -> Path:
    tokens = tokens_report(repo.root)["prompts"][0]["tokens"]
    records = [
        call_record(
            tokens["cached"],
            tokens["uncached"],
            index % 5 < 2,
            450,
            trace_id=f"t{index // 3}",
            timestamp=1_788_000_000 + index * 30,
        )
        for index in range(3000)
    ]  # hit rate 0.4 against the charter's 0.9; output and steps as chartered
    return write_records(tmp_path / "calls.jsonl", records)


def _check(repo: GitRepo, telemetry: Path, tmp_path: Path) -> tuple[int, dict, str]:
    markdown = tmp_path / "comment.md"
    result = run_cli(
        [
            "check",
            "--base",
            "main",
            "--telemetry",
            str(telemetry),
            "--format",
            "json",
            "--markdown-output",
            str(markdown),
        ],
        cwd=repo.root,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), markdown.read_text()


def test_drift_is_a_section_and_a_warning(tmp_path: Path) -> None:
    repo = _repo(tmp_path, CHARTER)
    code, report, markdown = _check(repo, _telemetry(repo, tmp_path), tmp_path)
    assert code == 0, report["blocking_reasons"]
    (drift,) = report["drift"]
    assert (drift["workload"], drift["metric"]) == ("support", "cache_hit_rate")
    assert (drift["assumed"], drift["measured"], drift["blocking"]) == (0.9, 0.4, False)
    assert float(drift["monthly_usd"]) > 0
    assert "Production drift" in markdown and "| support | cache hit rate | 0.9 | 0.4 |" in markdown
    assert any(
        "production drift in support: cache_hit_rate" in reason_text(w)
        for w in report["warnings"]
        if w["code"] == "production-drift"
    )


def test_calibration_enforce_blocks(tmp_path: Path) -> None:
    repo = _repo(tmp_path, CHARTER + "calibration: enforce\n")
    code, report, markdown = _check(repo, _telemetry(repo, tmp_path), tmp_path)
    assert code == 1
    assert any(
        r["code"] == "production-drift"
        and r["metric"] == "cache_hit_rate"
        and "calibration: enforce" in reason_text(r)
        for r in report["blocking_reasons"]
    )
    assert "❌" in markdown


def test_no_drift_within_the_margins(tmp_path: Path) -> None:
    charter = CHARTER.replace("cache_hit_rate: 0.9", "cache_hit_rate: 0.45")
    repo = _repo(
        tmp_path,
        charter.replace("output_tokens: 450", "output_tokens: 440").replace(
            "calls_per_month: 100000", "calls_per_month: 87600"
        ),
    )
    code, report, markdown = _check(repo, _telemetry(repo, tmp_path), tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert report["drift"] == [], report["drift"]
    assert "Production drift" not in markdown


def test_the_actions_telemetry_input_puts_drift_in_the_comment(tmp_path: Path) -> None:
    import sys

    from tests.support.action_runner import run_step
    from tests.support.fake_github import start_fake_github, stop_fake_github
    from tests.test_github_action_run import PR, REPO, write_event

    repo = _repo(tmp_path, CHARTER)
    telemetry = _telemetry(repo, tmp_path)
    (repo.root / "telemetry").mkdir()
    telemetry.rename(repo.root / "telemetry" / "calls.jsonl")
    event = write_event(
        tmp_path / "event.json", repo.git("rev-parse", "main"), repo.git("rev-parse", "HEAD")
    )
    runner = tmp_path / "runner"
    runner.mkdir()
    github = start_fake_github()
    try:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_GRAPHQL_URL": github.graphql_url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_RUN_ID": "1",
        }
        result = run_step(
            "run",
            workspace=repo.root,
            runner_temp=runner,
            with_={"telemetry": "telemetry/*.jsonl"},
            step_outputs={"install": {"python": sys.executable}, "cache-plan": {"dir": ""}},
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        (comment,) = github.issue_comments(REPO, PR)
        assert "Production drift" in comment["body"]
        assert "| support | cache hit rate | 0.9 | 0.4 |" in comment["body"]
    finally:
        stop_fake_github(fake=github)
