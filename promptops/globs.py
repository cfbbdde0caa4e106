"""Glob patterns with `**`, as users write them in `paths` and `exclude`."""

from __future__ import annotations

import re
from functools import cache


@cache
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob (`**` spans folders, `*` and `?` stay within one) to a regex."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


@cache
def any_glob(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching a path any of `patterns` matches (a repo walk tests every file
    against `paths` and `exclude`: one match per list, not one per pattern)."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{glob_to_regex(p).pattern})" for p in patterns))


def matches(path: str, patterns: list[str]) -> bool:
    return any_glob(tuple(patterns)).match(path) is not None
