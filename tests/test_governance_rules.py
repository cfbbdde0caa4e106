"""The anti-pattern rules of issue 18: PO204 unbounded-conversation (Eternal Conversation),
PO205 dominant-retrieval (Phantom RAG), PO312 silent-downgrade. A true positive and a true
negative each, through the real lint pipeline (PO312 through `promptops check` on real git
commits), and each has its `promptops rule CODE` page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo
from tests.support.lint_repo import CHARTER, lint, make_repo, where

CONFIG = "tokenizer: cl100k_base\n"


def prompt(body: str, variables: str) -> str:
    return (
        "kind: prompt\nid: support/chat\nversion: 1.0.0\nmodel: claude-haiku-4-5\n"
        "workload: support\nmax_output_tokens: 400\n"
        "system: You answer questions about orders.\n" + body + "variables:\n" + variables
    )


CHAT = 'messages:\n  - role: user\n    content: "{{ history }}\\n\\n{{ question }}"\n'
QUESTION = "  question: {max_tokens: 300, expected_tokens: 50}\n"


@pytest.mark.parametrize(
    ("extra", "history", "found"),
    [
        ("", "  history: {expected_tokens: 800}\n", True),
        ("", "  history: {max_tokens: 6000, expected_tokens: 800}\n", False),
        ("conversation: {max_turns: 20}\n", "  history: {expected_tokens: 800}\n", False),
        ("conversation: {eviction: summarize}\n", "  history: {expected_tokens: 800}\n", False),
        ("conversation: {eviction: none}\n", "  history: {expected_tokens: 800}\n", True),
        ("", "  history: {history: false, expected_tokens: 800}\n", False),
    ],
    ids=["unbounded", "max-tokens", "max-turns", "summarize", "eviction-none", "not-history"],
)
def test_po204_unbounded_conversation(
    tmp_path: Path, extra: str, history: str, found: bool
) -> None:
    root = make_repo(
        tmp_path,
        {
            "charters/support.yaml": CHARTER,
            "prompts/chat.yaml": prompt(extra + CHAT, history + QUESTION),
        },
        CONFIG,
    )
    hits = where(lint(root), "PO204")
    assert bool(hits) == found, hits
    if found:
        assert hits == [("prompts/chat.yaml", 10 + extra.count("\n"), 15)]


RAG = 'messages:\n  - role: user\n    content: "{{ retrieved_docs }}\\n\\n{{ question }}"\n'


def suite(extra: str) -> str:
    return (
        "kind: eval\nid: chat-quality\nprompt: support/chat\ntarget: local\n"
        + extra
        + "cases:\n  - id: a\n    vars: {question: where is my order, retrieved_docs: doc}\n"
        "    assert: [{type: contains, value: order}]\n"
    )


@pytest.mark.parametrize(
    ("docs_var", "eval_doc", "found"),
    [
        ("  retrieved_docs: {max_tokens: 12000, expected_tokens: 3000}\n", None, True),
        (
            "  retrieved_docs: {max_tokens: 12000, expected_tokens: 3000}\n",
            suite("ablate: [retrieved_docs]\n"),
            False,
        ),
        ("  retrieved_docs: {max_tokens: 12000, expected_tokens: 3000}\n", suite(""), True),
        ("  retrieved_docs: {max_tokens: 40, expected_tokens: 30}\n", None, False),
    ],
    ids=["dominant", "ablated", "suite-without-ablation", "small"],
)
def test_po205_dominant_retrieval(
    tmp_path: Path, docs_var: str, eval_doc: str | None, found: bool
) -> None:
    files = {
        "charters/support.yaml": CHARTER,
        "prompts/chat.yaml": prompt(RAG, docs_var + QUESTION),
    }
    if eval_doc:
        files["evals/chat.yaml"] = eval_doc
    root = make_repo(tmp_path, files, CONFIG)
    hits = [f for f in lint(root) if f.code == "PO205"]
    assert bool(hits) == found, hits
    if found:
        assert "promptops eval --ablate retrieved_docs" in hits[0].message


SIGNED = """\
kind: charter
id: support
owner: jane.doe@example.com
signers: {platform: Tomas @tberg, risk: Sam @sam}
models: {allowed: [claude-haiku-4-5, claude-sonnet-4-6], default: claude-sonnet-4-6}
scenarios:
  expected: {calls_per_month: 100000, cache_hit_rate: 0.5, output_tokens: 300}
review:
  what: every
  authority: veto
"""
PROMPT = """\
kind: prompt
id: support/answer
version: 1.0.0
model: {model}
workload: support
max_output_tokens: 400
system: You answer questions about orders. Always cite the order id.
messages:
  - role: user
    content: "{{{{ question }}}}"
variables:
  question: {{max_tokens: 300, expected_tokens: 50}}
"""


def _check(root: Path) -> tuple[int, dict]:
    result = run_cli(["check", "--base", "main", "--format", "json"], cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", CONFIG)
    repo.write("charters/support.yaml", SIGNED)
    repo.write("prompts/answer.yaml", PROMPT.format(model="claude-sonnet-4-6"))
    repo.commit("base")
    repo.branch("feature")
    return repo


def test_po312_review_relaxed_with_a_cheaper_model_blocks(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    repo.write("charters/support.yaml", SIGNED.replace("what: every", "what: sample"))
    repo.write(
        "prompts/answer.yaml",
        PROMPT.format(model="claude-haiku-4-5").replace("version: 1.0.0", "version: 1.1.0"),
    )
    repo.commit("cheaper and less reviewed")
    code, report = _check(repo.root)
    (finding,) = [f for f in report["findings"] if f["code"] == "PO312"]
    assert code == 1
    assert finding["path"] == "charters/support.yaml" and finding["severity"] == "error"
    assert "review.what: 'every' → 'sample'" in finding["message"]
    assert "claude-sonnet-4-6 to claude-haiku-4-5" in finding["message"]
    assert "@tberg" in finding["message"] and "@sam" in finding["message"]


@pytest.mark.parametrize("which", ["review-only", "cheaper-only", "tightened"])
def test_po312_quiet_without_both(tmp_path: Path, which: str) -> None:
    repo = _repo(tmp_path)
    if which == "review-only":
        repo.write("charters/support.yaml", SIGNED.replace("what: every", "what: sample"))
    else:
        repo.write(
            "prompts/answer.yaml",
            PROMPT.format(model="claude-haiku-4-5").replace("version: 1.0.0", "version: 1.1.0"),
        )
    if which == "tightened":
        repo.write(
            "charters/support.yaml",
            SIGNED.replace("authority: veto", "authority: veto\n  sample_rate: 1"),
        )
    repo.commit(which)
    _, report = _check(repo.root)
    assert [f for f in report["findings"] if f["code"] == "PO312"] == []


@pytest.mark.parametrize("code", ["PO204", "PO205", "PO312"])
def test_rule_pages(code: str) -> None:
    result = run_cli(["rule", code])
    assert result.returncode == 0
    assert "**Fix.**" in result.stdout or "Fix." in result.stdout
