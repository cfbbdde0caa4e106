"""Assertion types: one module per family, one registry table, `not-` negates any type.

`prepare(spec, where)` validates an assertion before any model call and returns a
`PreparedAssertion` whose `evaluate(observation, context)` gives an `AssertionOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promptops.evals.assertions import limits, python_function, rubric, strings, structured
from promptops.evals.assertions.base import Builder, Check, CheckContext, Observation, Where
from promptops.evals.results import AssertionOutcome

FAMILIES = (strings, structured, limits, python_function, rubric)
REGISTRY: dict[str, Builder] = {
    type_name: builder for family in FAMILIES for type_name, builder in family.BUILDERS.items()
}
NEGATION_PREFIX = "not-"


def known_types() -> list[str]:
    return sorted(REGISTRY)


@dataclass(frozen=True)
class PreparedAssertion:
    type: str
    negated: bool
    check: Check

    def evaluate(self, observation: Observation, context: CheckContext) -> AssertionOutcome:
        verdict = self.check(observation, context)
        passed = verdict.evaluable and verdict.passed != self.negated
        return AssertionOutcome(
            type=self.type,
            passed=passed,
            message=verdict.message,
            score=verdict.score,
            grading_usage=verdict.grading_usage,
            grading_cost_usd=verdict.grading_cost_usd,
            grading_cached=verdict.grading_cached,
        )


def prepare(spec: Any, where: Where) -> PreparedAssertion:
    """Validate one `{type, value, …}` mapping; unknown types are a user error (exit 2)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise where.error("each assertion must be a mapping with a `type`")
    written = spec["type"]
    base_type, negated = written, False
    if written not in REGISTRY and written.startswith(NEGATION_PREFIX):
        base_type, negated = written[len(NEGATION_PREFIX) :], True
    builder = REGISTRY.get(base_type)
    if builder is None:
        raise where.error(
            f"unknown assertion type {written!r}; known: {', '.join(known_types())}"
            f" (any may be negated with {NEGATION_PREFIX!r})"
        )
    return PreparedAssertion(type=written, negated=negated, check=builder(spec, where))
