"""The check report holds each blocking reason and warning as data (a code and its figures);
`promptops.report.reasons` words them, with the sentences the gate printed before they were
data (issue 15). One case per code, the expected text written out in full."""

from __future__ import annotations

import json

import pytest

from promptops.report.reasons import WORDING, provenance_text, reason_text

WAIVER = {"approver": "finops-lead", "expires": "2026-12-31", "reason": "launch week"}
BUDGET = {"workload": "support", "path": "charters/support.yaml", "line": 10, "prompt": None}

CASES = {
    "finding": (
        {
            "code": "finding",
            "rule": "PO307",
            "message": "content changed but version is still 1.0.0",
            "path": "prompts/triage.yaml",
            "line": 3,
            "severity": "error",
            "expired_waiver": {**WAIVER, "expires": "2026-01-01"},
        },
        "prompts/triage.yaml:3: PO307 content changed but version is still 1.0.0 (the waiver by "
        "finops-lead expired on 2026-01-01)",
    ),
    "finding-waived": (
        {
            "code": "finding-waived",
            "rule": "PO307",
            "message": "content changed",
            "path": "prompts/triage.yaml",
            "line": 3,
            "waiver": WAIVER,
        },
        "prompts/triage.yaml:3: PO307 content changed — waived by finops-lead until 2026-12-31: "
        "launch week",
    ),
    "unpriced-changed": (
        {
            "code": "unpriced-changed",
            "path": "prompts/a.yaml",
            "side": "head",
            "kind": "prompt",
            "id": "a",
            "reason": "unknown model 'x'",
            "workload": "support",
        },
        "prompts/a.yaml: prompt 'a' cannot be priced on the head (unknown model 'x'): its "
        "workload's budgets cannot be checked",
    ),
    "unpriced-head": (
        {
            "code": "unpriced-head",
            "path": "prompts/a.yaml",
            "side": "head",
            "kind": None,
            "id": None,
            "reason": "not UTF-8",
            "workload": None,
        },
        "prompts/a.yaml: the document cannot be priced on the head (not UTF-8): the totals of "
        "its workload leave it out and its monthly budgets are not checked",
    ),
    "unpriced-base": (
        {
            "code": "unpriced-base",
            "path": "prompts/a.yaml",
            "side": "base",
            "kind": "tool",
            "id": "search",
            "reason": "does not parse",
            "workload": "support",
        },
        "prompts/a.yaml: tool 'search' cannot be priced on the base (does not parse): increases "
        "against the base are not checked",
    ),
    "budget-exceeded": (
        {
            "code": "budget-exceeded",
            **BUDGET,
            "budget": "monthly_usd.stretch",
            "limit": "17600",
            "value": "17820",
            "base_value": None,
            "expired_waiver": {**WAIVER, "expires": "2026-01-01"},
        },
        "support: stretch monthly cost $17,820.00 is over its budget of $17,600.00 (was not "
        "priced on base) [monthly_usd.stretch] — charters/support.yaml:10 (the waiver by "
        "finops-lead expired on 2026-01-01)",
    ),
    "budget-already-over": (
        {
            "code": "budget-already-over",
            **BUDGET,
            "budget": "kill_switch_usd",
            "limit": "88000",
            "value": "89100",
            "base_value": "88500.5",
        },
        "support: runaway monthly cost $89,100.00 passes the kill switch at $88,000.00 (was "
        "$88,500.50 on base) [kill_switch_usd] — charters/support.yaml:10: already over on the "
        "base ref, not blocking",
    ),
    "budget-waived": (
        {
            "code": "budget-waived",
            **BUDGET,
            "budget": "max_increase.usd_per_month",
            "limit": "50",
            "value": "99",
            "base_value": None,
            "waiver": WAIVER,
        },
        "support: the change adds $99.00/month (expected) at the charter's traffic, over the "
        "allowed increase of $50.00 [max_increase.usd_per_month] — charters/support.yaml:10: "
        "waived by finops-lead until 2026-12-31: launch week",
    ),
    "prefix-rewarm": (
        {
            "code": "prefix-rewarm",
            "path": "prompts/triage.yaml",
            "prompt": "support/triage",
            "rewarm_usd": "0.0056626",
        },
        "prompts/triage.yaml: support/triage: cached prefix changed — the first calls after "
        "deploy write the cache again (≈$0.005663 per cache entry)",
    ),
    "prompt-creep": (
        {
            "code": "prompt-creep",
            "path": "prompts/answer.yaml",
            "prompt": "support/answer",
            "growth_pct": "58.695652",
            "days": 90,
            "then_tokens": 1380,
            "input_tokens": 2190,
            "since": "0123456789abcdef0123",
            "creep_pct": 30.0,
        },
        "prompts/answer.yaml: support/answer grew 59% in 90 days (1,380 → 2,190 input tokens "
        "since 0123456789ab), above lint.limits.creep_pct 30%, though no single change passed "
        "growth_pct: the Unbounded System Prompt",
    ),
    "charter-needs-approval": (
        {
            "code": "charter-needs-approval",
            "charter": "support",
            "path": "charters/support.yaml",
            "line": 7,
            "relaxed": [{"path": "budgets.monthly_usd.expected", "before": 100, "after": 250}],
            "signers": ["finance: @acme/finance", "owner: @tberg"],
            "handles": ["@acme/finance", "@tberg"],
        },
        "charters/support.yaml:7: charter 'support' relaxed (budgets.monthly_usd.expected: 100 "
        "→ 250) — needs approval from one of: @acme/finance, @tberg",
    ),
    "charter-unverified": (
        {
            "code": "charter-unverified",
            "charter": "support",
            "path": "charters/support.yaml",
            "line": 7,
            "relaxed": [
                {"path": "owner", "before": "a", "after": "b"},
                {"path": "waivers", "before": [], "after": [{"rule": "PO307"}]},
            ],
            "signers": ["finance: Tomas Berg"],
            "handles": [],
        },
        "charters/support.yaml:7: charter 'support' relaxed (owner: 'a' → 'b'; waivers: […] → "
        "[…]) — a signer should approve (finance: Tomas Berg); write a signer's @login or "
        "@org/team in signers: to enforce it",
    ),
    "production-drift": (
        {
            "code": "production-drift",
            "path": "charters/support.yaml",
            "workload": "support",
            "metric": "cache_hit_rate",
            "assumed": 0.9,
            "measured": 0.4,
            "monthly_usd": "1234.5",
            "blocking": True,
        },
        "charters/support.yaml: production drift in support: cache_hit_rate assumed 0.9, "
        "measured 0.4, +$1,234.50/mo (calibration: enforce)",
    ),
    "subsidy-exposure": (
        {
            "code": "subsidy-exposure",
            "share": "0.5",
            "workloads_with_budget": 2,
            "exposed_workloads": ["support"],
        },
        "subsidy exposure: 1 of 2 budgeted workloads (50%) fit their budget only at effective "
        "prices and would cross it at book price: support",
    ),
}


def test_every_code_has_a_case() -> None:
    assert set(CASES) == set(WORDING)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_is_worded_as_before(code: str) -> None:
    reason, expected = CASES[code]
    assert reason["code"] == code
    assert reason_text(reason) == expected
    assert reason_text(json.loads(json.dumps(reason))) == expected  # a stored report reads alike


@pytest.mark.parametrize(
    ("budget", "limit", "value", "base", "expected"),
    [
        (
            "max_input_tokens_per_call",
            "1000",
            "1250",
            "900",
            "support/triage: max_input_tokens_per_call 1,250 is over the support charter's "
            "limit of 1,000 (was 900 on base)",
        ),
        (
            "max_cost_per_call_usd",
            "0.003",
            "0.0036505",
            None,
            "support/triage: max_cost_per_call_usd $0.003651 is over the support charter's "
            "limit of $0.003000",
        ),
        (
            "max_increase.pct",
            "1",
            "1.694915",
            None,
            "support: the change raises the expected monthly cost by 1.7%, over the allowed 1%",
        ),
    ],
)
def test_budget_kinds(budget: str, limit: str, value: str, base: str | None, expected: str) -> None:
    reason = {
        "code": "budget-exceeded",
        **BUDGET,
        "prompt": "support/triage",
        "budget": budget,
        "limit": limit,
        "value": value,
        "base_value": base,
    }
    assert reason_text(reason) == f"{expected} [{budget}] — charters/support.yaml:10"


def test_an_unknown_code_shows_its_code_and_fields() -> None:
    assert reason_text({"code": "new-kind", "path": "a.yaml", "usd": "3"}) == (
        "new-kind: path=a.yaml, usd=3"
    )


def test_provenance_is_worded_from_its_fields() -> None:
    provenance = {
        "price_table_date": "2026-05-01",
        "tokenizer": "cl100k_base",
        "counts": "estimate",
        "prices_overridden": True,
        "promptops_version": "0.9.0",
    }
    assert provenance_text(provenance) == (
        "Prices: Anthropic list prices (2026-05-01) with config overrides. Tokens: cl100k_base; "
        "counts are estimates. promptops 0.9.0."
    )
    assert provenance_text({"sentence": "old"}) == ""
