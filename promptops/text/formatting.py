"""Human formatting of money, tokens and rates, shared by the text and markdown views."""

from __future__ import annotations

import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def usd(value: Decimal | None, per_call: bool = False) -> str:
    """`$3,650.00` for monthly figures, `$0.003650` for per-call figures."""
    if value is None:
        return "—"
    if per_call:
        return f"${value.quantize(Decimal('0.000001'), ROUND_HALF_UP):,}"
    return f"${value.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def signed_usd(value: Decimal, per_call: bool = False) -> str:
    sign = "+" if value > 0 else "-" if value < 0 else "±"
    return f"{sign}{usd(abs(value), per_call)}"


def tokens(value: int) -> str:
    return f"{value:,}"


def signed_tokens(value: int) -> str:
    return f"{value:+,}" if value else "±0"


def pct(value: Decimal | float) -> str:
    return f"{Decimal(str(value)) * 100:.0f}%"


def calls(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}"


def use_color(stream: object = None) -> bool:
    """Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, color: str, enabled: bool) -> str:
    codes = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}
    if not enabled or color not in codes:
        return text
    return f"\033[{codes[color]}m{text}\033[0m"


# C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and
# isolates that reorder what a reader sees ("Trojan Source", CVE-2021-42574).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """Text from a repository made safe for a terminal: every control character but newline
    and tab, and every bidi override, shown as a visible `\\xNN` / `\\uNNNN` escape, so an
    ANSI sequence in a prompt or a file name cannot recolour, move the cursor or retitle the
    terminal. Our own colouring (`paint`) is added after, around already printable text."""
    return _UNPRINTABLE.sub(_visible, str(text))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_tree(value: Any) -> Any:
    """`printable` applied to every string (keys too) of a JSON-like tree: a report dict as
    the JSON views write it, made safe to render once, at the top of a text view."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_tree(k): printable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_tree(v) for v in value]
    return value


def short_repr(value: Any) -> str:
    """A value as a one-line excerpt (a charter change's before/after): containers elided,
    at most 60 characters."""
    text = (
        repr(value)
        if not isinstance(value, dict | list)
        else "{…}"
        if isinstance(value, dict)
        else "[…]"
    )
    return text if len(text) <= 60 else text[:59] + "…"
