"""Click types for option values that must be sane numbers or URLs: a bad value is a usage
error (exit 2) before anything runs, never a hang (`--timeout nan`) or a traceback."""

from __future__ import annotations

import math
from typing import Any

import click

from promptops.errors import UserError

MAX_SECONDS = 24 * 3600.0


class Seconds(click.ParamType):
    """A finite number of seconds, > 0 and at most a day (`nan`, `inf`, `-1` are refused)."""

    name = "seconds"

    def __init__(self, maximum: float = MAX_SECONDS) -> None:
        self.maximum = maximum

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float) and math.isfinite(value) and 0 < value <= self.maximum:
            return value
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or not 0 < seconds <= self.maximum:
            self.fail(
                f"{value!r} must be more than 0 and at most {self.maximum:g} seconds", param, ctx
            )
        return seconds


class BaseUrl(click.ParamType):
    """An http:// or https:// URL with a host."""

    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from promptops.net.http import validate_base_url  # httpx: only when a URL is given

        try:
            return validate_base_url(str(value), "the URL")
        except UserError as exc:
            self.fail(exc.message, param, ctx)


SECONDS = Seconds()
BASE_URL = BaseUrl()
