"""String assertions: equals, contains, icontains, starts-with, regex, contains-any/-all."""

from __future__ import annotations

import json
import re
from typing import Any

from promptops.evals.assertions.base import (
    Check,
    CheckContext,
    Observation,
    Verdict,
    Where,
    require_value,
)


def _short(text: str, limit: int = 80) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_equals(spec: dict[str, Any], where: Where) -> Check:
    """Exact match; a mapping or list `value` is compared with the answer parsed as JSON."""
    if "value" not in spec:
        raise where.error("assertion 'equals' needs a `value`")
    expected = spec["value"]
    if isinstance(expected, dict | list):

        def check_json(obs: Observation, ctx: CheckContext) -> Verdict:
            try:
                actual = json.loads(obs.text)
            except ValueError:
                return Verdict(False, "answer is not JSON")
            return Verdict(actual == expected, "" if actual == expected else "JSON differs")

        return check_json
    wanted = str(expected)

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        ok = obs.text == wanted
        return Verdict(ok, "" if ok else f"expected {_short(wanted)!r}, got {_short(obs.text)!r}")

    return check


def _substring(ignore_case: bool):
    def build(spec: dict[str, Any], where: Where) -> Check:
        needle = str(require_value(spec, where, (str, int, float)))
        wanted = needle.lower() if ignore_case else needle

        def check(obs: Observation, ctx: CheckContext) -> Verdict:
            haystack = obs.text.lower() if ignore_case else obs.text
            ok = wanted in haystack
            return Verdict(ok, f"{'found' if ok else 'did not find'} {_short(needle)!r}")

        return check

    return build


def _any_all(ignore_case: bool, need_all: bool):
    def build(spec: dict[str, Any], where: Where) -> Check:
        needles = [str(item) for item in require_value(spec, where, list)]
        wanted = [n.lower() for n in needles] if ignore_case else needles

        def check(obs: Observation, ctx: CheckContext) -> Verdict:
            haystack = obs.text.lower() if ignore_case else obs.text
            found = [n for n, w in zip(needles, wanted, strict=True) if w in haystack]
            ok = len(found) == len(needles) if need_all else bool(found)
            missing = [n for n in needles if n not in found]
            return Verdict(ok, f"found {found!r}, missing {missing!r}")

        return check

    return build


def build_starts_with(spec: dict[str, Any], where: Where) -> Check:
    prefix = str(require_value(spec, where, (str, int, float)))

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        ok = obs.text.startswith(prefix)
        return Verdict(ok, "" if ok else f"answer starts with {_short(obs.text, 40)!r}")

    return check


def build_regex(spec: dict[str, Any], where: Where) -> Check:
    """`value` is a Python regular expression searched anywhere in the answer;
    `flags` may hold any of `i` (ignore case), `m` (multiline), `s` (dot matches newline)."""
    pattern = require_value(spec, where, str)
    flags = 0
    for letter in str(spec.get("flags", "")):
        flag = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}.get(letter)
        if flag is None:
            raise where.error(f"unknown regex flag {letter!r} (use i, m, s)")
        flags |= flag
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise where.error(f"invalid regex {pattern!r}: {exc}") from exc

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        match = compiled.search(obs.text)
        return Verdict(match is not None, f"matched {match.group(0)!r}" if match else "no match")

    return check


BUILDERS = {
    "equals": build_equals,
    "contains": _substring(ignore_case=False),
    "icontains": _substring(ignore_case=True),
    "contains-any": _any_all(ignore_case=False, need_all=False),
    "contains-all": _any_all(ignore_case=False, need_all=True),
    "icontains-any": _any_all(ignore_case=True, need_all=False),
    "icontains-all": _any_all(ignore_case=True, need_all=True),
    "starts-with": build_starts_with,
    "regex": build_regex,
}
