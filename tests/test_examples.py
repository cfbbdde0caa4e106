"""The README's first commands run on `examples/`, offline, with no API key, and come out clean.

The example repo is the showcase: its prompts must be valid, priced, cached where caching pays,
inside every charter budget, and clean under every lint rule.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from promptops.pricing.table import facts
from tests.support.cli import REPO_ROOT, run_cli

EXAMPLES = REPO_ROOT / "examples"
PROMPTS = {
    "support/triage": "claude-haiku-4-5-20251001",
    "legal/contract-review": "claude-opus-4-6",
    "search/query-rewrite": "claude-sonnet-4-6",
}
WORKLOADS = ("support-triage", "contract-review", "query-rewrite")
# A proxy nobody listens on: any attempt to reach the network fails instead of succeeding.
NO_NETWORK = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "",
}


@pytest.fixture(autouse=True)
def _offline_without_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(tmp_path / "cache"))
    for name, value in NO_NETWORK.items():
        monkeypatch.setenv(name, value)


def _tokens_json() -> dict:
    result = run_cli(["tokens", "examples/", "--format", "json"], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_validate_examples_is_clean() -> None:
    result = run_cli(["validate", "examples/"], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All clean" in result.stdout
    # three charters, three prompts, two tools, three evals, one release
    assert "12 files checked" in result.stdout


def test_tokens_text_shows_parts_scenarios_and_provenance() -> None:
    result = run_cli(["tokens", "examples/"], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for header in ("tools", "system", "messages", "cached", "uncached", "$/call"):
        assert header in out
    for name in ("expected", "stretch", "runaway"):
        assert name in out
    for prompt_id in PROMPTS:
        assert prompt_id in out
    for workload in WORKLOADS:
        line = next(line for line in out.splitlines() if line.startswith(workload))
        assert line.count("$") >= 6, line  # cost and budget for each of three scenarios
        assert "over" not in line
    assert f"promptops facts of {facts()['date']}" in out and "genai-prices" in out
    assert "cl100k_base" in out
    assert "caches nothing" not in out  # every breakpoint is above the model's minimum


def test_tokens_json_prices_every_part_of_every_prompt() -> None:
    report = _tokens_json()
    assert report["provenance"]["price_table_date"].startswith("genai-prices ")
    assert report["provenance"]["price_table_date"].endswith(
        f"promptops facts of {facts()['date']}"
    )
    assert report["provenance"]["tokenizer"].startswith("cl100k_base")
    by_id = {p["id"]: p for p in report["prompts"]}
    assert {pid: p["model"] for pid, p in by_id.items()} == PROMPTS

    triage = by_id["support/triage"]["tokens"]
    assert triage["tool_overhead"] > 0
    assert triage["parts"]["tools"]["cached_5m"] > triage["tool_overhead"]
    assert triage["parts"]["system"]["cached_5m"] > 3000
    assert triage["parts"]["messages"]["cached_5m"] == 0  # the ticket is after the breakpoint
    assert triage["parts"]["messages"]["uncached"] > 0

    contract = by_id["legal/contract-review"]
    assert contract["tokens"]["parts"]["system"]["cached_1h"] > 4096
    assert contract["thinking_tokens"] == 6000
    assert Decimal(contract["call"]["thinking"]) > 0

    rewrite = by_id["search/query-rewrite"]["tokens"]
    assert rewrite["cached"] == 0 and rewrite["breakpoints"] == []
    assert rewrite["total"] < 1024  # too short to cache, which is why it does not try


def test_cached_prefixes_clear_the_model_minimum_with_margin() -> None:
    """Haiku 4.5 and Opus 4.6 cache nothing below 4,096 tokens: keep a 10% margin."""
    report = _tokens_json()
    breakpoints = {p["id"]: p["tokens"]["breakpoints"] for p in report["prompts"]}
    for prompt_id in ("support/triage", "legal/contract-review"):
        (breakpoint,) = breakpoints[prompt_id]
        assert breakpoint["effective"] is True
        assert breakpoint["prefix_tokens"] >= 4096 * 1.1, (prompt_id, breakpoint)


def test_every_workload_is_inside_its_budgets_in_every_scenario() -> None:
    report = _tokens_json()
    workloads = {w["id"]: w for w in report["workloads"]}
    assert set(workloads) == set(WORKLOADS)
    for workload in workloads.values():
        assert workload["owner"]
        for scenario in workload["scenarios"]:
            budget = Decimal(scenario["budget_usd"])
            monthly = Decimal(scenario["monthly_usd"])
            assert monthly > 0
            assert monthly <= budget, (workload["id"], scenario["name"], monthly, budget)
            # realistic headroom: a budget is a plan, not a blank cheque
            assert monthly >= budget / 2, (workload["id"], scenario["name"], monthly, budget)
    for prompt in report["prompts"]:
        expected = next(s for s in prompt["scenarios"] if s["name"] == "expected")
        assert Decimal(expected["cost_per_call_usd"]) <= Decimal(prompt["max_cost_per_call_usd"])
        assert prompt["tokens"]["total"] <= prompt["max_input_tokens"]


def test_render_puts_the_ticket_after_the_cache_breakpoint() -> None:
    result = run_cli(
        ["render", "support/triage", "--var", "ticket_text=Where is NW-20481137?"],
        cwd=EXAMPLES,
    )
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert [t["name"] for t in request["tools"]] == ["lookup_order", "create_ticket"]
    assert request["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "{{" not in json.dumps(request["system"])
    assert "Where is NW-20481137?" in request["messages"][0]["content"][0]["text"]


def test_lint_examples_is_clean() -> None:
    pytest.importorskip("promptops.lint.run", reason="the lint command is merged separately")
    result = run_cli(["lint", "examples/", "--format", "json"], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    findings = data["findings"] if isinstance(data, dict) else data
    assert findings == []
