"""The Action's actions/cache keys carry the cache salt (`promptops cache key`): a cache saved by
another promptops is never restored, not even by the restore prefix (issue 15)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.action_runner import load_action, run_step
from tests.support.cli import run_cli

SALT = "${{ steps.cache-salt.outputs.salt }}"


def test_the_salt_step_outputs_what_cache_key_prints(tmp_path: Path) -> None:
    expected = run_cli(["cache", "key"], cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    result = run_step(
        "cache-salt",
        workspace=tmp_path,
        runner_temp=tmp_path,
        step_outputs={"install": {"python": sys.executable}},
    )
    assert result.returncode == 0, result.stderr
    assert result.outputs == {"salt": expected.stdout.strip()}


def test_a_broken_install_still_plans_a_key(tmp_path: Path) -> None:
    result = run_step(
        "cache-salt",
        workspace=tmp_path,
        runner_temp=tmp_path,
        step_outputs={"install": {"python": "/bin/false"}},
    )
    assert result.returncode == 0, result.stderr
    assert result.outputs == {"salt": "unsalted"}


def test_every_cache_key_and_restore_prefix_starts_with_the_salt() -> None:
    steps = {s["name"]: s for s in load_action()["runs"]["steps"]}
    restore = steps["Restore the promptops cache"]["with"]
    save = steps["Save the promptops cache"]["with"]
    for value in (restore["key"], restore["restore-keys"], save["key"]):
        assert value.startswith(f"promptops-{SALT}-"), value
