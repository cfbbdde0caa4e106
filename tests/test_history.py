"""`promptops history` on a generated 200-commit repo: each commit's figures are the ones
`promptops diff PREV COMMIT` prints, and the HTML chart renders in headless Chromium (a
screenshot whose pixels hold the workload colours, not only a file that exists)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT, run_cli
from tests.test_mbom_html import console_messages, png_pixels, run_chromium

pytestmark = pytest.mark.slow
FIRST_COLOUR = (0x2B, 0x6C, 0xB0)  # PALETTE[0]: the first workload's line


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history") / "repo"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "bench" / "generate_repo.py"),
            str(root),
            "--prompts",
            "30",
            "--commits",
            "200",
            "--quiet",
        ],
        check=True,
        timeout=300,
    )
    return root


@pytest.fixture(scope="module")
def history(repo: Path) -> dict:
    result = run_cli(["history", "--format", "json"], cwd=repo, timeout=900)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _log(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "log", "--reverse", "--format=%H"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def test_every_commit_is_a_point_oldest_first(repo: Path, history: dict) -> None:
    commits = [c["commit"] for c in history["commits"]]
    assert commits == _log(repo)  # every generated commit edits prompts
    first = history["commits"][0]
    assert len(first["prompts"]) == 30 and first["workloads"]
    assert all(c["author"] and c["date"] and c["subject"] for c in history["commits"])


@pytest.mark.parametrize("position", [1, 57, 120, 199])
def test_figures_equal_diff_between_the_same_commits(
    repo: Path, history: dict, position: int
) -> None:
    commits = history["commits"]
    previous, point = commits[position - 1]["commit"], commits[position]
    result = run_cli(["diff", previous, point["commit"], "--format", "json"], cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    diff = json.loads(result.stdout)
    prompts = {p["id"]: p for p in diff["prompts"]}
    assert set(prompts) == set(point["prompts"])
    for name, figures in point["prompts"].items():
        head = prompts[name]["head"]
        assert figures["input_tokens"] == head["input_tokens"]
        assert figures["cost_per_call_usd"] == head["cost_per_call_usd"]
        assert figures["monthly_usd"] == head["monthly_usd"].get("expected")
    workloads = {w["id"]: w for w in diff["workloads"]}
    for name, figures in point["workloads"].items():
        assert figures["monthly_usd"] == workloads[name]["scenarios"]["expected"]["head_usd"]
        assert figures["budget_usd"] == workloads[name]["scenarios"]["expected"]["budget_usd"]


def test_the_chart_renders_in_chromium(repo: Path, tmp_path: Path) -> None:
    page = tmp_path / "history.html"
    result = run_cli(["history", "--format", "html", "--output", str(page)], cwd=repo, timeout=900)
    assert result.returncode == 0, result.stderr
    shot = tmp_path / "shot.png"
    browser = run_chromium(page, tmp_path, f"--screenshot={shot}")
    assert shot.exists(), browser.stderr[-2000:]
    assert console_messages(browser.stderr) == []
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1200, 900)
    assert FIRST_COLOUR in colours  # the first workload's line was painted


def test_hostile_commit_messages_are_escaped(tmp_path: Path) -> None:
    from decimal import Decimal

    from promptops.history.compute import History, Point, WorkloadPoint
    from promptops.report.history_chart import render_html

    points = [
        Point(
            "a" * 40,
            "<script>x</script>",
            "2026-01-01",
            "ok",
            workloads={"w": WorkloadPoint(Decimal(10), Decimal(100))},
        ),
        Point(
            "b" * 40,
            "eve",
            "2026-01-02",
            "<img src=x onerror=alert(1)>",
            workloads={"w": WorkloadPoint(Decimal(90), Decimal(100))},
        ),
    ]
    html = render_html(History(points))
    assert "<img" not in html and "<script>x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
