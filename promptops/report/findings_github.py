"""GitHub Actions workflow-command annotations for findings.

`::error file=…,line=…,endLine=…,col=…,endColumn=…,title=PO101 variable-in-cached-prefix::…`,
escaped exactly as actions/toolkit does (`escapeData` for the message, `escapeProperty` for
parameters), most severe first: GitHub shows only 10 annotations per severity per step and 50
per job, so the ones that fail the build must come first.
"""

from __future__ import annotations

from promptops.findings import SEVERITY_RANK, Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str) -> str:
    listed = [f"{key}={escape_property(value)}" for key, value in properties.items()]
    context = f" {','.join(listed)}" if listed else ""
    return f"::{command}{context}::{escape_data(message)}"


def _title(code: str) -> str:
    from promptops.lint import rules

    module = rules.RULES.get(code)
    return f"{code} {module.NAME}" if module else code


def render_findings_github(findings: list[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.sort_key()))
    lines = []
    for f in ordered:
        properties = {"file": f.path, "line": str(f.line)}
        if f.end_line is not None:
            properties["endLine"] = str(f.end_line)
        properties["col"] = str(f.column)
        if f.end_column is not None and (f.end_line in (None, f.line)):
            properties["endColumn"] = str(f.end_column)
        properties["title"] = _title(f.code)
        lines.append(
            workflow_command(
                COMMANDS.get(f.severity, "warning"),
                f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}",
                **properties,
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")
