"""Is a template value volatile (different on every call)? By name, by declaration, by form.

Only template expressions are ever judged here: prose such as "Update the date field" is never
looked at, so the word "date" in an instruction cannot raise a finding.
"""

from __future__ import annotations

import re
from typing import Any

# Name parts that mean "changes on every call" on their own.
VOLATILE_WORDS = frozenset(
    {
        "now",
        "date",
        "time",
        "timestamp",
        "datetime",
        "today",
        "ts",
        "uuid",
        "guid",
        "nonce",
        "random",
        "session",
        "epoch",
    }
)
# `<qualifier>_id` pairs: request_id, user_id, session_id, trace_id ...
ID_QUALIFIERS = frozenset(
    {
        "request",
        "req",
        "user",
        "session",
        "trace",
        "span",
        "correlation",
        "conversation",
        "message",
        "msg",
        "event",
        "call",
        "run",
        "transaction",
        "txn",
    }
)
# `<event>_at` timestamps: created_at, updated_at ...
TIME_QUALIFIERS = frozenset({"created", "updated", "modified", "sent", "received", "expires"})
# A trailing part that turns a time word into a stable setting: date_format, time_zone.
STABLE_SUFFIXES = frozenset({"format", "fmt", "zone", "style", "locale", "unit", "units"})
# `{{ now() }}`, `{{ uuid4() }}`, `{{ datetime.utcnow() }}`, `{{ random() }}` ...
VOLATILE_CALL = re.compile(
    r"\b(?:now|utcnow|today|time|timestamp|uuid[1-5]?|guid|random|randint|rand|nonce)\s*\(",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_parts(name: str) -> list[str]:
    """`request_id` -> [request, id]; `customer.createdAt` -> [customer, created, at]."""
    parts: list[str] = []
    for chunk in re.split(r"[._\-\s]+", name):
        parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    return parts


def volatile_by_name(name: str) -> str | None:
    """The part of the name that makes it volatile, or None."""
    parts = name_parts(name)
    if parts and parts[-1] in STABLE_SUFFIXES:
        return None
    for i, part in enumerate(parts):
        if part in VOLATILE_WORDS:
            return part
        if part == "id" and i > 0 and parts[i - 1] in ID_QUALIFIERS:
            return f"{parts[i - 1]}_id"
        if part == "at" and i > 0 and parts[i - 1] in TIME_QUALIFIERS:
            return f"{parts[i - 1]}_at"
    joined = "".join(parts)
    for word in ("timestamp", "datetime", "uuid", "requestid", "sessionid", "userid"):
        if word in joined:
            return word
    return None


def volatility(expression: str, declared: dict[str, Any]) -> str | None:
    """Why the value of `{{ expression }}` changes per call, or None when it does not.

    `volatile: true` on the variable always wins; `volatile: false` is the author saying the
    value is stable (e.g. a `release_date` fixed per deployment) and silences the name check.
    """
    if VOLATILE_CALL.search(expression):
        return f"`{expression}` is evaluated on every call"
    name = expression.strip()
    spec = _declaration(name, declared)
    if isinstance(spec, dict) and "volatile" in spec:
        return "it is declared `volatile: true`" if spec["volatile"] is True else None
    if not re.fullmatch(r"[A-Za-z_][\w.]*", name):
        return None
    word = volatile_by_name(name)
    if word:
        return f"its name says it changes per call ({word!r})"
    return None


def _declaration(name: str, declared: dict[str, Any]) -> Any:
    if name in declared:
        return declared[name]
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in declared:
            return declared[prefix]
    return None
