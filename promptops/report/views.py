"""Renderers composed from existing ones, in the renderer table's call shape.

Each takes `(report, **options)` as `report.table.render` calls it. They hold what the commands
used to add around a renderer (the lint hint, the tokens report's skipped documents, the JSON
envelopes of canary and eval), so the command only picks the kind and the format. Imports are
local: a view imports its renderers only when it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

from promptops.findings import Finding


def lint_text(findings: list[Finding], files_checked: int, color: bool | None = None) -> str:
    """The findings as text, with the pointer to `promptops rule` when there are any."""
    from promptops.report.findings_text import render_findings_text

    text = render_findings_text(findings, files_checked, color=color)
    if findings:
        text += "Run `promptops rule CODE` for what a rule catches and how to fix it.\n"
    return text


def check_github(data: dict[str, Any], root: Path | None) -> str:
    """Workflow annotations on the YAML lines, then the text report (never coloured)."""
    from promptops.report.diff_text import render_diff_text, render_github_annotations
    from promptops.report.github_paths import github_report

    return render_github_annotations(github_report(data, root)) + render_diff_text(
        data, color=False
    )


def check_sarif(data: dict[str, Any], findings: list[Finding], root: Path | None) -> str:
    """The gate's findings as SARIF: code scanning reads findings, not the cost report."""
    from promptops.report.findings_sarif import render_findings_sarif

    return render_findings_sarif(findings, root=root)


def tokens_json(report: Any, invalid: list[Finding]) -> str:
    """The estimate as JSON with its cache cliffs and the documents that could not be read."""
    from promptops.cache_cliff import cache_cliff_jsonable
    from promptops.text.json_view import dumps, to_jsonable

    data = to_jsonable(report)
    data["cache_cliff"] = cache_cliff_jsonable(report.prompts)
    data["invalid_documents"] = [
        {"path": f.path, "line": f.line, "code": f.code, "message": f.message} for f in invalid
    ]
    return dumps(data)


def tokens_text(report: Any, invalid: list[Finding], color: bool | None = None) -> str:
    """The estimate as text, naming how many invalid documents were skipped."""
    from promptops.report.tokens_text import render_tokens_text

    text = render_tokens_text(report, color=color)
    skipped = sorted({f.path for f in invalid})
    if skipped:
        text += f"\nSkipped {len(skipped)} invalid document(s): run `promptops validate`.\n"
    return text


def calibration_text(result: Any, provenance: Any) -> str:
    from promptops.report.calibration import render_text

    return render_text(result, provenance.sentence())


def calibration_json(result: Any, provenance: Any) -> str:
    from promptops.report.calibration import render_json
    from promptops.text.json_view import to_jsonable

    return render_json(result, to_jsonable(provenance))


def cascade_json(result: Any) -> str:
    from promptops.report.cascade_text import cascade_jsonable

    return json.dumps(cascade_jsonable(result), indent=2) + "\n"


def canary_plan_json(release: Any) -> str:
    from promptops.report.canary_text import plan_to_dict

    return json.dumps(plan_to_dict(release), indent=2) + "\n"


def canary_verdict_json(verdict: Any, counters: Any = None) -> str:
    """The verdict with what was read (record counters) and the charter it was judged by."""
    from promptops.canary.analysis import verdict_to_dict

    document = verdict_to_dict(verdict)
    document["input"] = counters.to_dict() if counters is not None else None
    document["charter"] = verdict.charter.id if verdict.charter else None
    return json.dumps(document, indent=2) + "\n"


def canary_edit_json(result: Any, loaded: Any, action: str, before: str, dry_run: bool) -> str:
    """A promote or rollback: what changed in the release file, and whether it was written."""
    payload = {
        "schema_version": 1,
        "release": loaded.release.id,
        "path": str(loaded.path),
        "action": action,
        "changes": list(result.changes),
        "written": not dry_run,
    }
    return json.dumps(payload, indent=2) + "\n"


def canary_edit_text(result: Any, loaded: Any, action: str, before: str, dry_run: bool) -> str:
    """One line per change; a dry run adds the unified diff of the release file."""
    lines = [
        f"{loaded.path}: {change}{' (dry run)' if dry_run else ''}\n" for change in result.changes
    ]
    if dry_run:
        import difflib

        lines.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                result.text.splitlines(keepends=True),
                str(loaded.path),
                str(loaded.path),
            )
        )
    return "".join(lines)


def to_dict_json(report: Any) -> str:
    """A report that serialises itself (`to_dict`), as indented JSON."""
    return json.dumps(report.to_dict(), indent=2) + "\n"


def _rule_doc(module: ModuleType) -> str:
    import textwrap

    return textwrap.dedent(module.__doc__ or "").strip()


def rule_text(module: ModuleType) -> str:
    """A rule's documentation, how to configure it and where it lives online."""
    from promptops.findings import rule_url

    return (
        f"{module.CODE} {module.NAME} (default severity: {module.SEVERITY})\n\n"
        f"{_rule_doc(module)}\n"
        f"\nConfigure: lint.select / lint.ignore / lint.severity.{module.CODE} in promptops.yaml\n"
        f"Online: {rule_url(module.CODE)}\n"
    )


def rule_json(module: ModuleType) -> str:
    from promptops.findings import rule_url
    from promptops.lint import rules

    document = {
        "code": module.CODE,
        "name": module.NAME,
        "severity": module.SEVERITY,
        "source": module.SOURCE,
        "summary": rules.summary(module),
        "documentation": _rule_doc(module),
        "url": rule_url(module.CODE),
    }
    return json.dumps(document, indent=2) + "\n"


def rule_list_text(registry: dict[str, ModuleType]) -> str:
    """One line per rule: code, name, default severity, and [diff/check] for base-ref rules."""
    lines = []
    for code, module in registry.items():
        where = "" if module.SOURCE in ("lint", "load", "suppressions") else "[diff/check]"
        lines.append(f"{code}  {module.NAME:<32} {module.SEVERITY:<8} {where}".rstrip() + "\n")
    return "".join(lines)


def rule_list_json(registry: dict[str, ModuleType]) -> str:
    from promptops.findings import rule_url
    from promptops.lint import rules

    rows = [
        {
            "code": code,
            "name": module.NAME,
            "severity": module.SEVERITY,
            "source": module.SOURCE,
            "summary": rules.summary(module),
            "url": rule_url(code),
        }
        for code, module in registry.items()
    ]
    return json.dumps(rows, indent=2) + "\n"
