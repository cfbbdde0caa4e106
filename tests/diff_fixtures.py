"""A small priced repo whose figures can be computed by hand.

Model claude-sonnet-4-6: input $3, 5m cache write $3.75, cache read $0.30, output $15 per MTok,
minimum cacheable prefix 1,024 tokens. " x" is one cl100k token, so `filler(n)` is n tokens.

Workload `support` (1,000,000 calls/month expected, 80% hits, 300 output tokens):
prompt `triage`: 1,200 cached system tokens + a 50-token variable + a 1-token message.
  per call = 1,200 × (0.8 × 0.30 + 0.2 × 3.75) + 51 × 3 + 300 × 15 = 1,188 + 153 + 4,500
           = 5,841 micro-dollars → $5,841/month expected, $17,523 stretch, $87,615 runaway.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo

TRIAGE_CALL_USD = Decimal("0.005841")


def filler(n: int) -> str:
    """n cl100k tokens: "x" then n-1 times " x"."""
    return "x" + " x" * (n - 1)


def charter(
    calls: int = 1_000_000,
    budgets: str = "",
    waivers: str = "",
    runaway: str = "",
) -> str:
    text = f"""
kind: charter
id: support
owner: alice
scenarios:
  expected:
    calls_per_month: {calls}
    cache_hit_rate: 0.8
    output_tokens: 300
"""
    if runaway:
        text += f"  runaway: {runaway}\n"
    if budgets:
        text += "budgets:\n" + budgets
    if waivers:
        text += "waivers:\n" + waivers
    return text


def triage(version: str = "1.0.0", system_tokens: int = 1200, variable_first: bool = False) -> str:
    cached = f'    - text: "{filler(system_tokens)}"\n      cache: true\n'
    variable = '    - text: "{{ question }}"\n'
    system = variable + cached if variable_first else cached + variable
    return f"""
kind: prompt
id: triage
version: {version}
model: claude-sonnet-4-6
workload: support
max_output_tokens: 400
system:
{system}messages:
  - role: user
    content: "x"
variables:
  question: {{expected_tokens: 50}}
"""


LOOKUP_TOOL = """
kind: tool
id: lookup
version: 1.0.0
description: Look up an order.
input_schema:
  type: object
  properties:
    order_id: {type: string, description: The order id}
    region: {type: string}
  required: [order_id]
"""

FAQ = """
kind: prompt
id: faq
version: 1.0.0
model: claude-sonnet-4-6
workload: support
tools: [lookup]
system: Answer frequently asked questions about orders and refunds.
messages:
  - role: user
    content: "{{ q }}"
variables:
  q: {expected_tokens: 30}
"""

ORDERS_PROMPT = """
kind: prompt
id: orders
version: 1.0.0
model: claude-sonnet-4-6
tools: [lookup]
agent: {max_steps: 4}
system: Answer about orders.
messages:
  - role: user
    content: "{{ q }}"
variables:
  q: {expected_tokens: 10}
"""


def base_repo(root: Path, charter_text: str | None = None) -> GitRepo:
    repo = GitRepo(root)
    # raw counts: the figures below are worked out by hand in cl100k tokens
    repo.write("promptops.yaml", "default_branch: main\ntokenizer: cl100k_base\n")
    repo.write("charters/support.yaml", charter_text or charter())
    repo.write("prompts/triage.yaml", triage())
    repo.write("tools/lookup.yaml", LOOKUP_TOOL)
    repo.write("prompts/orders.yaml", ORDERS_PROMPT)
    repo.write("README.md", "not a document\n")
    repo.commit("base")
    return repo


def grow_triage_on_feature(repo: GitRepo) -> None:
    """Branch `feature` off the current commit and grow triage's system to 1,300 tokens."""
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("longer triage")


def run_json(args: list[str], cwd: Path, cache: Path) -> tuple[int, dict]:
    result = run_cli([*args, "--format", "json"], cwd=cwd, env={"PROMPTOPS_CACHE_DIR": str(cache)})
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def prompt(report: dict, prompt_id: str) -> dict:
    return next(p for p in report["prompts"] if p["id"] == prompt_id)


def workload(report: dict, workload_id: str) -> dict:
    return next(w for w in report["workloads"] if w["id"] == workload_id)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
