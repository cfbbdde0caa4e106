"""GitHub Actions workflow-command annotations for findings.

`::error file=…,line=…,endLine=…,col=…,endColumn=…,title=PO101 variable-in-cached-prefix::…`,
escaped exactly as actions/toolkit does (`escapeData` for the message, `escapeProperty` for
parameters), most severe first: GitHub shows only 10 annotations per severity per step and 50
per job, so the ones that fail the build must come first.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from promptops.findings import Finding
from promptops.github.workflow import annotation_from_finding, annotation_lines
from promptops.report.github_paths import github_path, repo_prefix


def _title(code: str) -> str:
    from promptops.lint import rules

    module = rules.RULES.get(code)
    return f"{code} {module.NAME}" if module else code


def render_findings_github(findings: list[Finding], root: Path | None = None) -> str:
    """Annotations for findings (escaping, ordering and GitHub's caps: `github.workflow`).

    `root` is the promptops repo root the findings' paths are relative to: when it is a
    subfolder of the git work tree, `file=` names the path from the top (`llm/prompts/x.yaml`),
    which is where GitHub looks."""
    prefix = repo_prefix(root)
    annotations = []
    for f in findings:
        path = github_path(f.path, prefix)
        annotations.append(
            replace(
                annotation_from_finding({**f.to_dict(), "path": path}),
                title=_title(f.code),
                message=f"{path}:{f.line}:{f.column}: {f.code} {f.message}",
            )
        )
    lines = annotation_lines(annotations)
    return "\n".join(lines) + ("\n" if lines else "")
