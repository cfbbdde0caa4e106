"""`check` reports the share of workloads that fit a budget only thanks to effective prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from promptops.report.reasons import reason_text
from tests.diff_fixtures import TRIAGE_CALL_USD, base_repo, charter, run_json, triage


def _repo(tmp_path: Path, config: str) -> Path:
    budgets = "  monthly_usd: {expected: 10000, stretch: 17000}\n"
    repo = base_repo(tmp_path / "repo", charter(budgets=budgets))
    repo.write("promptops.yaml", config)
    repo.commit("prices")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1210))
    repo.commit("grow the prompt a little")
    return repo.root


def test_workload_within_budget_only_at_the_discount_is_reported(tmp_path: Path) -> None:
    config = "default_branch: main\nprices:\n  claude-sonnet-4-6: {discount_pct: 20}\n"
    root = _repo(tmp_path, config)
    _, report = run_json(["check", "--base", "main", "--head", "feature"], root, tmp_path / "c")
    exposure = report["subsidy_exposure"]
    assert exposure["exposed_workloads"] == ["support"]
    assert exposure["share"] == "1"
    (row,) = exposure["scenarios"]
    assert row["scenario"] == "stretch" and row["budget_usd"] == "17000"
    book, effective = Decimal(row["book_monthly_usd"]), Decimal(row["effective_monthly_usd"])
    assert book > Decimal(17000) >= effective
    assert effective == book * Decimal("0.8")
    assert book > TRIAGE_CALL_USD * 3_000_000  # the head prompt grew
    (warning,) = [w for w in report["warnings"] if w["code"] == "subsidy-exposure"]
    assert warning["exposed_workloads"] == ["support"] and warning["share"] == "1"
    assert reason_text(warning) == (
        "subsidy exposure: 1 of 1 budgeted workloads (100%) fit their budget only at effective "
        "prices and would cross it at book price: support"
    )


def test_no_effective_prices_means_nothing_to_report(tmp_path: Path) -> None:
    root = _repo(tmp_path, "default_branch: main\n")
    _, report = run_json(["check", "--base", "main", "--head", "feature"], root, tmp_path / "c")
    assert report["subsidy_exposure"] is None
    assert not any(w["code"] == "subsidy-exposure" for w in report["warnings"])
