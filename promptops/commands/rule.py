"""`promptops rule CODE`: a rule's documentation, offline; `--list` for all of them."""

from __future__ import annotations

import textwrap

import click

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
    from promptops.findings import rule_url
    from promptops.lint import rules

    if list_rules or code is None:
        if not list_rules:
            raise UserError("give a rule code (e.g. `promptops rule PO101`) or --list")
        if fmt == "json":
            import json

            rows = [
                {
                    "code": c,
                    "name": m.NAME,
                    "severity": m.SEVERITY,
                    "source": m.SOURCE,
                    "summary": rules.summary(m),
                    "url": rule_url(c),
                }
                for c, m in rules.RULES.items()
            ]
            click.echo(json.dumps(rows, indent=2))
            return EXIT_OK
        for c, m in rules.RULES.items():
            where = "" if m.SOURCE in ("lint", "load", "suppressions") else "[diff/check]"
            click.echo(f"{c}  {m.NAME:<32} {m.SEVERITY:<8} {where}".rstrip())
        return EXIT_OK
    module = rules.get(code)
    doc = textwrap.dedent(module.__doc__ or "").strip()
    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "code": module.CODE,
                    "name": module.NAME,
                    "severity": module.SEVERITY,
                    "source": module.SOURCE,
                    "summary": rules.summary(module),
                    "documentation": doc,
                    "url": rule_url(module.CODE),
                },
                indent=2,
            )
        )
        return EXIT_OK
    click.echo(f"{module.CODE} {module.NAME} (default severity: {module.SEVERITY})\n")
    click.echo(doc)
    click.echo(
        f"\nConfigure: lint.select / lint.ignore / lint.severity.{module.CODE} in promptops.yaml"
    )
    click.echo(f"Online: {rule_url(module.CODE)}")
    return EXIT_OK
