"""Options and helpers shared by commands: config loading, output routing, formats."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from promptops.config import Config, load_config

config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file (default: discover promptops.yaml or [tool.promptops]).",
)
output_option = click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)

sarif_output_option = click.option(
    "--sarif-output",
    "sarif_output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the findings as SARIF 2.1.0 here (for code scanning), from the same run.",
)


def format_option(choices: list[str], default: str = "text") -> Callable[[Any], Any]:
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        envvar="PROMPTOPS_FORMAT",
        help="Output format"
        + (" (auto: github under GitHub Actions, else text)." if "auto" in choices else "."),
    )


def resolve_format(fmt: str) -> str:
    if fmt != "auto":
        return fmt
    if os.environ.get("GITHUB_ACTIONS") == "true" and os.environ.get("GITHUB_WORKFLOW"):
        return "github"
    return "text"


def config_for(paths: tuple[Path, ...] | list[Path], config_file: Path | None) -> Config:
    """Discover the config from the first path given (or the current directory)."""
    start = None
    if paths:
        first = Path(paths[0])
        start = first if first.is_dir() else first.parent
        if not first.exists():
            start = None
    return load_config(start=start, config_file=config_file)


def emit(text: str, output: Path | str | None) -> None:
    """Write to --output or standard output; an unwritable path is exit 2.

    The file is written atomically with the umask's permissions (`output_file`)."""
    if output is None or output == "":
        sys.stdout.write(text)
        return
    from promptops.errors import UserError
    from promptops.output_file import write_output_file

    try:
        write_output_file(Path(output), text)
    except OSError as exc:
        raise UserError(f"cannot write: {exc.strerror or exc}", path=str(output)) from None
