"""`promptops lint`: every static rule, in the format CI, editors and pre-commit need."""

from __future__ import annotations

from pathlib import Path

import click

from promptops.commands.common import (
    config_for,
    config_option,
    emit,
    format_option,
    output_option,
    resolve_format,
    sarif_output_option,
)
from promptops.config import Config
from promptops.errors import EXIT_FINDINGS, EXIT_OK
from promptops.findings import Finding


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _lintable(paths: tuple[Path, ...], config: Config) -> list[Path]:
    """--force-exclude: drop named files the config excludes or that are not ours (the same
    `FileScope` as a repo-wide lint: a broken or misspelt document is kept and reported)."""
    from promptops.documents.workspace import FileScope, leaves_repo, read_text, relative_path
    from promptops.globs import matches

    scope = FileScope.of(config)
    kept = []
    for path in paths:
        if path.is_dir() or leaves_repo(config.root, path):  # a link out: reported, never read
            kept.append(path)
            continue
        rel = relative_path(path, config.root)
        if not matches(rel, config.paths) or matches(rel, config.exclude):
            continue
        text = read_text(path) if path.is_file() else None
        if text is None or scope.claims(rel, text) is None:
            continue
        kept.append(path)
    return kept


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
@format_option(["text", "json", "sarif", "github", "auto"])
@output_option
@sarif_output_option
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are error findings.")
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these rule codes or prefixes (comma-separated; replaces lint.select).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="CODES",
    help="Skip these rule codes or prefixes (comma-separated; replaces lint.ignore).",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply the config's paths/exclude to files named on the command line too, and skip "
    "named YAML files that are not promptops documents (what the pre-commit hook uses).",
)
def command(
    paths: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    sarif_output: Path | None,
    exit_zero: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    force_exclude: bool,
) -> int:
    """Lint prompts, tools and charters: cache layout, size, charter and schema rules.

    PATHS are files or folders to report on (default: the whole repo); the whole repo is
    always read for references and duplicate detection. Suppress a finding with
    `# promptops: disable=CODE` on its line or the line above, or a whole file with
    `# promptops: disable-file=CODE`. `promptops rule CODE` explains each rule. The rules that
    need a base ref (PO307, PO308, PO311) run in `promptops check`, through the same pipeline,
    config and suppressions.

    Exit codes: 0 no error findings (or --exit-zero), 1 error findings, 2 usage or config error.
    """
    from promptops.documents.workspace import load_workspace
    from promptops.lint.run import enabled_codes, lint_workspace, severity_overrides
    from promptops.pricing.table import PriceTable

    config = config_for(paths, config_file)
    if select:
        config.lint = {**config.lint, "select": _codes(select)}
    if ignore:
        config.lint = {**config.lint, "ignore": _codes(ignore)}
    enabled_codes(config.lint)  # a bad selector is a usage error even with nothing to lint
    severity_overrides(config.lint)
    named = not (force_exclude and paths)  # the hook's files were kept by `_lintable` already
    if force_exclude and paths:
        paths = tuple(_lintable(paths, config))
        if not paths:
            return _report([], 0, fmt, output, sarif_output, config.root, exit_zero)
    workspace = load_workspace(config, paths, named=named, models=PriceTable.from_config(config))
    findings = lint_workspace(workspace)
    checked = len(workspace.targets) if workspace.targets is not None else len(workspace.files)
    return _report(findings, checked, fmt, output, sarif_output, config.root, exit_zero)


def _report(
    findings: list[Finding],
    checked: int,
    fmt: str,
    output: Path | None,
    sarif_output: Path | None,
    root: Path,
    exit_zero: bool,
) -> int:
    from promptops.report.table import render

    options = {"files_checked": checked, "root": root, "color": None if output is None else False}
    if sarif_output is not None:
        emit(render("lint", "sarif", findings, **options), sarif_output)
    emit(render("lint", resolve_format(fmt), findings, **options), output)
    if exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(f.severity == "error" for f in findings) else EXIT_OK
