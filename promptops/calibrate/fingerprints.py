"""The anti-patterns' telemetry fingerprints: each found with its evidence and monthly money.

Thresholds are deliberately conservative (a fingerprint is a claim a person will act on): each
needs enough calls to be more than noise, and says what it saw in numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from promptops.calibrate.compare import Calibration, max_steps_of
from promptops.calibrate.measure import SECONDS_PER_MONTH, Measured
from promptops.documents.workspace import Workspace

MIN_CALLS = 20  # below this, no fingerprint is claimed
TIMESTAMP_WRITE_PCT = 80  # at least this share of calls write the cache, in percent
TIMESTAMP_READ_PCT = 5  # and at most this share read it
GROWTH_RATIO = 1.5  # cost per task, second half of the window against the first
CONVERSATION_TURN = 10  # turn compared with the first
CONVERSATION_GROWTH = 2.0  # input tokens at that turn against turn 1


@dataclass(frozen=True)
class Fingerprint:
    name: str  # cached-timestamp | recursive-sub-agent | eternal-conversation | ungoverned-tool
    workload: str | None
    prompt: str | None
    evidence: str
    monthly_usd: Decimal | None
    figures: dict[str, Any] = field(default_factory=dict)


def _per_month(micro: float, part: Measured) -> Decimal | None:
    window = part.window_seconds
    if window is None or part.unpriced:
        return None
    value = Decimal(str(micro / 1e6 * SECONDS_PER_MONTH / window))
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _declares_breakpoint(data: dict[str, Any]) -> bool:
    segments: list[Any] = []
    system = data.get("system")
    if isinstance(system, list):
        segments.extend(system)
    for message in data.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            segments.extend(content)
    return any(isinstance(s, dict) and s.get("cache") for s in segments)


def cached_timestamp(workspace: Workspace, result: Calibration) -> list[Fingerprint]:
    """Cache writes on almost every call and almost no reads, on a prompt with a breakpoint:
    something in the cached prefix changes on every call."""
    found = []
    prompts = {d.id: d for d in workspace.of_kind("prompt")}
    for (prompt_id, version), part in sorted(result.measurements.versions.items()):
        doc = prompts.get(prompt_id)
        if doc is None or part.calls < MIN_CALLS or not _declares_breakpoint(doc.data):
            continue
        writes = part.cached_calls - part.hits
        if (
            writes * 100 < TIMESTAMP_WRITE_PCT * part.calls
            or part.hits * 100 > TIMESTAMP_READ_PCT * part.calls
        ):
            continue
        found.append(
            Fingerprint(
                "cached-timestamp",
                str(doc.data.get("workload")) if doc.data.get("workload") else None,
                f"{prompt_id}@{version}",
                f"{writes:,} of {part.calls:,} calls wrote the cache and {part.hits:,} read it: "
                "the cached prefix changes on every call (a timestamp, an id?)",
                _per_month(part.cache_write_premium_micro, part),
                {"calls": part.calls, "cache_writes": writes, "cache_reads": part.hits},
            )
        )
    return found


def recursive_sub_agent(workspace: Workspace, result: Calibration) -> list[Fingerprint]:
    """Tasks that take more steps than the cap, or cost per task rising faster than traffic."""
    found = []
    prompts = workspace.of_kind("prompt")
    charters = {c.id: c for c in workspace.of_kind("charter")}
    for item in result.workloads:
        part = item.measured
        members = [d for d in prompts if d.id in item.prompts]
        cap = max_steps_of(charters[item.id].data, members) if item.id in charters else None
        figures = _task_figures(part, cap)
        if figures is None:
            continue
        tasks, over, longest, beyond, growth = figures
        if not over and (growth is None or growth < GROWTH_RATIO):
            continue
        parts = []
        if over:
            parts.append(
                f"{over:,} of {tasks:,} tasks ran more than agent.max_steps "
                f"{cap} (up to {longest} steps)"
            )
        if growth is not None and growth >= GROWTH_RATIO:
            parts.append(f"cost per task grew {growth:.1f}x from the first half of the window")
        cost = part.cost_per_call_usd
        money = None if cost is None else _per_month(beyond * cost * 1e6, part)
        found.append(
            Fingerprint(
                "recursive-sub-agent",
                item.id,
                None,
                "; ".join(parts),
                money,
                {"tasks": tasks, "tasks_over_cap": over, "cap": cap},
            )
        )
    return found


def _task_figures(
    part: Measured, cap: int | None
) -> tuple[int, int, int | None, int, float | None] | None:
    """Tasks, tasks over `cap`, the longest of those, their steps beyond it and the cost
    growth per task; from every task's steps, or from the figures DuckDB computed for them
    (`calibrate.embedded`). None below `MIN_CALLS` tasks."""
    recursion = (part.fixed or {}).get("recursion")
    if recursion is not None:
        if part.tasks < MIN_CALLS:
            return None
        over_count = recursion["tasks_over_cap"] if cap is not None else 0
        beyond = (part.steps_beyond(cap) or 0) if cap is not None and over_count else 0
        first, second = recursion["first_half_micro"], recursion["second_half_micro"]
        growth = None
        if recursion["timed_tasks"] >= 2 * MIN_CALLS and first is not None and first > 0:
            growth = (second or 0.0) / first
        return part.tasks, over_count, recursion["longest"], beyond, growth
    if len(part.steps) < MIN_CALLS:
        return None
    over = {t: s for t, s in part.steps.items() if cap is not None and s > cap}
    beyond = sum(s - cap for s in over.values()) if cap is not None else 0
    longest = max(over.values()) if over else None
    return len(part.steps), len(over), longest, beyond, _cost_growth(part)


def _cost_growth(part: Measured) -> float | None:
    timed = sorted((start, t) for t, start in part.trace_start.items() if t in part.trace_cost)
    if len(timed) < 2 * MIN_CALLS:
        return None
    half = len(timed) // 2
    first = [part.trace_cost[t] for _, t in timed[:half]]
    second = [part.trace_cost[t] for _, t in timed[half:]]
    before = sum(first) / len(first)
    return (sum(second) / len(second)) / before if before > 0 else None


def eternal_conversation(result: Calibration) -> list[Fingerprint]:
    """Input tokens per call growing with the turn index within conversations."""
    found = []
    for item in result.workloads:
        part = item.measured
        computed = (part.fixed or {}).get("conversations")  # by DuckDB (`calibrate.embedded`)
        if computed is not None:
            long, first_sum, tenth_sum = computed["long"], computed["turn_1"], computed["turn_10"]
            extra = computed["extra"]
        else:
            first, tenth, extra = [], [], 0
            for turns in part.turns.values():
                ordered = [tokens for _, tokens in sorted(turns)]
                if len(ordered) >= CONVERSATION_TURN:
                    first.append(ordered[0])
                    tenth.append(ordered[CONVERSATION_TURN - 1])
                extra += sum(max(0, t - ordered[0]) for t in ordered)
            long, first_sum, tenth_sum = len(first), sum(first), sum(tenth)
        if long < 3 or not first_sum:
            continue
        turn1, turn10 = first_sum / long, tenth_sum / long
        if turn10 < CONVERSATION_GROWTH * turn1:
            continue
        rate = part.input_rate_micro
        found.append(
            Fingerprint(
                "eternal-conversation",
                item.id,
                None,
                f"input tokens per call grow with the conversation: turn {CONVERSATION_TURN} "
                f"averages {turn10:,.0f}, turn 1 {turn1:,.0f} ({turn10 / turn1:.1f}x, "
                f"{long:,} conversations of {CONVERSATION_TURN}+ turns)",
                None if rate is None else _per_month(extra * rate, part),
                {"turn_1_input_tokens": round(turn1), "turn_10_input_tokens": round(turn10)},
            )
        )
    return found


def ungoverned_tool(result: Calibration) -> list[Fingerprint]:
    """The same tool called with the same arguments more than once in one task."""
    found = []
    tools = result.measurements.tool_calls
    for item in result.workloads:
        part = item.measured
        computed = (part.fixed or {}).get("tools")  # by DuckDB (`calibrate.embedded`)
        if computed is not None:
            tasks, duplicates = computed["tasks"], computed["repeats"]
            worst = tuple(computed["worst"]) if computed["worst"] else (0, "", "")
        else:
            repeats: dict[str, int] = {}
            worst = (0, "", "")
            for trace in part.steps:
                for (name, _arguments), count in (tools.get(trace) or {}).items():
                    if count > 1:
                        repeats[trace] = repeats.get(trace, 0) + count - 1
                        worst = max(worst, (count, name, trace))
            tasks, duplicates = len(repeats), sum(repeats.values())
        if not tasks:
            continue
        cost = part.cost_per_call_usd
        found.append(
            Fingerprint(
                "ungoverned-tool",
                item.id,
                None,
                f"{tasks:,} tasks called a tool again with the same arguments "
                f"({duplicates:,} repeats; worst: {worst[1]} {worst[0]} times in {worst[2]})",
                None if cost is None else _per_month(duplicates * cost * 1e6, part),
                {"tasks": tasks, "repeats": duplicates},
            )
        )
    return found


def _mean_cost(part: Measured, tier: str) -> Decimal:
    micro, calls = part.tier_cost.get(tier, [0.0, 0.0])
    return Decimal(str(micro / calls / 1e6)) if calls else Decimal(0)


def cascade_that_doesnt(result: Calibration) -> list[Fingerprint]:
    """A Haiku-first cascade whose measured escalation and misroute rates make a task cost more
    than sending it to Sonnet directly."""
    from promptops.cascade import CascadeRates, TierCosts, analyze_cascade

    found = []
    for item in result.workloads:
        part = item.measured
        computed = (part.fixed or {}).get("cascade")  # by DuckDB (`calibrate.embedded`)
        if computed is not None:
            n_started, n_escalated = computed["started"], computed["escalated"]
            n_opus, n_misrouted = computed["to_opus"], computed["misrouted"]
        else:
            started = {t: bits for t, bits in part.trace_tiers.items() if bits & 1}
            escalated = [t for t, bits in started.items() if bits & 6]
            n_started, n_escalated = len(started), len(escalated)
            n_opus = sum(1 for t in escalated if started[t] & 4)
            n_misrouted = sum(
                1 for t, bits in started.items() if bits == 1 and t in part.trace_failed
            )
        if n_started < MIN_CALLS or not n_escalated or "sonnet" not in part.tier_cost:
            continue

        costs = TierCosts(
            _mean_cost(part, "haiku"),
            _mean_cost(part, "sonnet"),
            _mean_cost(part, "opus"),
            {},
            "telemetry",
        )
        rates = CascadeRates(
            Decimal(n_escalated) / n_started,
            Decimal(n_opus) / n_escalated,
            Decimal(n_misrouted) / n_started,
            "telemetry",
            n_started,
        )
        analysis = analyze_cascade(costs, rates)
        if analysis.pays:
            continue
        window = part.window_seconds
        money = None
        if window is not None:
            tasks_per_month = Decimal(str(n_started * SECONDS_PER_MONTH / window))
            money = (-analysis.saving_usd * tasks_per_month).quantize(Decimal("0.01"))
        found.append(
            Fingerprint(
                "cascade-that-doesnt",
                item.id,
                None,
                f"{rates.escalation_sonnet:.0%} of {n_started:,} Haiku-first tasks escalate "
                f"and {rates.misroute:.0%} are misrouted: a task costs "
                f"${analysis.expected_cost_usd:.6f} through the cascade against "
                f"${analysis.flat_sonnet_usd:.6f} on Sonnet alone",
                money,
                {
                    "escalation_sonnet": float(rates.escalation_sonnet),
                    "escalation_opus": float(rates.escalation_opus),
                    "misroute": float(rates.misroute),
                    "break_even_escalation_sonnet": None
                    if analysis.break_even_escalation_sonnet is None
                    else float(analysis.break_even_escalation_sonnet),
                },
            )
        )
    return found


def orphaned(result: Calibration) -> list[Fingerprint]:
    return [
        Fingerprint(
            "orphaned-workload",
            None,
            prompt_id,
            f"{part.calls:,} calls of a prompt id no charter or owner covers",
            _per_month(part.cost_micro, part),
            {"calls": part.calls},
        )
        for prompt_id, part in sorted(result.orphaned.items())
    ]


def fingerprints(workspace: Workspace, result: Calibration) -> list[Fingerprint]:
    return [
        *cached_timestamp(workspace, result),
        *recursive_sub_agent(workspace, result),
        *eternal_conversation(result),
        *ungoverned_tool(result),
        *cascade_that_doesnt(result),
        *orphaned(result),
    ]
