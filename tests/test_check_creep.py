"""`check` warns about creep: a prompt that grew more than `lint.limits.creep_pct` (default 30%)
against the base ref as it stood `creep_days` (90) ago, although every single change stayed
under `growth_pct` (the Unbounded System Prompt, 200 tokens a week)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo

RULE = "Answer politely and cite the order number in every reply. "


def prompt(paragraphs: int, version: str) -> str:
    text = " ".join(f"{RULE}Section {i}." for i in range(paragraphs))
    return (
        f"kind: prompt\nid: support/answer\nversion: {version}\nmodel: claude-haiku-4-5\n"
        f'max_output_tokens: 400\nsystem: "{text}"\n'
    )


def dated_commit(repo: GitRepo, days_ago: int, message: str) -> None:
    stamp = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT12:00:00Z")
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "add", "-A"], cwd=repo.root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.root, check=True, env=env)


def grown_repo(tmp_path: Path, steps: int, more: int = 3) -> GitRepo:
    """40 paragraphs 120 days ago, then `more` (3: +7.5%, under growth_pct) every 10 days."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", "tokenizer: cl100k_base\n")
    size = 40
    repo.write("prompts/answer.yaml", prompt(size, "1.0.0"))
    dated_commit(repo, 120, "first")
    for step in range(steps):
        size += more
        repo.write("prompts/answer.yaml", prompt(size, f"1.{step + 1}.0"))
        dated_commit(repo, 110 - 10 * step, f"a little more {step}")
    repo.branch("feature")
    repo.write("prompts/answer.yaml", prompt(size + more, f"1.{steps + 1}.0"))
    repo.commit("and a little more")
    return repo


def check(repo: GitRepo) -> dict:
    result = run_cli(["check", "--base", "main", "--format", "json"], cwd=repo.root)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_small_steps_that_add_up_warn(tmp_path: Path) -> None:
    report = check(grown_repo(tmp_path, steps=10))
    (creep,) = [w for w in report["warnings"] if "grew" in w and "days" in w]
    assert "support/answer grew" in creep and "in 90 days" in creep
    assert "creep_pct 30%" in creep
    assert not [f for f in report["findings"] if f["code"] == "PO308"]  # each step was small


def test_no_creep_warning_within_the_share(tmp_path: Path) -> None:
    report = check(grown_repo(tmp_path, steps=10, more=1))  # +21% in 90 days
    assert not [w for w in report["warnings"] if "grew" in w and "days" in w]
