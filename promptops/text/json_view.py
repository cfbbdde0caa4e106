"""The JSON view: the report model serialised, money as decimal strings, stable keys."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any


def decimal_str(value: Decimal) -> str:
    """A plain decimal string (never scientific notation), trailing zeros trimmed."""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def to_jsonable(value: Any) -> Any:
    """Dataclasses, tuples and Decimals to plain JSON values, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("total", "cached", "uncached", "written", "input"):
            attr = getattr(type(value), name, None)
            if isinstance(attr, property):
                data[name] = to_jsonable(getattr(value, name))
        return data
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, sort_keys=False) + "\n"
