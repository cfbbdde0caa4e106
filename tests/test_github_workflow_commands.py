"""Workflow commands: escaping, annotation order and caps, outputs and the job summary."""

from __future__ import annotations

import re

import pytest

from promptops.findings import Finding
from promptops.github.workflow import (
    STEP_SUMMARY_MAX_BYTES,
    Annotation,
    annotation_from_finding,
    annotation_lines,
    append_step_summary,
    escape_data,
    escape_property,
    prioritized,
    workflow_command,
    write_outputs,
)


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("key: value, more", "key: value, more", "key%3A value%2C more"),
        ("%0A", "%250A", "%250A"),  # an escape sequence in the input is not an escape
        ("plain", "plain", "plain"),
    ],
)
def test_escaping_matches_actions_toolkit(raw, data, prop):
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_a_command_escapes_properties_and_message_differently():
    line = workflow_command(
        "error", "cost: 5%\nover budget", file="prompts/a,b.yaml", line=3, title="PO: x"
    )
    assert line == (
        "::error file=prompts/a%2Cb.yaml,line=3,title=PO%3A x::cost: 5%25%0Aover budget"
    )
    assert "\n" not in line


def test_none_properties_are_left_out():
    assert workflow_command("notice", "hi", file=None, line=None) == "::notice::hi"


def test_a_finding_becomes_an_annotation_on_its_yaml_line():
    finding = Finding(
        code="PO101",
        severity="error",
        message="variable {{ user }} in the cached prefix",
        path="prompts/support.yaml",
        line=12,
        column=5,
        end_column=14,
    )
    line = annotation_from_finding(finding.to_dict()).command()
    assert line == (
        "::error file=prompts/support.yaml,line=12,endLine=12,"
        "col=5,endColumn=14,title=promptops (PO101)::variable {{ user }} in the cached prefix"
    )


def test_multi_line_findings_carry_no_columns_and_info_is_a_notice():
    annotation = annotation_from_finding(
        {
            "code": "PO203",
            "severity": "info",
            "message": "m",
            "path": "p.yaml",
            "line": 3,
            "end_line": 9,
            "column": 2,
            "end_column": 4,
        }
    )
    assert annotation.level == "notice"
    assert (annotation.line, annotation.end_line, annotation.col) == (3, 9, None)


def test_most_severe_first_then_by_file_and_line():
    annotations = [
        Annotation("notice", "n", "b.yaml", 1),
        Annotation("warning", "w", "a.yaml", 9),
        Annotation("error", "e2", "b.yaml", 2),
        Annotation("warning", "w0", "a.yaml", 1),
        Annotation("error", "e1", "a.yaml", 5),
    ]
    kept, dropped = prioritized(annotations)
    assert [a.message for a in kept] == ["e1", "e2", "w0", "w", "n"]
    assert dropped == 0


def test_caps_keep_ten_per_level_and_say_how_many_were_left_out():
    annotations = [Annotation("warning", f"w{i}", "a.yaml", i + 1) for i in range(25)]
    annotations += [Annotation("error", f"e{i}", "a.yaml", i + 1) for i in range(12)]
    annotations += [Annotation("notice", f"n{i}", "a.yaml", i + 1) for i in range(10)]
    lines = annotation_lines(annotations)
    levels = [re.match(r"::(\w+)", line).group(1) for line in lines]
    assert levels[:10] == ["error"] * 10
    assert levels.count("error") == 10 and levels.count("warning") == 10
    assert levels.count("notice") == 10  # 9 findings + the overflow note
    assert lines[-1] == (
        "::notice title=promptops::18 more findings not annotated: see the job summary or the "
        "SARIF report"
    )
    assert "e0" in lines[0] and "e9" in lines[9]


def test_outputs_single_and_multiline(tmp_path):
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n", encoding="utf-8")
    write_outputs(output, {"blocking": "true", "reasons": "over budget\nEOF\nsecond"})
    text = output.read_text(encoding="utf-8")
    match = re.fullmatch(
        r"earlier=1\nblocking=true\nreasons<<(ghadelimiter_[0-9a-f]{32})\n"
        r"over budget\nEOF\nsecond\n\1\n",
        text,
    )
    assert match, text


def test_output_names_are_checked(tmp_path):
    from promptops.errors import UserError

    with pytest.raises(UserError):
        write_outputs(tmp_path / "o", {"bad name": "x"})


def test_step_summary_appends_and_respects_the_one_mebibyte_limit(tmp_path):
    summary = tmp_path / "summary.md"
    assert append_step_summary(summary, "# first") is True
    assert append_step_summary(summary, "é" * STEP_SUMMARY_MAX_BYTES) is False
    data = summary.read_bytes()
    assert data.startswith(b"# first\n")
    assert len(data) <= STEP_SUMMARY_MAX_BYTES
    assert data.decode("utf-8").endswith("job summary limit.\n")
