"""Validate documents against `schemas/<kind>.schema.json` and turn errors into findings."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from promptops.documents.model import KINDS, Document
from promptops.findings import Finding
from promptops.resources import schemas_dir


@cache
def load_schema(kind: str) -> dict[str, Any]:
    return json.loads((schemas_dir() / f"{kind}.schema.json").read_text())


@cache
def _quick_check(kind: str) -> Any:
    from promptops.parsing.schema_check import compile_schema

    return compile_schema(load_schema(kind))


@cache
def _validator(kind: str) -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema(kind))


def _describe(error: Any) -> tuple[str, tuple[Any, ...], bool]:
    """A readable message, the path to point at, and whether to point at the key itself."""
    import jsonschema

    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        if extra:
            hint = ", ".join(sorted(allowed))
            return f"unknown field {extra[0]!r} (allowed here: {hint})", (*path, extra[0]), True
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a')[0]}", path, True
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return _describe(best)
    where = "/".join(str(p) for p in path)
    prefix = f"{where}: " if where else ""
    return f"{prefix}{error.message}", path, False


def validate_document(doc: Document) -> list[Finding]:
    """Schema findings (PO002) for one document, each at the offending key."""
    if doc.kind not in KINDS:
        span = doc.key_span("kind")
        return [
            Finding(
                "PO002",
                "error",
                f"unknown kind {doc.kind!r}: expected one of {', '.join(KINDS)}",
                doc.path,
                span.line,
                span.column,
                span.end_line,
            )
        ]
    if _quick_check(doc.kind)(doc.data):
        return []  # certainly valid: jsonschema (and its import) is only needed for errors
    findings = []
    for error in _validator(doc.kind).iter_errors(doc.data):
        message, path, _ = _describe(error)
        span = doc.source.key(path)
        findings.append(
            Finding("PO002", "error", message, doc.path, span.line, span.column, span.end_line)
        )
    return findings
