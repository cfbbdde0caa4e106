"""The one renderer table: (report kind, format) -> the function that renders it.

Commands parse options, call their service, then `emit(render(kind, fmt, report, ...), output)`
instead of each dispatching on the format itself. Targets are "module:function" strings resolved
on use, so importing this table (every command does) imports no renderer: `lint FILE` pays for
the one renderer it prints with, never for the HTML chart or the CycloneDX writer.

A renderer is called as `function(report, **options)` with only the options its entry names:
a command passes the same options whatever the format (`color`, `root`, …) and each renderer
takes the ones it uses. `auto` is never a format here: `resolve_format` turns it into one first.
Every target lies in `report/` or a layer below it (tests/test_report_table.py checks both that
and that every format a command offers resolves here).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

from promptops.errors import UserError


class Renderer(NamedTuple):
    """Where a renderer lives ("module:function") and the render options it takes."""

    target: str
    options: tuple[str, ...] = ()


_FINDINGS = "promptops.report.findings_text"
_VIEWS = "promptops.report.views"
_DIFF_TEXT = "promptops.report.diff_text:render_diff_text"
_DIFF_JSON = "promptops.report.diff_json:dumps"
_MARKDOWN = "promptops.report.markdown:render_markdown"

TABLE: dict[tuple[str, str], Renderer] = {
    # lint: the findings of the linted files
    ("lint", "text"): Renderer(f"{_VIEWS}:lint_text", ("files_checked", "color")),
    ("lint", "json"): Renderer(f"{_FINDINGS}:render_findings_json", ("files_checked",)),
    ("lint", "sarif"): Renderer("promptops.report.findings_sarif:render_findings_sarif", ("root",)),
    ("lint", "github"): Renderer(
        "promptops.report.findings_github:render_findings_github", ("root",)
    ),
    # validate: the schema and reference findings
    ("validate", "text"): Renderer(f"{_FINDINGS}:render_findings_text", ("files_checked",)),
    ("validate", "json"): Renderer(f"{_FINDINGS}:render_findings_json", ("files_checked",)),
    # check: the gate's report dict (check_report_dict)
    ("check", "text"): Renderer(_DIFF_TEXT, ("color",)),
    ("check", "json"): Renderer(_DIFF_JSON),
    ("check", "markdown"): Renderer(_MARKDOWN),
    ("check", "github"): Renderer(f"{_VIEWS}:check_github", ("root",)),
    ("check", "sarif"): Renderer(f"{_VIEWS}:check_sarif", ("findings", "root")),
    # diff: the diff report dict (diff_report_dict)
    ("diff", "text"): Renderer(_DIFF_TEXT, ("color",)),
    ("diff", "json"): Renderer(_DIFF_JSON),
    ("diff", "markdown"): Renderer(_MARKDOWN),
    # tokens: the estimate of the workspace
    ("tokens", "text"): Renderer(f"{_VIEWS}:tokens_text", ("invalid", "color")),
    ("tokens", "json"): Renderer(f"{_VIEWS}:tokens_json", ("invalid",)),
    # history: cost at every commit
    ("history", "text"): Renderer("promptops.report.history_text:render_text"),
    ("history", "json"): Renderer("promptops.report.history_text:render_json"),
    ("history", "html"): Renderer("promptops.report.history_chart:render_html"),
    ("history", "svg"): Renderer("promptops.report.history_chart:render_svg"),
    # mbom: the Model Bill of Materials (the order is the --format choices' order)
    ("mbom", "markdown"): Renderer("promptops.report.mbom_markdown:render_mbom_markdown"),
    ("mbom", "json"): Renderer("promptops.report.mbom_json:render_mbom_json"),
    ("mbom", "cyclonedx"): Renderer("promptops.report.mbom_cyclonedx:render_mbom_cyclonedx"),
    ("mbom", "html"): Renderer("promptops.report.mbom_html:render_mbom_html"),
    # calibrate: a calibration result and where its records came from
    ("calibrate", "text"): Renderer(f"{_VIEWS}:calibration_text", ("provenance",)),
    ("calibrate", "json"): Renderer(f"{_VIEWS}:calibration_json", ("provenance",)),
    # cascade: the break-even analysis
    ("cascade", "text"): Renderer("promptops.report.cascade_text:render_cascade_text", ("color",)),
    ("cascade", "json"): Renderer(f"{_VIEWS}:cascade_json"),
    # canary: a release's plan, a verdict, an edit (promote / rollback)
    ("canary plan", "text"): Renderer("promptops.report.canary_text:render_plan"),
    ("canary plan", "json"): Renderer(f"{_VIEWS}:canary_plan_json"),
    ("canary analyze", "text"): Renderer("promptops.report.canary_text:render_verdict"),
    ("canary analyze", "json"): Renderer(f"{_VIEWS}:canary_verdict_json", ("counters",)),
    ("canary edit", "text"): Renderer(
        f"{_VIEWS}:canary_edit_text", ("loaded", "action", "before", "dry_run")
    ),
    ("canary edit", "json"): Renderer(
        f"{_VIEWS}:canary_edit_json", ("loaded", "action", "before", "dry_run")
    ),
    # eval: a suite run (gated) and a contrast run (ablations, another model)
    ("eval", "text"): Renderer("promptops.report.eval_text:render_text", ("gated",)),
    ("eval", "json"): Renderer(f"{_VIEWS}:to_dict_json"),
    ("eval contrast", "text"): Renderer("promptops.evals.contrast:render_contrasts"),
    ("eval contrast", "json"): Renderer(f"{_VIEWS}:to_dict_json"),
    # rule: one rule's documentation, or the list of every rule
    ("rule", "text"): Renderer(f"{_VIEWS}:rule_text"),
    ("rule", "json"): Renderer(f"{_VIEWS}:rule_json"),
    ("rule list", "text"): Renderer(f"{_VIEWS}:rule_list_text"),
    ("rule list", "json"): Renderer(f"{_VIEWS}:rule_list_json"),
}

# The report kinds a command renders, where they are not just its path (`canary plan` renders
# "canary plan"): a command that offers --format must render each of its formats for each kind.
COMMAND_KINDS: dict[str, tuple[str, ...]] = {
    "canary promote": ("canary edit",),
    "canary rollback": ("canary edit",),
    "eval run": ("eval", "eval contrast"),
    "eval merge": ("eval",),
    "rule": ("rule", "rule list"),
}


class UnknownRenderer(UserError):
    """No renderer for a (kind, format) pair: a usage error naming the formats that exist."""


def kinds_of(command_path: str) -> tuple[str, ...]:
    """The report kinds the command at `command_path` ("canary plan") renders."""
    return COMMAND_KINDS.get(command_path, (command_path,))


def formats(kind: str) -> list[str]:
    """The formats a report kind renders to, in the table's order."""
    return [fmt for k, fmt in TABLE if k == kind]


def renderer_for(kind: str, fmt: str) -> Renderer:
    """The table entry for (kind, fmt), or a clear error naming what does exist."""
    entry = TABLE.get((kind, fmt))
    if entry is not None:
        return entry
    known = formats(kind)
    if not known:
        kinds = sorted({k for k, _ in TABLE})
        raise UnknownRenderer(f"no report kind {kind!r} (kinds: {', '.join(kinds)})")
    raise UnknownRenderer(
        f"no {fmt!r} renderer for the {kind} report (formats: {', '.join(known)})"
    )


def resolve(entry: Renderer) -> Callable[..., str]:
    """Import the entry's module (only now) and return its function."""
    module_name, _, attr = entry.target.partition(":")
    function: Callable[..., str] = getattr(importlib.import_module(module_name), attr)
    return function


def render(kind: str, fmt: str, report: Any, **options: Any) -> str:
    """Render `report` of `kind` in `fmt`, passing the renderer only the options it takes.

    An option no renderer of `kind` takes is a programming error (a misspelt name would
    otherwise be dropped silently), raised as TypeError."""
    entry = renderer_for(kind, fmt)
    taken = {name for (k, _), other in TABLE.items() if k == kind for name in other.options}
    unknown = sorted(set(options) - taken)
    if unknown:
        raise TypeError(f"no {kind} renderer takes the option(s) {', '.join(unknown)}")
    given = {name: options[name] for name in entry.options if name in options}
    return resolve(entry)(report, **given)
