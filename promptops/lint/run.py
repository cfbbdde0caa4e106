"""Run the lint rules over a workspace: the one entry point every command uses.

`lint_workspace` applies, in order: the load findings (PO001-PO003, PO005) and every enabled
rule's `check`, restricted to the files the user targeted (while the whole repo is used for
references and PO203); then the config's `select`/`ignore` and `severity` overrides; then
inline and file-level suppressions, reporting unused ones as PO009.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from promptops.documents.workspace import Workspace
from promptops.errors import UserError
from promptops.findings import SEVERITIES, Finding, sort_findings
from promptops.lint import rules
from promptops.lint.context import LintContext
from promptops.lint.rules.po302_orphaned_workload import owner_problem
from promptops.lint.suppressions import apply_suppressions

TOKEN_RULES = frozenset({"PO103", "PO201", "PO202"})


def _matches(code: str, selector: str) -> bool:
    selector = selector.strip().upper()
    return selector == "ALL" or code.startswith(selector)


def _check_selectors(selectors: Iterable[str], where: str) -> list[str]:
    known = list(rules.RULES)
    result = []
    for selector in selectors:
        selector = str(selector).strip()
        if not selector:
            continue
        if selector.upper() != "ALL" and not any(_matches(c, selector) for c in known):
            raise UserError(
                f"unknown rule code or prefix {selector!r} in {where}: "
                "run `promptops rule --list` for the codes"
            )
        result.append(selector)
    return result


def enabled_codes(lint_config: dict[str, Any]) -> frozenset[str]:
    """The codes this run reports, from `select` (default: all) minus `ignore`."""
    select = _check_selectors(lint_config.get("select") or ["ALL"], "lint.select")
    ignore = _check_selectors(lint_config.get("ignore") or [], "lint.ignore")
    return frozenset(
        code
        for code in rules.lint_codes()
        if any(_matches(code, s) for s in select) and not any(_matches(code, s) for s in ignore)
    )


def severity_overrides(lint_config: dict[str, Any]) -> dict[str, str]:
    overrides = {}
    for code, level in (lint_config.get("severity") or {}).items():
        rule = rules.get(str(code))  # a clear error for an unknown code
        if level not in SEVERITIES:
            raise UserError(
                f"lint.severity.{code}: {level!r} is not one of {', '.join(SEVERITIES)}"
            )
        overrides[rule.CODE] = level
    return overrides


def _owner_schema_error(finding: Finding, workspace: Workspace) -> bool:
    """A PO002 about a charter's missing/empty owner: PO302 reports it with the reason."""
    if finding.code != "PO002" or "owner" not in finding.message:
        return False
    doc = next((d for d in workspace.documents if d.path == finding.path), None)
    return doc is not None and doc.kind == "charter" and owner_problem(doc.data) is not None


def lint_workspace(workspace: Workspace, base: str | None = None) -> list[Finding]:
    """Every lint finding on the workspace's targeted files, sorted by path, line, column, code.

    `base` is accepted for the shared signature; PO307/PO308 need the base ref's documents and
    are computed by `promptops diff` and `check`, which merge them with these findings.
    """
    del base
    lint_config = workspace.config.lint or {}
    enabled = enabled_codes(lint_config)
    overrides = severity_overrides(lint_config)

    findings = [f for f in workspace.findings if workspace.is_target(f.path) and f.code in enabled]
    ctx = LintContext(workspace, enabled)
    try:
        selected = [
            code for code, r in rules.RULES.items() if r.SOURCE == "lint" and code in enabled
        ]
        if TOKEN_RULES.intersection(selected):
            ctx.prefetch_tokens()
        # Rules that count tokens go last, so the others run while the counts are computed.
        for code in sorted(selected, key=lambda c: (c in TOKEN_RULES, c)):
            findings.extend(rules.RULES[code].check(ctx))
    finally:
        ctx.close()
    if "PO302" in enabled:
        findings = [f for f in findings if not _owner_schema_error(f, workspace)]

    documents = {d.path: d for d in workspace.documents if workspace.is_target(d.path)}
    findings = apply_suppressions(findings, documents, enabled, frozenset(rules.RULES))
    findings = [
        replace(f, severity=overrides[f.code]) if f.code in overrides else f for f in findings
    ]
    return sort_findings(findings)
