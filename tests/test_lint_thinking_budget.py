"""PO309: a thinking budget on a model that rejects it is a lint error, not a price."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.lint_repo import CHARTER, lint, make_repo, where


def _prompt(model: str) -> str:
    return (
        f"kind: prompt\nid: deep\nversion: 1.0.0\nmodel: {model}\nworkload: support\n"
        "max_output_tokens: 8000\nthinking: {budget_tokens: 4000}\nsystem: Think it through.\n"
    )


@pytest.mark.parametrize(
    ("model", "rejected"),
    [
        ("claude-opus-4-8", True),
        ("claude-opus-4-7", True),
        ("claude-opus-5-5", True),
        ("claude-sonnet-5", True),
        ("claude-opus-4-6", False),
        ("claude-sonnet-4-5", False),
        ("claude-haiku-4-5", False),
    ],
)
def test_po309_only_for_models_that_reject_budget_tokens(
    tmp_path: Path, model: str, rejected: bool
) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/p.yaml": _prompt(model)})
    found = where(lint(tmp_path), "PO309")
    assert found == ([("prompts/p.yaml", 7, 12)] if rejected else [])


def test_a_rejected_budget_is_not_priced_and_the_estimate_says_so(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {"prompts/p.yaml": _prompt("claude-opus-4-8").replace("workload: support\n", "")},
        config="tokenizer: cl100k_base\n",
    )
    result = run_cli(["tokens", "--format", "json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (prompt,) = json.loads(result.stdout)["prompts"]
    assert prompt["thinking_tokens"] == 0
    assert prompt["output_tokens"] == 8000  # no charter: the request's max_tokens
    assert any("rejects thinking.budget_tokens" in a for a in prompt["assumptions"])
    lint_result = run_cli(["lint", "prompts/p.yaml"], cwd=tmp_path)
    assert lint_result.returncode == 1 and "PO309" in lint_result.stdout
