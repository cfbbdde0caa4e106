"""Structured-output assertions: is-json (optionally against a schema) and json-schema."""

from __future__ import annotations

import json
import re
from typing import Any

from promptops.evals.assertions.base import Check, CheckContext, Observation, Verdict, Where

FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_json_answer(text: str) -> Any:
    """The answer as JSON; a single fenced ```json block around it is tolerated."""
    try:
        return json.loads(text)
    except ValueError:
        fenced = FENCE.match(text)
        if fenced is None:
            raise
        return json.loads(fenced.group(1))


def _validator(schema: Any, where: Where) -> Any:
    import jsonschema

    if not isinstance(schema, dict):
        raise where.error("a JSON Schema `value` must be a mapping")
    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise where.error(f"invalid JSON Schema: {exc.message}") from exc
    return cls(schema)


def _build(require_schema: bool):
    def build(spec: dict[str, Any], where: Where) -> Check:
        schema = spec.get("value")
        if require_schema and schema is None:
            raise where.error("assertion 'json-schema' needs a JSON Schema `value`")
        validator = _validator(schema, where) if schema is not None else None

        def check(obs: Observation, ctx: CheckContext) -> Verdict:
            try:
                data = parse_json_answer(obs.text)
            except ValueError as exc:
                return Verdict(False, f"answer is not valid JSON: {exc}")
            if validator is None:
                return Verdict(True, "valid JSON")
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            if errors:
                first = errors[0]
                at = "/".join(str(p) for p in first.absolute_path) or "(root)"
                return Verdict(False, f"schema violation at {at}: {first.message}")
            return Verdict(True, "matches the schema")

        return check

    return build


BUILDERS = {
    "is-json": _build(require_schema=False),
    "json-schema": _build(require_schema=True),
}
