"""Structural diff of a tool definition: parameters added, removed and changed, with tokens.

A tool's JSON definition sits at the very start of the cached prefix of every prompt that uses
it, so a reviewer needs to see *what* changed in it, not a line diff of YAML. DeepDiff (lazy
import) explains the changes inside one parameter's schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from promptops.diff.model import ToolChange
from promptops.render import tool_definition


def definition_text(tool: dict[str, Any]) -> str:
    """The text that is tokenized for a tool (as the render layout does)."""
    definition = tool_definition(tool)
    return json.dumps({k: definition[k] for k in ("name", "description", "input_schema")})


def _params(tool: dict[str, Any] | None) -> dict[str, Any]:
    schema = (tool or {}).get("input_schema") or {}
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


def _required(tool: dict[str, Any] | None) -> set[str]:
    schema = (tool or {}).get("input_schema") or {}
    return {str(r) for r in (schema.get("required") or [])} if isinstance(schema, dict) else set()


def _describe(base: Any, head: Any) -> str:
    from deepdiff import DeepDiff

    diff = DeepDiff(base, head, verbose_level=2).to_dict()
    parts = []
    for path, change in (diff.get("values_changed") or {}).items():
        key = path.replace("root", "", 1) or "value"
        if key.endswith("['description']"):
            parts.append("description reworded")
        else:
            parts.append(f"{key}: {change['old_value']!r} → {change['new_value']!r}")
    for path, change in (diff.get("type_changes") or {}).items():
        parts.append(
            f"{path.replace('root', '', 1)}: {change['old_value']!r} → {change['new_value']!r}"
        )
    for path in diff.get("dictionary_item_added") or {}:
        parts.append(f"+{path.replace('root', '', 1)}")
    for path in diff.get("dictionary_item_removed") or {}:
        parts.append(f"-{path.replace('root', '', 1)}")
    for kind, sign in (("iterable_item_added", "+"), ("iterable_item_removed", "-")):
        for path, value in (diff.get(kind) or {}).items():
            parts.append(f"{sign}{path.replace('root', '', 1)} {value!r}")
    return "; ".join(parts) or "changed"


def tool_changes(
    base: dict[str, Any] | None, head: dict[str, Any] | None, count: Callable[[str], int]
) -> list[ToolChange]:
    """What changed between two versions of a tool, each change with its token delta."""
    changes: list[ToolChange] = []
    old_desc, new_desc = (
        str((base or {}).get("description", "")),
        str((head or {}).get("description", "")),
    )
    if base and head and old_desc != new_desc:
        changes.append(
            ToolChange("description", "description", "reworded", count(new_desc) - count(old_desc))
        )
    old_params, new_params = _params(base), _params(head)
    for name in sorted(new_params.keys() - old_params.keys()):
        text = json.dumps({name: new_params[name]})
        changes.append(ToolChange("parameter-added", name, _short(new_params[name]), count(text)))
    for name in sorted(old_params.keys() - new_params.keys()):
        text = json.dumps({name: old_params[name]})
        changes.append(
            ToolChange("parameter-removed", name, _short(old_params[name]), -count(text))
        )
    for name in sorted(old_params.keys() & new_params.keys()):
        if old_params[name] != new_params[name]:
            delta = count(json.dumps({name: new_params[name]})) - count(
                json.dumps({name: old_params[name]})
            )
            changes.append(
                ToolChange(
                    "parameter-changed", name, _describe(old_params[name], new_params[name]), delta
                )
            )
    old_req, new_req = _required(base), _required(head)
    if base and head and old_req != new_req:
        detail = ", ".join(
            [f"+{r}" for r in sorted(new_req - old_req)]
            + [f"-{r}" for r in sorted(old_req - new_req)]
        )
        changes.append(ToolChange("required", "required", detail, 0))
    if base and head and not changes and definition_text(base) != definition_text(head):
        other_old = {k: v for k, v in (base.get("input_schema") or {}).items() if k != "properties"}
        other_new = {k: v for k, v in (head.get("input_schema") or {}).items() if k != "properties"}
        changes.append(
            ToolChange(
                "schema-changed",
                "input_schema",
                _describe(other_old, other_new),
                count(definition_text(head)) - count(definition_text(base)),
            )
        )
    return changes


def _short(schema: Any) -> str:
    if isinstance(schema, dict):
        kind = schema.get("type", "any")
        return f"{kind}" + (f", enum of {len(schema['enum'])}" if "enum" in schema else "")
    return str(schema)
