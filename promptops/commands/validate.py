"""`promptops validate`: schema-validate documents and resolve their references."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_for, config_option, emit, format_option, output_option
from promptops.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@format_option(["text", "json"])
@output_option
def command(
    paths: tuple[Path, ...], config_file: Path | None, fmt: str, output: Path | None
) -> int:
    """Validate documents against their JSON Schemas and resolve references.

    PATHS are files or folders (default: the whole repo). Each problem is reported with
    file:line:column; exit 1 when any is found.
    """
    from promptops.documents.workspace import load_workspace
    from promptops.pricing.table import PriceTable
    from promptops.report.table import render

    config = config_for(paths, config_file)
    workspace = load_workspace(config, paths, models=PriceTable.from_config(config))
    findings = [f for f in workspace.findings if workspace.is_target(f.path)]
    checked = len(workspace.targets) if workspace.targets is not None else len(workspace.files)
    emit(render("validate", fmt, findings, files_checked=checked), output)
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK
