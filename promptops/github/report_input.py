"""Read the report a GitHub step publishes: a Markdown file as is, or a promptops JSON report.

This is the one place that couples the GitHub integration to the report renderers: a JSON
report is turned into Markdown by `promptops.report.markdown.render_markdown`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from promptops.errors import UserError


@dataclass(frozen=True)
class ReportInput:
    """The Markdown to publish and, for a JSON report, the report itself."""

    markdown: str
    data: dict | list | None


def read_report(path: str | Path) -> ReportInput:
    """Load FILE; JSON when it parses as a JSON object or array, Markdown otherwise."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("report file not found", path=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the report: {exc}", path=str(file)) from None
    stripped = text.lstrip("\ufeff \t\r\n")
    looks_json = file.suffix.lower() == ".json" or stripped[:1] in ("{", "[")
    if not looks_json:
        if not stripped:
            raise UserError("the report is empty", path=str(file))
        return ReportInput(text, None)
    try:
        data = json.loads(stripped)
    except ValueError as exc:
        if file.suffix.lower() == ".json":
            raise UserError(f"the report is not valid JSON: {exc}", path=str(file)) from None
        return ReportInput(text, None)
    if not isinstance(data, dict | list):
        raise UserError("the JSON report must be an object or an array", path=str(file))
    return ReportInput(render_report_markdown(data), data)


def render_report_markdown(data: dict | list) -> str:
    """Markdown for a JSON report (lint findings arrays are wrapped as `{"findings": [...]}`)."""
    from promptops.report.markdown import render_markdown  # lazy: renderers are heavy

    report = data if isinstance(data, dict) else {"findings": data}
    return render_markdown(report)
