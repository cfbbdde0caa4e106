"""The one cache salt: editing any message or computation of the installed promptops changes the
next warm run's output (issue 15, acceptance 1).

promptops is copied into a temporary install (a folder first on PYTHONPATH, as `pip install
--target` would lay it out), a repo is linted and diffed twice on one cache folder (the second
run warm), then the copy is patched — a PO002 message, the output-token cost — and the next
run on the same warm cache must show the patched message and figures, exactly as a cold run of
the patched copy does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.diff_fixtures import FAQ, base_repo, grow_triage_on_feature
from tests.support.cli import REPO_ROOT

PO002_LINE = 'Finding("PO002", "error", message, doc.path, span.line, span.column, span.end_line)'
PO002_PATCHED = (
    'Finding("PO002", "error", "patched: " + message, doc.path, span.line, span.column, '
    "span.end_line)"
)
OUTPUT_LINE = "output=Decimal(usage.output_tokens) * rates.output / MILLION,"
OUTPUT_PATCHED = "output=Decimal(usage.output_tokens) * rates.output * 2 / MILLION,"

BAD_PROMPT = """\
kind: prompt
id: bad
version: 1.0.0
model: claude-sonnet-4-6
max_output_tokens: lots
system: Answer briefly.
messages:
  - role: user
    content: hi
"""


def install_copy(target: Path) -> Path:
    """promptops, its schemas and templates in `target` (a site folder of their own)."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO_ROOT / "promptops", target / "promptops", ignore=ignore)
    for data in ("schemas", "templates"):
        shutil.copytree(REPO_ROOT / data, target / data, ignore=ignore)
    return target


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: the line this test patches moved: {old}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def run(site: Path, args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "PROMPTOPS_CACHE_DIR": str(cache),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "promptops", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = install_copy(tmp_path / "site")
    probe = subprocess.run(
        [sys.executable, "-c", "import promptops; print(promptops.__file__)"],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(site), "the copy is not the one imported"
    return site


@pytest.mark.slow
def test_a_patched_message_shows_on_the_next_warm_lint(site: Path, tmp_path: Path) -> None:
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    (repo / "prompts").mkdir(parents=True)
    (repo / "promptops.yaml").write_text("tokenizer: cl100k_base\n", encoding="utf-8")
    (repo / "prompts" / "bad.yaml").write_text(BAD_PROMPT, encoding="utf-8")
    args = ["lint", "--format", "json"]

    cold, warm = run(site, args, repo, cache), run(site, args, repo, cache)
    assert cold.returncode == warm.returncode == 1, cold.stderr
    assert cold.stdout == warm.stdout
    (finding,) = [f for f in json.loads(warm.stdout)["findings"] if f["code"] == "PO002"]
    assert not finding["message"].startswith("patched: ")
    stores = sorted(cache.glob("documents-*.bin"))
    assert stores, "lint kept no parsed documents: the warm run proved nothing"
    sealed_before = stores[0].read_bytes()[:40]

    patch(site / "promptops" / "documents" / "schema.py", PO002_LINE, PO002_PATCHED)
    patched = run(site, args, repo, cache)
    assert patched.returncode == 1, patched.stderr
    (finding,) = [f for f in json.loads(patched.stdout)["findings"] if f["code"] == "PO002"]
    assert finding["message"].startswith("patched: "), finding
    assert patched.stdout == run(site, args, repo, tmp_path / "cold").stdout
    assert stores[0].read_bytes()[:40] != sealed_before  # rewritten under the new salt


@pytest.mark.slow
def test_a_patched_cost_computation_shows_on_the_next_warm_diff(site: Path, tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.write("prompts/faq.yaml", FAQ)
    repo.commit("faq")
    grow_triage_on_feature(repo)
    cache = tmp_path / "cache"
    args = ["diff", "main", "feature", "--format", "json"]

    warm_up = run(site, ["cache", "warm", "main", "--no-lint"], repo.root, cache)
    assert warm_up.returncode == 0, warm_up.stderr
    assert list((cache / "diff-figures").glob("*/*.json")), "no figures cached"
    first, second = run(site, args, repo.root, cache), run(site, args, repo.root, cache)
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout == second.stdout

    patch(site / "promptops" / "pricing" / "cost.py", OUTPUT_LINE, OUTPUT_PATCHED)
    patched = run(site, args, repo.root, cache)
    assert patched.returncode == 0, patched.stderr
    assert patched.stdout != second.stdout  # output tokens now cost twice as much
    cold = run(site, args, repo.root, tmp_path / "cold")
    assert patched.stdout == cold.stdout  # no figure of the old cost model was served


def test_cache_key_prints_the_salt_and_it_follows_the_source(site: Path, tmp_path: Path) -> None:
    before = run(site, ["cache", "key"], tmp_path, tmp_path / "cache")
    assert before.returncode == 0, before.stderr
    assert len(before.stdout.strip()) == 16 and int(before.stdout, 16) >= 0
    module = site / "promptops" / "findings.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    after = run(site, ["cache", "key"], tmp_path, tmp_path / "cache")
    assert after.stdout.strip() != before.stdout.strip()
