"""Inline and file-level suppressions; unused ones are reported as PO009."""

from __future__ import annotations

from pathlib import Path

from tests.support.lint_repo import CHARTER, lint, make_repo, where

BASE = """\
kind: prompt
id: answer
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system: "Today is {{ current_date }}."
variables:
  current_date: {}
"""


def _lint(tmp_path: Path, prompt: str, **config: object) -> list:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    return lint(tmp_path, **config)


def test_unsuppressed_baseline_fires(tmp_path: Path) -> None:
    assert where(_lint(tmp_path, BASE), "PO102") == [("prompts/a.yaml", 7, 19)]


def test_trailing_comment_on_the_line(tmp_path: Path) -> None:
    prompt = BASE.replace(
        'system: "Today is {{ current_date }}."',
        'system: "Today is {{ current_date }}."  # promptops: disable=PO102',
    )
    assert _lint(tmp_path, prompt) == []


def test_comment_on_the_line_above_with_several_codes(tmp_path: Path) -> None:
    prompt = BASE.replace("max_output_tokens: 400\n", "").replace(
        "model: claude-haiku-4-5", "# promptops: disable=PO306, PO102\nmodel: claude-haiku-4-5"
    )
    findings = _lint(tmp_path, prompt)
    assert where(findings, "PO306") == []
    # PO102 is two lines further down: not covered, and the unused code is reported.
    assert where(findings, "PO102") == [("prompts/a.yaml", 7, 19)]
    assert where(findings, "PO009") == [("prompts/a.yaml", 4, 1)]
    assert "no PO102 finding on this line or the next" in findings[0].message


def test_key_line_covers_a_block_scalar_and_comment_lookalikes_in_text_are_text(
    tmp_path: Path,
) -> None:
    prompt = """\
    kind: prompt
    id: answer
    version: 1.0.0
    model: claude-haiku-4-5
    workload: support
    max_output_tokens: 400
    system: |  # promptops: disable=PO102
      You are helpful.
      Today is {{ current_date }}.
    messages:
      - role: user
        content: |
          # promptops: disable=PO104
          Hello {{ current_date }}
    variables:
      current_date: {}
    """
    findings = _lint(tmp_path, prompt)
    assert where(findings, "PO102") == []
    assert where(findings, "PO009") == []  # the one inside the block is prompt text


def test_file_level_disable(tmp_path: Path) -> None:
    prompt = "# promptops: disable-file=PO102\n" + BASE
    assert _lint(tmp_path, prompt) == []


def test_unused_and_unknown_codes_are_reported(tmp_path: Path) -> None:
    prompt = BASE.replace(
        "version: 1.0.0", "version: 1.0.0  # promptops: disable=PO104,PO999"
    ).replace('system: "Today', '# promptops: disable=PO102\nsystem: "Today')
    findings = _lint(tmp_path, prompt)
    assert where(findings, "PO102") == []
    assert [(f.line, f.column) for f in findings if f.code == "PO009"] == [(3, 17), (3, 17)]
    messages = sorted(f.message for f in findings if f.code == "PO009")
    assert messages == [
        "unknown rule code 'PO999' in suppression",
        "unused suppression: no PO104 finding on this line or the next",
    ]


def test_suppressions_of_rules_not_run_are_not_unused(tmp_path: Path) -> None:
    prompt = BASE.replace("version: 1.0.0", "version: 1.0.0  # promptops: disable=PO307,PO104")
    findings = _lint(tmp_path, prompt, ignore=["PO104", "PO102"])
    assert where(findings, "PO009") == []


def test_unused_suppression_report_can_itself_be_turned_off(tmp_path: Path) -> None:
    prompt = BASE.replace("version: 1.0.0", "version: 1.0.0  # promptops: disable=PO104")
    assert where(_lint(tmp_path, prompt, ignore=["PO009"]), "PO009") == []
