"""A compiled yes/no check of a document against its JSON Schema, for the common valid case.

`jsonschema` walks the schema for every value of every document and is most of the cost of
loading a big repo; it is also 45 ms to import. Most documents are valid, and a valid document
needs no error messages, so each schema is compiled by `fastjsonschema` into straight Python
code that answers one question: is this instance valid? A "yes" is final. A "no" is only a
hint: fastjsonschema stops at the first error and words it its own way, so the caller then runs
`jsonschema` for every error (and trusts it if it finds none); messages and paths always come
from the reference validator.

Generating and compiling the code of the six shipped schemas costs 80-130 ms at every start,
which would eat the pre-commit budget. So their code is generated ahead of time
(`scripts/generate_schema_checks.py`) into `promptops/parsing/compiled_schemas/`, where
Python's own bytecode cache makes loading all six a few milliseconds (bench/README.md). Each generated module records the SHA-256 of the schema it came from; a
schema that does not match (edited since, or not shipped) is compiled at run time instead, so
a stale module is never used. tests/test_schema_check.py keeps the shipped modules current.

fastjsonschema implements draft 2019-09 with two gaps that would turn a "no" into a wrong
"yes" under draft 2020-12, so the schema is adapted first:
- it ignores the keywords beside a `$ref` (our numbers say `type`, `minimum`, `maximum` and
  `$ref: finite` side by side); 2020-12 applies both, exactly as `allOf` does, so the `$ref`
  moves into an `allOf`;
- `==` treats `True` as `1`, so a numeric or boolean `enum`/`const` could accept a boolean;
  such a schema, or any keyword it does not know (`prefixItems`, `unevaluated*`, ...), gets a
  check that always answers "no", which is always safe.
tests/test_schema_check.py and tests/test_schema_bounds.py check the answers against
`jsonschema` on thousands of mutated documents and on every bound.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]


_COMPILED_PACKAGE = "promptops.parsing.compiled_schemas"

# Keywords whose value is one subschema, a map of subschemas, or a list of subschemas.
_ONE = frozenset(
    {"items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains"}
)
_MAP = frozenset({"properties", "patternProperties", "$defs"})
_LIST = frozenset({"allOf", "anyOf", "oneOf"})
# Keywords fastjsonschema checks as draft 2020-12 means them (for our uses of them).
_PLAIN = frozenset(
    {
        "type",
        "required",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "$ref",
        "enum",
        "const",
    }
)
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
    }
)


class UnsupportedSchema(ValueError):
    """The schema uses something fastjsonschema would not check as draft 2020-12 does."""


def schema_digest(schema: Any) -> str:
    """The SHA-256 of the schema's canonical JSON: what a generated module was made from."""
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def adapt(schema: Any) -> Any:
    """The schema as fastjsonschema must see it to give draft 2020-12's answers (see above).

    Raises UnsupportedSchema when no such rewrite is known."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        raise UnsupportedSchema(f"not a schema: {schema!r}")
    out: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _ONE:
            out[keyword] = adapt(value)
        elif keyword in _MAP and isinstance(value, dict):
            out[keyword] = {name: adapt(sub) for name, sub in value.items()}
        elif keyword in _LIST and isinstance(value, list):
            out[keyword] = [adapt(sub) for sub in value]
        elif keyword in ("enum", "const"):
            members = value if keyword == "enum" else [value]
            if not isinstance(members, list) or any(
                not (m is None or isinstance(m, str)) for m in members
            ):
                raise UnsupportedSchema(f"{keyword} with a non-string member: {value!r}")
            out[keyword] = value
        elif keyword in _PLAIN or keyword in _ANNOTATIONS:
            out[keyword] = value
        else:
            raise UnsupportedSchema(f"keyword {keyword!r}")
    if "$ref" in out and len(out.keys() - _ANNOTATIONS) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}, *out.get("allOf", [])]
    if "const" in out:  # the same test; fastjsonschema's slim code cannot word a `const`
        one = {"enum": [out.pop("const")]}
        if "enum" in out:
            out["allOf"] = [*out.get("allOf", []), one]
        else:
            out.update(one)
    return out


def generate_code(schema: Any) -> str:
    """The Python source of the validator of `schema` (what compiled_schemas/ ships).

    Both compilations never fill defaults into the user's data, assert no `format`
    (jsonschema's Draft202012Validator asserts none unless given a format checker), and leave
    the details out of the exception (only pass or fail is read; it halves the code)."""
    import fastjsonschema

    return str(
        fastjsonschema.compile_to_code(
            adapt(schema), use_default=False, use_formats=False, detailed_exceptions=False
        )
    )


def _never(_: Any) -> bool:
    return False


def _as_check(validate: Callable[[Any], Any]) -> Check:
    from fastjsonschema import JsonSchemaException

    def check(value: Any) -> bool:
        try:
            validate(value)
        except JsonSchemaException:
            return False
        except Exception:  # data the generated code did not expect: let jsonschema decide
            return False
        return True

    return check


def _shipped(schema: Any, digest: str) -> Callable[[Any], Any] | None:
    """The pre-generated validator of a shipped schema, if it was made from this very schema."""
    schema_id = schema.get("$id") if isinstance(schema, dict) else None
    if not isinstance(schema_id, str) or not schema_id.endswith(".schema.json"):
        return None
    name = schema_id.rsplit("/", 1)[-1].removesuffix(".schema.json").replace("-", "_")
    if not name.isidentifier():
        return None
    try:
        module = importlib.import_module(f"{_COMPILED_PACKAGE}.{name}")
    except ImportError:  # not shipped, or generated by a fastjsonschema we no longer have
        return None
    if getattr(module, "SCHEMA_SHA256", None) != digest:
        return None
    validate: Callable[[Any], Any] | None = getattr(module, "validate", None)
    return validate


def _compile_now(schema: Any) -> Callable[[Any], Any] | None:
    import fastjsonschema

    try:
        adapted = adapt(schema)
    except UnsupportedSchema:
        return None
    validate: Callable[[Any], Any] = fastjsonschema.compile(
        adapted, use_default=False, use_formats=False, detailed_exceptions=False
    )
    return validate


_CHECKS: dict[str, Check] = {}


def compile_schema(schema: Any) -> Check:
    """A function that returns True only for instances the schema certainly accepts.

    Compiled once per schema and process (keyed by the schema's digest)."""
    digest = schema_digest(schema)
    check = _CHECKS.get(digest)
    if check is None:
        validate = _shipped(schema, digest) or _compile_now(schema)
        check = _CHECKS[digest] = _never if validate is None else _as_check(validate)
    return check
