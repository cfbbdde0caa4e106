"""Text and JSON views of findings (lint, validate): grouped by file, summary line last.
Paths and messages quote documents, so the text view makes them `printable`."""

from __future__ import annotations

import json
from itertools import groupby

from promptops.findings import Finding, sort_findings
from promptops.text.formatting import paint, printable, use_color

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def summary_line(findings: list[Finding], files_checked: int) -> str:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    if not findings:
        return f"All clean: {files_checked} file{'s' if files_checked != 1 else ''} checked."
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    return f"Found {', '.join(parts)} in {files_checked} file{'s' if files_checked != 1 else ''} checked."


def render_findings_text(
    findings: list[Finding], files_checked: int, color: bool | None = None
) -> str:
    color = use_color() if color is None else color
    lines = []
    for path, group in groupby(sort_findings(findings), key=lambda f: f.path):
        lines.append(paint(printable(path), "bold", color))
        for f in group:
            where = f"{f.line}:{f.column}".ljust(8)
            severity = paint(f.severity.ljust(7), _COLORS.get(f.severity, "bold"), color)
            lines.append(f"  {where} {severity} {printable(f.code)}  {printable(f.message)}")
        lines.append("")
    lines.append(summary_line(findings, files_checked))
    return "\n".join(lines) + "\n"


def render_findings_json(findings: list[Finding], files_checked: int) -> str:
    body = {
        "schema_version": 2,
        "files_checked": files_checked,
        "summary": {
            s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")
        },
        "findings": [f.to_dict() for f in sort_findings(findings)],
    }
    return json.dumps(body, indent=2) + "\n"
