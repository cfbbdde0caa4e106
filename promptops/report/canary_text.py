"""Plain-text views of a canary verdict and a release plan (the JSON view is in `analysis`).

Release ids, versions and reasons come from the repository and telemetry: each view is made
`printable` as a whole (it has no colours of its own), so no control sequence reaches a
terminal raw."""

from __future__ import annotations

from typing import Any

from promptops.canary.analysis import Verdict, cohort_to_dict
from promptops.canary.release import Release
from promptops.text.formatting import printable

_STATUS = {"pass": "ok  ", "fail": "FAIL", "inconclusive": "wait", "skipped": "skip"}


def render_verdict(result: Verdict) -> str:
    release = result.release
    step = release.current_step
    weight = f"{step.weight:g}%" if step else "-"
    lines = [
        f"release {release.id}: canary {release.canary_version} vs stable {release.stable}, "
        f"step {release.step} ({weight})",
        f"verdict: {result.verdict.upper()}",
    ]
    lines += [f"  - {reason}" for reason in result.reasons]
    stable, canary = cohort_to_dict(result.stable), cohort_to_dict(result.canary)
    rows: list[tuple[str, Any, Any]] = [
        ("calls", stable["calls"], canary["calls"]),
        ("success rate", _pct(stable["success_rate"]), _pct(canary["success_rate"])),
        ("error rate", _pct(stable["error_rate"]), _pct(canary["error_rate"])),
        ("cost per call $", stable["cost_per_call_usd"], canary["cost_per_call_usd"]),
        ("cost per success $", stable["cost_per_success_usd"], canary["cost_per_success_usd"]),
        (
            "input tokens/call",
            stable["tokens_per_call"]["input"],
            canary["tokens_per_call"]["input"],
        ),
        (
            "output tokens/call",
            stable["tokens_per_call"]["output"],
            canary["tokens_per_call"]["output"],
        ),
        ("cache hit rate", _pct(stable["cache_hit_rate"]), _pct(canary["cache_hit_rate"])),
        ("p50 latency ms", stable["latency_ms"]["p50"], canary["latency_ms"]["p50"]),
        ("p95 latency ms", stable["latency_ms"]["p95"], canary["latency_ms"]["p95"]),
    ]
    lines.append("")
    lines.append(
        f"  {'':<20}{'stable ' + release.stable:>18}{'canary ' + str(release.canary_version):>18}"
    )
    for label, left, right in rows:
        lines.append(f"  {label:<20}{_cell(left):>18}{_cell(right):>18}")
    lines.append("")
    lines.append("checks:")
    for check in result.checks:
        lines.append(f"  {_STATUS.get(check.status, check.status)}  {check.name}: {check.message}")
    lines.append("")
    lines.append(f"next: {result.next_action}")
    return printable("\n".join(lines) + "\n")


def plan_to_dict(release: Release) -> dict[str, Any]:
    step = release.current_step
    following = release.steps[release.step + 1] if not release.is_last_step else None
    return {
        "schema_version": 1,
        "release": release.id,
        "prompt": release.prompt,
        "stable": release.stable,
        "canary": release.canary_version,
        "state": release.state,
        "step": release.step,
        "weight": release.weight,
        "salt": release.salt,
        "steps": [
            {"index": i, "weight": s.weight, "min_calls": s.min_calls, "min_minutes": s.min_minutes}
            for i, s in enumerate(release.steps)
        ],
        "current": None
        if step is None
        else {"weight": step.weight, "min_calls": step.min_calls, "min_minutes": step.min_minutes},
        "next": _plan_next(release, following),
    }


def _plan_next(release: Release, following: Any) -> str:
    if release.state == "none":
        return "no canary: set canary.version and canary.steps to start one"
    if release.state == "complete":
        return f"done: {release.stable} is stable; set a new canary.version to start another"
    if release.state == "rolled_back":
        return f"rolled back: everyone gets {release.stable}; set a new canary.version to retry"
    if following is None:
        return f"on promote: {release.canary_version} becomes stable"
    return f"on promote: step {release.step + 1}, canary weight {following.weight:g}%"


def render_plan(release: Release) -> str:
    plan = plan_to_dict(release)
    lines = [
        f"release {release.id} (prompt {release.prompt}): {plan['state']}",
        f"  stable  {release.stable}  ({100 - release.weight:g}% of keys)",
        f"  canary  {release.canary_version or '-'}  ({release.weight:g}% of keys)",
        "  steps:",
    ]
    for step in plan["steps"]:
        marker = "->" if step["index"] == release.step and release.state == "active" else "  "
        lines.append(
            f"   {marker} {step['index']}: weight {step['weight']:g}%, min {step['min_calls']:,} "
            f"calls, min {step['min_minutes']:g} min"
        )
    lines.append(f"  next: {plan['next']}")
    return printable("\n".join(lines) + "\n")


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.2%}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
