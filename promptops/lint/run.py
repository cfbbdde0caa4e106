"""The one lint pipeline: what `promptops lint` and `promptops check` both run.

Each rule declares what it needs (`NEEDS`: `workspace`, `tokens`, `base`; see
`lint.rules`); a caller says what it supplies, and `lint_workspace` runs every enabled rule
whose needs are met. `lint` supplies the workspace and token counts; `check` supplies those and
the change against its base ref (`lint.change.BaseChange`), so PO307, PO308 and PO311 run
there, through the same steps as every other rule:

1. the load findings (PO001-PO003, PO005) of the targeted files, and every runnable rule's
   `check` (rules that need token counts last, while the counts are computed);
2. findings a rule `replaces` with its own (PO302's owner for the schema's `owner`);
3. the config's `select`/`ignore` (which rules run at all) and inline and file-level
   suppressions, reporting unused ones as PO009;
4. `severity` overrides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import UserError
from promptops.findings import SEVERITIES, Finding, sort_findings
from promptops.lint import rules
from promptops.lint.context import LintContext
from promptops.lint.suppressions import apply_suppressions

if TYPE_CHECKING:  # only `check` builds a change (the base ref's rules)
    from promptops.lint.change import BaseChange

LINT_SUPPLIES = frozenset({"workspace", "tokens"})  # every caller has these


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
    """The codes the config turns on, from `select` (default: all) minus `ignore`; a run
    reports those of them whose needs its caller supplies (`supplied`)."""
    select = _check_selectors(lint_config.get("select") or ["ALL"], "lint.select")
    ignore = _check_selectors(lint_config.get("ignore") or [], "lint.ignore")
    return frozenset(
        code
        for code in rules.RULES
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


def supplied_needs(change: BaseChange | None) -> frozenset[str]:
    """What a caller supplies: the workspace and token counts, and `base` with a change."""
    return LINT_SUPPLIES | {"base"} if change is not None else LINT_SUPPLIES


def _load_findings(workspace: Workspace, change: BaseChange | None) -> list[Finding]:
    """Findings of loading the targeted files: the workspace's, and the change's head files
    the workspace could not read (once each)."""
    found = list(workspace.findings)
    if change is not None:
        found += change.load_findings
    seen: set[tuple] = set()
    kept = []
    for f in found:
        key = (f.code, f.path, f.line, f.column, f.message)
        if key not in seen and workspace.is_target(f.path):
            seen.add(key)
            kept.append(f)
    return kept


def _suppression_documents(
    workspace: Workspace, change: BaseChange | None, findings: list[Finding]
) -> dict[str, Document]:
    """The targeted documents, and any other head document a finding points at (a PO311
    finding may name a file that the change's commits touched but its net diff did not)."""
    documents = {d.path: d for d in workspace.documents if workspace.is_target(d.path)}
    wanted = {f.path for f in findings} - documents.keys()
    if not wanted:
        return documents
    others = dict(change.head_docs) if change is not None else {}
    others.update({d.path: d for d in workspace.documents if d.path in wanted})
    unread = sorted(wanted - others.keys())
    if unread and change is not None:  # e.g. a file the branch's commits touched, net unchanged
        from promptops.documents.workspace import parse_documents

        parsed, _ = parse_documents(sorted(change.head_side.read_many(unread).items()))
        others.update({d.path: d for d in parsed})
    documents.update({path: others[path] for path in wanted if path in others})
    return documents


def lint_workspace(workspace: Workspace, change: BaseChange | None = None) -> list[Finding]:
    """Every finding of the rules this caller can run on the workspace's targeted files,
    sorted by path, line, column, code. `change` (what `check` supplies) adds the rules that
    need a base ref; config and suppressions apply to their findings like to any other."""
    lint_config = workspace.config.lint or {}
    overrides = severity_overrides(lint_config)
    ran = enabled_codes(lint_config) & rules.runnable(supplied_needs(change))

    findings = [f for f in _load_findings(workspace, change) if f.code in ran]
    # Rules that count tokens go last, so the others run while the counts are computed.
    order = sorted(ran, key=lambda code: ("tokens" in rules.needs(rules.RULES[code]), code))
    ctx = LintContext(workspace, ran, change)
    try:
        if any("tokens" in rules.needs(rules.RULES[code]) for code in order):
            ctx.prefetch_tokens()
        for code in order:
            findings.extend(rules.RULES[code].check(ctx))
        replacing = [rules.RULES[c] for c in order if hasattr(rules.RULES[c], "replaces")]
        findings = [f for f in findings if not any(r.replaces(f, ctx) for r in replacing)]
    finally:
        ctx.close()

    documents = _suppression_documents(workspace, change, findings)
    targeted = {path for path in documents if workspace.is_target(path)}
    findings = apply_suppressions(findings, documents, ran, frozenset(rules.RULES), targeted)
    findings = [
        replace(f, severity=overrides[f.code]) if f.code in overrides else f for f in findings
    ]
    return sort_findings(findings)
