"""The rendered request and exact token counts, through the real anthropic SDK to a loopback
server speaking the Messages API (the production code only sees a base-URL override)."""

from __future__ import annotations

import json
import math
from typing import Any

import anthropic

from tests.support import docs
from tests.support.cli import run_cli
from tests.support.fake_anthropic import COUNT_TOKENS, MESSAGES, FakeAnthropic, default_token_count

HAIKU_TOOL_OVERHEAD = 496
PROMPT_TWO_BREAKPOINTS = """
kind: prompt
id: support/triage
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
agent: {max_steps: 4}
tools: [lookup_order]
tool_cache: 1h
system:
  - text: You are a support agent for Acme.
    cache: 1h
  - text: Escalate refunds over $500.
    cache: true
  - text: Be brief.
messages:
  - role: user
    content: "Ticket: {{ ticket }}"
"""


def counter_with_tool_overhead(body: dict[str, Any]) -> int:
    """Like the real endpoint, count the tool-use system prompt when tools are present."""
    return default_token_count(body) + (HAIKU_TOOL_OVERHEAD if body.get("tools") else 0)


def test_rendered_request_reaches_the_messages_api_unchanged(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": PROMPT_TWO_BREAKPOINTS,
        }
    )
    rendered = run_cli(["render", "support/triage", "--var", "ticket=Where is order 42?"], cwd=root)
    assert rendered.returncode == 0, rendered.stderr
    request = json.loads(rendered.stdout)

    with FakeAnthropic() as fake:
        client = anthropic.Anthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)
        reply = client.messages.create(**request)
        (received,) = fake.requests_to(MESSAGES)

    assert reply.content[0].text == "echo: Ticket: Where is order 42?"
    body = received.body
    auth = received.headers.get("x-api-key") or received.headers.get("authorization", "")
    assert auth.endswith("test-key")
    assert body["model"] == "claude-haiku-4-5"
    assert body["max_tokens"] == 400
    assert [t["name"] for t in body["tools"]] == ["lookup_order"]
    assert body["tools"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert body["tools"][0]["input_schema"]["required"] == ["order_id"]
    assert [b["text"] for b in body["system"]] == [
        "You are a support agent for Acme.",
        "Escalate refunds over $500.",
        "Be brief.",
    ]
    assert [b.get("cache_control") for b in body["system"]] == [
        {"type": "ephemeral", "ttl": "1h"},
        {"type": "ephemeral"},
        None,
    ]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Ticket: Where is order 42?"}]}
    ]


def _repo_with_anthropic_tokenizer(write_repo):
    return write_repo(
        {
            "promptops.yaml": "tokenizer: anthropic\n",
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": PROMPT_TWO_BREAKPOINTS,
        }
    )


def test_update_lock_counts_exactly_then_ci_uses_the_lock_offline(write_repo) -> None:
    root = _repo_with_anthropic_tokenizer(write_repo)
    with FakeAnthropic(token_counter=counter_with_tool_overhead) as fake:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.base_url}
        result = run_cli(["tokens", "--update-lock", "--format", "json"], cwd=root, env=env)
        assert result.returncode == 0, result.stderr
        count_requests = fake.requests_to(COUNT_TOKENS)
    # one framing count + one per block (tool, three system segments, one message)
    assert len(count_requests) == 6
    assert all(r.body["model"] == "claude-haiku-4-5-20251001" for r in count_requests)

    lock = json.loads((root / "promptops.lock").read_text())
    assert lock["lock_version"] == 1
    entries = list(lock["counts"].values())
    assert {e["part"] for e in entries} == {"tools", "system", "messages"}
    assert all(e["model"] == "claude-haiku-4-5-20251001" and e["counted_at"] for e in entries)

    # CI: no key, no server. Unchanged content uses the exact counts from the lock.
    offline = run_cli(["tokens", "--format", "json"], cwd=root)
    assert offline.returncode == 0, offline.stderr
    report = json.loads(offline.stdout)
    assert report["provenance"]["counts"] == "exact"
    assert "exact" in report["provenance"]["tokenizer"]
    system = report["prompts"][0]["tokens"]["parts"]["system"]
    # fake count of a one-message request = ceil(chars / 4) + 3; framing of "x" subtracted
    expected = [
        math.ceil(len(t) / 4)
        for t in ("You are a support agent for Acme.", "Escalate refunds over $500.", "Be brief.")
    ]
    # the prefix is far below Haiku's 4,096-token minimum, so nothing is cached
    assert (system["cached"], system["uncached"], system["total"]) == (
        0,
        sum(expected),
        sum(expected),
    )
    assert report["prompts"][0]["tokens"]["breakpoints"][0]["effective"] is False


def test_new_content_falls_back_to_a_labelled_estimate(write_repo) -> None:
    root = _repo_with_anthropic_tokenizer(write_repo)
    with FakeAnthropic(token_counter=counter_with_tool_overhead) as fake:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.base_url}
        assert run_cli(["tokens", "--update-lock"], cwd=root, env=env).returncode == 0
    prompt = root / "prompts" / "p.yaml"
    prompt.write_text(prompt.read_text().replace("Be brief.", "Be brief and kind."))
    lock_before = (root / "promptops.lock").read_text()

    result = run_cli(["tokens", "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["provenance"]["counts"] == "mixed"
    assert "estimate for new content" in report["provenance"]["tokenizer"]
    assert (root / "promptops.lock").read_text() == lock_before  # never written without asking


def test_update_lock_without_a_key_is_a_clear_error(write_repo) -> None:
    root = _repo_with_anthropic_tokenizer(write_repo)
    result = run_cli(["tokens", "--update-lock"], cwd=root)
    assert result.returncode == 2
    assert "ANTHROPIC_API_KEY" in result.stderr
    assert not (root / "promptops.lock").exists()


def test_unreachable_api_is_exit_3(write_repo) -> None:
    root = _repo_with_anthropic_tokenizer(write_repo)
    env = {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    result = run_cli(["tokens", "--update-lock"], cwd=root, env=env, timeout=120)
    assert result.returncode == 3, result.stderr
    assert "unreachable" in result.stderr
