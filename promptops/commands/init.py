"""`promptops init`: scaffold a small working repo from the bundled templates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click

from promptops import __version__, _release
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

ACTION = "promptops/promptops"
ACTION_LINE = re.compile(rf"^(?P<lead>\s*(?:-\s+)?uses:\s*){re.escape(ACTION)}@\S+(?:\s+#.*)?$")
REV_LINE = re.compile(r"^(?P<lead>\s*rev:\s*)v\d+\.\d+\.\d+\S*(?P<rest>.*)$")


def release_tag() -> str:
    """The tag of the installed version: what the release workflow creates for it."""
    return f"v{__version__}"


def action_pin() -> str:
    """`uses:` value and comment for the promptops Action of the installed version.

    A release build knows its tag's commit (promptops/_release.py) and pins it, as every other
    action is pinned; a development install cannot know a SHA that does not exist yet, so it
    names the tag and says how to pin it.
    """
    tag = release_tag()
    if tag == _release.TAG and _release.COMMIT:
        return f"{ACTION}@{_release.COMMIT} # {tag}"
    return (
        f"{ACTION}@{tag} # {tag}: pin its commit SHA "
        f"(git ls-remote https://github.com/{ACTION} {tag})"
    )


def pin_versions(text: str) -> str:
    """The template text with the Action and the pre-commit hook pinned to the installed
    version (the templates name the current version already; a release pins the SHA)."""
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        if match := ACTION_LINE.match(body):
            body = match["lead"] + action_pin()
        elif match := REV_LINE.match(body):
            body = match["lead"] + release_tag() + match["rest"]
        lines.append(body + end)
    return "".join(lines)


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
        if src.name in ("workflow.yml", "pre-commit-config.yaml"):
            dst.write_text(pin_versions(src.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(src, dst)
        click.echo(f"created {dst}")
    click.echo("\nNext: promptops validate && promptops tokens && promptops lint")
    return EXIT_OK
