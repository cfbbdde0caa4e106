"""Volatile values found by what their names mean, not by substrings.

Reproduction (issue "Gates that cannot be fooled", item 10): "Volatile-name detection errs both
ways: constants whose names contain 'session' (`SESSION_STOP_GRACE_MS`) are flagged; `cwd`,
paths, user names, `agentId`, `taskId` in prompts without a breakpoint are not."
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli

CHARTER = """\
kind: charter
id: agents
owner: jane@example.com
agent: {max_steps: 8}
scenarios:
  expected: {calls_per_month: 100000, cache_hit_rate: 0.5, output_tokens: 300}
"""


def _prompt(system: str, names: list[str], declared: str = "") -> str:
    variables = "".join(f"  {name}: {{expected_tokens: 4}}\n" for name in names)
    return (
        "kind: prompt\nid: agent/worker\nversion: 1.0.0\nmodel: claude-haiku-4-5\n"
        "workload: agents\nmax_output_tokens: 400\n"
        f"system: |\n  {system}\n"
        "messages:\n  - role: user\n    content: Go on.\n"
        f"variables:\n{variables}{declared}"
    )


def _po102(tmp_path: Path, prompt: str) -> list[str]:
    """The expressions PO102 reports in the real CLI's JSON output."""
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "charters").mkdir()
    (tmp_path / "charters" / "agents.yaml").write_text(CHARTER)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "worker.yaml").write_text(prompt)
    result = run_cli(["lint", "--format", "json"], cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    findings = data["findings"] if isinstance(data, dict) else data
    assert not [f for f in findings if f["code"] in ("PO002", "PO004")], findings
    return [
        f["message"].split("}}")[0].removeprefix("{{").strip()
        for f in findings
        if f["code"] == "PO102"
    ]


VOLATILE = ["cwd", "file_path", "user_name", "agentId", "taskId", "session_id", "traceId"]


def test_agent_context_without_a_breakpoint_is_flagged(tmp_path: Path) -> None:
    system = " ".join(f"{{{{ {name} }}}}" for name in VOLATILE)
    assert _po102(tmp_path, _prompt(system, VOLATILE)) == VOLATILE


STABLE = ["SESSION_STOP_GRACE_MS", "session_timeout", "path_separator", "user_tier", "tool_name"]


def test_constants_and_settings_about_sessions_are_not_flagged(tmp_path: Path) -> None:
    system = " ".join(f"{{{{ {name} }}}}" for name in STABLE)
    assert _po102(tmp_path, _prompt(system, STABLE)) == []


def test_an_upper_case_constant_declared_volatile_is_flagged(tmp_path: Path) -> None:
    prompt = _prompt(
        "Stop after {{ SESSION_STOP_GRACE_MS }} ms.",
        [],
        "  SESSION_STOP_GRACE_MS: {expected_tokens: 2, volatile: true}\n",
    )
    assert _po102(tmp_path, prompt) == ["SESSION_STOP_GRACE_MS"]


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("session_id", "session_id"),
        ("sessionId", "session_id"),
        ("sessionid", "session_id"),
        ("session", "session"),
        ("agentId", "agent_id"),
        ("parent_task_id", "task_id"),
        ("requestId", "request_id"),
        ("trace_id", "trace_id"),
        ("userName", "user_name"),
        ("username", "username"),
        ("current_user", "user"),
        ("cwd", "cwd"),
        ("working_directory", "working_directory"),
        ("filePath", "path"),
        ("customer.createdAt", "created_at"),
        ("current_date", "date"),
        ("SESSION_STOP_GRACE_MS", None),
        ("REQUEST_ID", None),
        ("config.MAX_TURNS", None),
        ("sessionStopGraceMs", None),
        ("session_timeout", None),
        ("date_format", None),
        ("time_zone", None),
        ("path_separator", None),
        ("user_tier", None),
        ("order_status", None),
        ("tool_name", None),
    ],
)
def test_names_are_read_as_words(name: str, word: str | None) -> None:
    from promptops.lint.volatile import volatile_by_name

    assert volatile_by_name(name) == word
