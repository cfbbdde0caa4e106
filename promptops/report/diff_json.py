"""The JSON view of a diff or check report: versioned, money as decimal strings, stable keys.

This dict is the contract the GitHub Action and the PR comment read; the markdown and text
renderers read it too, so a stored report renders the same as a fresh one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from promptops.diff.model import (
    SCENARIO_NAMES,
    Breach,
    CheckReport,
    DiffReport,
    PromptDiff,
    PromptSide,
    Unpriced,
    WorkloadDiff,
)
from promptops.text.formatting import signed_usd, usd
from promptops.text.json_view import decimal_str, to_jsonable

# The diff and check JSON's version: 3 since blocking reasons and warnings are objects (a code
# and its figures) and `provenance` lost its `sentence` (renderers word both).
SCHEMA_VERSION = 3


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def _side(side: PromptSide | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "version": side.version,
        "path": side.path,
        "model": side.model,
        "workload": side.workload,
        "input_tokens": side.input_tokens,
        "cached_tokens": side.cached_tokens,
        "uncached_tokens": side.input_tokens - side.cached_tokens,
        "parts": {
            name: {"cached": p.cached, "uncached": p.uncached, "total": p.total}
            for name, p in side.parts.items()
        },
        "output_tokens": side.output_tokens,
        "thinking_tokens": side.thinking_tokens,
        "max_output_tokens": side.max_output_tokens,
        "cache_hit_rate": decimal_str(side.cache_hit_rate),
        "cost_per_call_usd": decimal_str(side.cost_per_call_usd),
        "monthly_usd": {k: decimal_str(v) for k, v in side.monthly_usd.items()},
        "cached_prefix_hash": side.cached_prefix_hash,
        "volatile_prefix_tokens": side.volatile_prefix_tokens,
    }


def _unpriced(u: Unpriced) -> dict[str, Any]:
    return {
        "path": u.path,
        "side": u.side,
        "reason": u.reason,
        "kind": u.kind or None,
        "id": u.id or None,
        "workload": u.workload,
    }


def _prompt(p: PromptDiff) -> dict[str, Any]:
    """A prompt row; with an unpriced side every delta is null (never a -100%)."""
    growth = p.growth_pct
    side = p.head or p.base
    priced = p.priced
    return {
        "id": p.id,
        "status": p.status,
        "path": p.path,
        "old_path": p.old_path,
        "workload": side.workload if side else None,
        "base": _side(p.base),
        "head": _side(p.head),
        "delta": {
            "input_tokens": p.input_tokens_delta,
            "cached_tokens": (p.head.cached_tokens if p.head else 0)
            - (p.base.cached_tokens if p.base else 0)
            if priced
            else None,
            "output_tokens": (p.head.output_tokens if p.head else 0)
            - (p.base.output_tokens if p.base else 0)
            if priced
            else None,
            "cost_per_call_usd": _money(p.cost_per_call_delta_usd),
            "monthly_usd": {
                name: _money(p.monthly_delta_usd(name))
                for name in SCENARIO_NAMES
                if p.monthly_delta_usd(name) is not None
            },
        },
        "growth_pct": None if growth is None else decimal_str(growth.quantize(Decimal("0.1"))),
        "cached_prefix_changed": p.cached_prefix_changed,
        "rewarm_usd": _money(p.rewarm_usd),
        "content_changed": p.content_changed,
        "version_bumped": p.version_bumped,
        "settings": list(p.settings),
        "changed_tools": list(p.changed_tools),
        "unpriced": [{"side": u.side, "reason": u.reason} for u in p.unpriced],
        "hunks": [
            {
                "section": h.section,
                "tokens_added": h.tokens_added,
                "tokens_removed": h.tokens_removed,
                "tokens_delta": h.tokens_delta,
                "lines": list(h.lines),
            }
            for h in p.hunks
        ],
    }


def _workload(w: WorkloadDiff) -> dict[str, Any]:
    return {
        "id": w.id,
        "path": w.path,
        "owner": w.owner,
        "status": w.status,
        "charter_changed": w.charter_changed,
        "traffic_changed": w.traffic_changed,
        "changed_prompts": list(w.changed_prompts),
        "kill_switch_usd": _money(w.kill_switch_usd),
        "incomplete": bool(w.unpriced),
        "unpriced": [_unpriced(u) for u in w.unpriced],
        "scenarios": {
            s.name: {
                "base_usd": _money(s.base_usd),
                "head_usd": _money(s.head_usd),
                "delta_usd": _money(s.delta_usd),
                "prompt_change_usd": _money(s.prompt_change_usd),
                "traffic_change_usd": _money(s.traffic_change_usd),
                "budget_usd": _money(s.budget_usd),
                "headroom_usd": _money(s.headroom_usd),
                "calls_per_month_base": decimal_str(s.calls_per_month_base),
                "calls_per_month_head": decimal_str(s.calls_per_month_head),
            }
            for s in w.scenarios
        },
    }


def _per_call_total(report: DiffReport) -> Decimal | None:
    deltas = [p.cost_per_call_delta_usd for p in report.prompts]
    if report.incomplete or any(d is None for d in deltas):
        return None
    return sum((d for d in deltas if d is not None), Decimal(0))


def headline(report: DiffReport) -> str:
    """One sentence a reviewer reads first."""
    if not report.changed:
        return "No prompt, tool or charter changes."
    n_prompts = len(report.prompts)
    what = f"{n_prompts} prompt{'s' if n_prompts != 1 else ''} changed"
    if report.tools:
        what += f", {len(report.tools)} tool{'s' if len(report.tools) != 1 else ''}"
    if report.incomplete:
        n = len({(u.path, u.side) for u in report.unpriced})
        first = report.unpriced[0]
        return (
            f"Monthly estimate incomplete: {n} document side{'s' if n != 1 else ''} could not "
            f"be priced ({first.path} on {first.side}: {first.reason}); {what}."
        )
    if not report.workloads:
        per_call = _per_call_total(report) or Decimal(0)
        return f"{what}; no workload charter: cost per call {signed_usd(per_call, per_call=True)}."
    base, head = report.total("expected", "base_usd"), report.total("expected", "head_usd")
    assert base is not None and head is not None  # complete: every side priced
    delta = head - base
    if delta == 0:
        return f"Monthly estimate (expected) unchanged at {usd(head)}; {what}."
    verb = "increases" if delta > 0 else "decreases"
    change = f"by {usd(abs(delta))}"
    if base:
        change += f" ({delta * 100 / base:+.1f}%)"
    return f"Monthly estimate (expected) {verb} {change}: {usd(base)} → {usd(head)}; {what}."


def diff_report_dict(report: DiffReport) -> dict[str, Any]:
    tokens = [p.input_tokens_delta for p in report.prompts]
    totals: dict[str, Any] = {
        "monthly_delta_usd": _money(report.total("expected")),
        "incomplete": report.incomplete,
        "scenarios": {
            name: {
                "base_usd": _money(report.total(name, "base_usd")),
                "head_usd": _money(report.total(name, "head_usd")),
                "delta_usd": _money(report.total(name)),
                "prompt_change_usd": _money(report.total(name, "prompt_change_usd")),
                "traffic_change_usd": _money(report.total(name, "traffic_change_usd")),
            }
            for name in SCENARIO_NAMES
        },
        "cost_per_call_delta_usd": _money(_per_call_total(report)),
        "input_tokens_delta": None
        if report.incomplete or None in tokens
        else sum(t for t in tokens if t is not None),
        "changed_documents": len(report.documents),
        "changed_prompts": len(report.prompts),
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": report.kind,
        "headline": headline(report),
        "changed": report.changed,
        "base": {"label": report.base.label, "sha": report.base.sha},
        "head": {"label": report.head.label, "sha": report.head.sha},
        "totals": totals,
        "documents": [to_jsonable(d) for d in report.documents],
        "prompts": [_prompt(p) for p in report.prompts],
        "tools": [to_jsonable(t) for t in report.tools],
        "workloads": [_workload(w) for w in report.workloads],
        "unpriced": [_unpriced(u) for u in report.unpriced],
        "notes": list(report.notes),
        "provenance": to_jsonable(report.provenance),
    }


def _breach(b: Breach) -> dict[str, Any]:
    """A broken budget's figures; renderers word it (`report.reasons.budget_message`)."""
    return {
        "budget": b.budget,
        "workload": b.workload,
        "prompt": b.prompt,
        "path": b.path,
        "line": b.line,
        "introduced": b.introduced,
        "blocking": b.blocking,
        "limit": b.limit,
        "value": b.value,
        "base_value": b.base_value,
        "waiver": to_jsonable(b.waiver) if b.waiver else None,
        "expired_waiver": to_jsonable(b.expired_waiver) if b.expired_waiver else None,
    }


def check_report_dict(check: CheckReport) -> dict[str, Any]:
    data = diff_report_dict(check.diff)
    data["kind"] = "check"
    data["blocking"] = check.blocking
    data["blocking_reasons"] = [to_jsonable(r) for r in check.blocking_reasons]
    data["warnings"] = [to_jsonable(w) for w in check.warnings]
    data["breaches"] = [_breach(b) for b in check.breaches]
    data["findings"] = [f.to_dict() for f in check.findings]
    data["notes"] = [*data["notes"], *check.notes]
    data["subsidy_exposure"] = check.subsidy
    data["charter_changes"] = [review.to_dict() for review in check.charter_reviews]
    data["drift"] = [
        {
            "workload": d.workload,
            "path": d.path,
            "metric": d.metric,
            "assumed": d.assumed,
            "measured": d.measured,
            "monthly_usd": None if d.monthly_usd is None else decimal_str(d.monthly_usd),
            "blocking": d.blocking,
        }
        for d in check.drift
    ]
    return data


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
