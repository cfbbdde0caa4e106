"""`promptops eval --base REF` in a real git repo: a case that flips and a cost-per-case change,
through the real SDK against the loopback Messages API."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import git
from tests.evals.test_eval_assigned_cli import PROMPT as BASE_PROMPT
from tests.support.cli import run_cli
from tests.support.fake_anthropic import (
    MESSAGES,
    FakeAnthropic,
    default_token_count,
    last_user_text,
)

HEAD_PROMPT = BASE_PROMPT.replace("1.0.0", "1.1.0").replace(
    '"Hello {{ name }}"', '"Greetings to you, dear {{ name }}, from everyone at Acme support"'
)
SUITE = """\
kind: eval
id: echo-suite
prompt: echo
gate: {max_regressions: 0}
cases:
  - {id: says-hello, vars: {name: Ana}, assert: [{type: icontains, value: "hello ana"}]}
  - {id: says-greetings, vars: {name: Bo}, assert: [{type: icontains, value: "greetings"}]}
"""
MILLION = Decimal(1_000_000)


def _expected_cost_per_case(bodies: list[dict]) -> Decimal:
    """Haiku 4.5 at $1 / $5 per MTok, from what the fake server counted and answered."""
    total = Decimal(0)
    for body in bodies:
        output_tokens = len(f"echo: {last_user_text(body)}".split())
        total += (Decimal(default_token_count(body)) + 5 * output_tokens) / MILLION
    return total / len(bodies)


def test_flipped_cases_and_cost_per_case_change(tmp_path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "evals").mkdir()
    (tmp_path / "prompts" / "echo.yaml").write_text(BASE_PROMPT)
    (tmp_path / "evals" / "echo.yaml").write_text(SUITE)
    (tmp_path / "promptops.yaml").write_text("eval: {cache_dir: .cache}\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "prompts" / "echo.yaml").write_text(HEAD_PROMPT)

    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        result = run_cli(
            ["eval", "--base", "main", "--quiet", "--format", "json"], cwd=tmp_path, env=env
        )
        bodies = [r.body for r in fake.requests_to(MESSAGES)]

    assert result.returncode == 1, result.stderr  # max_regressions: 0 fails
    suite = json.loads(result.stdout)["suites"][0]
    comparison = suite["comparison"]
    assert comparison["regressions"] == ["says-hello"]
    assert comparison["fixes"] == ["says-greetings"]
    assert (comparison["base_pass_rate"], comparison["head_pass_rate"]) == (0.5, 0.5)

    base_bodies = [b for b in bodies if "Hello" in last_user_text(b)]
    head_bodies = [b for b in bodies if "Greetings" in last_user_text(b)]
    assert len(base_bodies) == len(head_bodies) == 2
    base_cost = Decimal(comparison["base_cost_per_case_usd"])
    head_cost = Decimal(comparison["head_cost_per_case_usd"])
    assert base_cost == _expected_cost_per_case(base_bodies)
    assert head_cost == _expected_cost_per_case(head_bodies)
    assert Decimal(comparison["cost_per_case_delta_usd"]) == head_cost - base_cost > 0
    assert comparison["head_input_tokens_per_case"] > comparison["base_input_tokens_per_case"]
    gate = next(g for g in suite["gates"] if g["gate"] == "max_regressions")
    assert gate["passed"] is False
