"""SARIF 2.1.0 view of findings, for GitHub code scanning (`upload-sarif`).

Every promptops rule is listed under `tool.driver.rules` (id, name, descriptions, help from
the rule's documentation, helpUri, default level), results carry a relative `uri` with
`%SRCROOT%`, a full region, and a `partialFingerprints` value that survives lines moving: a
hash of the path, the rule and the text of the flagged line (plus its rank among identical
ones), never the line number.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from promptops import __version__
from promptops.findings import Finding, rule_url, sort_findings
from promptops.report.github_paths import github_path, repo_prefix

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/promptops/promptops"
FINGERPRINT_KEY = "promptops/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _paragraphs(doc: str) -> list[str]:
    return [" ".join(p.split()) for p in doc.strip().split("\n\n") if p.strip()]


def sarif_rules() -> list[dict[str, Any]]:
    from promptops.lint import rules

    result = []
    for code, module in rules.RULES.items():
        doc = (module.__doc__ or "").strip()
        paragraphs = _paragraphs(doc)
        summary = paragraphs[0] if paragraphs else module.NAME
        full = " ".join(paragraphs[:2]) if len(paragraphs) > 1 else summary
        result.append(
            {
                "id": code,
                "name": module.NAME,
                "shortDescription": {"text": summary},
                "fullDescription": {"text": full},
                "help": {"text": doc or summary, "markdown": doc or summary},
                "helpUri": rule_url(code),
                "defaultConfiguration": {"level": LEVELS[module.SEVERITY]},
                "properties": {
                    "tags": ["cost", "prompt-as-code"],
                    "problem.severity": module.SEVERITY,
                },
            }
        )
    return result


class _Lines:
    """Source lines of reported files, read once, for fingerprints."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.cache: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self.cache:
            lines: list[str] = []
            if self.root is not None:
                try:
                    lines = (self.root / path).read_text(encoding="utf-8").splitlines()
                except (OSError, UnicodeDecodeError):
                    lines = []
            self.cache[path] = lines
        lines = self.cache[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def fingerprint(path: str, code: str, context: str, rank: int) -> str:
    return hashlib.sha256(f"{path}\0{code}\0{context}\0{rank}".encode()).hexdigest()


def to_sarif(findings: list[Finding], root: Path | None = None) -> dict[str, Any]:
    rules = sarif_rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    lines = _Lines(root)
    prefix = repo_prefix(root)  # promptops.yaml in a subfolder: URIs from the git top level
    seen: Counter[tuple[str, str, str]] = Counter()
    results = []
    for f in sort_findings(findings):
        context = lines.line(f.path, f.line) or f.message
        uri = github_path(f.path, prefix)
        key = (uri, f.code, context)
        rank = seen[key]
        seen[key] += 1
        region: dict[str, int] = {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}
        end_line = f.end_line if f.end_line is not None else f.line
        region["endLine"] = max(end_line, region["startLine"])
        if f.end_column is not None and (
            region["endLine"] > region["startLine"] or f.end_column > region["startColumn"]
        ):
            region["endColumn"] = f.end_column
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(uri, f.code, context, rank)},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "promptops",
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "promptops/lint/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_findings_sarif(findings: list[Finding], root: Path | None = None) -> str:
    return json.dumps(to_sarif(findings, root), indent=2) + "\n"
