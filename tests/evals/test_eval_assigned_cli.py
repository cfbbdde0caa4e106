"""`promptops eval` with target assigned: the real CLI and SDK against the fake Messages API.

Needs the price table (`promptops.pricing.table`) to price Claude models."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.support.cli import run_cli
from tests.support.fake_anthropic import MESSAGES, FakeAnthropic, Reply, message_reply, overloaded

pytest.importorskip("promptops.pricing.table")

PROMPT = """\
kind: prompt
id: echo
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: Repeat the user.
messages:
  - role: user
    content: "Hello {{ name }}"
variables:
  name: {description: who}
"""
SUITE = """\
kind: eval
id: echo-suite
prompt: echo
gate: {min_pass_rate: 1.0, max_cost_per_case_usd: 0.01}
cases:
  - {id: a, vars: {name: Ana}, assert: [{type: icontains, value: "hello ana"}]}
  - {id: b, vars: {name: Bo}, assert: [{type: not-contains, value: "Ana"}]}
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "evals").mkdir()
    (tmp_path / "prompts" / "echo.yaml").write_text(PROMPT)
    (tmp_path / "evals" / "echo.yaml").write_text(SUITE)
    (tmp_path / "promptops.yaml").write_text("eval: {cache_dir: .cache}\n")
    return tmp_path


def test_assigned_target_priced_from_usage_and_cached(repo):
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        args = ["eval", "--quiet", "--format", "json"]
        first = run_cli(args, cwd=repo, env=env)
        assert first.returncode == 0, first.stderr
        head = json.loads(first.stdout)["suites"][0]["head"]
        assert head["provider"] == "anthropic"
        for case in head["cases"]:
            attempt = case["attempts"][0]
            usage = attempt["usage"]
            # Haiku 4.5: $1 input, $5 output per million tokens
            expected = (Decimal(usage["input_tokens"]) + 5 * usage["output_tokens"]) / 10**6
            assert Decimal(attempt["cost_usd"]) == expected
        assert len(fake.requests_to(MESSAGES)) == 2
        second = run_cli(args, cwd=repo, env=env)
        assert second.returncode == 0
        assert len(fake.requests_to(MESSAGES)) == 2  # served from the response cache


def test_overloaded_api_exits_3(repo):
    with FakeAnthropic() as fake:
        fake.enqueue(*[overloaded()] * 10)
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        result = run_cli(["eval", "--no-cache", "--max-retries", "1"], cwd=repo, env=env)
        assert result.returncode == 3, result.stderr
        assert "529" in result.stderr


def test_batch_run_costs_half_of_standard_on_the_assigned_model(repo):
    usage = {
        "input_tokens": 500,
        "output_tokens": 300,
        "cache_read_input_tokens": 4000,
        "cache_creation_input_tokens": 1000,
        "cache_creation": {"ephemeral_5m_input_tokens": 600, "ephemeral_1h_input_tokens": 400},
    }

    def responder(body: dict) -> Reply:
        return message_reply("hello ana", usage=usage)

    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        args = ["eval", "--quiet", "--format", "json", "--no-cache"]
        costs = {}
        for mode in ("standard", "batch"):
            result = run_cli([*args, "--batch"] if mode == "batch" else args, cwd=repo, env=env)
            assert result.returncode in (0, 1), result.stderr
            summary = json.loads(result.stdout)["suites"][0]["head"]["summary"]
            costs[mode] = Decimal(summary["cost_per_case_usd"])
        assert len(fake.requests_to("/v1/messages/batches")) == 1
    # 500 x 1.00 + 600 x 1.25 + 400 x 2.00 + 4,000 x 0.10 + 300 x 5.00 = 3,950 micro-dollars
    assert costs == {"standard": Decimal("0.00395"), "batch": Decimal("0.001975")}


def test_an_assigned_model_the_table_lacks_is_an_error_not_free(repo):
    prompt = repo / "prompts" / "echo.yaml"
    prompt.write_text(prompt.read_text().replace("claude-haiku-4-5", "claude-nope-9"))
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        result = run_cli(["eval", "--quiet", "--no-cache"], cwd=repo, env=env)
        assert fake.requests_to(MESSAGES) == []  # refused before any call is paid for
    assert result.returncode == 2
    assert "claude-nope-9" in result.stderr and "prices:" in result.stderr
