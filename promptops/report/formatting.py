"""Human formatting of money, tokens and rates, shared by the text and markdown views."""

from __future__ import annotations

import os
import sys
from decimal import ROUND_HALF_UP, Decimal


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
