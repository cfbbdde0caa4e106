"""Charter rules PO301-PO306."""

from __future__ import annotations

from pathlib import Path

from tests.support.lint_repo import CHARTER, TOOL, lint, make_repo, only, where

PROMPT = """\
kind: prompt
id: answer
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system: You answer support questions.
"""


def test_po301_prompt_without_workload(tmp_path: Path) -> None:
    make_repo(tmp_path, {"prompts/a.yaml": PROMPT.replace("workload: support\n", "")})
    assert where(lint(tmp_path), "PO301") == [("prompts/a.yaml", 2, 1)]


def test_po301_quiet_with_workload(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": PROMPT})
    assert lint(tmp_path) == []


def test_po302_placeholder_and_blank_owner(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/a.yaml": CHARTER.replace("jane.doe@example.com", "TBD"),
            "charters/b.yaml": CHARTER.replace("jane.doe@example.com", "'   '").replace(
                "id: support", "id: blank"
            ),
        },
    )
    findings = lint(tmp_path)
    assert where(findings, "PO302") == [("charters/a.yaml", 3, 1), ("charters/b.yaml", 3, 1)]
    assert "placeholder owner 'TBD'" in findings[0].message


def test_po302_replaces_the_schema_error_for_missing_or_null_owner(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/a.yaml": CHARTER.replace("owner: jane.doe@example.com\n", ""),
            "charters/b.yaml": CHARTER.replace("jane.doe@example.com", "null").replace(
                "id: support", "id: nulled"
            ),
        },
    )
    findings = lint(tmp_path)
    assert where(findings, "PO302") == [("charters/a.yaml", 2, 1), ("charters/b.yaml", 3, 1)]
    assert where(findings, "PO002") == []  # one finding per problem, with the reason
    ignored = lint(tmp_path, ignore=["PO302"])
    assert len(where(ignored, "PO002")) == 2  # the schema still speaks when PO302 is off


def test_po302_quiet_with_an_owner(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER})
    assert lint(tmp_path) == []


def test_po303_model_not_allowed_and_aliases_match(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "prompts/a.yaml": PROMPT.replace("claude-haiku-4-5", "claude-opus-4-7"),
            "prompts/b.yaml": PROMPT.replace(
                "claude-haiku-4-5", "claude-haiku-4-5-20251001"
            ).replace("id: answer", "id: dated"),
        },
    )
    findings = lint(tmp_path)
    assert where(findings, "PO303") == [("prompts/a.yaml", 4, 8)]
    assert "claude-opus-4-7" in findings[0].message


def test_po304_tools_without_max_steps(tmp_path: Path) -> None:
    charter = CHARTER.replace("agent:\n  max_steps: 6\n", "")
    prompt = PROMPT + "tools: [lookup_order]\n"
    make_repo(
        tmp_path, {"charters/s.yaml": charter, "tools/t.yaml": TOOL, "prompts/a.yaml": prompt}
    )
    assert where(lint(tmp_path), "PO304") == [("prompts/a.yaml", 8, 1)]


def test_po304_bounded_by_prompt_or_charter(tmp_path: Path) -> None:
    unbounded_charter = CHARTER.replace("agent:\n  max_steps: 6\n", "").replace(
        "id: support", "id: loose"
    )
    by_prompt = (PROMPT + "tools: [lookup_order]\nagent: {max_steps: 4}\n").replace(
        "workload: support", "workload: loose"
    )
    by_charter = (PROMPT + "tools: [lookup_order]\n").replace("id: answer", "id: other")
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "charters/l.yaml": unbounded_charter,
            "tools/t.yaml": TOOL,
            "prompts/a.yaml": by_prompt,
            "prompts/b.yaml": by_charter,
        },
    )
    assert where(lint(tmp_path), "PO304") == []


def test_po305_step_by_step_without_ceiling(tmp_path: Path) -> None:
    prompt = PROMPT.replace("max_output_tokens: 400\n", "").replace(
        "system: You answer support questions.",
        "system: |\n  You answer support questions.\n  Think step by step before answering.",
    )
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    findings = lint(tmp_path)
    assert where(findings, "PO305") == [("prompts/a.yaml", 8, 3)]
    assert where(findings, "PO306") == [("prompts/a.yaml", 4, 1)]


def test_po305_quiet_with_a_ceiling(tmp_path: Path) -> None:
    prompt = PROMPT.replace(
        "system: You answer support questions.",
        "system: |\n  Think step by step before answering.",
    )
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    assert lint(tmp_path) == []


def test_po305_thinking_against_the_charter(tmp_path: Path) -> None:
    charter = CHARTER + "thinking:\n  allowed: true\n  max_budget_tokens: 2000\n"
    prompt = PROMPT.replace("max_output_tokens: 400", "max_output_tokens: 8000") + (
        "thinking:\n  budget_tokens: 4000\n"
    )
    forbidden = CHARTER.replace("id: support", "id: strict") + "thinking:\n  allowed: false\n"
    no_ceiling = (
        PROMPT.replace("max_output_tokens: 400\n", "").replace("id: answer", "id: open")
        + "thinking:\n  budget_tokens: 1024\n"
    ).replace("workload: support", "workload: strict")
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": charter,
            "charters/strict.yaml": forbidden,
            "prompts/a.yaml": prompt,
            "prompts/b.yaml": no_ceiling,
        },
    )
    findings = lint(tmp_path)
    assert where(findings, "PO305") == [
        ("prompts/a.yaml", 9, 18),
        ("prompts/b.yaml", 7, 1),
        ("prompts/b.yaml", 7, 1),
    ]
    messages = " | ".join(f.message for f in findings if f.code == "PO305")
    assert "max_budget_tokens of 2,000" in messages
    assert "does not allow thinking" in messages
    assert "without `max_output_tokens`" in messages


def test_po306_missing_max_output_tokens(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "prompts/a.yaml": PROMPT.replace("max_output_tokens: 400\n", ""),
        },
    )
    finding = only(lint(tmp_path), "PO306")
    assert (finding.line, finding.column) == (4, 1)
