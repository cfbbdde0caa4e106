"""bench/generate_repo.py makes a valid, reproducible git repo with a diffable last commit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT, run_cli

GENERATOR = REPO_ROOT / "bench" / "generate_repo.py"


def generate(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), str(out), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "repo"
    result = generate(out, "--prompts", "120", "--seed", "7", "--commits", "3", "--change", "4")
    assert result.returncode == 0, result.stderr
    return out


def test_same_arguments_give_the_same_commits(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = generate(again, "--prompts", "120", "--seed", "7", "--commits", "3", "--change", "4")
    assert result.returncode == 0, result.stderr
    assert git(again, "rev-parse", "HEAD") == git(generated, "rev-parse", "HEAD")

    other_seed = tmp_path / "other"
    assert generate(other_seed, "--prompts", "120", "--seed", "8").returncode == 0
    assert git(other_seed, "rev-parse", "HEAD") != git(generated, "rev-parse", "HEAD")


def test_counts_and_layout(generated: Path) -> None:
    prompts = list((generated / "prompts").rglob("*.yaml"))
    assert len(prompts) == 120
    assert len(list((generated / "tools").rglob("*.yaml"))) == 12
    assert len(list((generated / "charters").rglob("*.yaml"))) == 2
    assert all(len(p.relative_to(generated).parts) == 4 for p in prompts)  # team/area nesting
    texts = [p.read_text() for p in prompts]
    assert any("cache: true" in t or 'cache: "1h"' in t for t in texts)
    assert any("tools: [" in t for t in texts)
    sizes = sorted(len(t) for t in texts)
    assert sizes[-1] > 10 * sizes[len(sizes) // 2]  # a long tail of long prompts
    assert int(git(generated, "rev-list", "--count", "HEAD")) == 3
    assert git(generated, "status", "--porcelain") == ""


def test_last_commit_changes_m_prompts_with_version_bumps(generated: Path) -> None:
    changed = git(generated, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    assert len(changed) == 4
    assert all(path.startswith("prompts/") for path in changed)
    for path in changed:
        before = git(generated, "show", f"HEAD~1:{path}")
        after = git(generated, "show", f"HEAD:{path}")
        version = re.compile(r"^version: (\d+)\.(\d+)\.(\d+)$", re.MULTILINE)
        old, new = version.search(before), version.search(after)
        assert old and new
        assert (int(new[1]), int(new[2])) == (int(old[1]), int(old[2]) + 1)
        assert len(after) > len(before)


def test_generated_repo_validates_and_prices(generated: Path, tmp_path: Path) -> None:
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    validate = run_cli(["validate"], cwd=generated, env=env)
    assert validate.returncode == 0, validate.stdout[-2000:]
    tokens = run_cli(["tokens"], cwd=generated, env=env)
    assert tokens.returncode == 0, tokens.stderr
    assert "Workloads (monthly cost / budget)" in tokens.stdout


def test_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = generate(tmp_path, "--prompts", "5")
    assert result.returncode != 0
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"
