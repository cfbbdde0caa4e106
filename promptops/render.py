"""Turn a prompt document plus variable values into the exact Anthropic Messages API request.

The request is laid out in cache-prefix order: tools, then system blocks, then messages, with
`cache_control` (and `ttl` for 1h) on exactly the blocks where the prompt puts breakpoints.
`layout()` returns the same request as a flat list of blocks so token counting, the cost model
and the cache lint rules all see one shared picture of the prefix. Templates are read and
filled by `promptops.template`, the grammar `promptops.runtime` shares, so an application
renders the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptops.errors import UserError
from promptops.template import (
    IDENTIFIER,
    expressions,
    lookup,
    substitute,
    template_source,
    value_text,
)

# `max_tokens` of a request whose prompt sets no max_output_tokens (the cost model prices it).
DEFAULT_MAX_TOKENS = 1024
PLACEHOLDER_TOKENS = 8  # a variable with no expected_tokens stands in at this length


@dataclass(frozen=True)
class TemplateRef:
    """One template expression (`{{ ... }}`, not a quoted literal) in a prompt's text."""

    expression: str  # what is between the braces, stripped
    source_path: tuple[Any, ...]  # where the text stands in the document
    occurrence: int  # nth `{{ ... }}` in that text, literals included (for locating it)
    part: str  # tools | system | messages
    block: int  # index of the block in layout order

    @property
    def is_variable(self) -> bool:
        return bool(IDENTIFIER.match(self.expression))


@dataclass(frozen=True)
class Block:
    """One cacheable block of the request, in prefix order."""

    part: str  # tools | system | messages
    text: str  # what gets tokenized (tools: their JSON definition)
    source_path: tuple[Any, ...]  # where it comes from in the prompt document
    breakpoint: str | None  # "5m" | "1h" when a cache breakpoint follows this block
    tool_id: str | None = None
    templated: bool = False  # its text has a template expression (literals are not)
    # It holds a per-call value: a template other than a variable declared `volatile: false`
    # (a per-deployment constant). The cache analysis treats such a block as new on every call.
    varies: bool = False
    # Tokens of placeholder text standing in for variables without values (at their
    # `expected_tokens`, which are already in the model's tokens: calibration leaves them be).
    placeholder_tokens: int = 0


@dataclass(frozen=True)
class RenderedPrompt:
    request: dict[str, Any]
    blocks: list[Block]
    placeholders: list[str]  # variables that had no value and stood in as placeholders


def cache_ttl(flag: Any) -> str | None:
    """Map a segment's `cache` field to a TTL: true -> 5m, "1h" -> 1h, false/None -> no cache."""
    if flag is True:
        return "5m"
    if flag in ("5m", "1h"):
        return str(flag)
    return None


def cache_control(ttl: str) -> dict[str, str]:
    control = {"type": "ephemeral"}
    if ttl == "1h":
        control["ttl"] = "1h"
    return control


def segments(content: Any) -> list[dict[str, Any]]:
    """A string or a list of segments, normalised to segments."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}]
    return [seg if isinstance(seg, dict) else {"text": str(seg)} for seg in content]


def is_template(segment: dict[str, Any]) -> bool:
    """Whether a segment's text is a template (`template: false` sends it as written)."""
    return segment.get("template", True) is not False


def _segment_sources(
    prompt: dict[str, Any],
) -> Iterator[tuple[str, tuple[Any, ...], dict[str, Any], int, int]]:
    """Every system and message segment: (part, source path, segment, block index in layout
    order, message index or -1 for system)."""
    block = len(prompt.get("tools") or [])
    system = prompt.get("system")
    for i, seg in enumerate(segments(system)):
        path: tuple[Any, ...] = ("system",) if isinstance(system, str) else ("system", i, "text")
        yield "system", path, seg, block, -1
        block += 1
    for m, message in enumerate(prompt.get("messages") or []):
        content = message.get("content")
        for i, seg in enumerate(segments(content)):
            path = (
                ("messages", m, "content")
                if isinstance(content, str)
                else ("messages", m, "content", i, "text")
            )
            yield "messages", path, seg, block, m
            block += 1


def text_sources(prompt: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...], str, int]]:
    """Every text of system and messages: (part, source path, text, block index in layout
    order), templates or not (prose rules read them all)."""
    for part, path, seg, block, _ in _segment_sources(prompt):
        yield part, path, str(seg.get("text", "")), block


def template_refs(prompt: dict[str, Any]) -> list[TemplateRef]:
    """All template expressions of a prompt, in prefix order (literals and segments with
    `template: false` hold none)."""
    refs = []
    for part, path, seg, block, _ in _segment_sources(prompt):
        if is_template(seg):
            for n, expression in expressions(str(seg.get("text", ""))):
                refs.append(TemplateRef(expression, path, n, part, block))
    return refs


def placeholder_text(tokens: int) -> str:
    """Filler that tokenizes to about `tokens` tokens (" x" is one token in cl100k/o200k)."""
    return " x" * max(int(tokens), 0)


def varies(text: str, declared: dict[str, Any]) -> bool:
    """Whether template `text` holds a per-call value: any expression except a variable
    declared `volatile: false` (the same on every call of a deployment). Literals never do."""
    for _, expression in expressions(text):
        spec = declared.get(expression)
        if not (isinstance(spec, dict) and spec.get("volatile") is False):
            return True
    return False


def _substitute(
    text: str,
    values: dict[str, Any],
    declared: dict[str, Any],
    missing: list[str],
    strict: bool,
    use_examples: bool,
    placeholders: list[int] | None = None,
) -> str:
    def resolve(expression: str) -> str:
        found, value = lookup(values, expression)
        if found:
            return value_text(value)
        if strict:
            raise UserError(f"no value for template variable {expression!r}")
        if expression not in missing:
            missing.append(expression)
        spec = declared.get(expression) or {}
        # Costing stands each variable in at its expected size; a person reading a rendered
        # request would rather see the example.
        if "example" in spec and (use_examples or "expected_tokens" not in spec):
            return str(spec["example"])
        size = max(int(spec.get("expected_tokens", PLACEHOLDER_TOKENS)), 0)
        if placeholders is not None:
            placeholders.append(size)
        return placeholder_text(size)

    return substitute(text, resolve)


def tool_definition(tool: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": str(tool.get("id", "")),
        "description": str(tool.get("description", "")),
        "input_schema": tool.get("input_schema") or {"type": "object"},
    }


def layout(
    prompt: dict[str, Any],
    tools: dict[str, dict[str, Any]],
    values: dict[str, Any] | None = None,
    strict: bool = False,
    use_examples: bool = False,
    skeleton: bool = False,
) -> RenderedPrompt:
    """Render `prompt` with `values`. A variable with no value stands in at its
    `expected_tokens` (the costing rule), or as its `example` with `use_examples`.
    `skeleton` keeps every expression as `{{ expression }}` and escapes literal braces
    (see `skeleton_request`)."""
    values = values or {}
    declared = prompt.get("variables") or {}
    missing: list[str] = []
    blocks: list[Block] = []

    tool_ids = [str(t) for t in prompt.get("tools") or []]
    tool_ttl = cache_ttl(prompt.get("tool_cache"))
    tool_defs = []
    for i, tool_id in enumerate(tool_ids):
        tool = tools.get(tool_id)
        if tool is None:
            raise UserError(f"tool {tool_id!r} is not defined")
        definition = tool_definition(tool)
        last = i == len(tool_ids) - 1
        ttl = tool_ttl if last else None
        if ttl:
            definition["cache_control"] = cache_control(ttl)
        tool_defs.append(definition)
        text = json.dumps({k: definition[k] for k in ("name", "description", "input_schema")})
        blocks.append(Block("tools", text, ("tools", i), ttl, tool_id))

    system_blocks: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for message in prompt.get("messages") or []:
        messages.append({"role": message.get("role", "user"), "content": []})
    for part, path, seg, _, m in _segment_sources(prompt):
        raw = str(seg.get("text", ""))
        templated = is_template(seg)
        stood_in: list[int] = []
        if skeleton:
            rendered = template_source(raw, templated)
        elif templated:
            rendered = _substitute(raw, values, declared, missing, strict, use_examples, stood_in)
        else:
            rendered = raw
        ttl = cache_ttl(seg.get("cache"))
        block: dict[str, Any] = {"type": "text", "text": rendered}
        if ttl:
            block["cache_control"] = cache_control(ttl)
        (system_blocks if m < 0 else messages[m]["content"]).append(block)
        has_expression = templated and any(True for _ in expressions(raw))
        blocks.append(
            Block(
                part,
                rendered,
                path,
                ttl,
                templated=has_expression,
                varies=has_expression and varies(raw, declared),
                placeholder_tokens=sum(stood_in),
            )
        )

    request: dict[str, Any] = {
        "model": str(prompt.get("model", "")),
        "max_tokens": int(prompt.get("max_output_tokens") or DEFAULT_MAX_TOKENS),
    }
    if tool_defs:
        request["tools"] = tool_defs
    if system_blocks:
        request["system"] = system_blocks
    request["messages"] = messages
    choice = prompt.get("tool_choice")
    if tool_defs and choice:
        request["tool_choice"] = dict(choice) if isinstance(choice, dict) else {"type": choice}
    if "temperature" in prompt:
        request["temperature"] = prompt["temperature"]
    thinking = prompt.get("thinking")
    if thinking:
        request["thinking"] = {"type": "enabled", "budget_tokens": int(thinking["budget_tokens"])}
    return RenderedPrompt(request=request, blocks=blocks, placeholders=missing)


def render_request(
    prompt: dict[str, Any],
    tools: dict[str, dict[str, Any]],
    values: dict[str, Any] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """The Messages API request body for `prompt` (see `layout` for the block view)."""
    return layout(prompt, tools, values, strict).request


def skeleton_request(prompt: dict[str, Any], tools: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The request with every expression kept as `{{ expression }}` and literal braces escaped:
    what a runtime bundle stores, so `promptops.runtime` renders exactly what `render` does."""
    return layout(prompt, tools, skeleton=True).request
