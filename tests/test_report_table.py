"""The one renderer table: every format a command offers renders, and nothing else is listed.

Walks the real click commands (through the CLI's lazy group), so adding a `--format` choice
without registering its renderer fails here, as does a table entry no command can reach.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import click
import pytest

from promptops.cli import cli
from promptops.report import table
from promptops.report.table import UnknownRenderer, kinds_of, render, renderer_for, resolve
from tests.support.cli import REPO_ROOT

# `auto` is resolved to a real format (`resolve_format`) before anything is rendered.
RESOLVED_BEFORE_RENDERING = {"auto"}
# Layers a renderer may not live in: the table is in report/, which imports only downwards.
ABOVE_REPORT = {"cli", "__main__", "commands", "action"}


def _commands() -> list[tuple[str, click.Command]]:
    """(path without "promptops", command) for every command and subcommand."""
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            if isinstance(command, click.Group):
                walk(path, command)

    walk("", cli)
    return found


def _offered() -> dict[str, list[str]]:
    """Command path -> the formats its --format option offers (commands without one left out)."""
    offered: dict[str, list[str]] = {}
    for path, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option) and "--format" in param.opts:
                assert isinstance(param.type, click.Choice), path
                offered[path] = [str(c) for c in param.type.choices]
    return offered


def test_the_walk_sees_the_commands_that_offer_formats() -> None:
    offered = _offered()
    for path in (
        "lint",
        "check",
        "diff",
        "tokens",
        "mbom",
        "history",
        "canary analyze",
        "eval run",
    ):
        assert path in offered, sorted(offered)
    assert offered["mbom"] == ["markdown", "json", "cyclonedx", "html"]


def test_every_offered_format_resolves_in_the_table() -> None:
    missing = []
    for path, choices in _offered().items():
        for kind in kinds_of(path):
            for fmt in choices:
                if fmt in RESOLVED_BEFORE_RENDERING:
                    continue
                try:
                    function = resolve(renderer_for(kind, fmt))
                except UnknownRenderer:
                    missing.append(f"{path}: ({kind!r}, {fmt!r})")
                    continue
                assert callable(function), (kind, fmt)
    assert not missing, "formats offered without a renderer: " + "; ".join(missing)


def test_every_table_entry_is_offered_by_a_command() -> None:
    reachable = {
        (kind, fmt)
        for path, choices in _offered().items()
        for kind in kinds_of(path)
        for fmt in choices
    }
    assert set(table.TABLE) - reachable == set()


@pytest.mark.parametrize("pair", sorted(table.TABLE))
def test_each_renderer_takes_the_report_and_its_declared_options(pair: tuple[str, str]) -> None:
    entry = table.TABLE[pair]
    parameters = list(inspect.signature(resolve(entry)).parameters.values())
    assert parameters, pair  # the report
    names = {p.name for p in parameters[1:]}
    assert set(entry.options) <= names, f"{pair} declares options its function lacks"
    required = {
        p.name
        for p in parameters[1:]
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    assert required <= set(entry.options), f"{pair} needs {required - set(entry.options)}"


@pytest.mark.parametrize("pair", sorted(table.TABLE))
def test_renderers_live_in_report_or_below(pair: tuple[str, str]) -> None:
    module = table.TABLE[pair].target.partition(":")[0]
    assert module.startswith("promptops."), module
    assert module.split(".")[1] not in ABOVE_REPORT, module


def test_a_missing_pair_is_a_clear_usage_error() -> None:
    with pytest.raises(
        UnknownRenderer,
        match=r"no 'html' renderer for the diff report \(formats: text, json, markdown\)",
    ):
        render("diff", "html", {})
    with pytest.raises(UnknownRenderer, match=r"no report kind 'invoice'"):
        render("invoice", "text", {})
    assert UnknownRenderer("x").exit_code == 2


def test_a_misspelt_option_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        render("lint", "json", [], files_checked=0, colour=False)


def test_render_passes_each_renderer_only_its_options() -> None:
    # The command passes the same options whatever the format; json takes only files_checked.
    text = render("lint", "json", [], files_checked=3, root=None, color=False)
    assert '"files_checked": 3' in text
    assert render("lint", "text", [], files_checked=1, root=None, color=False) == (
        "All clean: 1 file checked.\n"
    )


PROBE = """
import sys
from promptops.report.table import render
before = sorted(m for m in sys.modules if m.startswith("promptops.") and m not in {loaded!r})
render("lint", "json", [], files_checked=0)
after = sorted(m for m in sys.modules if m.startswith(("promptops.report.", "promptops.mbom", "promptops.history", "promptops.canary", "promptops.evals")))
print("BEFORE=" + ",".join(before))
print("AFTER=" + ",".join(after))
"""


def test_the_table_imports_a_renderer_only_when_it_renders() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(loaded=["promptops.report.table"])],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    # Importing the table pulls in the package, the errors and nothing that renders.
    assert set(lines["BEFORE"].split(",")) <= {"promptops.report", "promptops.errors"}
    assert lines["AFTER"].split(",") == [
        "promptops.report.findings_text",
        "promptops.report.table",
    ]
