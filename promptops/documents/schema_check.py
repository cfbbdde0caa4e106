"""A compiled yes/no check of a document against its JSON Schema, for the common valid case.

`jsonschema` walks the schema for every value of every document and is most of the cost of
loading a big repo; it is also 45 ms to import. Most documents are valid, and a valid document
needs no error messages, so each schema is compiled once into nested closures that answer one
question: is this instance certainly valid? A "yes" is final. A "no" is only a hint: the
caller then runs `jsonschema` for the real errors (and trusts it if it finds none), so messages
and paths always come from the reference validator.

Only the keywords our schemas use are compiled (local `$ref`s into `$defs` included); any
other keyword, and any value whose semantics are subtle (unhashable enum members, non-scalar
unique items), answers "no", which is always safe. Bounds follow jsonschema to the letter
(`minimum` fails only when `value < minimum`), so NaN, which compares false with everything,
passes them here as it does there: the schemas reject NaN with an explicit `finite` check. tests/test_documents_parse_cache.py checks the answers against `jsonschema`
on thousands of mutated documents.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]
Compiled = tuple[Check, bool]  # the check, and whether its False is certain too

# Keywords that never make an instance invalid (annotations; `format` is not asserted by
# jsonschema's Draft202012Validator unless a format checker is given, and we give none).
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
        "$defs",
        "then",  # read with "if"
        "else",
    }
)


def _never(_: Any) -> bool:
    return False


def _always(_: Any) -> bool:
    return True


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


_TYPES: dict[str, Check] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


def _scalar_key(value: Any) -> tuple[str, Any] | None:
    """A hashable key under which two scalars are equal exactly when jsonschema's `equal`
    says so (bool is not 1; 1 == 1.0), or None for values we do not decide here."""
    if value is None or type(value) is bool or type(value) is str:
        return (type(value).__name__, value)
    if type(value) in (int, float):
        return ("number", value)
    return None


def _compile_type(spec: Any) -> Check:
    names = spec if isinstance(spec, list) else [spec]
    checks = [_TYPES.get(name) for name in names]
    if any(c is None for c in checks):
        return _never
    if len(checks) == 1:
        return checks[0]  # type: ignore[return-value]
    return lambda v: any(c(v) for c in checks)  # type: ignore[misc]


def _compile_enum(members: list[Any]) -> Check:
    keys = [_scalar_key(m) for m in members]
    if any(k is None for k in keys):
        return _never
    allowed = frozenset(keys)
    return lambda v: _scalar_key(v) in allowed


def _unique(items: list[Any]) -> bool:
    keys = [_scalar_key(i) for i in items]
    if any(k is None for k in keys):
        return False  # lists of objects: let jsonschema decide
    return len(set(keys)) == len(keys)


class _Root:
    """The schema being compiled, for local `$ref`s, with the refs being compiled (a
    recursive ref answers "no")."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.open: set[str] = set()

    def resolve(self, ref: str) -> Compiled:
        if not ref.startswith("#/") or ref in self.open:
            return _NEVER
        target: Any = self.schema
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or token not in target:
                return _NEVER
            target = target[token]
        self.open.add(ref)
        try:
            return _compile(target, self)
        finally:
            self.open.discard(ref)


def _compile_keyword(
    keyword: str, value: Any, schema: dict[str, Any], root: _Root
) -> Compiled | None:
    """One keyword's check and whether its "no" is certain; None when it cannot fail."""
    if keyword in _ANNOTATIONS:
        return None
    if keyword == "type":
        check = _compile_type(value)
        return check, check is not _never
    if keyword in ("enum", "const"):
        check = _compile_enum(value if keyword == "enum" else [value])
        return check, check is not _never
    if keyword == "$ref" and isinstance(value, str):
        return root.resolve(value)
    if keyword == "if":
        condition, certain = _compile(value, root)
        if not certain:
            return _NEVER  # which branch applies must be known for sure
        then_ok, then_exact = _compile(schema.get("then", True), root)
        else_ok, else_exact = _compile(schema.get("else", True), root)
        return (
            lambda v: then_ok(v) if condition(v) else else_ok(v),
            then_exact and else_exact,
        )
    if keyword == "not":
        inner, certain = _compile(value, root)
        if not certain:
            return _NEVER
        return (lambda v: not inner(v)), True
    if keyword == "properties" and isinstance(value, dict):
        compiled = [(name, _compile(sub, root)) for name, sub in value.items()]
        props = [(name, check) for name, (check, _) in compiled]
        return (
            lambda v: (
                type(v) is not dict or all(name not in v or check(v[name]) for name, check in props)
            ),
            all(exact for _, (_, exact) in compiled),
        )
    if keyword == "required" and isinstance(value, list):
        names = list(value)
        return lambda v: type(v) is not dict or all(name in v for name in names), True
    if keyword == "additionalProperties":
        if "patternProperties" in schema:
            return _NEVER
        known = frozenset(schema.get("properties") or {})
        if value is True:
            return None
        if value is False:
            return lambda v: type(v) is not dict or known.issuperset(v), True
        extra, exact = _compile(value, root)
        return (
            lambda v: (
                type(v) is not dict
                or all(extra(item) for key, item in v.items() if key not in known)
            ),
            exact,
        )
    if keyword == "propertyNames":
        names_ok, exact = _compile(value, root)
        return lambda v: type(v) is not dict or all(names_ok(key) for key in v), exact
    if keyword == "items" and "prefixItems" not in schema:
        if value is False:
            return lambda v: type(v) is not list or not v, True
        item_ok, exact = _compile(value, root)
        return lambda v: type(v) is not list or all(item_ok(item) for item in v), exact
    if keyword == "uniqueItems":
        if value is not True:
            return None
        return lambda v: type(v) is not list or _unique(v), False
    if type(value) is int and keyword in _SIZES:
        kind, compare = _SIZES[keyword]
        return lambda v: type(v) is not kind or compare(len(v), value), True
    if keyword == "pattern" and isinstance(value, str):
        search = re.compile(value).search
        return lambda v: type(v) is not str or search(v) is not None, True
    if _is_number(value) and keyword in _BOUNDS:
        compare = _BOUNDS[keyword]
        return lambda v: not _is_number(v) or compare(v, value), True
    if keyword in ("oneOf", "anyOf") and isinstance(value, list) and value:
        options = [_compile(sub, root) for sub in value]
        checks = [check for check, _ in options]
        all_exact = all(exact for _, exact in options)
        if keyword == "anyOf":
            return lambda v: any(check(v) for check in checks), all_exact
        exacts = [exact for _, exact in options]

        def one_of(v: Any) -> bool:
            # Exactly one branch passes, and every other branch's "no" is certain.
            passing = [check(v) for check in checks]
            return passing.count(True) == 1 and all(
                ok or exact for ok, exact in zip(passing, exacts, strict=True)
            )

        return one_of, all_exact
    return _NEVER


_SIZES: dict[str, tuple[type, Callable[[int, int], bool]]] = {
    "minItems": (list, operator.ge),
    "maxItems": (list, operator.le),
    "minLength": (str, operator.ge),
    "maxLength": (str, operator.le),
}
# As jsonschema words them: a bound fails only when the comparison that breaks it is true.
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda v, bound: not v < bound,
    "maximum": lambda v, bound: not v > bound,
    "exclusiveMinimum": lambda v, bound: not v <= bound,
    "exclusiveMaximum": lambda v, bound: not v >= bound,
}
_NEVER: Compiled = (_never, False)


def _compile(schema: Any, root: _Root) -> Compiled:
    if schema is True or schema == {}:
        return _always, True
    if schema is False:
        return _never, True
    if not isinstance(schema, dict):
        return _NEVER
    compiled = [
        result
        for keyword, value in schema.items()
        if (result := _compile_keyword(keyword, value, schema, root)) is not None
    ]
    if not compiled:
        return _always, True
    if any(check is _never and not exact for check, exact in compiled):
        return _NEVER
    checks = [check for check, _ in compiled]
    exact = all(e for _, e in compiled)
    if len(checks) == 1:
        return checks[0], exact
    return (lambda v: all(check(v) for check in checks)), exact


def compile_schema(schema: Any) -> Check:
    """A function that returns True only for instances the schema certainly accepts."""
    return _compile(schema, _Root(schema))[0]
