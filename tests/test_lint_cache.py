"""Cache rules PO101-PO106: what must fire (exact line and column) and what must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.lint_repo import CHARTER, TOOL, lint, make_repo, only, where

CACHED_VARIABLE = """\
kind: prompt
id: support/answer
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 400
system:
  - text: |
      You are the support agent for {{ customer_name }}.
      Follow the refund policy.
    cache: true
messages:
  - role: user
    content: "Question: {{ question }} at {{ timestamp }}"
variables:
  customer_name: {expected_tokens: 5}
  question: {expected_tokens: 50}
  timestamp: {expected_tokens: 8}
"""


def test_po101_points_at_the_variable_inside_the_cached_prefix(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": CACHED_VARIABLE})
    findings = lint(tmp_path)
    assert where(findings, "PO101") == [("prompts/a.yaml", 9, 37)]
    finding = only(findings, "PO101")
    assert finding.end_column == 56
    assert "prefix cached by the 5m breakpoint (`cache:` at line 11)" in finding.message


def test_po101_never_fires_after_the_last_breakpoint(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": CACHED_VARIABLE})
    findings = lint(tmp_path)
    assert not [f for f in findings if f.code in ("PO101", "PO102") and f.line == 14]


def test_po101_respects_volatile_false_and_prompts_without_breakpoints(tmp_path: Path) -> None:
    stable = CACHED_VARIABLE.replace(
        "customer_name: {expected_tokens: 5}",
        "customer_name: {expected_tokens: 5, volatile: false}",
    )
    uncached = CACHED_VARIABLE.replace("    cache: true\n", "")
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": stable, "prompts/b.yaml": uncached},
    )
    assert where(lint(tmp_path), "PO101") == []


def test_po101_in_tools_and_messages_prefix(tmp_path: Path) -> None:
    prompt = """\
    kind: prompt
    id: agent
    version: 1.0.0
    model: claude-sonnet-4-6
    workload: support
    max_output_tokens: 400
    tools: [lookup_order]
    system: You answer questions about orders.
    messages:
      - role: user
        content:
          - text: "Order {{ order_id }}"
            cache: true
          - text: "{{ question }}"
    variables:
      order_id: {}
      question: {}
    """
    make_repo(
        tmp_path, {"charters/s.yaml": CHARTER, "tools/t.yaml": TOOL, "prompts/a.yaml": prompt}
    )
    assert where(lint(tmp_path), "PO101") == [("prompts/a.yaml", 12, 22)]


NO_BREAKPOINT = """\
kind: prompt
id: scheduler
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 400
system: |
  Today is {{ current_date }}. You schedule appointments.
  Update the date field and keep the session short; the user id is in the CRM.
messages:
  - role: user
    content: "{{ request }} (sent {{ sent_at }}, session {{ session_id }})"
variables:
  current_date: {}
  request: {}
  sent_at: {}
  session_id: {}
"""


def test_po102_fires_in_system_of_prompt_without_breakpoint(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": NO_BREAKPOINT})
    findings = lint(tmp_path)
    assert where(findings, "PO102") == [("prompts/a.yaml", 8, 12)]
    assert "never being cached" in only(findings, "PO102").message or "ever being cached" in (
        only(findings, "PO102").message
    )


def test_po102_ignores_prose_and_values_after_the_prefix(tmp_path: Path) -> None:
    prose = NO_BREAKPOINT.replace("Today is {{ current_date }}. ", "").replace(
        "  current_date: {}\n", ""
    )
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prose})
    # "date", "session" and "user id" in prose, and volatile values in the user message
    assert where(lint(tmp_path), "PO102") == []


def test_po102_now_call_and_declared_volatile_before_breakpoint(tmp_path: Path) -> None:
    prompt = """\
    kind: prompt
    id: clock
    version: 1.0.0
    model: claude-sonnet-4-6
    workload: support
    max_output_tokens: 400
    system:
      - text: "It is {{ now() }}. Policy: {{ policy_blob }}"
        cache: true
    messages:
      - role: user
        content: "{{ question }}"
    variables:
      policy_blob: {volatile: true}
      question: {}
    """
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    findings = lint(tmp_path)
    # now() is an expression, not a variable: PO102 reports it. The declared-volatile
    # variable is reported once, by PO101, which says it is volatile.
    assert where(findings, "PO102") == [("prompts/a.yaml", 8, 18)]
    assert where(findings, "PO101") == [("prompts/a.yaml", 8, 39)]
    assert "volatile" in only(findings, "PO101").message
    selected = lint(tmp_path, select=["PO102"])
    assert where(selected, "PO102") == [("prompts/a.yaml", 8, 18), ("prompts/a.yaml", 8, 39)]


def test_po102_names_that_are_not_volatile(tmp_path: Path) -> None:
    prompt = """\
    kind: prompt
    id: formats
    version: 1.0.0
    model: claude-sonnet-4-6
    workload: support
    max_output_tokens: 400
    system: "Dates look like {{ date_format }} in {{ time_zone }}; released {{ release_date }}."
    variables:
      date_format: {}
      time_zone: {}
      release_date: {volatile: false}
    """
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    assert where(lint(tmp_path), "PO102") == []


SHORT_CACHED = """\
kind: prompt
id: tiny
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system:
  - text: You are a helpful assistant.
    cache: true
messages:
  - role: user
    content: "{{ question }}"
variables:
  question: {}
"""


def test_po103_short_prefix_on_haiku(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": SHORT_CACHED})
    finding = only(lint(tmp_path), "PO103")
    assert (finding.line, finding.column) == (9, 5)
    assert "4,096" in finding.message and "claude-haiku-4-5-20251001" in finding.message


def test_po103_long_prefix_is_fine(tmp_path: Path) -> None:
    long_text = " ".join(["policy"] * 4500)
    prompt = SHORT_CACHED.replace("You are a helpful assistant.", long_text)
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": prompt})
    assert where(lint(tmp_path), "PO103") == []


def _segments(n: int, ttl: str = "true") -> str:
    return "".join(f"  - text: Rule {i}.\n    cache: {ttl}\n" for i in range(n))


def _prompt_with_segments(n: int) -> str:
    return (
        "kind: prompt\nid: many\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nworkload: support\n"
        "max_output_tokens: 400\nsystem:\n" + _segments(n)
    )


def test_po104_fifth_breakpoint(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": _prompt_with_segments(5)})
    finding = only(lint(tmp_path), "PO104")
    assert (finding.line, finding.column) == (17, 5)
    assert "5 of 5" in finding.message


def test_po104_four_breakpoints_are_fine(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": _prompt_with_segments(4)})
    assert where(lint(tmp_path), "PO104") == []


LONG_CACHED = SHORT_CACHED.replace(
    "You are a helpful assistant.", "You are a helpful assistant." + " policy" * 5000
)


def test_po105_below_break_even_shows_the_rates(tmp_path: Path) -> None:
    charter = CHARTER.replace("calls_per_month: 1000000", "calls_per_month: 1000")
    make_repo(tmp_path, {"charters/s.yaml": charter, "prompts/a.yaml": LONG_CACHED})
    finding = only(lint(tmp_path), "PO105")
    assert (finding.line, finding.column) == (9, 5)
    assert "2.94 calls/hour" in finding.message
    assert "2,147/month" in finding.message
    assert "1,000 calls/month" in finding.message
    assert "cache: 1h" in finding.message  # 1h pays above ~545 calls/month


def test_po105_does_not_weigh_a_prefix_that_caches_nothing(tmp_path: Path) -> None:
    """Below the minimum nothing is written (PO103), so traffic is beside the point."""
    charter = CHARTER.replace("calls_per_month: 1000000", "calls_per_month: 1000")
    make_repo(tmp_path, {"charters/s.yaml": charter, "prompts/a.yaml": SHORT_CACHED})
    findings = lint(tmp_path)
    assert where(findings, "PO105") == [] and len(where(findings, "PO103")) == 1


def test_po105_does_not_recommend_1h_for_a_prefix_never_read(tmp_path: Path) -> None:
    """A variable before the breakpoint: PO101 says no call ever reads it; PO105 stays quiet."""
    charter = CHARTER.replace("calls_per_month: 1000000", "calls_per_month: 1000")
    volatile = LONG_CACHED.replace(
        "You are a helpful assistant.", "You help {{ customer }}."
    ).replace("  question: {}", "  question: {}\n  customer: {}")
    make_repo(tmp_path, {"charters/s.yaml": charter, "prompts/a.yaml": volatile})
    findings = lint(tmp_path)
    assert where(findings, "PO105") == [] and len(where(findings, "PO101")) == 1


def test_po107_charter_hit_rate_above_what_traffic_delivers(tmp_path: Path) -> None:
    charter = CHARTER.replace("calls_per_month: 1000000", "calls_per_month: 10000")
    make_repo(tmp_path, {"charters/s.yaml": charter, "prompts/a.yaml": LONG_CACHED})
    finding = only(lint(tmp_path), "PO107")
    assert finding.path == "charters/s.yaml"
    # 10,000 calls/month over 730 h = 13.699/hour; λ·TTL = 13.699/12 = 1.1416, so a 5m entry
    # is warm for 1 - e^(-1.1416) = 68.07% of calls
    assert "68%" in finding.message and "tiny" in finding.message
    assert finding.extra["traffic_hit_rate"] == pytest.approx(0.6807, abs=1e-4)


def test_po105_quiet_at_high_traffic_and_for_1h_above_its_break_even(tmp_path: Path) -> None:
    low = CHARTER.replace("calls_per_month: 1000000", "calls_per_month: 1000").replace(
        "id: support", "id: quiet"
    )
    hour = SHORT_CACHED.replace("cache: true", "cache: 1h").replace(
        "workload: support", "workload: quiet"
    )
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "charters/q.yaml": low,
            "prompts/a.yaml": SHORT_CACHED,
            "prompts/b.yaml": hour.replace("id: tiny", "id: tiny-hour"),
        },
    )
    assert where(lint(tmp_path), "PO105") == []


def test_po106_1h_after_5m(tmp_path: Path) -> None:
    prompt = """\
    kind: prompt
    id: mixed
    version: 1.0.0
    model: claude-sonnet-4-6
    workload: support
    max_output_tokens: 400
    tools: [lookup_order]
    tool_cache: true
    system:
      - text: Policy.
        cache: 1h
    """
    make_repo(
        tmp_path, {"charters/s.yaml": CHARTER, "tools/t.yaml": TOOL, "prompts/a.yaml": prompt}
    )
    assert where(lint(tmp_path), "PO106") == [("prompts/a.yaml", 11, 5)]
    fixed = prompt.replace("tool_cache: true", "tool_cache: 1h").replace(
        "cache: 1h\n", "cache: true\n"
    )
    (tmp_path / "prompts/a.yaml").write_text(__import__("textwrap").dedent(fixed))
    assert where(lint(tmp_path), "PO106") == []


def _haiku_system(cl100k_tokens: int) -> str:
    """A Haiku 4.5 prompt (minimum 4,096) whose cached system block is `cl100k_tokens` long."""
    return SHORT_CACHED.replace("You are a helpful assistant.", "x" + " policy" * cl100k_tokens)


@pytest.mark.parametrize(
    ("cl100k_tokens", "verdict"),
    [
        (2000, "below"),  # even p90 (×1.71) is 3,4xx < 4,096
        (2750, "may be below"),  # p10 ×1.44 ≈ 3,96x < 4,096 ≤ central ×1.54 ≈ 4,23x
        (3000, None),  # p10 ≈ 4,32x: cached whatever the exact count
    ],
)
def test_po103_respects_the_calibrated_estimates_band(
    tmp_path: Path, cl100k_tokens: int, verdict: str | None
) -> None:
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": _haiku_system(cl100k_tokens)},
        config="tokenizer: auto\n",
    )
    findings = [f for f in lint(tmp_path) if f.code == "PO103"]
    if verdict is None:
        assert findings == []
        return
    (finding,) = findings
    assert f"{verdict} claude-haiku-4-5-20251001's minimum cacheable length of 4,096" in (
        finding.message
    )
    assert finding.extra["certain"] is (verdict == "below")
    assert finding.extra["prefix_tokens_low"] < finding.extra["prefix_tokens_high"]


def test_po103_raw_counts_have_no_band(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": _haiku_system(2750)},
        config="tokenizer: cl100k_base\n",
    )
    finding = only(lint(tmp_path), "PO103")
    assert "below claude-haiku-4-5" in finding.message and "may be" not in finding.message
