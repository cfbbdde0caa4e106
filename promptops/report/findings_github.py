"""GitHub Actions workflow-command annotations for findings.

`::error file=…,line=…,endLine=…,col=…,endColumn=…,title=PO101 variable-in-cached-prefix::…`,
escaped exactly as actions/toolkit does (`escapeData` for the message, `escapeProperty` for
parameters), most severe first: GitHub shows only 10 annotations per severity per step and 50
per job, so the ones that fail the build must come first.
"""

from __future__ import annotations

from dataclasses import replace

from promptops.findings import Finding
from promptops.github.workflow import annotation_from_finding, annotation_lines


def _title(code: str) -> str:
    from promptops.lint import rules

    module = rules.RULES.get(code)
    return f"{code} {module.NAME}" if module else code


def render_findings_github(findings: list[Finding]) -> str:
    """Annotations for findings (escaping, ordering and GitHub's caps: `github.workflow`)."""
    annotations = [
        replace(
            annotation_from_finding(f.to_dict()),
            title=_title(f.code),
            message=f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}",
        )
        for f in findings
    ]
    lines = annotation_lines(annotations)
    return "\n".join(lines) + ("\n" if lines else "")
