"""Locate data shipped with promptops: schemas and templates.

In a wheel they live inside the package (`promptops/schemas`); in a source checkout they are
the top-level `schemas/` and `templates/` folders beside the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    inside = _PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / name


@cache
def schemas_dir() -> Path:
    return _data_dir("schemas")


@cache
def templates_dir() -> Path:
    return _data_dir("templates")
