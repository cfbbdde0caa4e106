"""PO004 and the load findings (PO001-PO003) as lint reports them."""

from __future__ import annotations

from pathlib import Path

from tests.support.lint_repo import CHARTER, lint, make_repo, where

PROMPT = """\
kind: prompt
id: answer
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system: You answer questions about {{ customer.tier }} plans.
messages:
  - role: user
    content: "{{ question }} {{ history }} {{ now() }}"
variables:
  customer: {}
  question: {}
  stale: {}
"""


def test_po004_undeclared_and_unused(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": PROMPT})
    findings = lint(tmp_path)
    assert where(findings, "PO004") == [("prompts/a.yaml", 10, 30), ("prompts/a.yaml", 14, 3)]
    undeclared, unused = [f for f in findings if f.code == "PO004"]
    assert "'history' is used but not declared" in undeclared.message
    assert "'stale' is declared but no template uses it" in unused.message


def test_po004_quiet_when_all_declared_and_used(tmp_path: Path) -> None:
    clean = PROMPT.replace("{{ history }} ", "").replace("  stale: {}\n", "")
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": clean})
    assert where(lint(tmp_path), "PO004") == []


def test_load_findings_are_lint_findings(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "prompts/bad-yaml.yaml": "kind: prompt\nid: x\n  version: 1\n",
            "prompts/bad-schema.yaml": PROMPT.replace("max_output_tokens", "max_ouput_tokens"),
            "prompts/bad-ref.yaml": PROMPT.replace("id: answer", "id: ref").replace(
                "workload: support", "workload: nowhere"
            ),
        },
    )
    findings = lint(tmp_path)
    assert where(findings, "PO001") == [("prompts/bad-yaml.yaml", 3, 10)]
    assert where(findings, "PO002") == [("prompts/bad-schema.yaml", 6, 1)]
    assert where(findings, "PO003") == [("prompts/bad-ref.yaml", 5, 11)]
