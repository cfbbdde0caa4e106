"""Is a template value volatile (different on every call)? By name, by declaration, by form.

Only template expressions are ever judged here: prose such as "Update the date field" is never
looked at, so the word "date" in an instruction cannot raise a finding.

Names are read as words, not searched for substrings: `request_id`, `requestId` and `requestid`
are the words `request` + `id`; `SESSION_STOP_GRACE_MS` is an UPPER_CASE constant, and
`session_timeout` is a setting *about* sessions, so neither is volatile (a declaration
`volatile: true` still makes them so).
"""

from __future__ import annotations

import re
from typing import Any

# Words that mean "changes on every call" wherever they stand in a name (`current_date`,
# `now_iso`, `start_time`, `cwd`), unless a setting word ends the name (`date_format`).
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
        "epoch",
        "cwd",
        "pwd",
        "workdir",
        "filepath",
        "username",
    }
)
# Who and where a call runs: volatile when the name is about that thing (it is the last word:
# `user`, `current_user`, `session`, `file_path`), not when it only qualifies another word
# (`session_timeout`, `path_separator`, `user_guide`).
CONTEXT_NOUNS = frozenset({"session", "user", "path"})
# `<owner>_id`: agent_id, task_id, request_id, trace_id, session_id, user_id, tool_use_id ...
ID_OWNERS = frozenset(
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
        "agent",
        "subagent",
        "task",
        "subtask",
        "job",
        "thread",
        "process",
        "worker",
        "invocation",
        "execution",
        "step",
        "use",  # tool_use_id
    }
)
ID_WORDS = frozenset({"id", "ids", "uid", "key", "token"})
# A person's identity: user_name, userEmail ...
PERSON_OWNERS = frozenset({"user"})
PERSON_WORDS = frozenset({"name", "email", "handle", "login"})
# Two words that together name the working directory: working_directory, currentDir ...
DIRECTORY_PAIRS = frozenset(
    (first, second)
    for first in ("working", "current", "work")
    for second in ("directory", "dir", "folder")
)
# `<event>_at` timestamps: created_at, updated_at ...
TIME_QUALIFIERS = frozenset({"created", "updated", "modified", "sent", "received", "expires"})
# A last word that makes the name a stable setting about the volatile thing: date_format,
# time_zone, session_timeout, request_ttl.
STABLE_SUFFIXES = frozenset(
    {
        "format",
        "fmt",
        "zone",
        "style",
        "locale",
        "unit",
        "units",
        "limit",
        "limits",
        "timeout",
        "ttl",
        "budget",
        "template",
        "pattern",
        "separator",
        "policy",
        "max",
        "min",
    }
)
# Compound words written as one (`requestid`, `createdat`): the same words, unsplit.
COMPOUNDS = {
    **{owner + word: f"{owner}_{word}" for owner in ID_OWNERS for word in ID_WORDS},
    **{owner + word: f"{owner}_{word}" for owner in PERSON_OWNERS for word in PERSON_WORDS},
    **{event + "at": f"{event}_at" for event in TIME_QUALIFIERS},
}
# `{{ now() }}`, `{{ uuid4() }}`, `{{ datetime.utcnow() }}`, `{{ random() }}` ...
VOLATILE_CALL = re.compile(
    r"\b(?:now|utcnow|today|time|timestamp|uuid[1-5]?|guid|random|randint|rand|nonce)\s*\(",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


def name_parts(name: str) -> list[str]:
    """`request_id` -> [request, id]; `customer.createdAt` -> [customer, created, at]."""
    parts: list[str] = []
    for chunk in re.split(r"[._\-\s]+", name):
        parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    return parts


def is_constant(name: str) -> bool:
    """An UPPER_CASE name (`SESSION_STOP_GRACE_MS`, `config.MAX_TURNS`): a per-deployment
    constant by the usual convention."""
    return bool(_CONSTANT.fullmatch(name.rsplit(".", 1)[-1]))


def volatile_by_name(name: str) -> str | None:
    """The word(s) of the name that make it volatile, or None."""
    if is_constant(name):
        return None
    parts = name_parts(name)
    if not parts or parts[-1] in STABLE_SUFFIXES:
        return None
    for i, part in enumerate(parts):
        before = parts[i - 1] if i > 0 else ""
        if part in VOLATILE_WORDS:
            return part
        if part in COMPOUNDS:
            return COMPOUNDS[part]
        if part in ID_WORDS and before in ID_OWNERS:
            return f"{before}_{part}"
        if part in PERSON_WORDS and before in PERSON_OWNERS:
            return f"{before}_{part}"
        if part == "at" and before in TIME_QUALIFIERS:
            return f"{before}_at"
        if (before, part) in DIRECTORY_PAIRS:
            return f"{before}_{part}"
    if parts[-1] in CONTEXT_NOUNS:
        return parts[-1]
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
