"""`promptops render`: the exact Anthropic Messages API request body for a prompt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from promptops.commands.common import config_for, config_option, emit, output_option
from promptops.errors import EXIT_OK, UserError


def _read_vars(path: Path) -> dict[str, Any]:
    from promptops.parsing.yaml_source import YamlError, load_values

    try:
        data = load_values(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"variables file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read variables file: {exc}", str(path)) from None
    except YamlError as exc:
        raise UserError(
            f"invalid YAML/JSON in variables file: {exc.problem.message}",
            str(path),
            exc.problem.line,
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError("the variables file must hold a mapping of name: value", str(path), 1)
    return data


@click.command()
@click.argument("prompt")
@click.option(
    "--vars",
    "vars_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML or JSON file of variable values.",
)
@click.option(
    "--var",
    "var_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A variable value (repeatable; wins over --vars).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail when a variable has no value instead of using a placeholder.",
)
@config_option
@output_option
def command(
    prompt: str,
    vars_file: Path | None,
    var_pairs: tuple[str, ...],
    strict: bool,
    config_file: Path | None,
    output: Path | None,
) -> int:
    """Print the Messages API request body for PROMPT (a prompt id or a prompt file).

    Tools come first, then system blocks, then messages, with `cache_control` exactly where the
    prompt's breakpoints fall. Variables without a value stand in as their `example`, or as a
    placeholder of their `expected_tokens` size (a note on stderr lists them).
    """
    from promptops.documents.workspace import load_workspace
    from promptops.pricing.table import PriceTable
    from promptops.render import layout

    as_path = Path(prompt)
    config = config_for([as_path] if as_path.is_file() else [], config_file)
    workspace = load_workspace(
        config,
        [as_path] if as_path.is_file() else None,
        models=PriceTable.from_config(config),
    )
    doc = None
    if as_path.is_file():
        targets = [d for d in workspace.documents if workspace.is_target(d.path)]
        doc = targets[0] if targets else None
    else:
        doc = workspace.get("prompt", prompt)
    if doc is None or doc.kind != "prompt":
        known = ", ".join(sorted(d.id for d in workspace.of_kind("prompt"))) or "none"
        raise UserError(f"no prompt {prompt!r} (prompts found: {known})")
    problems = [f for f in workspace.findings if f.path == doc.path and f.severity == "error"]
    if problems or not doc.valid:
        first = problems[0]
        raise UserError(f"{first.message} (run `promptops validate`)", first.path, first.line)

    values: dict[str, Any] = _read_vars(vars_file) if vars_file else {}
    for pair in var_pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UserError(f"--var expects NAME=VALUE, got {pair!r}")
        values[name] = value
    rendered = layout(doc.data, workspace.tools_for(doc), values, strict=strict, use_examples=True)
    if rendered.placeholders:
        click.echo(
            "promptops: note: placeholders stand in for: " + ", ".join(rendered.placeholders),
            err=True,
        )
    emit(json.dumps(rendered.request, indent=2, ensure_ascii=False) + "\n", output)
    return EXIT_OK
