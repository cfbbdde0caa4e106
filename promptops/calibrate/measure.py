"""What production did: per prompt version, from call records, the figures a charter assumes.

Records come through the one telemetry reader (`promptops.canary.telemetry`: the same files,
formats, input-token conventions and bad-record accounting as `canary analyze`). Each record is
normalised to a `Call`; calls are grouped by prompt id and version, and by trace (the OTel
`trace_id`, configurable) to count agent steps per task.

Token figures are kept exactly (arrays of ints: 8 bytes a call) so percentiles are exact.
"""

from __future__ import annotations

import copy
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from promptops.canary.rates import RecordRates, TelemetryPricing
from promptops.canary.telemetry import (
    ATTR_ERROR_TYPE,
    ATTR_PROMPT_ID,
    ATTR_PROMPT_VERSION,
    ATTR_REQUEST_MODEL,
    ATTR_RESPONSE_MODEL,
    EXCLUSIVE,
    FIELD_ERROR,
    FIELD_OUTCOME,
    ReadCounters,
    SourcePlan,
    call_figures,
    check_readable,
    task_records,
)

SECONDS_PER_MONTH = 730 * 3600  # the 730-hour month every monthly figure uses
ATTR_CONVERSATION = "gen_ai.conversation.id"
ATTR_OPERATION = "gen_ai.operation.name"
ATTR_TOOL_NAME = "gen_ai.tool.name"
ATTR_TOOL_ARGUMENTS = "gen_ai.tool.call.arguments"
TIER_BITS = {"haiku": 1, "sonnet": 2, "opus": 4}
MAX_TRACKED = 1_000_000  # conversations or traces kept for fingerprints (memory bound)
DEFAULT_TRACE_KEYS = ("trace_id", "traceId", "gen_ai.trace_id")


class Call(NamedTuple):
    """One model call, input tokens inclusive of cache reads and writes."""

    prompt_id: str
    version: str
    model: str | None
    input_tokens: int
    output_tokens: int
    cache_read: int
    cache_creation: int
    write_5m: int
    write_1h: int
    trace_id: str | None
    conversation_id: str | None
    seen: float | None
    outcome: str | None
    error: bool


def tier_of(model: str | None) -> str | None:
    """haiku, sonnet or opus from a Claude model id (None for anything else)."""
    if not model:
        return None
    lowered = model.lower()
    return next((tier for tier in TIER_BITS if tier in lowered), None)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class ToolCall(NamedTuple):
    """A tool execution span (`gen_ai.operation.name: execute_tool`) in a trace."""

    trace_id: str
    name: str
    arguments: str


def tool_call_of(record: dict[str, Any], trace_keys: Sequence[str]) -> ToolCall | None:
    """The record as a tool execution, when it is one and says its trace."""
    if record.get(ATTR_TOOL_NAME) is None and isinstance(record.get("attributes"), dict):
        record = {**record, **record["attributes"]}
    name = record.get(ATTR_TOOL_NAME)
    if name is None or record.get(ATTR_OPERATION) not in (None, "execute_tool"):
        return None
    trace = next((record[k] for k in trace_keys if record.get(k) is not None), None)
    if trace is None:
        return None
    arguments = record.get(ATTR_TOOL_ARGUMENTS)
    if not isinstance(arguments, str):
        import json

        arguments = json.dumps(arguments, sort_keys=True)
    return ToolCall(str(trace), str(name), arguments)


def call_of(record: Any, exclusive: bool, trace_keys: Sequence[str]) -> Call | None:
    """A record as a `Call`; None when it names no prompt (someone else's span).

    Its numbers are read by `telemetry.call_figures`, as canary's fold reads them, so the two
    accept the same records with the same figures. Raises TypeError/ValueError for a record of
    ours with unusable values (counted invalid)."""
    if not isinstance(record, dict):
        raise TypeError("record is not a JSON object")
    if record.get(ATTR_PROMPT_ID) is None and isinstance(record.get("attributes"), dict):
        record = {**record, **record["attributes"]}
    prompt_id, version = record.get(ATTR_PROMPT_ID), record.get(ATTR_PROMPT_VERSION)
    if prompt_id is None or version is None:
        return None
    input_tokens, output_tokens, read, creation, write_5m, write_1h, _, seen = call_figures(
        record, exclusive
    )
    trace = next((record[k] for k in trace_keys if record.get(k) is not None), None)
    model = record.get(ATTR_REQUEST_MODEL) or record.get(ATTR_RESPONSE_MODEL)
    try:
        hash((prompt_id, version, model))
    except TypeError:  # as canary's fold, which groups by them, rejects the record
        raise TypeError("prompt id, version and model must be scalars") from None
    return Call(
        prompt_id=str(prompt_id),
        version=str(version),
        model=None if model is None else str(model),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read=read,
        cache_creation=creation,
        write_5m=write_5m,
        write_1h=write_1h,
        trace_id=None if trace is None else str(trace),
        conversation_id=_text(record.get(ATTR_CONVERSATION)),
        seen=seen,
        outcome=None if record.get(FIELD_OUTCOME) is None else str(record.get(FIELD_OUTCOME)),
        error=bool(record.get(FIELD_ERROR) or record.get(ATTR_ERROR_TYPE)),
    )


def cost_micro(call: Call, rates: RecordRates) -> float:
    """The call's cost in micro-dollars: its total input picks the tier for all its tokens."""
    tier = rates.tier_of(call.input_tokens)
    token_rates = rates.base if tier is None else dict(rates.tiers)[tier]
    unsplit = call.cache_creation - call.write_5m - call.write_1h
    return (
        (call.input_tokens - call.cache_read - call.cache_creation) * token_rates.input
        + call.output_tokens * token_rates.output
        + unsplit * token_rates.cache_write
        + call.write_5m * token_rates.cache_write_5m
        + call.write_1h * token_rates.cache_write_1h
        + call.cache_read * token_rates.cache_read
    )


def percentile(values: Sequence[int] | array[int], share: float) -> int | None:
    """Nearest-rank percentile of sorted `values` (None when there are none)."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return int(values[rank - 1])


@dataclass
class Measured:
    """The calls of one prompt version (or a rollup of several)."""

    calls: int = 0
    successes: int = 0
    outcomes: int = 0  # calls whose record says success or failure
    errors: int = 0
    hits: int = 0  # calls that read the cache
    cached_calls: int = 0  # calls that read or wrote the cache
    input_tokens: array[int] = field(default_factory=lambda: array("q"))
    output_tokens: array[int] = field(default_factory=lambda: array("q"))
    cost_micro: float = 0.0
    unpriced: int = 0  # calls of a model the price table cannot price
    models: set[str] = field(default_factory=set)
    first_seen: float | None = None
    last_seen: float | None = None
    untimed: int = 0
    steps: dict[str, int] = field(default_factory=dict)  # trace id -> calls in it
    trace_cost: dict[str, float] = field(default_factory=dict)  # trace id -> micro-dollars
    trace_start: dict[str, float] = field(default_factory=dict)  # trace id -> first call
    # trace id -> tiers its calls used (1 Haiku, 2 Sonnet, 4 Opus), and traces with a failure
    trace_tiers: dict[str, int] = field(default_factory=dict)
    trace_failed: set[str] = field(default_factory=set)
    tier_cost: dict[str, list[float]] = field(default_factory=dict)  # tier -> [micro, calls]
    # conversation id -> (time, input tokens) of each call, for growth with the turn index
    turns: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    cache_written_tokens: int = 0
    output_sum: int = 0
    # Figures a warehouse computed (`calibrate --summary`): percentiles, tasks, steps beyond
    # the cap. None for calls read one by one, whose arrays and traces give them exactly.
    fixed: dict[str, Any] | None = None
    # base input price per token, the mean over the priced calls (their models may differ)
    input_rate_micro: float | None = None
    input_rate_sum: float = 0.0
    rated_calls: int = 0
    cache_write_premium_micro: float = 0.0  # what writes cost above reading the same tokens
    # token percentiles as last computed: which -> (the array, its length then, the figures)
    _percentiles: dict[str, tuple[array[int], int, dict[str, int | None]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def add(self, call: Call, rates: RecordRates | None) -> None:
        self.calls += 1
        if call.outcome in ("success", "failure"):
            self.outcomes += 1
            self.successes += call.outcome == "success"
        self.errors += call.error
        self.hits += call.cache_read > 0
        self.cached_calls += (call.cache_read + call.cache_creation) > 0
        self.input_tokens.append(call.input_tokens)
        self.output_tokens.append(call.output_tokens)
        self.output_sum += call.output_tokens
        if call.model:
            self.models.add(call.model)
        cost = None
        if rates is None:
            self.unpriced += 1
        else:
            cost = cost_micro(call, rates)
            self.cost_micro += cost
            tier = tier_of(call.model)
            if tier:
                sums = self.tier_cost.setdefault(tier, [0.0, 0.0])
                sums[0] += cost
                sums[1] += 1
            token_rates = rates.base
            self.input_rate_sum += token_rates.input
            self.rated_calls += 1
            self.input_rate_micro = self.input_rate_sum / self.rated_calls
            self.cache_write_premium_micro += call.cache_creation * (
                token_rates.cache_write - token_rates.cache_read
            )
        self.cache_written_tokens += call.cache_creation
        if call.seen is None:
            self.untimed += 1
        else:
            if self.first_seen is None or call.seen < self.first_seen:
                self.first_seen = call.seen
            if self.last_seen is None or call.seen > self.last_seen:
                self.last_seen = call.seen
        trace = call.trace_id
        if trace is not None and (trace in self.steps or len(self.steps) < MAX_TRACKED):
            self.steps[trace] = self.steps.get(trace, 0) + 1
            if cost is not None:
                self.trace_cost[trace] = self.trace_cost.get(trace, 0.0) + cost
            tier = tier_of(call.model)
            if tier:
                self.trace_tiers[trace] = self.trace_tiers.get(trace, 0) | TIER_BITS[tier]
            if call.outcome == "failure":
                self.trace_failed.add(trace)
            if call.seen is not None:
                start = self.trace_start.get(trace)
                self.trace_start[trace] = call.seen if start is None else min(start, call.seen)
        conversation = call.conversation_id
        tracked = conversation in self.turns or len(self.turns) < MAX_TRACKED
        if conversation is not None and call.seen is not None and tracked:
            self.turns.setdefault(conversation, []).append((call.seen, call.input_tokens))

    def merge(self, other: Measured) -> None:
        """Add `other`'s calls. Figures an engine computed (`fixed`) carry over into an empty
        rollup; two sets of them cannot be combined (percentiles of a union need the values),
        so their percentiles become unknown rather than wrong."""
        if other.fixed is not None:
            if self.calls == 0 and self.fixed is None and not self.input_tokens:
                self.fixed = copy.deepcopy(other.fixed)
            elif other.calls:
                self.fixed = {
                    "input": {"p50": None, "p95": None},
                    "output": {"p50": None, "p95": None},
                    "steps": {"p50": None, "p95": None, "max": None},
                    "tasks": int((self.fixed or {}).get("tasks") or 0)
                    + int(other.fixed.get("tasks") or 0),
                    "beyond_cap": None,
                    "cap": None,
                }
        for name in (
            "calls",
            "successes",
            "outcomes",
            "errors",
            "hits",
            "cached_calls",
            "output_sum",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.input_tokens.extend(other.input_tokens)
        self.output_tokens.extend(other.output_tokens)
        self.cost_micro += other.cost_micro
        self.unpriced += other.unpriced
        self.untimed += other.untimed
        self.models |= other.models
        for seen in (other.first_seen, other.last_seen):
            if seen is None:
                continue
            self.first_seen = seen if self.first_seen is None else min(self.first_seen, seen)
            self.last_seen = seen if self.last_seen is None else max(self.last_seen, seen)
        for trace, count in other.steps.items():  # a task may span prompts of one workload
            self.steps[trace] = self.steps.get(trace, 0) + count
        for trace, cost in other.trace_cost.items():
            self.trace_cost[trace] = self.trace_cost.get(trace, 0.0) + cost
        for trace, start in other.trace_start.items():
            mine = self.trace_start.get(trace)
            self.trace_start[trace] = start if mine is None else min(mine, start)
        for trace, bits in other.trace_tiers.items():
            self.trace_tiers[trace] = self.trace_tiers.get(trace, 0) | bits
        self.trace_failed |= other.trace_failed
        for tier, (micro, calls) in other.tier_cost.items():
            sums = self.tier_cost.setdefault(tier, [0.0, 0.0])
            sums[0] += micro
            sums[1] += calls
        for conversation, turns in other.turns.items():
            self.turns.setdefault(conversation, []).extend(turns)
        self.cache_written_tokens += other.cache_written_tokens
        self.input_rate_sum += other.input_rate_sum
        self.rated_calls += other.rated_calls
        if self.rated_calls:
            self.input_rate_micro = self.input_rate_sum / self.rated_calls
        else:
            self.input_rate_micro = self.input_rate_micro or other.input_rate_micro
        self.cache_write_premium_micro += other.cache_write_premium_micro

    # ----- derived figures ------------------------------------------------------------------
    @property
    def window_seconds(self) -> float | None:
        """The time the calls span, one mean gap added (n calls cover n gaps, not n - 1)."""
        if self.first_seen is None or self.last_seen is None or self.calls - self.untimed < 2:
            return None
        span = self.last_seen - self.first_seen
        timed = self.calls - self.untimed
        return span * timed / (timed - 1) if span > 0 else None

    @property
    def calls_per_month(self) -> float | None:
        window = self.window_seconds
        return None if window is None else self.calls * SECONDS_PER_MONTH / window

    @property
    def cache_hit_rate(self) -> float | None:
        return self.hits / self.calls if self.calls else None

    @property
    def mean_output_tokens(self) -> float | None:
        return self.output_sum / self.calls if self.calls else None

    @property
    def cost_per_call_usd(self) -> float | None:
        """None when any call could not be priced: a partial mean would be a wrong figure."""
        if not self.calls or self.unpriced:
            return None
        return self.cost_micro / self.calls / 1e6

    @property
    def cost_per_success_usd(self) -> float | None:
        if self.cost_per_call_usd is None or not self.successes:
            return None
        return self.cost_micro / self.successes / 1e6

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.calls if self.calls else None

    @property
    def tasks(self) -> int:
        """Traces (tasks) seen; 0 when the records carry no trace id."""
        if self.fixed is not None:
            return int(self.fixed.get("tasks") or 0)
        return len(self.steps)

    def steps_beyond(self, cap: int) -> int | None:
        """Calls in tasks beyond their `cap`-th (None when a summary was cut at another cap)."""
        if self.fixed is not None:
            return self.fixed.get("beyond_cap") if self.fixed.get("cap") == cap else None
        return sum(max(0, steps - cap) for steps in self.steps.values())

    def token_percentiles(self, which: str) -> dict[str, int | None]:
        """p50 and p95 of the input or output tokens. Renderers ask several times per
        workload, so the array is sorted once and the figures kept (not the sorted copy: a
        list of 10^7 ints is hundreds of megabytes); the arrays only grow (`add`, `merge`),
        so figures of the same array at the same length are current."""
        if self.fixed is not None:
            return dict(self.fixed[which])
        values = self.input_tokens if which == "input" else self.output_tokens
        cached = self._percentiles.get(which)
        if cached is None or cached[0] is not values or cached[1] != len(values):
            ordered = sorted(values)
            figures = {"p50": percentile(ordered, 0.5), "p95": percentile(ordered, 0.95)}
            cached = self._percentiles[which] = (values, len(values), figures)
        return dict(cached[2])

    def step_percentiles(self) -> dict[str, int | None]:
        if self.fixed is not None:
            return dict(self.fixed["steps"])
        values = sorted(self.steps.values())
        return {
            "p50": percentile(values, 0.5),
            "p95": percentile(values, 0.95),
            "max": values[-1] if values else None,
        }


@dataclass
class Measurements:
    """Every prompt version seen, and what the reader could not use."""

    versions: dict[tuple[str, str], Measured]
    counters: ReadCounters
    conventions: dict[str, str]
    # trace id -> (tool name, arguments) -> executions (tool spans carry no prompt id)
    tool_calls: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    # workload -> its calls, when a warehouse summary computed them (percentiles of a
    # workload cannot be merged from its versions')
    workloads: dict[str, Measured] | None = None
    # "stream" (every call folded here), "duckdb" (`calibrate.embedded`) or "summary"
    engine: str = "stream"


def measure_stream(
    plan: SourcePlan,
    pricing: TelemetryPricing,
    since: float | None = None,
    trace_keys: Sequence[str] = DEFAULT_TRACE_KEYS,
) -> Measurements:
    """Fold the call records of `plan` per (prompt id, version), one by one: every token
    count and trace kept, so percentiles are exact and the fingerprints see each task
    (`calibrate.engine.measure` picks DuckDB instead for large local files)."""
    keys = tuple(trace_keys)
    counters = ReadCounters()
    versions: dict[tuple[str, str], Measured] = {}
    tools: dict[str, dict[tuple[str, str], int]] = {}
    for task in plan.tasks:
        exclusive = task[4] == EXCLUSIVE
        for record in task_records(task, counters, plan.stdin_head):
            try:
                call = call_of(record, exclusive, keys)
            except (TypeError, ValueError, OverflowError) as exc:
                counters.note(f"{task[0]}: bad record ({str(exc)[:120]})")
                continue
            if call is None:
                tool = tool_call_of(record, keys) if isinstance(record, dict) else None
                if tool is not None and (tool.trace_id in tools or len(tools) < MAX_TRACKED):
                    per_trace = tools.setdefault(tool.trace_id, {})
                    key = (tool.name, tool.arguments)
                    per_trace[key] = per_trace.get(key, 0) + 1
                else:
                    counters.missing_prompt += 1
                continue
            if since is not None and call.seen is not None and call.seen < since:
                continue
            counters.records += 1
            key = (call.prompt_id, call.version)
            measured = versions.get(key)
            if measured is None:
                measured = versions[key] = Measured()
            measured.add(call, pricing.rates(call.model))
    check_readable(counters)
    return Measurements(versions, counters, plan.conventions, tools)


def _int(row: dict[str, Any], key: str) -> int:
    value = row.get(key)
    return 0 if value is None or value == "" else int(float(value))


def _float(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    return None if value is None or value == "" else float(value)


def _optional_int(row: dict[str, Any], key: str) -> int | None:
    value = _float(row, key)
    return None if value is None else int(value)


def measured_of_row(row: dict[str, Any]) -> Measured:
    """One row of the `calibrate --sql` query as a `Measured` with its warehouse figures."""
    return Measured(
        calls=_int(row, "calls"),
        successes=_int(row, "successes"),
        outcomes=_int(row, "outcomes"),
        errors=_int(row, "errors"),
        hits=_int(row, "hits"),
        cached_calls=_int(row, "cached_calls"),
        output_sum=_int(row, "output_sum"),
        cost_micro=_float(row, "cost_micro_usd") or 0.0,
        unpriced=_int(row, "unpriced"),
        first_seen=_float(row, "first_seen"),
        last_seen=_float(row, "last_seen"),
        untimed=_int(row, "untimed"),
        fixed={
            "input": {
                "p50": _optional_int(row, "input_p50"),
                "p95": _optional_int(row, "input_p95"),
            },
            "output": {
                "p50": _optional_int(row, "output_p50"),
                "p95": _optional_int(row, "output_p95"),
            },
            "steps": {
                "p50": _optional_int(row, "steps_p50"),
                "p95": _optional_int(row, "steps_p95"),
                "max": _optional_int(row, "steps_max"),
            },
            "tasks": _int(row, "tasks"),
            "beyond_cap": _optional_int(row, "beyond_cap"),
            "cap": _optional_int(row, "cap"),
        },
    )


def measure_summary(paths: Sequence[str | Path]) -> Measurements:
    """Measurements from the rows of the `calibrate --sql` query (JSON Lines, JSON or CSV)."""
    from promptops.canary.summaries import read_rows
    from promptops.errors import UserError

    versions: dict[tuple[str, str], Measured] = {}
    workloads: dict[str, Measured] = {}
    for raw in paths:
        for number, row in enumerate(read_rows(Path(raw)), start=1):
            try:
                measured = measured_of_row(dict(row))
                if row.get("level") == "workload":
                    workloads[str(row["workload"])] = measured
                elif row.get("level") == "version":
                    versions[(str(row["prompt_id"]), str(row["version"]))] = measured
                else:
                    raise ValueError(f"level must be version or workload, got {row.get('level')!r}")
            except (TypeError, ValueError, KeyError) as exc:
                raise UserError(f"calibration summary row {number}: {exc}", path=str(raw)) from exc
    counters = ReadCounters(records=sum(m.calls for m in versions.values()))
    return Measurements(versions, counters, {}, {}, workloads, engine="summary")
