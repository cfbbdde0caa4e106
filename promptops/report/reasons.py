"""The words for the gate's blocking reasons and warnings, and for the provenance line.

A check report holds each reason as data: a dict with a stable `code` and the figures it
speaks of (money as decimal strings), as `promptops.check` builds it and the JSON view writes
it. Every renderer (text, markdown, the Action's annotations and job summary) words it here,
one function per code, so they all say the same sentence and a stored report reads as a
fresh one. A code this version does not know (a newer report) is shown as its code and
fields, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from decimal import Decimal
from typing import Any

from promptops.figures import Provenance
from promptops.text.formatting import pct, short_repr, signed_usd, tokens, usd

Reason = Mapping[str, Any]

PER_CALL_BUDGETS = (
    "max_input_tokens_per_call",
    "max_output_tokens_per_call",
    "max_cost_per_call_usd",
)
PROVENANCE_FIELDS = tuple(f.name for f in fields(Provenance))


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _where(r: Reason) -> str:
    return f"{r.get('path')}:{r.get('line')}"


def _expired(r: Reason) -> str:
    expired = r.get("expired_waiver")
    if not expired:
        return ""
    return f" (the waiver by {expired.get('approver')} expired on {expired.get('expires')})"


def _waived(waiver: Mapping[str, Any]) -> str:
    return (
        f"waived by {waiver.get('approver')} until {waiver.get('expires')}: {waiver.get('reason')}"
    )


# -- findings --------------------------------------------------------------------------------
def _finding(r: Reason) -> str:
    return f"{_where(r)}: {r.get('rule')} {r.get('message')}{_expired(r)}"


def _finding_waived(r: Reason) -> str:
    return f"{_where(r)}: {r.get('rule')} {r.get('message')} — {_waived(r.get('waiver') or {})}"


# -- documents that cannot be priced ---------------------------------------------------------
def _what(r: Reason) -> str:
    return f"{r['kind']} {r['id']!r}" if r.get("kind") and r.get("id") else "the document"


def _unpriced_changed(r: Reason) -> str:
    return (
        f"{r.get('path')}: {_what(r)} cannot be priced on the head ({r.get('reason')}): "
        "its workload's budgets cannot be checked"
    )


def _unpriced_head(r: Reason) -> str:
    return (
        f"{r.get('path')}: {_what(r)} cannot be priced on the head ({r.get('reason')}): the "
        f"totals of {r.get('workload') or 'its workload'} leave it out and its monthly budgets "
        "are not checked"
    )


def _unpriced_base(r: Reason) -> str:
    return (
        f"{r.get('path')}: {_what(r)} cannot be priced on the base ({r.get('reason')}): "
        "increases against the base are not checked"
    )


# -- budgets ---------------------------------------------------------------------------------
def budget_message(r: Reason) -> str:
    """What a broken budget is, from its figures (the first part of every budget reason)."""
    budget, workload = str(r.get("budget")), r.get("workload")
    value, limit, base = r.get("value"), r.get("limit"), r.get("base_value")
    if budget in PER_CALL_BUDGETS:

        def show(v: Any) -> str:
            if budget.endswith("usd"):
                return usd(_d(v), per_call=True)
            return tokens(int(_d(v)))

        was = f" (was {show(base)} on base)" if base is not None else ""
        return (
            f"{r.get('prompt')}: {budget} {show(value)} is over the {workload} charter's limit "
            f"of {show(limit)}{was}"
        )
    was = usd(_d(base)) if base is not None else "not priced"
    if budget.startswith("monthly_usd."):
        scenario = budget.split(".", 1)[1]
        return (
            f"{workload}: {scenario} monthly cost {usd(_d(value))} is over its budget of "
            f"{usd(_d(limit))} (was {was} on base)"
        )
    if budget == "kill_switch_usd":
        return (
            f"{workload}: runaway monthly cost {usd(_d(value))} passes the kill switch at "
            f"{usd(_d(limit))} (was {was} on base)"
        )
    if budget == "max_increase.usd_per_month":
        return (
            f"{workload}: the change adds {usd(_d(value))}/month (expected) at the charter's "
            f"traffic, over the allowed increase of {usd(_d(limit))}"
        )
    if budget == "max_increase.pct":
        return (
            f"{workload}: the change raises the expected monthly cost by {_d(value):.1f}%, "
            f"over the allowed {_d(limit)}%"
        )
    return f"{workload}: {budget} {value} is over its limit of {limit}"


def _budget(r: Reason) -> str:
    return f"{budget_message(r)} [{r.get('budget')}] — {_where(r)}"


def _budget_exceeded(r: Reason) -> str:
    return _budget(r) + _expired(r)


def _budget_already_over(r: Reason) -> str:
    return f"{_budget(r)}: already over on the base ref, not blocking"


def _budget_waived(r: Reason) -> str:
    return f"{_budget(r)}: {_waived(r.get('waiver') or {})}"


# -- prompts ---------------------------------------------------------------------------------
def _prefix_rewarm(r: Reason) -> str:
    return (
        f"{r.get('path')}: {r.get('prompt')}: cached prefix changed — the first calls after "
        f"deploy write the cache again (≈{usd(_d(r.get('rewarm_usd')), per_call=True)} per "
        "cache entry)"
    )


def _prompt_creep(r: Reason) -> str:
    return (
        f"{r.get('path')}: {r.get('prompt')} grew {_d(r.get('growth_pct')):.0f}% in "
        f"{r.get('days')} days ({int(r.get('then_tokens') or 0):,} → "
        f"{int(r.get('input_tokens') or 0):,} input tokens since {str(r.get('since'))[:12]}), "
        f"above lint.limits.creep_pct {float(r.get('creep_pct') or 0):g}%, though no single "
        "change passed growth_pct: the Unbounded System Prompt"
    )


# -- charters, drift, subsidy ----------------------------------------------------------------
def _relaxed(r: Reason) -> str:
    changes = "; ".join(
        f"{c.get('path')}: {short_repr(c.get('before'))} → {short_repr(c.get('after'))}"
        for c in r.get("relaxed") or []
    )
    return f"charter {r.get('charter')!r} relaxed ({changes})"


def _who(r: Reason) -> str:
    handles = r.get("handles") or []
    if handles:
        return ", ".join(str(h) for h in handles)
    return "; ".join(str(s) for s in r.get("signers") or []) or "no signer named"


def _charter_needs_approval(r: Reason) -> str:
    return f"{_where(r)}: {_relaxed(r)} — needs approval from one of: {_who(r)}"


def _charter_unverified(r: Reason) -> str:
    tail = (
        "enforced on pull requests by the Action"
        if r.get("handles")
        else "write a signer's @login or @org/team in signers: to enforce it"
    )
    return f"{_where(r)}: {_relaxed(r)} — a signer should approve ({_who(r)}); {tail}"


def _production_drift(r: Reason) -> str:
    money = r.get("monthly_usd")
    worth = "" if money is None else f", {signed_usd(_d(money))}/mo"
    text = (
        f"{r.get('path')}: production drift in {r.get('workload')}: {r.get('metric')} assumed "
        f"{r.get('assumed')}, measured {r.get('measured')}{worth}"
    )
    return text + (" (calibration: enforce)" if r.get("blocking") else "")


def _subsidy_exposure(r: Reason) -> str:
    names = [str(n) for n in r.get("exposed_workloads") or []]
    return (
        f"subsidy exposure: {len(names)} of {r.get('workloads_with_budget')} budgeted "
        f"workloads ({pct(_d(r.get('share')))}) fit their budget only at effective prices and "
        f"would cross it at book price: {', '.join(names)}"
    )


WORDING: dict[str, Callable[[Reason], str]] = {
    "finding": _finding,
    "finding-waived": _finding_waived,
    "unpriced-changed": _unpriced_changed,
    "unpriced-head": _unpriced_head,
    "unpriced-base": _unpriced_base,
    "budget-exceeded": _budget_exceeded,
    "budget-already-over": _budget_already_over,
    "budget-waived": _budget_waived,
    "prefix-rewarm": _prefix_rewarm,
    "prompt-creep": _prompt_creep,
    "charter-needs-approval": _charter_needs_approval,
    "charter-unverified": _charter_unverified,
    "production-drift": _production_drift,
    "subsidy-exposure": _subsidy_exposure,
}


def reason_text(reason: Reason) -> str:
    """The sentence for one blocking reason or warning of a check report."""
    word = WORDING.get(str(reason.get("code")))
    if word is None:
        fields = ", ".join(f"{k}={v}" for k, v in reason.items() if k != "code")
        return f"{reason.get('code')}: {fields}" if fields else str(reason.get("code"))
    return word(reason)


def provenance_text(provenance: Mapping[str, Any]) -> str:
    """The provenance line of a report, from its data (`figures.Provenance` words it); empty
    when the report does not carry those fields."""
    if not all(name in provenance for name in PROVENANCE_FIELDS):
        return ""
    return Provenance(**{name: provenance[name] for name in PROVENANCE_FIELDS}).sentence()
