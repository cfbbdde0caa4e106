"""`promptops init`: scaffold a small working repo from the bundled templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from promptops.errors import EXIT_OK, UserError
from promptops.resources import templates_dir

# template file -> where it goes in the new repo
SCAFFOLD = {
    "promptops.yaml": "promptops.yaml",
    "charter.yaml": "charters/assistant.yaml",
    "prompt.yaml": "prompts/assistant.yaml",
    "tool.yaml": "tools/lookup_order.yaml",
    "eval.yaml": "evals/assistant.yaml",
    "release.yaml": "releases/assistant.yaml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "workflow.yml": ".github/workflows/promptops.yml",
}


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def command(directory: Path, force: bool) -> int:
    """Write a small working promptops repo into DIRECTORY (default: here): a charter, a prompt,
    a tool, an eval suite, a release, promptops.yaml, a pre-commit config and a GitHub workflow.

    Existing files are never overwritten unless --force is given.
    """
    source = templates_dir()
    planned = [(source / name, directory / target) for name, target in SCAFFOLD.items()]
    missing = [str(src) for src, _ in planned if not src.is_file()]
    if missing:
        raise UserError(f"promptops installation is missing templates: {', '.join(missing)}")
    clashes = [str(dst) for _, dst in planned if dst.exists()]
    if clashes and not force:
        raise UserError("refusing to overwrite existing files (use --force): " + ", ".join(clashes))
    for src, dst in planned:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        click.echo(f"created {dst}")
    click.echo("\nNext: promptops validate && promptops tokens && promptops lint")
    return EXIT_OK
