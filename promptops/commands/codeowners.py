"""`promptops codeowners`: CODEOWNERS lines mapping charters and their prompts to signers."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import config_option, emit, output_option
from promptops.errors import EXIT_OK


@click.command()
@config_option
@output_option
def command(config_file: Path | None, output: Path | None) -> int:
    """Print CODEOWNERS lines giving each charter and the prompts of its workload to the
    charter's signers.

    Signers are read for GitHub handles (`@login`, `@org/team`) written beside their names, e.g.
    `finance: Helen Cho @hcho`. Paths are relative to the git root (a config in a subfolder is
    accounted for). Append the output to .github/CODEOWNERS and enable "Require review from Code
    Owners" in branch protection.
    """
    from promptops.config import load_config
    from promptops.documents.workspace import load_workspace
    from promptops.governance.codeowners import codeowners_lines
    from promptops.pricing.table import PriceTable

    config = load_config(config_file=config_file)
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    prefix = _prefix(config.root)
    emit("\n".join(codeowners_lines(workspace, prefix)) + "\n", output)
    return EXIT_OK


def _prefix(root: Path) -> str:
    """The config root relative to the git root ("" at the top), found without running git."""
    here = root.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            relative = here.relative_to(folder).as_posix()
            return "" if relative == "." else relative + "/"
    return ""
