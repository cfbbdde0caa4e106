"""A repo with one charter and one cacheable prompt, and call records built from the prompt's own
token counts (as `tokens` reports them), for `calibrate` tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.cli import run_cli

CHARTER = """\
kind: charter
id: support
owner: ana@example.com
# traffic as planned at sign-off
scenarios:
  expected:
    calls_per_month: 100000   # the plan
    cache_hit_rate: 0.9       # hoped-for
    output_tokens: 450
agent:
  max_steps: 4                # per ticket
budgets:
  monthly_usd: {expected: 2000, stretch: 6000, runaway: 30000}
"""

RULES = " ".join(f"Rule {i}: answer politely and cite policy section {i}." for i in range(400))
PROMPT = f"""\
kind: prompt
id: support/agent
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 2000
system:
  - text: "You are a support agent. {RULES}"
    cache: true
messages:
  - role: user
    content: "{{{{ ticket }}}}"
variables:
  ticket: {{max_tokens: 2000, expected_tokens: 300}}
"""

TASKS_SHORT, TASKS_LONG = 900, 100  # 3 and 7 steps: p95 steps per task is 7
DAY = 86_400.0


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "charters").mkdir(parents=True)
    (root / "prompts").mkdir()
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (root / "charters" / "support.yaml").write_text(CHARTER)
    (root / "prompts" / "agent.yaml").write_text(PROMPT)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def tokens_report(root: Path) -> dict:
    result = run_cli(["tokens", "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def call_record(cached: int, uncached: int, hit: bool, output: int, **extra: object) -> dict:
    """One OTel call record of support/agent (input tokens inclusive of cache tokens)."""
    return {
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.usage.input_tokens": cached + uncached,
        "gen_ai.usage.output_tokens": output,
        "gen_ai.usage.cache_read.input_tokens": cached if hit else 0,
        "gen_ai.usage.cache_creation.input_tokens": 0 if hit else cached,
        "promptops.prompt.id": "support/agent",
        "promptops.prompt.version": "1.0.0",
        "outcome": "success",
        **extra,
    }


def write_records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path
