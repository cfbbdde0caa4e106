"""Assertion types: each family, negation, validation before any call."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promptops.errors import UserError
from promptops.evals.assertions import known_types, prepare
from promptops.evals.assertions.base import CheckContext, Observation, Where
from promptops.evals.providers.base import Usage


def observe(text: str, **kwargs) -> Observation:
    defaults = {
        "usage": Usage(input_tokens=10, output_tokens=7),
        "cost_usd": Decimal("0.0001"),
        "latency_ms": 120.0,
        "case_id": "c1",
    }
    return Observation(text=text, **{**defaults, **kwargs})


def passes(spec: dict, text: str, tmp_path=None, **kwargs) -> bool:
    where = Where(path="evals/x.yaml", base_dir=tmp_path) if tmp_path else Where("evals/x.yaml")
    return prepare(spec, where).evaluate(observe(text, **kwargs), CheckContext()).passed


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        ({"type": "equals", "value": "Paris"}, "Paris", True),
        ({"type": "equals", "value": "Paris"}, "Paris.", False),
        ({"type": "equals", "value": {"a": 1}}, '{"a": 1}', True),
        ({"type": "contains", "value": "refund"}, "We issue a refund.", True),
        ({"type": "contains", "value": "Refund"}, "We issue a refund.", False),
        ({"type": "icontains", "value": "REFUND"}, "We issue a refund.", True),
        ({"type": "not-contains", "value": "sorry"}, "We issue a refund.", True),
        ({"type": "not-contains", "value": "refund"}, "We issue a refund.", False),
        ({"type": "starts-with", "value": "We"}, "We issue", True),
        ({"type": "not-starts-with", "value": "We"}, "We issue", False),
        ({"type": "regex", "value": r"\d{3}-\d{4}"}, "call 555-1234", True),
        ({"type": "regex", "value": "^yes$", "flags": "im"}, "no\nYES", True),
        ({"type": "contains-all", "value": ["a", "b"]}, "a only", False),
        ({"type": "icontains-any", "value": ["X", "b"]}, "a B", True),
        ({"type": "is-json"}, '{"ok": true}', True),
        ({"type": "is-json"}, '```json\n{"ok": true}\n```', True),
        ({"type": "is-json"}, "ok: true", False),
        ({"type": "not-is-json"}, "ok: true", True),
        (
            {"type": "json-schema", "value": {"type": "object", "required": ["tier"]}},
            '{"tier": "gold"}',
            True,
        ),
        (
            {"type": "json-schema", "value": {"type": "object", "required": ["tier"]}},
            '{"level": 1}',
            False,
        ),
        ({"type": "max-tokens", "value": 7}, "x", True),
        ({"type": "max-tokens", "value": 6}, "x", False),
        ({"type": "max-cost", "value": 0.0001}, "x", True),
        ({"type": "max-cost", "value": "0.00009"}, "x", False),
        ({"type": "max-latency-ms", "value": 100}, "x", False),
        ({"type": "not-max-latency-ms", "value": 100}, "x", True),
    ],
)
def test_assertion_types(spec, text, expected):
    assert passes(spec, text) is expected


def test_max_cost_on_a_model_with_no_price_fails_negated_or_not():
    for kind in ("max-cost", "not-max-cost"):
        outcome = prepare({"type": kind, "value": 1}, Where("evals/x.yaml")).evaluate(
            observe("x", cost_usd=None), CheckContext()
        )
        assert outcome.passed is False
        assert "not priced" in outcome.message


def test_latency_is_unknown_in_batch_mode():
    assert passes({"type": "max-latency-ms", "value": 10_000}, "x", latency_ms=None) is False


def test_python_assertion_loads_a_user_function(tmp_path):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "__init__.py").write_text("")
    (tmp_path / "checks" / "tone.py").write_text(
        "def polite(output, context):\n"
        "    return {'pass': 'please' in output, 'score': 1.0, 'reason': context['case_id']}\n"
        "def score(output, context):\n"
        "    return len(output) / 10\n"
        "def broken(output, context):\n"
        "    raise RuntimeError('boom')\n"
    )
    assert passes({"type": "python", "value": "checks.tone:polite"}, "please", tmp_path)
    assert not passes({"type": "python", "value": "checks.tone:polite"}, "no", tmp_path)
    assert passes(
        {"type": "python", "value": "checks.tone:score", "threshold": 0.3}, "abcd", tmp_path
    )
    assert not passes({"type": "python", "value": "checks.tone:score"}, "abc", tmp_path)
    where = Where("evals/x.yaml", base_dir=tmp_path)
    outcome = prepare({"type": "python", "value": "checks.tone:broken"}, where).evaluate(
        observe("x"), CheckContext()
    )
    assert not outcome.passed and "RuntimeError: boom" in outcome.message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "containz", "value": "x"}, "unknown assertion type 'containz'"),
        ({"type": "regex", "value": "("}, "invalid regex"),
        ({"type": "contains"}, "needs a `value`"),
        ({"type": "json-schema", "value": {"type": 5}}, "invalid JSON Schema"),
        ({"type": "max-cost", "value": "cheap"}, "non-negative number"),
        ({"type": "python", "value": "no_such_module_xyz:f"}, "cannot import"),
        ({"type": "python", "value": "json"}, "module:function"),
        ({"type": "rubric", "value": ""}, "rubric text"),
        ("contains", "mapping with a `type`"),
    ],
)
def test_bad_assertions_are_user_errors(spec, message):
    with pytest.raises(UserError, match=message) as info:
        prepare(spec, Where(path="evals/x.yaml"))
    assert info.value.path == "evals/x.yaml"


def test_rubric_without_grader_fails_clearly():
    outcome = prepare({"type": "rubric", "value": "Is polite"}, Where()).evaluate(
        observe("hi"), CheckContext()
    )
    assert not outcome.passed and "no grader" in outcome.message


def test_registry_covers_the_design_types():
    design = {
        "equals", "contains", "icontains", "regex", "starts-with", "is-json", "json-schema",
        "max-tokens", "max-cost", "max-latency-ms", "python", "rubric",
    }  # fmt: skip
    assert design <= set(known_types())
