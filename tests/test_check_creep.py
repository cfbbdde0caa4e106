"""`check` warns about creep: a prompt that grew more than `lint.limits.creep_pct` (default 30%)
against the base ref as it stood `creep_days` (90) ago, although every single change stayed
under `growth_pct` (the Unbounded System Prompt, 200 tokens a week)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from promptops.cache.store import EntryMap
from promptops.check import with_creep
from promptops.config import load_config
from promptops.diff.model import CheckReport
from promptops.diff.run import diff_refs
from promptops.report.reasons import reason_text
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
    (warning,) = [w for w in report["warnings"] if w["code"] == "prompt-creep"]
    assert (warning["prompt"], warning["days"], warning["creep_pct"]) == ("support/answer", 90, 30)
    assert warning["input_tokens"] > warning["then_tokens"] > 0
    creep = reason_text(warning)
    assert "support/answer grew" in creep and "in 90 days" in creep
    assert "creep_pct 30%" in creep
    assert not [f for f in report["findings"] if f["code"] == "PO308"]  # each step was small


def test_no_creep_warning_within_the_share(tmp_path: Path) -> None:
    report = check(grown_repo(tmp_path, steps=10, more=1))  # +21% in 90 days
    assert not [w for w in report["warnings"] if w["code"] == "prompt-creep"]


def other(i: int, version: str) -> str:
    """A prompt that has nothing to do with the change under check."""
    return (
        f"kind: prompt\nid: others/p{i:02d}\nversion: {version}\nmodel: claude-haiku-4-5\n"
        f'max_output_tokens: 200\nsystem: "Summarise ticket batch {i} (revision {version})."\n'
    )


def crowded_repo(tmp_path: Path, others: int = 50) -> GitRepo:
    """`grown_repo`'s history with `others` more prompts, every one of them edited twice
    inside the creep window; the branch touches support/answer only."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", "tokenizer: cl100k_base\n")
    size = 40
    repo.write("prompts/answer.yaml", prompt(size, "1.0.0"))
    for i in range(others):
        repo.write(f"prompts/others/p{i:02d}.yaml", other(i, "1.0.0"))
    dated_commit(repo, 120, "first")
    for step in range(10):
        size += 3
        repo.write("prompts/answer.yaml", prompt(size, f"1.{step + 1}.0"))
        if step in (5, 8):  # 60 and 30 days ago
            for i in range(others):
                repo.write(f"prompts/others/p{i:02d}.yaml", other(i, f"1.{step}.0"))
        dated_commit(repo, 110 - 10 * step, f"a little more {step}")
    repo.branch("feature")
    repo.write("prompts/answer.yaml", prompt(size + 3, "1.11.0"))
    repo.commit("and a little more")
    return repo


def token_counts(cache: Path) -> int:
    """How many texts the token cache holds (each was tokenized once)."""
    (path,) = cache.glob("tokens-*.json")
    return len(EntryMap(path))


def test_creep_reads_and_tokenizes_only_the_touched_prompt_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 other prompts changed inside the window: the older commit's side reads, parses and
    tokenizes support/answer alone (a diff from that commit would price all 51, twice)."""
    repo, cache = crowded_repo(tmp_path), tmp_path / "cache"
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(cache))
    config = load_config(repo.root)
    run = diff_refs(config, "main", None)
    before = token_counts(cache)

    result = with_creep(config, run, CheckReport(diff=run.report))

    (creep,) = result.warnings
    assert "support/answer grew" in reason_text(creep) and "in 90 days" in reason_text(creep)
    assert run.creep is not None
    assert run.creep.paths == {"support/answer": "prompts/answer.yaml"}
    assert run.creep.read == ("prompts/answer.yaml",)  # parsed: the one prompt
    assert run.creep.priced == ("prompts/answer.yaml",)  # rendered and tokenized
    assert run.creep.summarized <= 1  # the search found its file alone among 51 changed ones
    assert token_counts(cache) - before == 1  # its older system text, nothing else
    cli = run_cli(["check", "--base", "main", "--format", "json"], cwd=repo.root)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert creep in json.loads(cli.stdout)["warnings"]  # the command says the same


def test_creep_follows_the_prompt_to_its_old_path(tmp_path: Path) -> None:
    """The file moved inside the window: the prompt is found by id where it was then."""
    repo = grown_repo(tmp_path, steps=10)
    repo.checkout("main")
    repo.move("prompts/answer.yaml", "prompts/support/answer.yaml")
    dated_commit(repo, 5, "file the prompt under its team")
    repo.checkout("feature")
    repo.git("rebase", "-q", "main")
    report = check(repo)
    (creep,) = [w for w in report["warnings"] if w["code"] == "prompt-creep"]
    assert reason_text(creep).startswith("prompts/support/answer.yaml: support/answer grew")
