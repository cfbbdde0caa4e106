"""`promptops calibrate` as JSON (the data) and text (a person's view of the same data)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops.calibrate.compare import Calibration, Gap, WorkloadCalibration
from promptops.calibrate.measure import Measured
from promptops.text.formatting import signed_usd, usd

SCHEMA_VERSION = 1
FINGERPRINT_TITLES = {
    "cached-timestamp": "Cached Timestamp",
    "recursive-sub-agent": "Recursive Sub-Agent",
    "eternal-conversation": "Eternal Conversation",
    "ungoverned-tool": "Ungoverned Tool",
    "cascade-that-doesnt": "Cascade That Doesn't",
    "orphaned-workload": "Orphaned Workload",
}
METRIC_LABELS = {
    "calls_per_month": "calls per month",
    "cache_hit_rate": "cache hit rate",
    "output_tokens": "output tokens per call (mean)",
    "max_steps": "agent steps per task (p95 vs cap)",
}


def _num(value: float | None, places: int = 6) -> float | None:
    return None if value is None else round(value, places)


def measured_to_dict(part: Measured) -> dict[str, Any]:
    cost = part.cost_per_call_usd
    success = part.cost_per_success_usd
    return {
        "calls": part.calls,
        "calls_per_month": None if part.calls_per_month is None else round(part.calls_per_month),
        "cache_hit_rate": _num(part.cache_hit_rate),
        "input_tokens": part.token_percentiles("input"),
        "output_tokens": {
            **part.token_percentiles("output"),
            "mean": _num(part.mean_output_tokens, 1),
        },
        "steps_per_task": part.step_percentiles() if part.tasks else None,
        "tasks": part.tasks,
        "cost_per_call_usd": None if cost is None else Decimal(f"{cost:.8f}"),
        "cost_per_success_usd": None if success is None else Decimal(f"{success:.8f}"),
        "error_rate": _num(part.error_rate),
        "unpriced_calls": part.unpriced,
        "models": sorted(part.models),
    }


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "metric": gap.metric,
        "assumed": gap.assumed,
        "measured": gap.measured,
        "monthly_usd": gap.monthly_usd,
        "note": gap.note or None,
    }


def _workload(item: WorkloadCalibration) -> dict[str, Any]:
    return {
        "id": item.id,
        "path": item.path,
        "prompts": item.prompts,
        "measured": measured_to_dict(item.measured),
        "versions": {name: measured_to_dict(part) for name, part in sorted(item.versions.items())},
        "gaps": [_gap(g) for g in item.gaps],
        "assumed_monthly_usd": item.assumed_monthly_usd,
        "measured_monthly_usd": item.measured_monthly_usd,
        "writes": {".".join(map(str, k)): v for k, v in item.writes.items()},
        "notes": item.notes,
    }


def calibration_to_dict(result: Calibration, provenance: dict[str, Any]) -> dict[str, Any]:
    counters = result.measurements.counters
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "calibration",
        "provenance": provenance,
        "input": {**counters.to_dict(), "conventions": result.measurements.conventions},
        "workloads": [_workload(w) for w in result.workloads],
        "orphaned": {pid: measured_to_dict(part) for pid, part in sorted(result.orphaned.items())},
        "fingerprints": [
            {
                "name": f.name,
                "workload": f.workload,
                "prompt": f.prompt,
                "evidence": f.evidence,
                "monthly_usd": f.monthly_usd,
                "figures": f.figures,
            }
            for f in result.fingerprints
        ],
    }


def render_json(result: Calibration, provenance: dict[str, Any]) -> str:
    from promptops.text.json_view import dumps

    return dumps(calibration_to_dict(result, provenance))


def _shown(metric: str, value: Any) -> str:
    if value is None:
        return "—"
    if metric == "cache_hit_rate":
        return f"{float(value):.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _worth(value: Decimal | None) -> str:
    if value is None:
        return "not priced"
    return f"{signed_usd(value)}/mo"


def render_text(result: Calibration, provenance_line: str) -> str:
    lines: list[str] = []
    for item in result.workloads:
        measured = item.measured
        lines.append(f"Workload {item.id} ({item.path}): {measured.calls:,} calls")
        if item.gaps:
            rows = [
                [
                    METRIC_LABELS.get(g.metric, g.metric),
                    _shown(g.metric, g.assumed),
                    _shown(g.metric, g.measured),
                    _worth(g.monthly_usd),
                ]
                for g in item.gaps
            ]
            from tabulate import tabulate

            headers = ["", "assumed", "measured", "gap worth"]
            lines.append(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
        if item.assumed_monthly_usd is not None and item.measured_monthly_usd is not None:
            lines.append(
                f"expected monthly: {usd(item.assumed_monthly_usd)} as chartered, "
                f"{usd(item.measured_monthly_usd)} at the measured figures"
            )
        if measured.calls:
            out = measured.token_percentiles("output")
            inp = measured.token_percentiles("input")
            cost = measured.cost_per_call_usd
            lines.append(
                f"input tokens p50 {inp['p50']:,} p95 {inp['p95']:,}; output p50 {out['p50']:,} "
                f"p95 {out['p95']:,}; cost per call "
                + ("not priced" if cost is None else f"${cost:.6f}")
                + f"; error rate {measured.error_rate or 0:.1%}"
            )
        lines.extend(f"note: {note}" for note in item.notes)
        lines.append("")
    if result.fingerprints:
        lines.append("Anti-pattern fingerprints:")
        for found in result.fingerprints:
            where = found.workload or found.prompt or ""
            money = "" if found.monthly_usd is None else f" ({usd(found.monthly_usd)}/mo)"
            title = FINGERPRINT_TITLES.get(found.name, found.name)
            lines.append(f"  {title} — {where}: {found.evidence}{money}")
        lines.append("")
    lines.append(provenance_line)
    return "\n".join(lines) + "\n"
