"""`canary promote` / `canary rollback` rewrite only the changed lines, through the real CLI."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import yaml

from tests.support.canary_repo import RELEASE_YAML, make_repo
from tests.support.cli import run_cli

RELEASE = "releases/triage.yaml"


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").splitlines(keepends=True)


def _changed(before: list[str], after: list[str]) -> dict[int, tuple[str, str]]:
    assert len(before) == len(after), "a line was added or removed"
    return {i: (a, b) for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}


def _run(repo: Path, *args: str):
    return run_cli(["canary", *args], cwd=repo)


def test_promote_advances_one_step_and_keeps_every_other_byte(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    path = repo / RELEASE
    before = _lines(path)
    result = _run(repo, "promote", RELEASE)
    assert result.returncode == 0, result.stderr
    assert "canary step 0 -> 1 (weight 25%)" in result.stdout
    changed = _changed(before, _lines(path))
    assert changed == {14: ("  step: 0\n", "  step: 1\n")}
    assert yaml.safe_load(path.read_text())["canary"]["step"] == 1


def test_final_promote_makes_canary_stable_keeping_the_line_comment(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, release=RELEASE_YAML.replace("  step: 0", "  step: 2"))
    path = repo / RELEASE
    before = _lines(path)
    result = _run(repo, "promote", RELEASE, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["changes"] == ["stable 1.0.0 -> 1.1.0 (canary complete)"]
    changed = _changed(before, _lines(path))
    assert changed == {
        4: (
            "stable: 1.0.0    # what everyone gets today\n",
            "stable: 1.1.0    # what everyone gets today\n",
        ),
        14: ("  step: 2\n", "  step: 0\n"),
    }
    plan = json.loads(_run(repo, "plan", RELEASE, "--format", "json").stdout)
    assert plan["state"] == "complete" and plan["weight"] == 0


def test_rollback_sets_block_style_step_weight_to_zero(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, release=RELEASE_YAML.replace("  step: 0", "  step: 1"))
    path = repo / RELEASE
    before = _lines(path)
    result = _run(repo, "rollback", "triage-rollout")
    assert result.returncode == 0, result.stderr
    changed = _changed(before, _lines(path))
    assert changed == {
        10: (
            "    - weight: 25          # a quarter of the keys\n",
            "    - weight: 0          # a quarter of the keys\n",
        ),
    }
    plan = json.loads(_run(repo, "plan", RELEASE, "--format", "json").stdout)
    assert plan["state"] == "rolled_back" and plan["weight"] == 0


def test_rollback_edits_inside_a_flow_mapping(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    path = repo / RELEASE
    before = _lines(path)
    assert _run(repo, "rollback", RELEASE).returncode == 0
    assert _changed(before, _lines(path)) == {
        9: (
            "    - {weight: 5, min_calls: 1000, min_minutes: 60}\n",
            "    - {weight: 0, min_calls: 1000, min_minutes: 60}\n",
        ),
    }
    again = _run(repo, "promote", RELEASE)
    assert again.returncode == 2
    assert "rolled back" in again.stderr and "Traceback" not in again.stderr


def test_promote_inserts_a_missing_step_key_as_one_line(tmp_path: Path) -> None:
    text = RELEASE_YAML.replace("  step: 0\n", "")
    repo = make_repo(tmp_path, release=text)
    path = repo / RELEASE
    before = _lines(path)
    assert _run(repo, "promote", RELEASE).returncode == 0
    after = _lines(path)
    assert len(after) == len(before) + 1
    inserted = next(i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b)
    assert after[inserted] == "  step: 1\n"
    assert after[:inserted] + after[inserted + 1 :] == before
    assert yaml.safe_load(path.read_text())["canary"]["step"] == 1


def test_flow_style_canary_and_crlf_newlines_are_kept(tmp_path: Path) -> None:
    text = (
        "kind: release\r\nid: r1\r\nprompt: p\r\nstable: '1.0'  # quoted\r\n"
        "canary: {version: '1.1', steps: [{weight: 10}, {weight: 100}]}\r\n"
    )
    repo = make_repo(tmp_path, release=text)
    path = repo / RELEASE
    assert _run(repo, "promote", RELEASE).returncode == 0
    assert path.read_bytes() == (
        b"kind: release\r\nid: r1\r\nprompt: p\r\nstable: '1.0'  # quoted\r\n"
        b"canary: {version: '1.1', steps: [{weight: 10}, {weight: 100}], step: 1}\r\n"
    )
    assert _run(repo, "promote", RELEASE).returncode == 0
    assert path.read_bytes() == (
        b"kind: release\r\nid: r1\r\nprompt: p\r\nstable: '1.1'  # quoted\r\n"
        b"canary: {version: '1.1', steps: [{weight: 10}, {weight: 100}], step: 0}\r\n"
    )


def test_write_is_atomic_keeps_mode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    path = repo / RELEASE
    os.chmod(path, 0o640)
    assert _run(repo, "promote", RELEASE).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["triage.yaml"]


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    path = repo / RELEASE
    before = path.read_bytes()
    result = _run(repo, "promote", RELEASE, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "-  step: 0" in result.stdout and "+  step: 1" in result.stdout
    assert path.read_bytes() == before


def test_bad_release_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, release="kind: release\nid: r\nprompt: p\n")
    result = _run(repo, "promote", RELEASE)
    assert result.returncode == 2
    assert "stable" in result.stderr and "Traceback" not in result.stderr
    missing = _run(repo, "promote", "no-such-release")
    assert missing.returncode == 2 and "no release with id" in missing.stderr
