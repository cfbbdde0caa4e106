"""The thin command line.

Each command lives in `promptops/commands/<name>.py` and is imported only when it runs, so
`promptops --help` and the pre-commit path stay fast. Errors are mapped to exit codes here and
nowhere else: UserError -> 2, ProviderUnreachable -> 3; commands return their own exit code.
"""

from __future__ import annotations

import importlib
import sys

import click

from promptops import __version__
from promptops.errors import EXIT_USAGE, PromptopsError

# name -> "module:attribute" of a click command; one line per command.
COMMANDS: dict[str, str] = {
    "init": "promptops.commands.init:command",
    "validate": "promptops.commands.validate:command",
    "tokens": "promptops.commands.tokens:command",
    "render": "promptops.commands.render:command",
    "config": "promptops.commands.config:command",
    "comment": "promptops.commands.comment:command",
    "eval": "promptops.commands.eval:command",
    "mbom": "promptops.commands.mbom:command",
    "cascade": "promptops.commands.cascade:command",
    "canary": "promptops.commands.canary:command",
    "bundle": "promptops.commands.bundle:command",
    "diff": "promptops.commands.diff:command",
    "check": "promptops.commands.check:command",
    "lint": "promptops.commands.lint:command",
    "rule": "promptops.commands.rule:command",
    "cache": "promptops.commands.cache:command",
    "calibrate": "promptops.commands.calibrate:command",
    "codeowners": "promptops.commands.codeowners:command",
    "history": "promptops.commands.history:command",
}

# Short help shown by `promptops --help` without importing any command module.
SUMMARIES: dict[str, str] = {
    "init": "Scaffold a working promptops repo from templates.",
    "validate": "Schema-validate documents and resolve references.",
    "tokens": "Tokens per prompt part, cost per call and per month.",
    "render": "Print the exact Anthropic Messages API request for a prompt.",
    "config": "Print the resolved configuration.",
    "comment": "Create or update the one sticky pull request comment.",
    "eval": "Run eval suites on head and base, gate on quality and cost.",
    "mbom": "Model Bill of Materials: workloads, models, owners, budgets, costs.",
    "cascade": "Break-even of a Haiku → Sonnet → Opus cascade against flat Sonnet.",
    "canary": "Canary releases of prompt versions: plan, analyze, promote, rollback, sql.",
    "bundle": "Resolve released prompt versions from git into one deployable JSON bundle.",
    "diff": "Token and cost impact of a change between two git refs.",
    "check": "The merge gate: lint + diff + charter budgets; exit 1 on a blocking breach.",
    "lint": "Lint prompts, tools and charters (cache, size, charter rules).",
    "rule": "Explain a lint rule: what it catches, why it costs, the fix.",
    "cache": "Warm, locate or clear the cache that makes repeat runs read only changes.",
    "calibrate": "A charter's assumptions against production telemetry, with each gap's money.",
    "codeowners": "CODEOWNERS lines giving each charter and its prompts to its signers.",
    "history": "Cost per prompt and workload at every commit that changed them (text, chart).",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="promptops")
def cli() -> None:
    """Prompt-as-Code: lint, price, gate and release LLM prompts kept in git.

    Exit codes: 0 clean, 1 findings/gate failed/rollback, 2 usage or config
    error, 3 a model provider could not be reached.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map every outcome to one exit code."""
    try:
        code = cli.main(args=argv, prog_name="promptops", standalone_mode=False)
    except PromptopsError as exc:
        click.echo(f"promptops: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("promptops: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)
