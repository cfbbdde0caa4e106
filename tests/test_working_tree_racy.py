"""Working-tree diffs see a same-size edit made in the same second as a checkout.

Reproduction (issue "Gates that cannot be fooled", item 6): "Working-tree diffs miss same-size
edits about one run in six right after a checkout (`promptops.git` copies `.git/index` without its
mtime, defeating git's racy-clean check): a charter's traffic change was booked as a prompt
change and `check` falsely blocked."

Git trusts an index entry's stat data (size, mtime, ctime in whole seconds) unless the entry is
*racily clean*: modified in the same second the index was written. Checkout writes the charter
and the index in second S; an edit in S keeps the size and the second. The real index (mtime S)
makes git re-read the file; a copy with a fresh mtime (S+1, the CLI starting up) made git trust
the stale stat data and miss the edit.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.diff_fixtures import base_repo, charter
from tests.support.cli import run_cli

ROUNDS = 30


def _start_late_in_a_second() -> None:
    """Sleep until ~0.85 s into a second: the checkout and the edit (a few ms) share it, and
    the diff, a CLI start-up later, copies the index in the next one (the old failure)."""
    fraction = time.time() % 1
    time.sleep((0.85 - fraction) % 1)


def test_same_second_same_size_edits_after_checkout_are_seen(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo", charter(calls=1_000_000))
    repo.branch("other")
    repo.write("README.md", "another branch\n")
    repo.commit("other")
    repo.checkout("main")
    charter_path = repo.root / "charters" / "support.yaml"
    missed = []
    same_second = 0
    for round_ in range(ROUNDS):
        # commit a traffic figure on main, hop to the other branch and back (checkout writes
        # the index), then immediately change the figure without changing the file's size
        committed = 1_000_000 + round_
        repo.write("charters/support.yaml", charter(calls=committed))
        repo.commit(f"traffic {committed}")
        repo.git("checkout", "-q", "other")
        _start_late_in_a_second()
        before = time.time()
        repo.git("checkout", "-q", "main")
        edited = 2_000_000 + round_
        charter_path.write_text(
            charter_path.read_text().replace(str(committed), str(edited)), encoding="utf-8"
        )
        same_second += int(before) == int(charter_path.stat().st_mtime)
        result = run_cli(
            ["diff", "HEAD", "--format", "json"],
            cwd=repo.root,
            env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")},
        )
        assert result.returncode == 0, result.stderr
        paths = {d["path"] for d in json.loads(result.stdout)["documents"]}
        if "charters/support.yaml" not in paths:
            missed.append(round_)
        repo.git("checkout", "-q", "--", "charters/support.yaml")
    assert missed == [], f"diff missed the edit in rounds {missed} ({same_second} same-second)"
    # on a loaded machine a checkout can cross a second boundary; most rounds must not
    assert same_second >= ROUNDS // 3, f"only {same_second} edits shared the checkout's second"
