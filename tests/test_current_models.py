"""`promptops tokens` prices the models Anthropic lists as current, with their own read prices
and minimum cacheable lengths, and one unknown model does not abort the report."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.support.cli import run_cli

CHARTER = """\
kind: charter
id: now
owner: finance@example.com
scenarios:
  expected: {calls_per_month: 1000000, cache_hit_rate: 1, output_tokens: 0}
"""

# model: (input, cache read per MTok, minimum cacheable length)
PUBLISHED = {
    "claude-opus-5-5": ("4", "0.2", 512),
    "claude-sonnet-5-5": ("2", "0.1", 1024),
    "claude-haiku-5-5": ("0.1", "0.01", 4096),
    "claude-fable-5-1": ("10", "0.25", 512),
}


def _prompt(model: str, words: int) -> str:
    return (
        f"kind: prompt\nid: {model}\nversion: 1.0.0\nmodel: {model}\nworkload: now\n"
        f"max_output_tokens: 100\nsystem:\n  - text: x{' policy' * words}\n    cache: true\n"
        "messages:\n  - role: user\n    content: hi\n"
    )


def _tokens(root: Path) -> tuple[int, dict]:
    result = run_cli(["tokens", "--format", "json"], cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_current_models_use_their_published_read_price_and_minimum(tmp_path: Path) -> None:
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "charter.yaml").write_text(CHARTER)
    for model in PUBLISHED:
        # 600 cl100k tokens: above the 512 minimum of Opus 5.5 and Fable 5.1, below the others
        (tmp_path / f"{model}.yaml").write_text(_prompt(model, 599))
    (tmp_path / "old.yaml").write_text(
        _prompt("claude-sonnet-4-6", 599).replace("id: claude-sonnet-4-6", "id: old")
    )
    code, report = _tokens(tmp_path)
    assert code == 0
    by_id = {p["id"]: p for p in report["prompts"]}
    for model, (inp, read, minimum) in PUBLISHED.items():
        p = by_id[model]
        (bp,) = p["tokens"]["breakpoints"]
        assert bp["prefix_tokens"] == 600
        assert bp["effective"] is (minimum <= 600), model
        cached = p["tokens"]["parts"]["system"]["cached_5m"]
        uncached = sum(part["uncached"] for part in p["tokens"]["parts"].values())
        # every call reads the cached prefix (hit rate 1) and pays input for the rest
        expected = (cached * Decimal(read) + uncached * Decimal(inp)) / 1_000_000
        assert Decimal(p["scenarios"][0]["cost_per_call_usd"]) == expected, model
    assert by_id["claude-opus-5-5"]["tokens"]["parts"]["system"]["cached_5m"] == 600
    # Opus 5.5: 600 tokens read at $0.20 + 1 token of "hi" at $4 = 124 µ$ per call
    assert Decimal(by_id["claude-opus-5-5"]["scenarios"][0]["cost_per_call_usd"]) == Decimal(
        "0.000124"
    )
    assert by_id["old"]["tokens"]["breakpoints"][0]["effective"] is False  # Sonnet 4.6: 1,024


def test_one_unknown_model_is_a_finding_and_the_rest_is_priced(tmp_path: Path) -> None:
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "charter.yaml").write_text(CHARTER)
    (tmp_path / "a.yaml").write_text(_prompt("claude-opus-5-5", 10))
    (tmp_path / "b.yaml").write_text(
        _prompt("claude-opus-9", 10).replace("id: claude-opus-9", "id: future")
    )
    code, report = _tokens(tmp_path)
    assert code == 1
    assert [p["id"] for p in report["prompts"]] == ["claude-opus-5-5"]
    (unpriced,) = report["unpriced"]
    assert (unpriced["id"], unpriced["path"], unpriced["line"]) == ("future", "b.yaml", 4)
    assert "unknown model 'claude-opus-9'" in unpriced["reason"]
    assert report["workloads"][0]["unpriced"] == ["future"]
    text = run_cli(["tokens"], cwd=tmp_path)
    assert text.returncode == 1
    assert "b.yaml:4: future: not priced: unknown model 'claude-opus-9'" in text.stdout
    assert "now (incomplete: future not priced)" in text.stdout


def test_an_invalid_document_makes_the_report_incomplete(tmp_path: Path) -> None:
    """A prompt the schema rejects is not silently left out of `tokens` (exit 1, listed)."""
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "charter.yaml").write_text(CHARTER)
    (tmp_path / "a.yaml").write_text(_prompt("claude-opus-5-5", 10))
    (tmp_path / "b.yaml").write_text(
        _prompt("claude-opus-5-5", 10).replace("id: claude-opus-5-5", "id: b")
        + "tool_choice: sometimes\n"
    )
    code, report = _tokens(tmp_path)
    assert code == 1
    assert [p["id"] for p in report["prompts"]] == ["claude-opus-5-5"]
    (invalid,) = report["invalid_documents"]
    assert invalid["path"] == "b.yaml" and invalid["code"] == "PO002"
