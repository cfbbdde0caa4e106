"""The "why" of a prompt change: a compact diff of its text with tokens per hunk.

The prompt is viewed as the text a model sees, in prefix order, with a header line per segment
that names its part and any cache breakpoint, so that moving a variable across a breakpoint
shows up as a hunk. Token counts are of the template text (variables as written).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from promptops.diff.model import Hunk
from promptops.render import cache_ttl, segments

CONTEXT_LINES = 1
LONG_LINE = 160  # longer lines are shown around what changed only
ELIDE_CONTEXT = 40
SETTINGS = ("model", "workload", "max_output_tokens", "temperature", "tool_cache", "tools")


def prompt_text_lines(prompt: dict[str, Any]) -> list[str]:
    """The prompt's text in prefix order, one header line per segment."""
    lines: list[str] = []
    system = prompt.get("system")
    for i, seg in enumerate(segments(system)):
        ttl = cache_ttl(seg.get("cache"))
        lines.append(f"## system[{i}]" + (f"  ── cache breakpoint ({ttl}) after" if ttl else ""))
        lines.extend(str(seg.get("text", "")).splitlines() or [""])
    for m, message in enumerate(prompt.get("messages") or []):
        for i, seg in enumerate(segments(message.get("content"))):
            ttl = cache_ttl(seg.get("cache"))
            header = f"## messages[{m}] {message.get('role', 'user')} [{i}]"
            lines.append(header + (f"  ── cache breakpoint ({ttl}) after" if ttl else ""))
            lines.extend(str(seg.get("text", "")).splitlines() or [""])
    return lines


def text_hunks(
    base: dict[str, Any] | None, head: dict[str, Any] | None, count: Callable[[str], int]
) -> list[Hunk]:
    """Unified hunks between two prompts' text, each with the tokens it adds and removes."""
    old = prompt_text_lines(base) if base else []
    new = prompt_text_lines(head) if head else []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        lines: list[str] = []
        added: list[str] = []
        removed: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                lines.extend("-" + line for line in old[i1:i2])
                removed.extend(line for line in old[i1:i2] if not line.startswith("## "))
            if tag in ("replace", "insert"):
                lines.extend("+" + line for line in new[j1:j2])
                added.extend(line for line in new[j1:j2] if not line.startswith("## "))
        first = group[0]
        section = _section_at(new if new else old, first[3] if new else first[1])
        hunks.append(
            Hunk(
                section=section,
                lines=tuple(compact_lines(lines)),
                tokens_added=count("\n".join(added)) if added else 0,
                tokens_removed=count("\n".join(removed)) if removed else 0,
            )
        )
    return hunks


def _section_at(lines: list[str], index: int) -> str:
    for line in reversed(lines[: index + 1]):
        if line.startswith("## "):
            return line[3:].split("  ──")[0]
    return "prompt"


def settings_changes(base: dict[str, Any] | None, head: dict[str, Any] | None) -> list[str]:
    """Changed settings that move cost, as `name: old → new`."""
    if not base or not head:
        return []
    changes = []
    for key in SETTINGS:
        if base.get(key) != head.get(key):
            changes.append(f"{key}: {_show(base.get(key))} → {_show(head.get(key))}")
    old_thinking = (base.get("thinking") or {}).get("budget_tokens")
    new_thinking = (head.get("thinking") or {}).get("budget_tokens")
    if old_thinking != new_thinking:
        changes.append(f"thinking.budget_tokens: {_show(old_thinking)} → {_show(new_thinking)}")
    return changes


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _elide(line: str, start: int, end: int) -> str:
    """Keep line[start:end] plus some context, marking what was cut with an ellipsis."""
    lo = max(start - ELIDE_CONTEXT, 1)
    hi = min(end + ELIDE_CONTEXT, len(line))
    return line[0] + ("…" if lo > 1 else "") + line[lo:hi] + ("…" if hi < len(line) else "")


def compact_lines(lines: list[str]) -> list[str]:
    """Shorten long lines: a changed pair shows only where it differs, others are clipped."""
    out = list(lines)
    i = 0
    while i < len(out) - 1:
        old, new = out[i], out[i + 1]
        if old.startswith("-") and new.startswith("+") and max(len(old), len(new)) > LONG_LINE:
            a, b = old[1:], new[1:]
            prefix = 0
            while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
                prefix += 1
            suffix = 0
            while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
                suffix += 1
            out[i] = _elide(old, prefix + 1, len(old) - suffix)
            out[i + 1] = _elide(new, prefix + 1, len(new) - suffix)
            i += 2
            continue
        i += 1
    return [line if len(line) <= LONG_LINE + 2 else line[: LONG_LINE + 1] + "…" for line in out]
