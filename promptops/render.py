"""Turn a prompt document plus variable values into the exact Anthropic Messages API request.

The request is laid out in cache-prefix order: tools, then system blocks, then messages, with
`cache_control` (and `ttl` for 1h) on exactly the blocks where the prompt puts breakpoints.
`layout()` returns the same request as a flat list of blocks so token counting, the cost model
and the cache lint rules all see one shared picture of the prefix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from promptops.errors import UserError

# `{{ name }}`, `{{ customer.tier }}`, and expressions such as `{{ now() }}`.
TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
# `max_tokens` of a request whose prompt sets no max_output_tokens (the cost model prices it).
DEFAULT_MAX_TOKENS = 1024
PLACEHOLDER_TOKENS = 8  # a variable with no expected_tokens stands in at this length


@dataclass(frozen=True)
class TemplateRef:
    """One `{{ ... }}` occurrence in a prompt's text."""

    expression: str  # what is between the braces, stripped
    source_path: tuple[Any, ...]  # where the text stands in the document
    occurrence: int  # nth template in that text (for locating it)
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
    templated: bool = False  # its text had `{{ ... }}`
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


def text_sources(prompt: dict[str, Any]) -> Iterator[tuple[str, tuple[Any, ...], str, int]]:
    """Every template-bearing text: (part, source path, text, block index in layout order)."""
    block = len(prompt.get("tools") or [])
    system = prompt.get("system")
    for i, seg in enumerate(segments(system)):
        path = ("system",) if isinstance(system, str) else ("system", i, "text")
        yield "system", path, str(seg.get("text", "")), block
        block += 1
    for m, message in enumerate(prompt.get("messages") or []):
        content = message.get("content")
        for i, seg in enumerate(segments(content)):
            path = (
                ("messages", m, "content")
                if isinstance(content, str)
                else ("messages", m, "content", i, "text")
            )
            yield "messages", path, str(seg.get("text", "")), block
            block += 1


def template_refs(prompt: dict[str, Any]) -> list[TemplateRef]:
    """All `{{ ... }}` occurrences of a prompt, in prefix order."""
    refs = []
    for part, path, text, block in text_sources(prompt):
        for n, match in enumerate(TEMPLATE.finditer(text)):
            refs.append(TemplateRef(match.group(1), path, n, part, block))
    return refs


def _lookup(values: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in values:
        return True, values[name]
    current: Any = values
    for part in name.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return False, None
    return True, current


def placeholder_text(tokens: int) -> str:
    """Filler that tokenizes to about `tokens` tokens (" x" is one token in cl100k/o200k)."""
    return " x" * max(int(tokens), 0)


def varies(text: str, declared: dict[str, Any]) -> bool:
    """Whether `text` holds a per-call value: any template except a variable declared
    `volatile: false` (the same on every call of a deployment)."""
    for match in TEMPLATE.finditer(text):
        spec = declared.get(match.group(1))
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
    def replace(match: re.Match[str]) -> str:
        expression = match.group(1)
        found, value = _lookup(values, expression)
        if found:
            return value if isinstance(value, str) else json.dumps(value)
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

    return TEMPLATE.sub(replace, text)


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
) -> RenderedPrompt:
    """Render `prompt` with `values`. A variable with no value stands in at its
    `expected_tokens` (the costing rule), or as its `example` with `use_examples`."""
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

    system_blocks = []
    for part, path, text, _ in text_sources({"system": prompt.get("system")}):
        stood_in: list[int] = []
        rendered = _substitute(text, values, declared, missing, strict, use_examples, stood_in)
        seg_index = path[1] if len(path) > 1 else 0
        ttl = cache_ttl(segments(prompt.get("system"))[seg_index].get("cache"))
        block = {"type": "text", "text": rendered}
        if ttl:
            block["cache_control"] = cache_control(ttl)
        system_blocks.append(block)
        blocks.append(
            Block(
                part,
                rendered,
                path,
                ttl,
                templated=bool(TEMPLATE.search(text)),
                varies=varies(text, declared),
                placeholder_tokens=sum(stood_in),
            )
        )

    messages = []
    for m, message in enumerate(prompt.get("messages") or []):
        content = []
        for i, seg in enumerate(segments(message.get("content"))):
            path = (
                ("messages", m, "content")
                if isinstance(message.get("content"), str)
                else ("messages", m, "content", i, "text")
            )
            raw = str(seg.get("text", ""))
            stood_in = []
            rendered = _substitute(raw, values, declared, missing, strict, use_examples, stood_in)
            ttl = cache_ttl(seg.get("cache"))
            block = {"type": "text", "text": rendered}
            if ttl:
                block["cache_control"] = cache_control(ttl)
            content.append(block)
            blocks.append(
                Block(
                    "messages",
                    rendered,
                    path,
                    ttl,
                    templated=bool(TEMPLATE.search(raw)),
                    varies=varies(raw, declared),
                    placeholder_tokens=sum(stood_in),
                )
            )
        messages.append({"role": message.get("role", "user"), "content": content})

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
