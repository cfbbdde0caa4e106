"""`promptops bundle`: the deployable JSON of every prompt version the releases reference."""

from __future__ import annotations

import json
from pathlib import Path

import click

from promptops.commands.common import emit
from promptops.errors import EXIT_OK


@click.command(name="bundle")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The git repository holding the prompts and releases.",
)
@click.option(
    "--release",
    "releases",
    multiple=True,
    help="Only this release id (repeatable; default: every release).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the bundle here (default: stdout).",
)
def command(repo: Path, releases: tuple[str, ...], output: Path | None) -> int:
    """Resolve every prompt version the releases reference from git history into one JSON file.

    A version must name exactly one content: one that never existed, or that history holds
    with two contents (an unbumped commit merged without squash), is refused with exit 1,
    naming the commits (`promptops lint` reports the same as PO310). Applications load the
    bundle with `promptops.runtime.Runtime.from_bundle(PATH)`.
    """
    from promptops.canary.bundle import build_bundle

    text = json.dumps(build_bundle(repo, releases), indent=2, ensure_ascii=False) + "\n"
    emit(text, output)
    return EXIT_OK
