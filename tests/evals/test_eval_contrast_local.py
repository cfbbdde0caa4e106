"""`eval --ablate` and `eval --compare-model` against the real local llama.cpp server
(issue 18, acceptance 4): both runs, the difference with its interval, and the monthly money.

The tiny random-weight model answers gibberish, so the cases are decided by what the request
costs: a `max-cost` limit that a call carrying the retrieved context exceeds and a call without
it does not. Emptying the context therefore flips every case, and its tokens are real counts
from the server. The server serves one model whatever name it is sent, so `--compare-model`
gets the same answers at another price: not distinguishable, and the saving is the price gap."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.evals.test_eval_contrast import newcombe
from tests.support.cli import run_cli
from tests.support.local_model import local_model_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

CONTEXT = "Refunds are issued within thirty days of purchase for unopened items only. " * 2
PROMPT = """\
kind: prompt
id: helper
version: 1.0.0
model: claude-haiku-4-5
workload: helpdesk
max_output_tokens: 8
temperature: 0
system: Answer briefly.
messages:
  - role: user
    content: "{{ question }} {{ context }}"
variables:
  question: {description: the question, max_tokens: 20}
  context: {description: retrieved passages, max_tokens: 200}
"""
CHARTER = """\
kind: charter
id: helpdesk
owner: ops@example.com
scenarios:
  expected: {calls_per_month: 50000}
"""
# tiny: $1,000 per million input and output tokens, i.e. $0.001 a token; tiny-cheap: a tenth.
CONFIG = """\
tokenizer: cl100k_base
prices:
  tiny: {input: 1000, output: 1000, cache_read: 1000}
  tiny-cheap: {input: 100, output: 100, cache_read: 100}
eval: {cache_dir: .promptops-cache/r}
"""
QUESTIONS = ["Can I return it?", "How long do I have?", "Is it free?", "What if opened?"]


COST_LIMIT = "[{type: max-cost, value: 0.1}]"
# Decided by the answer alone (the same on both names): every answer fits 16 tokens, none
# says the phrase.
ANSWER_ONLY = '[{type: max-tokens, value: 16}, {type: not-contains, value: "ZZZZ"}]'


def make_repo(root: Path, asserts: str = COST_LIMIT) -> Path:
    for folder in ("prompts", "evals", "charters"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "prompts" / "helper.yaml").write_text(PROMPT)
    (root / "charters" / "helpdesk.yaml").write_text(CHARTER)
    cases = "\n".join(
        f"  - {{id: q{n}, vars: {{question: {json.dumps(q)}}}}}" for n, q in enumerate(QUESTIONS)
    )
    # A call with the context costs well over $0.10 (about 170 byte-level tokens); without it
    # about $0.03.
    (root / "evals" / "helper.yaml").write_text(
        "kind: eval\nid: helper-suite\nprompt: helper\ntarget: local\nablate: [context]\n"
        f"defaults:\n  vars: {{context: {json.dumps(CONTEXT)}}}\n"
        f"  assert: {asserts}\n"
        f"cases:\n{cases}\n"
    )
    (root / "promptops.yaml").write_text(CONFIG)
    return root


def contrast(repo: Path, server: Any, *args: str) -> dict[str, Any]:
    out = repo / "contrast.json"
    result = run_cli(
        [
            "eval",
            "--base-url",
            server.base_url,
            "--model",
            server.model,
            "--quiet",
            "--no-cache",
            "--format",
            "json",
            "--output",
            str(out),
            *args,
        ],
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def per_call(run: dict[str, Any], price: Decimal) -> Decimal:
    """Mean cost of one call from the token counts the server reported, at `price` per token."""
    attempts = [a for case in run["cases"] for a in case["attempts"]]
    tokens = sum(a["usage"]["input_tokens"] + a["usage"]["output_tokens"] for a in attempts)
    return Decimal(tokens) * price / len(attempts)


def test_ablate_against_the_local_server(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path)
    data = contrast(repo, local_model_server, "--ablate", "context")
    [c] = data["contrasts"]
    baseline, variant = c["baseline"], c["variant"]
    assert baseline["provider"] == "openai-compatible" and baseline["model"] == "tiny"
    base_in = [case["attempts"][0]["usage"]["input_tokens"] for case in baseline["cases"]]
    var_in = [case["attempts"][0]["usage"]["input_tokens"] for case in variant["cases"]]
    assert all(b > v + 100 for b, v in zip(base_in, var_in, strict=True))  # the context's tokens
    assert (baseline["summary"]["passed"], variant["summary"]["passed"]) == (0, 4)
    difference = c["pass_rate_difference"]
    assert difference["estimate"] == 1.0
    _estimate, low, high = newcombe(4, 4, 0, 4)  # ≈ (0.307, 1.0)
    assert difference["low"] == pytest.approx(low, abs=1e-6) and low > 0.3
    assert difference["high"] == pytest.approx(high, abs=1e-6)
    assert c["distinguishable"] is True
    assert [d["case"] for d in c["disagreements"]] == ["q0", "q1", "q2", "q3"]
    money = c["money"]
    token = Decimal("0.001")
    base_call, var_call = per_call(baseline, token), per_call(variant, token)
    assert Decimal(money["baseline_cost_per_call_usd"]) == base_call
    assert Decimal(money["cost_per_call_delta_usd"]) == var_call - base_call < 0
    assert Decimal(money["monthly_saving_usd"]) == (base_call - var_call) * 50000


def test_compare_model_against_the_local_server(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path, ANSWER_ONLY)
    data = contrast(repo, local_model_server, "--compare-model", "tiny-cheap")
    [c] = data["contrasts"]
    baseline, variant = c["baseline"], c["variant"]
    assert (baseline["model"], variant["model"]) == ("tiny", "tiny-cheap")
    # one server, one set of weights: the same answers, so nothing tells the two apart
    outputs = [[a["output"] for a in case["attempts"]] for case in baseline["cases"]]
    assert outputs == [[a["output"] for a in case["attempts"]] for case in variant["cases"]]
    difference = c["pass_rate_difference"]
    assert difference["estimate"] == 0.0 and difference["low"] < 0 < difference["high"]
    assert (baseline["summary"]["passed"], variant["summary"]["passed"]) == (4, 4)
    assert c["distinguishable"] is False and c["disagreements"] == []
    money = c["money"]
    tiny, cheap = per_call(baseline, Decimal("0.001")), per_call(variant, Decimal("0.0001"))
    assert Decimal(money["baseline_monthly_usd"]) == tiny * 50000
    assert Decimal(money["variant_monthly_usd"]) == cheap * 50000
    assert Decimal(money["monthly_saving_usd"]) == (tiny - cheap) * 50000 > 0
    # at the charter's scenario the same prompt costs a tenth on the cheaper name
    expected = Decimal(money["baseline_expected_cost_per_call_usd"])
    assert Decimal(money["variant_expected_cost_per_call_usd"]) * 10 == expected > 0
    assert Decimal(money["expected_monthly_saving_usd"]) == expected * Decimal("0.9") * 50000

    # a model nobody priced: its money is "not priced", never $0
    unpriced = contrast(repo, local_model_server, "--compare-model", "tiny-unpriced")
    money = unpriced["contrasts"][0]["money"]
    assert money["variant_cost_per_call_usd"] is None
    assert money["monthly_saving_usd"] is None and money["baseline_monthly_usd"] is not None
    assert money["variant_expected_cost_per_call_usd"] is None
    assert money["expected_monthly_saving_usd"] is None
    text = run_cli(
        [
            "eval",
            "--base-url",
            local_model_server.base_url,
            "--model",
            "tiny",
            "--quiet",
            "--compare-model",
            "tiny-unpriced",
        ],
        cwd=repo,
    )
    assert text.returncode == 0, text.stderr
    assert "cost per call difference: not priced" in text.stdout
    assert "difference not priced" in text.stdout and "$0/month" not in text.stdout
