"""`promptops diff` on real git repos: statuses, hand-computed figures, the cached prefix."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from promptops.tokens.tokenizers import count_tokens
from tests.diff_fixtures import (
    base_repo,
    charter,
    filler,
    prompt,
    run_json,
    triage,
    workload,
)
from tests.support.cli import run_cli


def test_filler_is_one_token_per_x() -> None:
    assert count_tokens("cl100k_base", filler(1200)) == 1200
    assert count_tokens("cl100k_base", " x" * 50) == 50


def test_system_growth_priced_by_hand(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("longer system prompt")

    code, report = run_json(["diff", "main", "feature"], repo.root, tmp_path / "cache")
    assert code == 0
    p = prompt(report, "triage")
    assert p["status"] == "modified"
    assert p["base"]["parts"]["system"] == {"cached": 1200, "uncached": 50, "total": 1250}
    assert p["head"]["parts"]["system"] == {"cached": 1300, "uncached": 50, "total": 1350}
    # 1,200 × 0.99 + 51 × 3 + 300 × 15 = 5,841 µ$; with 1,300 cached: 5,940 µ$.
    assert Decimal(p["base"]["cost_per_call_usd"]) == Decimal("0.005841")
    assert Decimal(p["head"]["cost_per_call_usd"]) == Decimal("0.00594")
    assert p["delta"]["monthly_usd"] == {"expected": "99", "stretch": "297", "runaway": "1485"}
    assert p["delta"]["input_tokens"] == 100
    # The prefix text changed: first calls pay writes again, 1,300 × (3.75 − 0.30) µ$.
    assert p["cached_prefix_changed"] is True
    assert Decimal(p["rewarm_usd"]) == Decimal("0.004485")
    hunk = p["hunks"][0]
    assert hunk["section"] == "system[0]" and hunk["tokens_delta"] == 100
    w = workload(report, "support")
    assert w["scenarios"]["expected"]["base_usd"] == "5841"
    assert w["scenarios"]["expected"]["head_usd"] == "5940"
    assert w["scenarios"]["stretch"]["head_usd"] == "17820"
    assert report["totals"]["monthly_delta_usd"] == "99"
    assert report["headline"].startswith("Monthly estimate (expected) increases by $99.00")


def test_variable_moved_into_cached_prefix(tmp_path: Path) -> None:
    """Acceptance 2: only the variable's position changes, from after the breakpoint into
    the prefix; the prefix is then written on every call, so cost rises at the charter's
    80% hit rate: 1,250 × 3.75 + 1 × 3 + 4,500 = 9,190.5 µ$ against 5,841 µ$."""
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.0.1", variable_first=True))
    repo.commit("variable first")

    _, report = run_json(["diff", "main", "feature"], repo.root, tmp_path / "cache")
    p = prompt(report, "triage")
    assert p["delta"]["input_tokens"] == 0
    assert p["cached_prefix_changed"] is True
    assert p["head"]["cached_tokens"] == 1250
    assert p["head"]["volatile_prefix_tokens"] == 1250
    assert Decimal(p["head"]["cost_per_call_usd"]) == Decimal("0.0091905")
    assert Decimal(p["delta"]["monthly_usd"]["expected"]) == Decimal("3349.5")

    text = run_cli(["diff", "main", "feature"], cwd=repo.root).stdout
    assert "prefix changed" in text and "+$3,349.50" in text


def test_rename_delete_add_and_working_tree(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.move("prompts/triage.yaml", "prompts/support/triage.yaml")
    repo.remove("prompts/orders.yaml")
    repo.commit("move triage, drop orders")
    # Uncommitted and untracked: a new prompt in the working tree (the default head).
    repo.write(
        "prompts/faq.yaml",
        triage(system_tokens=1100).replace("id: triage", "id: faq"),
    )

    code, report = run_json(["diff"], repo.root, tmp_path / "cache")
    assert code == 0
    assert report["base"]["label"] == "merge-base with main"
    assert report["head"]["label"] == "working tree"
    statuses = {(d["kind"], d["id"]): d["status"] for d in report["documents"]}
    assert statuses == {
        ("prompt", "faq"): "added",
        ("prompt", "orders"): "removed",
        ("prompt", "triage"): "renamed",
    }
    triage_diff = prompt(report, "triage")
    assert triage_diff["old_path"] == "prompts/triage.yaml"
    assert triage_diff["path"] == "prompts/support/triage.yaml"
    assert triage_diff["delta"]["cost_per_call_usd"] == "0"
    assert triage_diff["cached_prefix_changed"] is False
    # faq: 1,100 × 0.99 + 51 × 3 + 4,500 = 5,742 µ$ → +$5,742/month for the workload.
    faq = prompt(report, "faq")
    assert faq["base"] is None and faq["head"]["monthly_usd"]["expected"] == "5742"
    assert workload(report, "support")["scenarios"]["expected"]["delta_usd"] == "5742"
    assert prompt(report, "orders")["head"] is None


def test_charter_traffic_change_is_shown_apart(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("charters/support.yaml", charter(calls=2_000_000))
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("double traffic, longer prompt")

    _, report = run_json(["diff", "main", "feature"], repo.root, tmp_path / "cache")
    w = workload(report, "support")
    assert w["traffic_changed"] is True
    expected = w["scenarios"]["expected"]
    # base 5,841; head prompt at base traffic 5,940; at head traffic 11,880.
    assert expected["base_usd"] == "5841"
    assert expected["head_usd"] == "11880"
    assert expected["prompt_change_usd"] == "99"
    assert expected["traffic_change_usd"] == "5940"
    assert expected["calls_per_month_head"] == "2000000"


def test_tool_schema_change_structural_diff(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    tool = (repo.root / "tools/lookup.yaml").read_text()
    tool = tool.replace("version: 1.0.0", "version: 1.1.0")
    tool = tool.replace("order_id: {type: string,", "order_id: {type: integer,")
    tool = tool.replace("    region: {type: string}\n", "    verbose: {type: boolean}\n")
    repo.write("tools/lookup.yaml", tool)
    repo.commit("tool change")

    _, report = run_json(["diff", "main", "feature"], repo.root, tmp_path / "cache")
    (tool_diff,) = report["tools"]
    changes = {(c["change"], c["name"]): c for c in tool_diff["changes"]}
    assert set(changes) == {
        ("parameter-added", "verbose"),
        ("parameter-removed", "region"),
        ("parameter-changed", "order_id"),
    }
    assert "'string' → 'integer'" in changes[("parameter-changed", "order_id")]["detail"]
    verbose = count_tokens("cl100k_base", '{"verbose": {"type": "boolean"}}')
    assert changes[("parameter-added", "verbose")]["tokens_delta"] == verbose
    assert tool_diff["used_by"] == ["orders"]
    dependent = prompt(report, "orders")
    assert dependent["status"] == "tools-changed"
    assert dependent["changed_tools"] == ["lookup"]
    assert dependent["delta"]["input_tokens"] == tool_diff["head_tokens"] - tool_diff["base_tokens"]


def test_no_changes_is_a_quiet_one_liner(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    result = run_cli(["diff"], cwd=repo.root, env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "c")})
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1
    assert "no prompt, tool or charter changes" in result.stdout


def test_missing_ref_is_a_usage_error_with_fetch_hint(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    result = run_cli(["diff", "origin/nope"], cwd=repo.root)
    assert result.returncode == 2
    assert "unknown git ref 'origin/nope'" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_documents_read_from_git_objects_not_the_checkout(tmp_path: Path) -> None:
    """Comparing two refs ignores the working tree entirely."""
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("longer")
    repo.write("prompts/triage.yaml", "kind: prompt\nid: [broken\n")  # dirty, invalid
    _, report = run_json(["diff", "main", "feature"], repo.root, tmp_path / "cache")
    assert prompt(report, "triage")["delta"]["input_tokens"] == 100
