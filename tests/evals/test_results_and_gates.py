"""Results round-trip through JSON, shard merge, comparison and gates."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from promptops.errors import UserError
from promptops.evals.comparison import compare
from promptops.evals.gates import evaluate_gates
from promptops.evals.providers.base import Usage
from promptops.evals.results import (
    AssertionOutcome,
    Attempt,
    CaseResult,
    EvalReport,
    GateSpec,
    SuiteEval,
    SuiteResult,
    merge_reports,
)


def case(case_id: str, passed: bool, cost: str = "0.001") -> CaseResult:
    attempt = Attempt(
        index=0,
        passed=passed,
        output="out",
        usage=Usage(input_tokens=100, output_tokens=10),
        cost_usd=Decimal(cost),
        latency_ms=12.5,
        assertions=(AssertionOutcome("contains", passed, "m"),),
    )
    return CaseResult(case_id, (attempt,), required_passes=1)


def run(outcomes: dict[str, bool], shards=(1,), shard_count=1, ref=None) -> SuiteResult:
    return SuiteResult(
        suite_id="s",
        prompt_id="p",
        target="local",
        provider="openai-compatible",
        model="tiny",
        cases=tuple(case(i, ok) for i, ok in outcomes.items()),
        ref=ref,
        shards=tuple(shards),
        shard_count=shard_count,
    )


def test_comparison_counts_flips():
    base = run({"a": True, "b": True, "c": False, "gone": True}, ref="main")
    head = run({"a": True, "b": False, "c": True, "new": False})
    result = compare(base, head)
    assert result.regressions == ("b",)
    assert result.fixes == ("c",)
    assert result.new_cases == ("new",)
    assert result.removed_cases == ("gone",)
    assert result.pass_rate_delta == pytest.approx(0.5 - 0.75)


def test_gates_fail_on_each_limit():
    base = run({"a": True, "b": True})
    head = run({"a": True, "b": False})
    gate = GateSpec(min_pass_rate=0.9, max_regressions=0, max_cost_per_case_usd=Decimal("0.0005"))
    outcomes = {o.name: o for o in evaluate_gates(gate, head, compare(base, head))}
    assert not outcomes["min_pass_rate"].passed
    assert not outcomes["max_regressions"].passed
    assert "b" in outcomes["max_regressions"].message
    assert not outcomes["max_cost_per_case_usd"].passed
    loose = GateSpec(min_pass_rate=0.5, max_regressions=1, max_cost_per_case_usd=Decimal("0.001"))
    assert all(o.passed for o in evaluate_gates(loose, head, compare(base, head)))


def test_report_round_trips_through_json_with_money_as_strings():
    report = EvalReport(
        suites=(SuiteEval("s", "evals/s.yaml", GateSpec(min_pass_rate=1.0), run({"a": True})),)
    )
    text = json.dumps(report.to_dict())
    data = json.loads(text)
    assert data["suites"][0]["head"]["summary"]["cost_per_case_usd"] == "0.001"
    assert data["suites"][0]["gates"][0]["passed"] is True
    again = EvalReport.from_dict(data)
    assert again.suites[0].head == report.suites[0].head


def test_merge_joins_shards_and_checks_coverage():
    one = EvalReport((SuiteEval("s", None, GateSpec(), run({"a": True}, (1,), 2)),), shard="1/2")
    two = EvalReport((SuiteEval("s", None, GateSpec(), run({"b": False}, (2,), 2)),), shard="2/2")
    shards = [EvalReport.from_dict(json.loads(json.dumps(r.to_dict()))) for r in (one, two)]
    merged = merge_reports(shards)
    assert [c.case_id for c in merged.suites[0].head.cases] == ["a", "b"]
    assert merged.suites[0].head.pass_rate == 0.5
    with pytest.raises(UserError, match="missing shard"):
        merge_reports([one])
    with pytest.raises(UserError, match="twice"):
        merge_reports([one, one, two])


def test_not_a_results_file_is_a_user_error():
    with pytest.raises(UserError, match="not a promptops eval results file"):
        EvalReport.from_dict({"findings": []}, source="x.json")
