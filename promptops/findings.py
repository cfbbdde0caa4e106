"""Findings: the one value every checker (schema, references, lint rules, gates) returns."""

from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
RULES_URL = "https://github.com/promptops/promptops/blob/main/docs/rules/{code}.md"


def rule_url(code: str) -> str:
    """Where a rule's documentation lives online (`promptops rule CODE` prints it offline)."""
    return RULES_URL.format(code=code)


@dataclass(frozen=True, order=False)
class Finding:
    """One problem at one place. Paths are relative to the repo root, lines 1-based."""

    code: str
    severity: str
    message: str
    path: str
    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def url(self) -> str:
        return rule_url(self.code)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)

    def to_dict(self) -> dict:
        data = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_column,
            "url": self.url,
        }
        if self.extra:
            data["extra"] = self.extra
        return data


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)
