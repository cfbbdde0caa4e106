"""`promptops eval --ablate VAR` / `--compare-model MODEL` and the suite's own `repeat:`,
through the real CLI and SDK against the fake Messages API (issue 18, Opus Habit, tested).

The fake answers `echo: <user text>`, except that Haiku answers "I don't know" to questions
marked hard: so emptying the context fails every case that needs it, and Haiku disagrees with
Opus on the hard cases only. Expected intervals are computed here from the Wilson formula,
independently of promptops' own statistics."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.cli import REPO_ROOT, run_cli
from tests.support.fake_anthropic import (
    MESSAGES,
    FakeAnthropic,
    Reply,
    default_token_count,
    echo_responder,
    last_user_text,
    message_reply,
)

PROMPT = """\
kind: prompt
id: answer
version: 1.0.0
model: claude-opus-4-5
workload: support
max_output_tokens: 64
system: Answer from the context.
messages:
  - role: user
    content: "Q: {{ question }} Context: {{ context }}"
variables:
  question: {description: the question}
  context: {description: retrieved passages, max_tokens: 2000}
"""
CHARTER = """\
kind: charter
id: support
owner: ops@example.com
scenarios:
  expected: {calls_per_month: 120000}
"""
CASES = "\n".join(
    f"  - {{id: c{n}, vars: {{question: {'hard' if n < 2 else 'easy'} {n}, "
    f"context: fact-{n}}}, assert: [{{type: contains, value: fact-{n}}}]}}"
    for n in range(8)
)
SUITE = f"""\
kind: eval
id: answer-suite
prompt: answer
ablate: [context]
cases:
{CASES}
"""
OPUS_IN, OPUS_OUT, HAIKU_IN, HAIKU_OUT = Decimal(5), Decimal(25), Decimal(1), Decimal(5)


def responder(body: dict[str, Any]) -> Reply:
    if body.get("model") == "claude-haiku-4-5" and "hard" in last_user_text(body):
        text = "I don't know"
        usage = {"input_tokens": default_token_count(body), "output_tokens": 3}
        return message_reply(text, model="claude-haiku-4-5", usage=usage)
    return echo_responder(body)


def make_repo(root: Path, suite: str = SUITE) -> Path:
    for folder in ("prompts", "evals", "charters"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "prompts" / "answer.yaml").write_text(PROMPT)
    (root / "charters" / "support.yaml").write_text(CHARTER)
    (root / "evals" / "answer.yaml").write_text(suite)
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\neval: {cache_dir: .cache}\n")
    return root


def newcombe(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    """p1 − p2 with Newcombe's hybrid score interval (method 10), from Wilson intervals."""
    z = 1.959963984540054

    def wilson(x: int, n: int) -> tuple[float, float]:
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    p1, p2 = x1 / n1, x2 / n2
    (l1, u1), (l2, u2) = wilson(x1, n1), wilson(x2, n2)
    d = p1 - p2
    return (
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def per_call(run: dict[str, Any], price_in: Decimal, price_out: Decimal) -> Decimal:
    """Mean cost of one call of a run, recomputed from the usage the fake reported."""
    attempts = [a for case in run["cases"] for a in case["attempts"]]
    total = sum(
        (
            Decimal(a["usage"]["input_tokens"]) * price_in
            + Decimal(a["usage"]["output_tokens"]) * price_out
        )
        / 10**6
        for a in attempts
    )
    return total / len(attempts)


def tokens_call_cost(repo: Path) -> Decimal:
    """The per-call cost `promptops tokens` shows for the prompt (the charter's scenario)."""
    result = run_cli(["tokens", "--format", "json"], cwd=repo)
    assert result.returncode == 0, result.stderr
    return Decimal(json.loads(result.stdout)["prompts"][0]["call"]["total"])


def contrast_json(repo: Path, fake: FakeAnthropic, *args: str) -> dict[str, Any]:
    env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
    result = run_cli(["eval", "--quiet", "--format", "json", *args], cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    schema = json.loads((REPO_ROOT / "schemas" / "report-eval-contrast.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert not errors, errors
    return data


def test_ablate_reports_both_runs_interval_disagreements_and_money(tmp_path):
    repo = make_repo(tmp_path)
    with FakeAnthropic(responder=responder) as fake:
        data = contrast_json(repo, fake, "--ablate", "context")
        sent = [r.body for r in fake.requests_to(MESSAGES)]
    assert data["kind"] == "eval-contrast" and data["schema_version"] == 1
    [contrast] = data["contrasts"]
    assert contrast["kind"] == "ablate" and contrast["subject"] == "context"
    baseline, variant = contrast["baseline"], contrast["variant"]
    assert baseline["summary"]["passed"] == 8 and variant["summary"]["passed"] == 0
    # the variable was emptied in every request of the variant run, the rest unchanged
    texts = [json.dumps(body["messages"]) for body in sent]
    assert sum("Context: fact-" in t for t in texts) == 8
    assert sum('Context: "' in t for t in texts) == 8
    difference = contrast["pass_rate_difference"]
    estimate, low, high = newcombe(0, 8, 8, 8)
    assert difference["estimate"] == pytest.approx(estimate) == -1.0
    assert difference["low"] == pytest.approx(low, abs=1e-6)
    assert difference["high"] == pytest.approx(high, abs=1e-6)
    assert high < 0 and contrast["distinguishable"] is True
    assert [d["case"] for d in contrast["disagreements"]] == [f"c{n}" for n in range(8)]
    assert all(d["baseline_passed"] and not d["variant_passed"] for d in contrast["disagreements"])
    money = contrast["money"]
    base_call, var_call = (
        per_call(baseline, OPUS_IN, OPUS_OUT),
        per_call(variant, OPUS_IN, OPUS_OUT),
    )
    assert var_call < base_call  # the context costs tokens
    assert Decimal(money["cost_per_call_delta_usd"]) == var_call - base_call
    assert Decimal(money["calls_per_month"]) == 120000
    assert Decimal(money["monthly_delta_usd"]) == (var_call - base_call) * 120000
    assert Decimal(money["monthly_saving_usd"]) == (base_call - var_call) * 120000
    # at the charter's expected scenario, as `promptops tokens` prices the prompt
    expected = Decimal(money["baseline_expected_cost_per_call_usd"])
    assert expected == tokens_call_cost(repo)
    emptied = Decimal(money["variant_expected_cost_per_call_usd"])
    assert 0 < emptied < expected
    assert Decimal(money["expected_monthly_saving_usd"]) == (expected - emptied) * 120000


@pytest.mark.slow  # three CLI runs
def test_compare_model_says_not_distinguishable_and_prices_the_downgrade(tmp_path):
    repo = make_repo(tmp_path / "repo")
    with FakeAnthropic(responder=responder) as fake:
        data = contrast_json(repo, fake, "--compare-model", "claude-haiku-4-5")
        models = sorted(r.body["model"] for r in fake.requests_to(MESSAGES))
    assert models == ["claude-haiku-4-5"] * 8 + ["claude-opus-4-5"] * 8
    [contrast] = data["contrasts"]
    assert contrast["kind"] == "compare-model"
    baseline, variant = contrast["baseline"], contrast["variant"]
    assert (baseline["model"], variant["model"]) == ("claude-opus-4-5", "claude-haiku-4-5")
    assert (baseline["summary"]["passed"], variant["summary"]["passed"]) == (8, 6)
    estimate, low, high = newcombe(6, 8, 8, 8)
    difference = contrast["pass_rate_difference"]
    assert difference["estimate"] == pytest.approx(estimate) == -0.25
    assert difference["low"] == pytest.approx(low, abs=1e-6)
    assert difference["high"] == pytest.approx(high, abs=1e-6)
    assert low < 0 < high and contrast["distinguishable"] is False
    assert contrast["disagreements"] == [
        {"case": "c0", "baseline_passed": True, "variant_passed": False},
        {"case": "c1", "baseline_passed": True, "variant_passed": False},
    ]
    money = contrast["money"]
    opus = per_call(baseline, OPUS_IN, OPUS_OUT)
    haiku = per_call(variant, HAIKU_IN, HAIKU_OUT)
    assert Decimal(money["baseline_cost_per_call_usd"]) == opus
    assert Decimal(money["variant_cost_per_call_usd"]) == haiku
    assert Decimal(money["baseline_monthly_usd"]) == opus * 120000
    assert Decimal(money["monthly_saving_usd"]) == (opus - haiku) * 120000 > 0
    # at the charter's expected scenario: what `promptops tokens` says each model costs
    opus_expected = tokens_call_cost(repo)
    haiku_repo = make_repo(tmp_path / "haiku")  # a sibling: not part of the repo
    prompt = haiku_repo / "prompts" / "answer.yaml"
    prompt.write_text(PROMPT.replace("claude-opus-4-5", "claude-haiku-4-5"))
    haiku_expected = tokens_call_cost(haiku_repo)
    assert Decimal(money["baseline_expected_cost_per_call_usd"]) == opus_expected
    assert Decimal(money["variant_expected_cost_per_call_usd"]) == haiku_expected
    assert Decimal(money["expected_monthly_saving_usd"]) == (
        (opus_expected - haiku_expected) * 120000
    )

    # the text a charter review records says the same
    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        text = run_cli(
            ["eval", "--quiet", "--compare-model", "claude-haiku-4-5"], cwd=repo, env=env
        )
    assert text.returncode == 0, text.stderr
    assert "8/8 passed" in text.stdout and "6/8 passed" in text.stdout
    assert "pass rate difference -25.0% (95% CI" in text.stdout
    assert "not distinguishable" in text.stdout
    assert "disagreements: 2: c0 (as is passes), c1 (as is passes)" in text.stdout
    saving = (opus - haiku) * 120000
    assert f"saving +${saving:,.2f}/month" in text.stdout  # to the cent in text
    assert (
        f"at the charter's expected scenario: as is ${opus_expected}/call, "
        f"claude-haiku-4-5 ${haiku_expected}/call" in text.stdout
    )


def test_ablate_declared_uses_the_suites_ablate_list(tmp_path):
    repo = make_repo(tmp_path)
    with FakeAnthropic(responder=responder) as fake:
        data = contrast_json(repo, fake, "--ablate-declared")
    assert [(c["kind"], c["subject"]) for c in data["contrasts"]] == [("ablate", "context")]


def test_ablate_unknown_variable_and_base_are_usage_errors(tmp_path):
    repo = make_repo(tmp_path)
    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        unknown = run_cli(["eval", "--quiet", "--ablate", "nope"], cwd=repo, env=env)
        with_base = run_cli(
            ["eval", "--quiet", "--ablate", "context", "--base", "HEAD"], cwd=repo, env=env
        )
        assert fake.requests_to(MESSAGES) == []
    assert unknown.returncode == 2 and "has no variable 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert with_base.returncode == 2 and "--base" in with_base.stderr


@pytest.mark.parametrize(
    ("flag", "calls", "repeat", "source"),
    [((), 24, 3, "suite"), (("--repeat", "2"), 16, 2, "flag")],
)
def test_the_suites_repeat_is_used_unless_the_flag_is_given(tmp_path, flag, calls, repeat, source):
    repo = make_repo(tmp_path, SUITE.replace("ablate: [context]", "repeat: 3"))
    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        result = run_cli(["eval", "--quiet", "--format", "json", *flag], cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
        assert len(fake.requests_to(MESSAGES)) == calls
    head = json.loads(result.stdout)["suites"][0]["head"]
    assert head["repeat"] == repeat and head["repeat_source"] == source
    assert all(len(case["attempts"]) == repeat for case in head["cases"])


def test_min_passes_is_checked_against_the_suites_repeat(tmp_path):
    repo = make_repo(tmp_path, SUITE.replace("ablate: [context]", "repeat: 3"))
    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        ok = run_cli(
            ["eval", "--quiet", "--format", "json", "--min-passes", "2"], cwd=repo, env=env
        )
        too_many = run_cli(["eval", "--quiet", "--min-passes", "4"], cwd=repo, env=env)
        assert len(fake.requests_to(MESSAGES)) == 24  # the refused run made no call
    assert ok.returncode == 0, ok.stderr
    case = json.loads(ok.stdout)["suites"][0]["head"]["cases"][0]
    assert (case["required_passes"], len(case["attempts"])) == (2, 3)
    assert too_many.returncode == 2 and "between 1 and --repeat (3)" in too_many.stderr


def test_without_a_repeat_the_default_is_one_and_says_so(tmp_path):
    repo = make_repo(tmp_path, SUITE.replace("ablate: [context]\n", ""))
    with FakeAnthropic(responder=responder) as fake:
        env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        result = run_cli(["eval", "--quiet", "--format", "json"], cwd=repo, env=env)
        assert len(fake.requests_to(MESSAGES)) == 8
    head = json.loads(result.stdout)["suites"][0]["head"]
    assert (head["repeat"], head["repeat_source"]) == (1, "default")
