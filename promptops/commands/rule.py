"""`promptops rule CODE`: a rule's documentation, offline; `--list` for all of them."""

from __future__ import annotations

import click

from promptops.commands.common import emit
from promptops.errors import EXIT_OK, UserError


@click.command()
@click.argument("code", required=False)
@click.option("--list", "list_rules", is_flag=True, help="List every rule with its default.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def command(code: str | None, list_rules: bool, fmt: str) -> int:
    """Explain rule CODE (e.g. PO101 or variable-in-cached-prefix): what it catches, why it
    costs money, the fix, and an example before and after."""
    from promptops.lint import rules
    from promptops.report.table import render

    if list_rules or code is None:
        if not list_rules:
            raise UserError("give a rule code (e.g. `promptops rule PO101`) or --list")
        emit(render("rule list", fmt, rules.RULES), None)
        return EXIT_OK
    emit(render("rule", fmt, rules.get(code)), None)
    return EXIT_OK
