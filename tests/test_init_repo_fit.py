"""`promptops init` fits the repository it runs in (issue 16): the default branch is the
remote's default or the branch checked out (not a hard-coded `main`), the cache is ignored, a
new charter is reviewed today, and `init SUBDIR` puts the workflow and the pre-commit hook at
the git root, pointing at SUBDIR, merged into an existing pre-commit config."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo

WORKFLOW = ".github/workflows/promptops.yml"


@pytest.fixture(autouse=True)
def _offline_without_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")


def init(cwd: Path, *args: str) -> str:
    result = run_cli(["init", *args], cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def promptops_steps(workflow: Path) -> list[dict]:
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["promptops"]["steps"]
    return [step for step in steps if step["uses"].startswith("promptops/promptops@")]


def test_acceptance_1_a_new_master_repo_diffs_and_checks_without_a_base(tmp_path: Path):
    repo = GitRepo(tmp_path / "shop", branch="master")
    out = init(repo.root)
    assert "default branch: master" in out
    config = yaml.safe_load((repo.root / "promptops.yaml").read_text(encoding="utf-8"))
    assert config["default_branch"] == "master"
    workflow = yaml.safe_load((repo.root / WORKFLOW).read_text(encoding="utf-8"))
    assert workflow[True]["push"]["branches"] == ["master"]  # `on:` is YAML 1.1's true
    assert ".promptops-cache/" in (repo.root / ".gitignore").read_text(encoding="utf-8")
    repo.commit("promptops init")
    assert repo.git("status", "--porcelain") == ""

    repo.branch("shorter-answers")
    prompt = repo.root / "prompts" / "assistant.yaml"
    text = prompt.read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0", "version: 1.1.0").replace(
        "Answer in two or three short\n  sentences.", "Answer in one or two short\n  sentences."
    )
    assert "version: 1.1.0" in text and "one or two short" in text
    prompt.write_text(text, encoding="utf-8")
    repo.commit("shorter answers")
    assert repo.git("status", "--porcelain") == ""  # nothing promptops wrote is untracked

    diff = run_cli(["diff", "--format", "json"], cwd=repo.root)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    changed = json.dumps(json.loads(diff.stdout))
    assert "assistant" in changed
    check = run_cli(["check"], cwd=repo.root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert repo.git("status", "--porcelain") == ""


def test_the_remote_default_branch_wins_over_the_checked_out_one(tmp_path: Path):
    repo = GitRepo(tmp_path / "clone", branch="feature-x")
    repo.commit("first")
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    init(repo.root)
    config = yaml.safe_load((repo.root / "promptops.yaml").read_text(encoding="utf-8"))
    assert config["default_branch"] == "trunk"


def test_a_new_charter_is_reviewed_today(tmp_path: Path):
    repo = GitRepo(tmp_path / "r", branch="main")
    init(repo.root)
    charter = yaml.safe_load((repo.root / "charters/assistant.yaml").read_text(encoding="utf-8"))
    assert charter["review"]["last_reviewed"] == dt.date.today().isoformat()
    mbom = run_cli(["mbom", "--format", "json"], cwd=repo.root)
    assert mbom.returncode == 0, mbom.stderr
    report = json.loads(mbom.stdout)
    assert report["flags"]["review_overdue"] == []
    assert [w["review_status"]["overdue"] for w in report["workloads"]] == [False]


USER_PRECOMMIT = """\
# my hooks; keep this comment
repos:
- repo: https://github.com/psf/black
  rev: 24.1.0   # pinned on purpose
  hooks:
  - id: black

default_stages: [pre-commit]
"""


@pytest.mark.parametrize("from_sub", [False, True], ids=["init-sub", "cd-sub-init"])
def test_acceptance_2_init_sub_writes_integration_files_at_the_git_root(
    tmp_path: Path, from_sub: bool
):
    repo = GitRepo(tmp_path / "mono", branch="develop")
    repo.write(".pre-commit-config.yaml", USER_PRECOMMIT)
    (repo.root / ".gitignore").write_text("node_modules/", encoding="utf-8")  # no final newline
    repo.commit("app")
    if from_sub:
        (repo.root / "llm").mkdir()
        init(repo.root / "llm")
    else:
        init(repo.root, "llm")

    assert (repo.root / "llm" / "promptops.yaml").is_file()
    assert not (repo.root / "llm" / ".github").exists()
    assert not (repo.root / "llm" / ".pre-commit-config.yaml").exists()
    steps = promptops_steps(repo.root / WORKFLOW)
    assert [step["with"]["working-directory"] for step in steps] == ["llm", "llm"]
    workflow = yaml.safe_load((repo.root / WORKFLOW).read_text(encoding="utf-8"))
    assert workflow[True]["push"]["branches"] == ["develop"]

    merged = (repo.root / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    head, tail = USER_PRECOMMIT.split("\ndefault_stages", 1)
    assert merged.startswith(head), merged  # the user's lines, comments included, unchanged
    assert merged.endswith("\ndefault_stages" + tail)
    config = yaml.safe_load(merged)
    assert config["default_stages"] == ["pre-commit"]
    assert [r["repo"] for r in config["repos"]] == [
        "https://github.com/psf/black",
        "https://github.com/promptops/promptops",
    ]
    (hook,) = config["repos"][1]["hooks"]
    assert hook["files"] == "^llm/"
    assert hook["args"] == ["--config", "llm/promptops.yaml"]

    assert (repo.root / ".gitignore").read_text(encoding="utf-8").splitlines()[0] == (
        "node_modules/"
    )
    repo.commit("promptops init llm")
    assert repo.git("status", "--porcelain") == ""

    # What the hook runs, where pre-commit runs it (the git root), on the files it passes.
    lint = run_cli(
        ["lint", "--force-exclude", *hook["args"], "llm/prompts/assistant.yaml", "README.md"],
        cwd=repo.root,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "1 file checked" in lint.stdout

    # A second init keeps the hook entry and the .gitignore line it finds.
    again = run_cli(["init", "llm", "--force"], cwd=repo.root)
    assert again.returncode == 0, again.stderr
    assert (repo.root / ".pre-commit-config.yaml").read_text(encoding="utf-8") == merged
    assert (repo.root / ".gitignore").read_text(encoding="utf-8").count(".promptops-cache/") == 1


def test_a_pre_commit_config_it_cannot_edit_safely_is_left_alone(tmp_path: Path):
    repo = GitRepo(tmp_path / "r", branch="main")
    flow = "repos: [{repo: local, hooks: [{id: x, name: x, entry: x, language: system}]}]\n"
    repo.write(".pre-commit-config.yaml", flow)
    result = run_cli(["init"], cwd=repo.root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "add this entry to its `repos:` list yourself" in result.stderr
    assert "- repo: https://github.com/promptops/promptops" in result.stderr
    assert "Traceback" not in result.stderr
    assert (repo.root / ".pre-commit-config.yaml").read_text(encoding="utf-8") == flow
    assert not (repo.root / "promptops.yaml").exists()  # nothing half-written


def test_outside_git_everything_goes_into_the_directory(tmp_path: Path):
    out = init(tmp_path, "standalone")
    assert (tmp_path / "standalone" / WORKFLOW).is_file()
    assert (tmp_path / "standalone" / ".pre-commit-config.yaml").is_file()
    assert (tmp_path / "standalone" / ".gitignore").is_file()
    assert "default branch: main" in out
    steps = promptops_steps(tmp_path / "standalone" / WORKFLOW)
    assert all("working-directory" not in step["with"] for step in steps)
