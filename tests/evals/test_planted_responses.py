"""A pull request cannot plant eval answers: a response cache folder that holds files committed
to the repository is not read (the seal is no secret), so every case asks the model."""

from __future__ import annotations

import shutil
import subprocess
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
