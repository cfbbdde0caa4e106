"""A small real repo for the MBOM tests: two charters, two prompts, one tool, in git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

POLICY = " ".join(
    f"Rule {n}: when a customer asks about order {n}, check the order status, quote the "
    "refund policy section that applies, and never promise a delivery date you cannot verify."
    for n in range(1, 61)
)

FILES = {
    "promptops.yaml": """\
prices:
  claude-sonnet-4-6:
    discount_pct: 50
""",
    "tools/lookup_order.yaml": """\
kind: tool
id: lookup_order
version: 1.2.0
description: Look up an order by its id and return its status and line items.
input_schema:
  type: object
  properties:
    order_id: {type: string}
  required: [order_id]
""",
    "charters/support.yaml": """\
kind: charter
id: support
owner: Jane Doe (Support Ops)
signers: {platform: Ana Platform, finance: Fin Lee, risk: Rui Risk}
purpose: Answer customer support tickets.
alpha: operational
tram: {cost_variance: medium, output_variance: low}
models:
  allowed: [claude-haiku-4-5, claude-sonnet-4-6]
  default: claude-haiku-4-5
agent: {max_steps: 6, max_depth: 2, max_fanout: 3}
thinking: {allowed: false}
scenarios:
  expected: {calls_per_month: 200000, cache_hit_rate: 0.8, output_tokens: 300}
  stretch: {multiplier: 3}
  runaway: {multiplier: 15, kill_switch_usd: 20000}
budgets:
  max_cost_per_call_usd: 0.05
  monthly_usd: {expected: BUDGET_EXPECTED, stretch: BUDGET_STRETCH, runaway: 100000}
review:
  who: support-leads
  what: sample
  when: weekly
  authority: veto
  sample_rate: 0.05
  last_reviewed: "2026-07-01"
kill_criteria:
  - {metric: cost_per_call_usd, op: ">", value: 0.05, action: rollback}
  - {metric: success_rate, op: "<", value: 0.9, action: pause}
transparency: {cadence: quarterly, report_to: finance-partners}
""",
    "charters/legacy.yaml": """\
kind: charter
id: legacy-search
owner: Old Team
scenarios:
  expected: {calls_per_month: 1000}
review:
  last_reviewed: "2026-01-15"
transparency: {cadence: monthly}
""",
    "prompts/triage.yaml": """\
kind: prompt
id: support/triage
version: 2.1.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
tools: [lookup_order]
agent: {max_steps: 4}
system: You triage support tickets. Use lookup_order when a ticket names an order.
messages:
  - role: user
    content: "Ticket: {{ ticket }}"
variables:
  ticket: {description: the ticket text, expected_tokens: 200}
""",
    "prompts/answer.yaml": f"""\
kind: prompt
id: support/answer
version: 1.0.3
model: claude-sonnet-4-6
workload: support
max_output_tokens: 600
system:
  - text: "{POLICY}"
    cache: 1h
  - text: "Answer in the customer's language, in at most five sentences. {POLICY[:600]}"
    cache: 5m
messages:
  - role: user
    content: "Question: {{{{ question }}}}"
variables:
  question: {{description: the customer question, expected_tokens: 120}}
""",
}

COMMIT_DATE = "2026-08-01T10:00:00+00:00"
SUPPORT_EDIT_DATE = "2026-08-15T09:30:00+00:00"
AS_OF = "2026-08-21"


def _git(root: Path, *args: str, date: str = COMMIT_DATE) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def make_workspace(
    root: Path,
    git: bool = True,
    budget_expected: str = "1500",
    budget_stretch: str = "5000",
) -> Path:
    """Write the files (and two commits: the answer prompt changes later) into `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in FILES.items():
        text = text.replace("BUDGET_EXPECTED", budget_expected)
        text = text.replace("BUDGET_STRETCH", budget_stretch)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if git:
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "initial")
        answer = root / "prompts/answer.yaml"
        answer.write_text(answer.read_text().replace("1.0.3", "1.0.4"), encoding="utf-8")
        _git(root, "commit", "-q", "-am", "answer 1.0.4", date=SUPPORT_EDIT_DATE)
    return root
