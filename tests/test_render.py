"""Rendering: tools first, then system, then messages; cache_control exactly at breakpoints."""

from __future__ import annotations

import json

import pytest
import yaml

from promptops.errors import UserError
from promptops.render import layout, render_request, template_refs
from tests.support import docs
from tests.support.cli import run_cli

TOOL = yaml.safe_load(docs.TOOL)


def _prompt(**extra: object) -> dict:
    base = {
        "kind": "prompt",
        "id": "p",
        "version": "1.0.0",
        "model": "claude-sonnet-4-6",
        "max_output_tokens": 300,
        "tools": ["lookup_order"],
        "system": [
            {"text": "Stable policy.", "cache": "1h"},
            {"text": "Team {{ team }} notes.", "cache": True},
            {"text": "Today's focus: {{ focus }}."},
        ],
        "messages": [
            {"role": "user", "content": [{"text": "History {{ history }}", "cache": "5m"}]},
            {"role": "assistant", "content": "OK."},
            {"role": "user", "content": "{{ question }}"},
        ],
    }
    base.update(extra)
    return base


def test_request_order_and_cache_control_placement() -> None:
    values = {"team": "blue", "focus": "refunds", "history": "h", "question": "Where is my order?"}
    request = render_request(_prompt(), {"lookup_order": TOOL}, values)
    assert list(request) == ["model", "max_tokens", "tools", "system", "messages"]
    assert request["tools"][0]["name"] == "lookup_order"
    assert "cache_control" not in request["tools"][0]
    assert request["system"] == [
        {
            "type": "text",
            "text": "Stable policy.",
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        },
        {"type": "text", "text": "Team blue notes.", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Today's focus: refunds."},
    ]
    assert request["messages"][0]["content"] == [
        {"type": "text", "text": "History h", "cache_control": {"type": "ephemeral"}}
    ]
    assert request["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "OK."}],
    }
    assert request["messages"][2]["content"][0]["text"] == "Where is my order?"


def test_tool_cache_puts_breakpoint_on_last_tool() -> None:
    other = dict(TOOL, id="create_ticket")
    prompt = _prompt(tools=["lookup_order", "create_ticket"], tool_cache="1h")
    request = render_request(prompt, {"lookup_order": TOOL, "create_ticket": other}, {})
    assert "cache_control" not in request["tools"][0]
    assert request["tools"][1]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}


def test_thinking_and_temperature() -> None:
    request = render_request(
        _prompt(thinking={"budget_tokens": 2048}, temperature=0.2), {"lookup_order": TOOL}
    )
    assert request["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert request["temperature"] == 0.2


def test_dotted_variables_and_placeholders() -> None:
    prompt = _prompt(
        system="Tier {{ customer.tier }} for {{ name }}",
        tools=[],
        messages=[{"role": "user", "content": "{{ q }}"}],
        variables={"name": {"example": "Ada"}, "q": {"expected_tokens": 3}},
    )
    rendered = layout(prompt, {}, {"customer": {"tier": "gold"}})
    assert rendered.request["system"][0]["text"] == "Tier gold for Ada"
    assert rendered.request["messages"][0]["content"][0]["text"] == " x x x"
    assert rendered.placeholders == ["name", "q"]
    with pytest.raises(UserError, match="'name'"):
        layout(prompt, {}, {"customer": {"tier": "gold"}}, strict=True)


def test_blocks_follow_prefix_order_with_breakpoints() -> None:
    rendered = layout(_prompt(), {"lookup_order": TOOL})
    assert [(b.part, b.breakpoint) for b in rendered.blocks] == [
        ("tools", None),
        ("system", "1h"),
        ("system", "5m"),
        ("system", None),
        ("messages", "5m"),
        ("messages", None),
        ("messages", None),
    ]


def test_template_refs_know_their_block_and_source_path() -> None:
    refs = template_refs(_prompt())
    assert [(r.expression, r.part, r.block, r.source_path) for r in refs] == [
        ("team", "system", 2, ("system", 1, "text")),
        ("focus", "system", 3, ("system", 2, "text")),
        ("history", "messages", 4, ("messages", 0, "content", 0, "text")),
        ("question", "messages", 6, ("messages", 2, "content")),
    ]


def test_render_cli_by_id_with_vars_file(write_repo) -> None:
    root = write_repo(
        {
            "charters/c.yaml": docs.CHARTER,
            "tools/t.yaml": docs.TOOL,
            "prompts/p.yaml": docs.PROMPT,
            "vars.yaml": "ticket: My parcel is late.\n",
        }
    )
    result = run_cli(["render", "support/triage", "--vars", "vars.yaml"], cwd=root)
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert request["system"][0]["text"].endswith(" x x x\n")
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert request["messages"][0]["content"][0]["text"] == "Ticket: My parcel is late."
    assert result.stderr == ""


def test_render_cli_unknown_prompt_lists_known_ones(write_repo) -> None:
    root = write_repo(
        {"charters/c.yaml": docs.CHARTER, "tools/t.yaml": docs.TOOL, "prompts/p.yaml": docs.PROMPT}
    )
    result = run_cli(["render", "nope"], cwd=root)
    assert result.returncode == 2
    assert "support/triage" in result.stderr
