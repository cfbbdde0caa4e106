"""The CLI explains itself: `promptops eval --help` shows the run options (issue 16, item 6),
`eval run` stays an alias, and every option of every command has help text."""

from __future__ import annotations

import click
import pytest

from promptops.cli import cli
from tests.support.cli import run_cli


def every_command(
    command: click.Command, path: str, ctx: click.Context
) -> list[tuple[str, click.Command]]:
    """(command path, command) for the whole tree, lazily imported subcommands included."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{path} {name} is listed but cannot be loaded"
            found += every_command(sub, f"{path} {name}", ctx)
    return found


COMMANDS = every_command(cli, "promptops", click.Context(cli, info_name="promptops"))


def test_the_tree_is_walked():
    paths = {path for path, _ in COMMANDS}
    assert {"promptops lint", "promptops eval", "promptops eval run", "promptops eval merge"} <= (
        paths
    )
    assert "promptops canary analyze" in paths and len(paths) > 20


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_every_option_has_help_text(path: str, command: click.Command):
    missing = [
        "/".join(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert missing == [], f"{path}: options without help text"


def test_eval_help_lists_the_run_options():
    result = run_cli(["eval", "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: promptops eval [OPTIONS] [SUITES]...")
    for option in ("--target", "--base-url", "--model", "--repeat", "--base", "--shard"):
        assert f"  {option} " in result.stdout, option
    assert "promptops eval merge" in result.stdout  # the subcommand is still discoverable
    short = run_cli(["eval", "-h"])
    assert short.returncode == 0 and short.stdout == result.stdout


def test_eval_run_is_an_alias_and_merge_keeps_its_own_help():
    alias = run_cli(["eval", "run", "--help"])
    assert alias.returncode == 0, alias.stderr
    assert alias.stdout == run_cli(["eval", "--help"]).stdout
    merge = run_cli(["eval", "merge", "--help"])
    assert merge.returncode == 0, merge.stderr
    assert merge.stdout.startswith("Usage: promptops eval merge [OPTIONS] FILES...")
    assert "--target" not in merge.stdout


@pytest.mark.parametrize("prefix", [["eval"], ["eval", "run"]])
def test_eval_options_are_checked_the_same_way_with_or_without_run(prefix: list[str]):
    result = run_cli([*prefix, "--target", "moon"])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "'moon' is not one of 'assigned', 'local'" in result.stderr
    assert "Traceback" not in result.stderr
