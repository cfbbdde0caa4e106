"""Results round-trip through JSON, shard merge, comparison and gates."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from promptops.errors import UserError
from promptops.evals.comparison import compare
from promptops.evals.gates import evaluate_gates
from promptops.evals.providers.base import Usage
from promptops.evals.report import EvalReport, SuiteEval, merge_reports
from promptops.evals.results import (
    AssertionOutcome,
    Attempt,
    CaseResult,
    GateSpec,
    SuiteResult,
)


def case(case_id: str, passed: bool, cost: str | None = "0.001") -> CaseResult:
    attempt = Attempt(
        index=0,
        passed=passed,
        output="out",
        usage=Usage(input_tokens=100, output_tokens=10),
        cost_usd=None if cost is None else Decimal(cost),
        latency_ms=12.5,
        assertions=(AssertionOutcome("contains", passed, "m"),),
    )
    return CaseResult(case_id, (attempt,), required_passes=1)


def run(
    outcomes: dict[str, bool], shards=(1,), shard_count=1, ref=None, cost: str | None = "0.001"
) -> SuiteResult:
    return SuiteResult(
        suite_id="s",
        prompt_id="p",
        target="local",
        provider="openai-compatible",
        model="tiny",
        cases=tuple(case(i, ok, cost) for i, ok in outcomes.items()),
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


def test_a_model_with_no_price_is_not_priced_in_every_figure_and_fails_the_cost_gate():
    head = run({"a": True, "b": True}, cost=None)
    base = run({"a": True, "b": True}, ref="main")
    assert head.generation_cost_usd is None and head.cost_per_case_usd is None
    assert head.unpriced_calls == 2
    gate = GateSpec(min_pass_rate=1.0, max_cost_per_case_usd=Decimal("100"))
    comparison = compare(base, head)
    assert comparison.cost_per_case_delta_usd is None
    outcomes = {o.name: o for o in evaluate_gates(gate, head, comparison)}
    assert outcomes["min_pass_rate"].passed
    cost = outcomes["max_cost_per_case_usd"]
    assert not cost.passed and cost.actual == "not priced" and "not evaluable" in cost.message
    report = EvalReport(suites=(SuiteEval("s", None, gate, head, base),))
    data = json.loads(json.dumps(report.to_dict()))
    suite = data["suites"][0]
    assert suite["head"]["summary"]["cost_per_case_usd"] is None
    assert suite["head"]["cases"][0]["attempts"][0]["cost_usd"] is None
    assert suite["comparison"]["head_cost_per_case_usd"] is None
    assert suite["comparison"]["base_cost_per_case_usd"] == "0.001"
    assert EvalReport.from_dict(data).suites[0].head == head
    from promptops.report.eval_text import render_text

    text = render_text(report)
    assert "not priced" in text and "result: FAIL" in text
