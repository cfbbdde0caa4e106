"""A pull request cannot plant eval answers: a response cache folder that holds files committed
to the repository is not read (the seal is no secret), so every case asks the model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.fake_openai import FakeOpenAI
from tests.test_cache_degrade import ECHO_PROMPT, ECHO_SUITE


def _repo(root: Path) -> Path:
    (root / "prompts").mkdir(parents=True)
    (root / "evals").mkdir()
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\n", encoding="utf-8")
    (root / "prompts" / "echo.yaml").write_text(ECHO_PROMPT, encoding="utf-8")
    (root / "evals" / "echo.yaml").write_text(ECHO_SUITE, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_committed_responses_are_never_read(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    with FakeOpenAI() as fake:
        local = ["eval", "--quiet", "--target", "local", "--base-url", fake.base_url]
        first = run_cli(local, cwd=root)  # fills the default .promptops-cache/responses
        assert first.returncode == 0, first.stderr
        assert len(fake.chat_requests()) == 2
        again = run_cli(local, cwd=root)
        assert len(fake.chat_requests()) == 2  # answered from the cache
        # the same cache files, now committed as a pull request would bring them
        planted = root / ".promptops-cache"
        assert list(planted.rglob("*.json")) or list(planted.rglob("*"))
        subprocess.run(["git", "add", "-f", ".promptops-cache"], cwd=root, check=True)
        result = run_cli(local, cwd=root)
        assert len(fake.chat_requests()) == 4  # every case asked the model again
    assert again.returncode == 0
    assert result.returncode == 0, result.stderr
    assert "committed to the repository: not read" in result.stderr
    shutil.rmtree(planted)


def test_a_configured_cache_folder_with_committed_files_is_not_used(tmp_path: Path) -> None:
    import os

    root = _repo(tmp_path / "repo")
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\ncache_dir: .pcache\n")
    env = {k: v for k, v in os.environ.items() if k != "PROMPTOPS_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    done = subprocess.run(
        [sys.executable, "-m", "promptops", "cache", "dir"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str((root / ".pcache").resolve())
    (root / ".pcache").mkdir(exist_ok=True)
    (root / ".pcache" / "planted.json").write_text("{}")
    subprocess.run(["git", "add", "-f", ".pcache"], cwd=root, check=True)
    done = subprocess.run(
        [sys.executable, "-m", "promptops", "cache", "dir"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(tmp_path / "xdg" / "promptops")
    assert "holds files committed to the repository" in done.stderr
