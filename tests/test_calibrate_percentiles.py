"""`Measured.token_percentiles` sorts once and stays right as calls are added or merged.

The figures are the nearest-rank percentiles of every call's tokens, whatever was asked
before: a call added or a rollup merged after a first read must show in the next one.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from promptops.calibrate.measure import Call, Measured, call_of
from promptops.canary.telemetry import (
    ATTR_INPUT_TOKENS,
    ATTR_OUTPUT_TOKENS,
    ATTR_PROMPT_ID,
    ATTR_PROMPT_VERSION,
)


def _call(input_tokens: int, output_tokens: int) -> Call:
    record = {
        ATTR_PROMPT_ID: "p",
        ATTR_PROMPT_VERSION: "1",
        ATTR_INPUT_TOKENS: input_tokens,
        ATTR_OUTPUT_TOKENS: output_tokens,
    }
    call = call_of(record, False, ())
    assert call is not None
    return call


def _nearest_rank(values: list[int], share: float) -> int | None:
    if not values:
        return None
    return sorted(values)[max(1, math.ceil(share * len(values))) - 1]


def _expected(values: list[int]) -> dict[str, int | None]:
    return {"p50": _nearest_rank(values, 0.5), "p95": _nearest_rank(values, 0.95)}


TOKENS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**5)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(first=TOKENS, later=TOKENS, other=TOKENS)
def test_percentiles_follow_adds_and_merges(
    first: list[tuple[int, int]], later: list[tuple[int, int]], other: list[tuple[int, int]]
) -> None:
    measured = Measured()
    for pair in first:
        measured.add(_call(*pair), None)
    inputs, outputs = [i for i, _ in first], [o for _, o in first]
    for _ in range(3):  # asked again and again: the same figures
        assert measured.token_percentiles("input") == _expected(inputs)
        assert measured.token_percentiles("output") == _expected(outputs)
    for pair in later:
        measured.add(_call(*pair), None)
    inputs += [i for i, _ in later]
    outputs += [o for _, o in later]
    assert measured.token_percentiles("input") == _expected(inputs)
    assert measured.token_percentiles("output") == _expected(outputs)
    rollup = Measured()
    for pair in other:
        rollup.add(_call(*pair), None)
    assert rollup.token_percentiles("input") == _expected([i for i, _ in other])
    rollup.merge(measured)
    assert rollup.token_percentiles("input") == _expected([i for i, _ in other] + inputs)
    assert rollup.token_percentiles("output") == _expected([o for _, o in other] + outputs)


def test_a_caller_changing_the_figures_does_not_change_the_next_answer() -> None:
    measured = Measured()
    for tokens in (10, 20, 30):
        measured.add(_call(tokens, tokens), None)
    figures = measured.token_percentiles("input")
    figures["p50"] = -1
    assert measured.token_percentiles("input") == {"p50": 20, "p95": 30}
