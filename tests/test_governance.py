"""Charter governance: which changes relax a signed charter (and so need a signer), and the
CODEOWNERS lines that let GitHub enforce it."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest

from promptops.documents.charter_changes import (
    RELAXING,
    TIGHTENING,
    classify,
    signer_handles,
)
from tests.support.cli import run_cli

BASE = {
    "kind": "charter",
    "id": "support",
    "owner": "ana@example.com",
    "signers": {"platform": "Tomas Berg @tberg", "finance": "helen@example.com @acme/finance"},
    "models": {"allowed": ["claude-haiku-4-5"]},
    "agent": {"max_steps": 4},
    "thinking": {"allowed": False},
    "scenarios": {
        "expected": {"calls_per_month": 100000, "cache_hit_rate": 0.5, "output_tokens": 400},
        "runaway": {"multiplier": 15, "kill_switch_usd": 5000},
    },
    "budgets": {"monthly_usd": {"expected": 1000, "stretch": 3000, "runaway": 5000}},
    "review": {"what": "every", "authority": "veto", "sample_rate": 1.0},
    "kill_criteria": [{"metric": "error_rate", "op": ">", "value": 0.05, "action": "rollback"}],
    "waivers": [],
}


def changed(edit) -> dict:
    head = copy.deepcopy(BASE)
    edit(head)
    return head


CASES = [
    (
        "budget raised",
        lambda h: h["budgets"]["monthly_usd"].update(expected=2000),
        RELAXING,
        "raised",
    ),
    (
        "budget lowered",
        lambda h: h["budgets"]["monthly_usd"].update(expected=900),
        TIGHTENING,
        "lowered",
    ),
    ("budget removed", lambda h: h["budgets"]["monthly_usd"].pop("runaway"), RELAXING, "removed"),
    (
        "kill switch raised",
        lambda h: h["scenarios"]["runaway"].update(kill_switch_usd=9000),
        RELAXING,
        "raised",
    ),
    (
        "model allowed",
        lambda h: h["models"]["allowed"].append("claude-opus-4-6"),
        RELAXING,
        "model-allowed",
    ),
    ("model removed", lambda h: h["models"].update(allowed=[]), TIGHTENING, "model-removed"),
    ("steps raised", lambda h: h["agent"].update(max_steps=40), RELAXING, "raised"),
    (
        "thinking allowed",
        lambda h: h["thinking"].update(allowed=True),
        RELAXING,
        "thinking-allowed",
    ),
    ("review sampled", lambda h: h["review"].update(what="sample"), RELAXING, "review-relaxed"),
    (
        "authority advisory",
        lambda h: h["review"].update(authority="advisory"),
        RELAXING,
        "review-relaxed",
    ),
    ("sample rate lowered", lambda h: h["review"].update(sample_rate=0.1), RELAXING, "lowered"),
    ("signer removed", lambda h: h["signers"].pop("finance"), RELAXING, "signer-removed"),
    ("signer added", lambda h: h["signers"].update(risk="@sam"), TIGHTENING, "signer-added"),
    (
        "waiver added",
        lambda h: h["waivers"].append(
            {"rule": "PO201", "reason": "x", "approver": "y", "expires": "2027-01-01"}
        ),
        RELAXING,
        "waiver-added",
    ),
    (
        "kill criterion dropped",
        lambda h: h.update(kill_criteria=[]),
        RELAXING,
        "kill-criterion-removed",
    ),
    (
        "hit rate assumed higher",
        lambda h: h["scenarios"]["expected"].update(cache_hit_rate=0.95),
        RELAXING,
        "raised",
    ),
    (
        "traffic assumed lower",
        lambda h: h["scenarios"]["expected"].update(calls_per_month=10),
        RELAXING,
        "lowered",
    ),
    (
        "traffic assumed higher",
        lambda h: h["scenarios"]["expected"].update(calls_per_month=10**6),
        TIGHTENING,
        "raised",
    ),
]


@pytest.mark.parametrize(
    ("edit", "kind", "what"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_change_is_classified(edit, kind: str, what: str) -> None:
    (change,) = classify(BASE, changed(edit))
    assert (change.kind, change.what) == (kind, what)


def test_no_change_and_new_charters_need_nothing() -> None:
    assert classify(BASE, copy.deepcopy(BASE)) == []
    assert classify(None, BASE) == []


def test_signer_handles_are_logins_and_teams_not_emails() -> None:
    assert signer_handles(BASE) == {"platform": ["tberg"], "finance": ["acme/finance"]}
    assert signer_handles({"signers": {"risk": "sam@example.com"}}) == {}


def test_codeowners_gives_charter_and_prompts_to_signers(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    llm = root / "llm"
    (llm / "charters").mkdir(parents=True)
    (llm / "prompts").mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (llm / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (llm / "charters" / "support.yaml").write_text(
        "kind: charter\nid: support\nowner: ana@example.com\n"
        "signers: {platform: Tomas @tberg, finance: '@acme/finance'}\n"
        "scenarios: {expected: {calls_per_month: 10}}\n"
    )
    (llm / "charters" / "orphan.yaml").write_text(
        "kind: charter\nid: orphan\nowner: bo@example.com\nsigners: {risk: bo@example.com}\n"
        "scenarios: {expected: {calls_per_month: 10}}\n"
    )
    (llm / "prompts" / "triage.yaml").write_text(
        "kind: prompt\nid: triage\nversion: 1.0.0\nmodel: claude-haiku-4-5\nworkload: support\n"
        "system: hi\n"
    )
    result = run_cli(["codeowners"], cwd=llm)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "/llm/charters/support.yaml @acme/finance @tberg" in lines
    assert "/llm/prompts/triage.yaml @acme/finance @tberg" in lines
    assert any("orphan: no GitHub handle among its signers" in line for line in lines)
