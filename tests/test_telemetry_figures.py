"""canary's fold and calibrate's calls read a record's numbers one way (`call_figures`).

The same random call records — valid, malformed, of odd types, with fields missing, with
negative, fractional, boolean or string token counts, with an array or object as prompt id,
version or model, flat or under `attributes`, read as OTel (inclusive) or Anthropic
(exclusive) input tokens — go through `canary`'s reader
(`read_telemetry`) and `calibrate`'s (`measure`) from one JSONL file; both must accept and
reject the same records, count the same invalid and prompt-less ones, and see the same token
figures, time and cost in every record they keep.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptops.calibrate.engine import measure
from promptops.calibrate.measure import call_of
from promptops.canary.rates import TelemetryPricing
from promptops.canary.telemetry import (
    ATTR_CACHE_CREATION,
    ATTR_CACHE_READ,
    ATTR_CACHE_WRITE,
    ATTR_CACHE_WRITE_1H,
    ATTR_CACHE_WRITE_5M,
    ATTR_INPUT_TOKENS,
    ATTR_OUTPUT_TOKENS,
    ATTR_PROMPT_ID,
    ATTR_PROMPT_VERSION,
    ATTR_REQUEST_MODEL,
    AUTO,
    EXCLUSIVE,
    FIELD_LATENCY,
    FIELD_START_NANOS,
    FIELD_TIMESTAMP,
    INCLUSIVE,
    read_telemetry,
)
from promptops.pricing.table import PriceTable

PRICING = TelemetryPricing(PriceTable.from_config(None))

COUNTS = st.one_of(
    st.integers(0, 20_000),  # the common case
    st.integers(0, 20_000),
    st.integers(-50, -1),
    st.integers(0, 5000).map(float),  # 1200.0: a whole float
    st.floats(-10, 5000, allow_nan=False),  # fractions, negatives
    st.booleans(),
    st.integers(-5, 5000).map(str),  # "1200"
    st.sampled_from(["", " 12 ", "1e3", "abc", "1.5", "-0"]),
    st.lists(st.integers(0, 9), max_size=1),
    st.dictionaries(st.just("n"), st.integers(0, 9), max_size=1),
    st.none(),
)
TIMES = st.one_of(
    st.sampled_from(
        ["2026-09-01T12:00:00Z", "2026-09-01T12:00:00+02:00", "2026-09-01", "yesterday", ""]
    ),
    st.floats(1.7e9, 1.8e9),  # seconds
    st.integers(1_700_000_000_000, 1_800_000_000_000),  # milliseconds
    st.booleans(),
    st.lists(st.integers(), max_size=1),
)
LATENCIES = st.one_of(
    st.floats(0, 10_000, allow_nan=False),
    st.integers(-100, -1),
    st.sampled_from(["812", "fast", ""]),
    st.booleans(),
)
OPTIONAL = {
    ATTR_INPUT_TOKENS: COUNTS,
    ATTR_OUTPUT_TOKENS: COUNTS,
    ATTR_CACHE_READ: COUNTS,
    ATTR_CACHE_CREATION: COUNTS,
    ATTR_CACHE_WRITE: COUNTS,
    ATTR_CACHE_WRITE_5M: COUNTS,
    ATTR_CACHE_WRITE_1H: COUNTS,
    FIELD_LATENCY: LATENCIES,
    FIELD_TIMESTAMP: TIMES,
    FIELD_START_NANOS: st.one_of(
        st.integers(1_700_000_000 * 10**9, 1_800_000_000 * 10**9), st.sampled_from(["x", "17"])
    ),
    ATTR_REQUEST_MODEL: st.sampled_from(
        ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1", "no-such-model", None, 5]
    ),
}


VERSION = "\x00version"  # replaced by a version of the record's own (see `_file`)


@st.composite
def records(draw: st.DrawFn) -> Any:
    """One parsed JSON value as a telemetry line: mostly a call record, sometimes not one."""
    shapes = ["flat"] * 6 + ["attributes", "no prompt", "no version", "odd", "non-scalar id"]
    shape = draw(st.sampled_from(shapes))
    if shape == "odd":
        return draw(st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers())))
    record: dict[str, Any] = draw(st.fixed_dictionaries({}, optional=OPTIONAL))
    identity: dict[str, Any] = {
        ATTR_PROMPT_ID: draw(st.sampled_from(["support/triage", "search", 7])),
        ATTR_PROMPT_VERSION: VERSION,
    }
    if shape == "no prompt":
        identity.pop(ATTR_PROMPT_ID)
    elif shape == "no version":
        if draw(st.booleans()):
            identity[ATTR_PROMPT_VERSION] = None
        else:
            identity.pop(ATTR_PROMPT_VERSION)
    elif shape == "non-scalar id":  # JSON arrays and objects cannot group calls
        key = draw(st.sampled_from([ATTR_PROMPT_ID, ATTR_PROMPT_VERSION, ATTR_REQUEST_MODEL]))
        identity[key] = draw(st.sampled_from([["support/triage"], {"id": "x"}, []]))
    if shape == "attributes":
        return {"trace_id": "t1", "attributes": {**record, **identity}}
    return {**record, **identity}


def _file(folder: Path, values: list[Any]) -> tuple[Path, list[Any]]:
    """The records as JSONL, each call its own version (so each kept record is its own cohort),
    then as many plain valid records again, so most records are always readable (exit 2 when
    most are not is another test's). Returns the path and the records as written."""
    written = []
    for index, value in enumerate(values):
        fields = value.get("attributes", value) if isinstance(value, dict) else {}
        if fields.get(ATTR_PROMPT_VERSION) == VERSION:
            fields[ATTR_PROMPT_VERSION] = f"v{index}"
        written.append(value)
    written += [
        {
            ATTR_PROMPT_ID: "padding",
            ATTR_PROMPT_VERSION: f"p{index}",
            ATTR_REQUEST_MODEL: "claude-haiku-4-5",
            ATTR_INPUT_TOKENS: 100 + index,
            ATTR_OUTPUT_TOKENS: 10,
            FIELD_TIMESTAMP: 1_788_000_000 + index,
        }
        for index in range(len(values) + 1)
    ]
    path = folder / "calls.jsonl"
    path.write_text("".join(json.dumps(v) + "\n" for v in written), encoding="utf-8")
    return path, written


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(records(), min_size=1, max_size=12),
    convention=st.sampled_from([INCLUSIVE, EXCLUSIVE, AUTO]),
)
def test_canary_and_calibrate_keep_and_reject_the_same_records_with_the_same_figures(
    values: list[Any], convention: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, written = _file(Path(folder), values)
        canary = read_telemetry([path], PRICING, input_tokens=convention)
        calibrate = measure([path], PRICING, input_tokens=convention)
    read, measured = canary.counters, calibrate.counters
    assert (measured.records, measured.invalid, measured.missing_prompt) == (
        read.records,
        read.invalid,
        read.missing_prompt,
    ), (read.examples, measured.examples)
    assert set(calibrate.versions) == set(canary.cohorts)
    exclusive = canary.conventions[str(path)] == EXCLUSIVE
    by_version = {}
    for value in written:
        fields = value.get("attributes", value) if isinstance(value, dict) else {}
        if fields.get(ATTR_PROMPT_ID) is not None and fields.get(ATTR_PROMPT_VERSION) is not None:
            by_version[(str(fields[ATTR_PROMPT_ID]), str(fields[ATTR_PROMPT_VERSION]))] = value
    for key, cohort in canary.cohorts.items():
        one = calibrate.versions[key]
        assert cohort.calls == one.calls == 1, key
        (tokens,) = cohort.tokens_by_model.values()
        call = call_of(by_version[key], exclusive, ("trace_id",))
        assert call is not None
        assert (
            call.input_tokens,
            call.output_tokens,
            call.cache_read,
            call.cache_creation,
            call.write_5m,
            call.write_1h,
        ) == (
            tokens.input_tokens,
            tokens.output_tokens,
            tokens.cache_read_input_tokens,
            tokens.cache_creation_input_tokens,
            tokens.cache_write_5m_input_tokens,
            tokens.cache_write_1h_input_tokens,
        ), key
        assert (list(one.input_tokens), list(one.output_tokens)) == (
            [tokens.input_tokens],
            [tokens.output_tokens],
        )
        assert one.cache_written_tokens == tokens.cache_creation_input_tokens
        assert one.hits == cohort.cache_hit_calls
        assert one.first_seen == cohort.first_seen
        assert bool(one.unpriced) == bool(cohort.unpriced_calls)
        assert one.cost_micro == pytest.approx(cohort.cost_micro_sum, rel=1e-12, abs=1e-9)


def test_lenient_values_are_read_and_impossible_ones_rejected() -> None:
    """What both readers agree on: a numeric string, a whole float, an empty count (0) and a
    date are read; a boolean count, more cache than input and a negative latency are not."""
    kept = rejected = 0
    for example in (
        {ATTR_INPUT_TOKENS: 10, ATTR_OUTPUT_TOKENS: "3", ATTR_CACHE_READ: 4.0},
        {ATTR_INPUT_TOKENS: True},
        {ATTR_INPUT_TOKENS: 5, ATTR_CACHE_READ: 9},
        {ATTR_INPUT_TOKENS: 5, FIELD_LATENCY: -1},
        {ATTR_INPUT_TOKENS: "", FIELD_TIMESTAMP: "2026-09-01"},
    ):
        record = {ATTR_PROMPT_ID: "p", ATTR_PROMPT_VERSION: "1", **example}
        try:
            call_of(record, False, ())
            kept += 1
        except (TypeError, ValueError):
            rejected += 1
    assert (kept, rejected) == (2, 3)
