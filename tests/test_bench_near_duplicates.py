"""bench/generate_repo.py --near-duplicates / --large-prompt-tokens: PO203's bench case.

The prompts full of near-duplicate paragraphs are added to the same repo (their own random
stream: the other files are byte-identical), and lint reports their near-duplicates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.cli import REPO_ROOT, run_cli

GENERATOR = REPO_ROOT / "bench" / "generate_repo.py"


def generate(out: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), str(out), "--prompts", "20", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in root.rglob("*.yaml")
        if ".git" not in p.parts
    }


def test_near_duplicate_prompts_are_added_and_found(tmp_path: Path) -> None:
    plain, heavy = tmp_path / "plain", tmp_path / "heavy"
    generate(plain)
    generate(heavy, "--near-duplicates", "2", "--large-prompt-tokens", "9000")
    added = {rel: text for rel, text in files(heavy).items() if rel not in files(plain)}
    assert sorted(added) == [
        "prompts/bench/near-dup/large-9000.yaml",
        "prompts/bench/near-dup/near-dup-00000.yaml",
        "prompts/bench/near-dup/near-dup-00001.yaml",
    ]
    assert {rel: files(heavy)[rel] for rel in files(plain)} == files(plain)
    assert len(added["prompts/bench/near-dup/large-9000.yaml"]) > 30_000  # ~9,000 tokens

    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    result = run_cli(
        ["lint", "--format", "json", "prompts/bench/near-dup/large-9000.yaml"], cwd=heavy, env=env
    )
    assert result.returncode == 1, result.stderr
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "PO203"]
    assert len(findings) >= 20  # a third of ~100 paragraphs are copies of six
    assert all(f["path"] == "prompts/bench/near-dup/large-9000.yaml" for f in findings)
