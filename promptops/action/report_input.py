"""Read the report a GitHub step publishes: a Markdown file as is, or a promptops JSON report.

A JSON report is turned into Markdown by `promptops.report.markdown.render_markdown`, which
is why this reader lives in `promptops.action` (above the renderers), not in the low
`promptops.github` platform layer.

The report is input like any other (a step may publish a file someone else prepared), so it
is checked at this boundary: at most `MAX_REPORT_BYTES`, strict JSON (no NaN, no Infinity,
bounded nesting), and every field the renderers and the verdict read has the type they
expect (`REPORT_SCHEMA`). A report that fails is one error naming the field, exit 2; fields
nobody reads are left alone, so a newer report with more keys still renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from promptops.errors import UserError

MAX_REPORT_BYTES = 32 * 1024 * 1024  # a check report of a few thousand changed prompts fits
TOO_DEEP = "the report is nested too deeply to be a promptops report"

# -- the JSON Schema of what is read --------------------------------------------------------
_STRING_OR_NULL = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_INTEGER = {"type": "integer"}
_MONEY = {  # decimal strings as the JSON views write them; plain numbers accepted
    "type": ["string", "number", "null"],
    "pattern": r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$",
}
_SCENARIO = {
    "type": "object",
    "required": ["base_usd", "head_usd"],
    "properties": {
        name: _MONEY
        for name in (
            "base_usd",
            "head_usd",
            "delta_usd",
            "prompt_change_usd",
            "traffic_change_usd",
            "budget_usd",
            "headroom_usd",
        )
    },
    # read only when both sides are priced, or when traffic changed
    "if": {
        "properties": {"base_usd": {"not": {"type": "null"}}, "head_usd": {"not": {"type": "null"}}}
    },
    "then": {"required": ["delta_usd"]},
}
_SIDE = {
    "type": ["object", "null"],
    "required": ["input_tokens", "cached_tokens", "cost_per_call_usd"],
    "properties": {
        "version": {"type": ["string", "number", "null"]},
        "input_tokens": _INTEGER,
        "cached_tokens": _INTEGER,
        "volatile_prefix_tokens": {"type": ["integer", "null"]},
        "cost_per_call_usd": _MONEY,
    },
}
_FINDING = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "severity": {"type": "string"},
        "message": {"type": "string"},
        "path": {"type": "string"},
        "line": _INTEGER,
        "column": {"type": ["integer", "null"]},
        "end_line": {"type": ["integer", "null"]},
        "end_column": {"type": ["integer", "null"]},
        "url": _STRING_OR_NULL,
    },
}
_FINDINGS = {"type": "array", "items": _FINDING}
# A blocking reason or warning (schema_version 3): a code and its figures, worded by
# `promptops.report.reasons`; the fields a wording reads are checked where a wrong type
# would break it.
_REASON = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string"},
        "path": {"type": ["string", "null"]},
        "line": {"type": ["integer", "null"]},
        "value": _MONEY,
        "limit": _MONEY,
        "base_value": _MONEY,
        "rewarm_usd": _MONEY,
        "monthly_usd": _MONEY,
        "share": _MONEY,
        "growth_pct": _MONEY,
        "then_tokens": _INTEGER,
        "input_tokens": _INTEGER,
        "creep_pct": {"type": "number"},
        "relaxed": {"type": "array", "items": {"type": "object"}},
        "signers": _STRINGS,
        "handles": _STRINGS,
        "exposed_workloads": _STRINGS,
        "waiver": {"type": "object"},
        "expired_waiver": {"type": ["object", "null"]},
    },
}
_REASONS = {"type": "array", "items": _REASON}
# The diff and check reports' schema_version this version reads (promptops.report.diff_json).
DIFF_SCHEMA_VERSION = 3
_REPORT = {
    "type": "object",
    "properties": {
        "kind": {"type": "string"},
        "headline": {"type": "string"},
        "blocking": {"type": "boolean"},
        "blocking_reasons": _REASONS,
        "warnings": _REASONS,
        "notes": _STRINGS,
        "findings": _FINDINGS,
        "totals": {
            "type": "object",
            "properties": {"monthly_delta_usd": _MONEY},
        },
        "base": {"type": "object", "properties": {"label": {}, "sha": _STRING_OR_NULL}},
        "head": {"type": "object", "properties": {"label": {}, "sha": _STRING_OR_NULL}},
        "provenance": {
            "type": "object",
            "properties": {
                "price_table_date": {"type": "string"},
                "tokenizer": {"type": "string"},
                "counts": {"type": "string"},
                "prices_overridden": {"type": "boolean"},
                "promptops_version": {"type": "string"},
            },
        },
        "unpriced": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "side", "reason"],
                "properties": {
                    "path": {"type": "string"},
                    "side": {"type": "string"},
                    "reason": {"type": "string"},
                    "workload": _STRING_OR_NULL,
                },
            },
        },
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "problem": _STRING_OR_NULL},
                "if": {
                    "properties": {"problem": {"type": "string", "minLength": 1}},
                    "required": ["problem"],
                },
                "then": {"required": ["path"]},
            },
        },
        "workloads": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "scenarios"],
                "properties": {
                    "id": {"type": "string"},
                    "status": _STRING_OR_NULL,
                    "kill_switch_usd": _MONEY,
                    "scenarios": {
                        "type": "object",
                        "required": ["expected", "stretch", "runaway"],
                        "properties": {
                            "expected": _SCENARIO,
                            "stretch": _SCENARIO,
                            "runaway": _SCENARIO,
                        },
                    },
                },
            },
        },
        "prompts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "status", "path", "delta"],
                # a priced change on both sides shows its token delta
                "if": {
                    "required": ["base", "head"],
                    "properties": {
                        "base": {"type": "object"},
                        "head": {"type": "object"},
                        "unpriced": {"maxItems": 0},
                    },
                },
                "then": {
                    "properties": {
                        "delta": {
                            "required": ["input_tokens"],
                            "properties": {"input_tokens": _INTEGER},
                        }
                    }
                },
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string"},
                    "path": {"type": "string"},
                    "old_path": _STRING_OR_NULL,
                    "workload": _STRING_OR_NULL,
                    "base": _SIDE,
                    "head": _SIDE,
                    "delta": {
                        "type": "object",
                        "required": ["monthly_usd"],
                        "properties": {
                            "input_tokens": {"type": ["integer", "null"]},
                            "monthly_usd": {"type": "object", "additionalProperties": _MONEY},
                        },
                    },
                    "unpriced": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"side": {"type": "string"}}},
                    },
                    "settings": _STRINGS,
                    "changed_tools": _STRINGS,
                    "cached_prefix_changed": {"type": ["boolean", "null"]},
                    "rewarm_usd": _MONEY,
                    "hunks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["section", "tokens_delta", "lines"],
                            "properties": {
                                "section": {"type": "string"},
                                "tokens_delta": _INTEGER,
                                "lines": _STRINGS,
                            },
                        },
                    },
                },
            },
        },
        "tools": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "base_tokens", "head_tokens"],
                "properties": {
                    "id": {"type": "string"},
                    "base_version": {"type": ["string", "number", "null"]},
                    "head_version": {"type": ["string", "number", "null"]},
                    "base_tokens": _INTEGER,
                    "head_tokens": _INTEGER,
                    "used_by": _STRINGS,
                    "changes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["change", "name", "detail", "tokens_delta"],
                            "properties": {
                                "change": {"type": "string"},
                                "name": {"type": "string"},
                                "detail": {"type": "string"},
                                "tokens_delta": _INTEGER,
                            },
                        },
                    },
                },
            },
        },
        "suites": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "comparison": {
                        "type": ["object", "null"],
                        "properties": {
                            "head_pass_rate": {"type": "number"},
                            "base_pass_rate": {"type": ["number", "null"]},
                            "regressions": _STRINGS,
                            "fixes": _STRINGS,
                        },
                    },
                    "gates": {
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "properties": {"passed": {"type": ["boolean", "null"]}},
                        },
                    },
                },
            },
        },
    },
}
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "promptops report (what `action finish` and `comment github` read)",
    "description": "A diff, check, lint or eval report object, or a lint findings array.",
    "oneOf": [_REPORT, _FINDINGS],
}


@dataclass(frozen=True)
class ReportInput:
    """The Markdown to publish and, for a JSON report, the report itself."""

    markdown: str
    data: dict | list | None


def read_report(path: str | Path) -> ReportInput:
    """Load FILE; JSON when it parses as a JSON object or array, Markdown otherwise."""
    file = Path(path)
    text = _read_bounded(file)
    stripped = text.lstrip("\ufeff \t\r\n")
    looks_json = file.suffix.lower() == ".json" or stripped[:1] in ("{", "[")
    if not looks_json:
        if not stripped:
            raise UserError("the report is empty", path=str(file))
        return ReportInput(text, None)
    try:
        data = json.loads(stripped, parse_constant=_no_constant)
    except RecursionError:
        raise UserError(TOO_DEEP, path=str(file)) from None
    except ValueError as exc:
        if file.suffix.lower() == ".json":
            raise UserError(f"the report is not valid JSON: {exc}", path=str(file)) from None
        return ReportInput(text, None)
    if not isinstance(data, dict | list):
        raise UserError("the JSON report must be an object or an array", path=str(file))
    check_report(data, str(file))
    try:
        markdown = render_report_markdown(data)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        # the schema covers what the renderers read; this is the backstop for a combination it
        # does not spell out (a delta left null on a priced prompt): still an error, not a crash
        raise UserError(f"the report is malformed: {exc!r}", path=str(file)) from None
    return ReportInput(markdown, data)


def check_report(data: object, source: str) -> None:
    """A UserError naming the first field whose type is not what a promptops report holds,
    or saying that a diff or check report was written by another promptops version."""
    import fastjsonschema

    _check_version(data, source)
    try:
        _validator(isinstance(data, list))(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise UserError(_explain(exc), path=source) from None
    except RecursionError:
        raise UserError(TOO_DEEP, path=source) from None


def _check_version(data: object, source: str) -> None:
    """A diff or check report of another schema_version is one clear error: its reasons are
    shaped differently (sentences before 3), so it would not render as written."""
    if not isinstance(data, dict) or data.get("kind") not in ("diff", "check"):
        return
    version = data.get("schema_version", DIFF_SCHEMA_VERSION)
    if version != DIFF_SCHEMA_VERSION or isinstance(version, bool):
        raise UserError(
            f"this {data['kind']} report has schema_version {version!r}; this promptops reads "
            f"schema_version {DIFF_SCHEMA_VERSION}: write the report again with this version "
            f"(`promptops {data['kind']} --format json`)",
            path=source,
        )


@cache
def _validator(findings_array: bool) -> Callable[[object], object]:
    """The compiled check of one of REPORT_SCHEMA's two shapes (picked by the JSON type, so
    the error names the field, not just "neither shape")."""
    import fastjsonschema

    return fastjsonschema.compile(
        {"$schema": REPORT_SCHEMA["$schema"], **(_FINDINGS if findings_array else _REPORT)}
    )


def _explain(exc: Any) -> str:
    message = str(exc.message)
    reason = message.split(" must ", 1)[1] if " must " in message else message
    if exc.rule == "pattern":
        reason = 'be a decimal number (like "12.50")'
    field = _field_name(list(exc.path))
    if not field:
        return f"the report must {reason}"
    return f"report field `{field}` must {reason} (got {_shown(exc.value)})"


def _field_name(path: list[str]) -> str:
    out = ""
    for part in path[1:]:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _shown(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kind = {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
    }
    text = kind.get(type(value), type(value).__name__)
    if isinstance(value, str | int | float):
        shown = json.dumps(value)
        text += f" {shown[:40]}{'…' if len(shown) > 40 else ''}"
    return text


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _read_bounded(file: Path) -> str:
    """The report's text, refusing more than MAX_REPORT_BYTES before reading it all."""
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise UserError("report file not found", path=str(file)) from None
    except IsADirectoryError:
        raise UserError("the report is a folder, not a file", path=str(file)) from None
    except OSError as exc:
        raise UserError(f"cannot read the report: {exc.strerror or exc}", path=str(file)) from None
    if len(data) > MAX_REPORT_BYTES:
        raise UserError(
            f"the report is larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB: not a promptops "
            "report (publish the Markdown view, `--format markdown`, for a very large change)",
            path=str(file),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"the report is not UTF-8 text: {exc.reason} at byte {exc.start}", path=str(file)
        ) from None


def render_report_markdown(data: dict | list) -> str:
    """Markdown for a JSON report (lint findings arrays are wrapped as `{"findings": [...]}`)."""
    from promptops.report.markdown import render_markdown  # lazy: renderers are heavy

    report = data if isinstance(data, dict) else {"findings": data}
    return render_markdown(report)
