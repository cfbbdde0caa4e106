"""Size rules PO201-PO203."""

from __future__ import annotations

from pathlib import Path

from tests.support.lint_repo import CHARTER, TOOL, lint, make_repo, only, where


def _prompt(system: str, prompt_id: str = "big", workload: str = "support") -> str:
    return (
        f"kind: prompt\nid: {prompt_id}\nversion: 1.0.0\nmodel: claude-sonnet-4-6\n"
        f"workload: {workload}\nmax_output_tokens: 400\nsystem: |\n{system}"
        "messages:\n  - role: user\n    content: '{{ question }}'\n"
        "variables:\n  question: {expected_tokens: 30}\n"
    )


def _text(words: int, word: str = "policy") -> str:
    return "  " + " ".join([word] * words) + "\n"


def test_po201_rendered_input_over_config_limit(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": _prompt(_text(300))},
        config="lint:\n  limits:\n    max_input_tokens: 200\n",
    )
    finding = only(lint(tmp_path), "PO201")
    assert (finding.path, finding.line, finding.column) == ("prompts/a.yaml", 7, 1)
    assert "above the limit of 200 (lint.limits.max_input_tokens)" in finding.message
    assert "system" in finding.message and "messages" in finding.message


def test_po201_counts_variables_at_expected_tokens(tmp_path: Path) -> None:
    prompt = _prompt(_text(10)).replace("expected_tokens: 30", "expected_tokens: 500")
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt},
        config="lint:\n  limits:\n    max_input_tokens: 400\n",
    )
    finding = only(lint(tmp_path), "PO201")
    assert finding.line == 9  # the messages key: the variable made it the largest part


def test_po201_charter_budget_wins(tmp_path: Path) -> None:
    charter = CHARTER + "budgets:\n  max_input_tokens_per_call: 50\n"
    make_repo(tmp_path, {"charters/s.yaml": charter, "prompts/a.yaml": _prompt(_text(100))})
    finding = only(lint(tmp_path), "PO201")
    assert "charter 'support' budgets.max_input_tokens_per_call" in finding.message


def test_po201_small_prompt_is_fine(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": _prompt(_text(100))})
    assert where(lint(tmp_path), "PO201") == []


def test_po202_long_tool_description(tmp_path: Path) -> None:
    long_tool = TOOL.replace(
        "description: Look up an order by id. Returns status, items and the shipping date.",
        "description: >\n" + _text(700, "lookup"),
    )
    make_repo(tmp_path, {"tools/t.yaml": long_tool})
    finding = only(lint(tmp_path), "PO202")
    assert (finding.path, finding.line, finding.column) == ("tools/t.yaml", 4, 1)
    assert "above the limit of 500" in finding.message


def test_po202_short_description_is_fine(tmp_path: Path) -> None:
    make_repo(tmp_path, {"tools/t.yaml": TOOL})
    assert where(lint(tmp_path), "PO202") == []


RULES = (
    "Always answer in the customer's language, keep answers under 120 words, never promise "
    "refunds, and escalate to a human when the customer mentions legal action, a chargeback "
    "or a complaint to a regulator."
)
NEAR = RULES.replace("never promise refunds", "never promise any refunds")


def test_po203_duplicate_across_prompts_reports_both_places(tmp_path: Path) -> None:
    a = _prompt(f"  You help customers.\n\n  {RULES}\n", "a")
    b = _prompt(f"  You help with orders.\n\n  Be brief.\n\n  {RULES}\n", "b")
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": a, "prompts/b.yaml": b})
    findings = lint(tmp_path)
    assert where(findings, "PO203") == [("prompts/a.yaml", 10, 3), ("prompts/b.yaml", 12, 3)]
    first = next(f for f in findings if f.code == "PO203")
    assert "prompts/b.yaml:12" in first.message and "repeats" in first.message


def test_po203_near_duplicate_within_one_prompt(tmp_path: Path) -> None:
    a = _prompt(f"  {RULES}\n\n  Some other guidance here.\n\n  {NEAR}\n", "a")
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": a})
    findings = lint(tmp_path)
    assert where(findings, "PO203") == [("prompts/a.yaml", 8, 3), ("prompts/a.yaml", 12, 3)]
    assert "line 12 of this prompt" in findings[0].message or any(
        "line 12 of this prompt" in f.message for f in findings
    )
    assert any("% similar" in f.message for f in findings if f.code == "PO203")


def test_po203_only_reports_targeted_files_but_compares_with_all(tmp_path: Path) -> None:
    a = _prompt(f"  {RULES}\n", "a")
    b = _prompt(f"  {RULES}\n", "b")
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": a, "prompts/b.yaml": b})
    assert where(lint(tmp_path, ["prompts/b.yaml"]), "PO203") == [("prompts/b.yaml", 8, 3)]


def test_po203_different_or_short_paragraphs_are_fine(tmp_path: Path) -> None:
    other = (
        "Summarise the ticket in three bullet points, name the product, the customer's goal "
        "and the blocking issue, and suggest the next step for the agent to take today."
    )
    a = _prompt(f"  {RULES}\n\n  Be brief.\n", "a")
    b = _prompt(f"  {other}\n\n  Be brief.\n", "b")
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": a, "prompts/b.yaml": b})
    assert where(lint(tmp_path), "PO203") == []


def test_po201_calibrated_estimate_says_how_close_it_is(tmp_path: Path) -> None:
    """300 cl100k tokens of policy on Sonnet 4.6 are ~460 Claude tokens (×1.54): over a 450
    limit by the central estimate, within it by the low one (×1.44 ≈ 430)."""
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": _prompt(_text(300))},
        config="tokenizer: auto\nlint:\n  limits:\n    max_input_tokens: 470\n",
    )
    finding = only(lint(tmp_path), "PO201")
    assert "estimate p10–p90" in finding.message
    assert "the low estimate is within the limit" in finding.message
    assert finding.extra["input_tokens_low"] <= 470 < finding.extra["input_tokens"]
