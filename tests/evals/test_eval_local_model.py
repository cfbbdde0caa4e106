"""`promptops eval` end to end against a real OpenAI-compatible server on loopback:
llama-cpp-python serving a tiny random-weight GGUF that the test writes."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.local_model import local_model_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

PROMPT = """\
kind: prompt
id: greeter
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 8
temperature: 0
system: You greet people by name.
messages:
  - role: user
    content: "Say hello to {{ name }}"
variables:
  name: {description: who to greet, max_tokens: 10}
"""

SUITE = """\
kind: eval
id: greeter-basics
prompt: greeter
target: local
gate: {gate}
cases:
  - id: ana
    vars: {{name: Ana}}
    assert:
      - {{type: not-contains, value: "ZZZZ"}}
      - {{type: max-tokens, value: 16}}
      - {{type: not-is-json}}
  - id: bo
    vars: {{name: Bo}}
    assert:
      - {{type: max-tokens, value: 16}}
  - id: cy
    vars: {{name: Cy}}
    assert:
      - {{type: contains, value: "a phrase this model will never produce"}}
  - id: di
    vars: {{name: Di}}
    assert:
      - {{type: equals, value: "Hello, Di!"}}
"""


def make_repo(tmp_path: Path, gate: str, config: str = "") -> Path:
    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "evals").mkdir()
    (repo / "prompts" / "greeter.yaml").write_text(PROMPT)
    (repo / "evals" / "greeter.yaml").write_text(SUITE.format(gate=gate))
    (repo / "promptops.yaml").write_text(config or "eval: {cache_dir: .promptops-cache/r}\n")
    return repo


def eval_json(repo: Path, server, *extra: str) -> tuple[int, dict, str]:
    out = repo / "out.json"
    args = ["eval", "--base-url", server.base_url, "--model", server.model, "--quiet"]
    result = run_cli([*args, "--format", "json", "--output", str(out), *extra], cwd=repo)
    data = json.loads(out.read_text()) if out.exists() else {}
    return result.returncode, data, result.stderr


def test_local_suite_results_usage_and_gate(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5}")
    code, data, stderr = eval_json(repo, local_model_server, "--no-cache")
    assert code == 0, stderr
    suite = data["suites"][0]
    head = suite["head"]
    assert head["provider"] == "openai-compatible" and head["model"] == "tiny"
    passed = {c["id"]: c["passed"] for c in head["cases"]}
    assert passed == {"ana": True, "bo": True, "cy": False, "di": False}
    summary = head["summary"]
    assert summary["pass_rate"] == 0.5
    for case in head["cases"]:
        usage = case["attempts"][0]["usage"]
        assert usage["input_tokens"] > 5  # real prompt tokens from the server
        # max_tokens 8; llama-cpp-python may count the stop token as a ninth
        assert 0 < usage["output_tokens"] <= 9
        assert case["attempts"][0]["latency_ms"] > 0
    # nobody priced the local model: its cost is not known, never $0
    assert summary["generation_cost_usd"] is None and summary["cost_per_case_usd"] is None
    assert all(c["attempts"][0]["cost_usd"] is None for c in head["cases"])
    assert suite["gates"] == [
        {
            "gate": "min_pass_rate",
            "passed": True,
            "actual": "0.5000",
            "limit": "0.5000",
            "message": "pass rate 50.0% (2/4) ≥ 50.0%",
        }
    ]

    strict = make_repo(tmp_path / "strict", "{min_pass_rate: 0.75}")
    code, data, stderr = eval_json(strict, local_model_server, "--no-cache")
    assert code == 1, stderr
    assert data["suites"][0]["gates"][0]["passed"] is False
    text = run_cli(
        ["eval", "--base-url", local_model_server.base_url, "--quiet", "--no-cache"], cwd=strict
    )
    assert text.returncode == 1
    assert "gate min_pass_rate" in text.stdout and "FAIL" in text.stdout
    assert "✗ cy" in text.stdout
    assert "not priced" in text.stdout and "$0/call" not in text.stdout


def _cost_of(attempt: dict, input_price: int, output_price: int) -> float:
    usage = attempt["usage"]
    reads = usage["cache_read_input_tokens"]  # a local server does not discount reads
    return (
        (usage["input_tokens"] + reads) * input_price + usage["output_tokens"] * output_price
    ) / (1_000_000)


def test_local_model_priced_under_prices_feeds_the_cost_gate(
    tmp_path,
    local_model_server,  # noqa: F811
):
    model = local_model_server.model
    config = f"prices:\n  {model}: {{input: 100, output: 1000, cache_read: 100}}\n"
    repo = make_repo(tmp_path, "{max_cost_per_case_usd: 0.000001}", config)
    code, data, stderr = eval_json(repo, local_model_server, "--no-cache")
    assert code == 1, stderr
    head = data["suites"][0]["head"]
    attempt = head["cases"][0]["attempts"][0]
    assert float(attempt["cost_usd"]) == pytest.approx(_cost_of(attempt, 100, 1000))
    gate = data["suites"][0]["gates"][0]
    assert gate["gate"] == "max_cost_per_case_usd" and gate["passed"] is False
    assert gate["actual"] == head["summary"]["cost_per_case_usd"]
    assert "deprecated" not in stderr


def test_legacy_local_price_is_translated_into_a_price_override(
    tmp_path,
    local_model_server,  # noqa: F811
):
    config = "eval:\n  local_price: {input: 100, output: 1000}\n"
    repo = make_repo(tmp_path, "{max_cost_per_case_usd: 0.000001}", config)
    code, data, stderr = eval_json(repo, local_model_server, "--no-cache")
    assert code == 1, stderr
    assert "eval.local_price is deprecated" in stderr and "prices:" in stderr
    head = data["suites"][0]["head"]
    attempt = head["cases"][0]["attempts"][0]
    assert float(attempt["cost_usd"]) == pytest.approx(_cost_of(attempt, 100, 1000))
    gate = data["suites"][0]["gates"][0]
    assert gate["gate"] == "max_cost_per_case_usd" and gate["passed"] is False

    both = (
        f"{config}prices:\n  {local_model_server.model}: {{input: 1, output: 2, cache_read: 1}}\n"
    )
    twice = make_repo(tmp_path / "twice", "{max_cost_per_case_usd: 1}", both)
    code, _data, stderr = eval_json(twice, local_model_server, "--no-cache")
    assert code == 2 and "priced twice" in stderr


def test_cost_gate_on_an_unpriced_local_model_fails_as_not_evaluable(
    tmp_path,
    local_model_server,  # noqa: F811
):
    # a generous limit that $0 would pass: an unknown cost must not
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5, max_cost_per_case_usd: 1}")
    code, data, stderr = eval_json(repo, local_model_server, "--no-cache")
    assert code == 1, stderr
    gates = {g["gate"]: g for g in data["suites"][0]["gates"]}
    assert gates["min_pass_rate"]["passed"] is True
    cost = gates["max_cost_per_case_usd"]
    assert cost["passed"] is False and cost["actual"] == "not priced"
    assert "not evaluable" in cost["message"] and "`prices:`" in cost["message"]
    assert data["suites"][0]["comparison"]["head_cost_per_case_usd"] is None


def test_second_run_is_served_from_the_cache(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5}")
    _, first, _ = eval_json(repo, local_model_server)
    _, second, _ = eval_json(repo, local_model_server)
    assert first["suites"][0]["head"]["summary"]["cached_calls"] == 0
    assert second["suites"][0]["head"]["summary"]["cached_calls"] == 4
    outputs = [[a["output"] for c in r["suites"][0]["head"]["cases"] for a in c["attempts"]]
               for r in (first, second)]  # fmt: skip
    assert outputs[0] == outputs[1]
    prompt = repo / "prompts" / "greeter.yaml"
    prompt.write_text(prompt.read_text().replace("by name.", "by their name."))
    _, third, _ = eval_json(repo, local_model_server)
    assert third["suites"][0]["head"]["summary"]["cached_calls"] == 0


def test_base_ref_is_run_and_compared(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5, max_regressions: 0}")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, timeout=30)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True, timeout=30)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True, timeout=30)
    prompt = repo / "prompts" / "greeter.yaml"
    prompt.write_text(prompt.read_text().replace("by name.", "warmly."))
    code, data, stderr = eval_json(repo, local_model_server, "--base", "main")
    assert code == 0, stderr
    suite = data["suites"][0]
    assert suite["base"]["ref"] == "main"
    assert [c["id"] for c in suite["base"]["cases"]] == ["ana", "bo", "cy", "di"]
    assert suite["comparison"]["has_base"] is True
    assert suite["comparison"]["regressions"] == []
    assert {g["gate"] for g in suite["gates"]} == {"min_pass_rate", "max_regressions"}
    code, _data, stderr = eval_json(repo, local_model_server, "--base", "no-such-ref")
    assert code == 2 and "no-such-ref" in stderr


def test_shards_then_merge(tmp_path, local_model_server):  # noqa: F811
    repo = make_repo(tmp_path, "{min_pass_rate: 0.75}")
    files = []
    for shard in ("1/2", "2/2"):
        code, data, stderr = eval_json(repo, local_model_server, "--shard", shard)
        assert code == 0, stderr  # shards do not gate
        target = repo / f"shard{shard[0]}.json"
        target.write_text(json.dumps(data))
        files.append(str(target))
    merged = run_cli(["eval", "merge", *files, "--format", "json"], cwd=repo)
    assert merged.returncode == 1, merged.stderr  # 2/4 < 0.75 once merged
    cases = json.loads(merged.stdout)["suites"][0]["head"]["cases"]
    assert sorted(c["id"] for c in cases) == ["ana", "bo", "cy", "di"]
    missing = run_cli(["eval", "merge", files[0]], cwd=repo)
    assert missing.returncode == 2 and "missing shard" in missing.stderr


def test_unreachable_server_exits_3(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5}")
    result = run_cli(
        ["eval", "--base-url", f"http://127.0.0.1:{port}/v1", "--quiet", "--no-cache"], cwd=repo
    )
    assert result.returncode == 3, result.stderr
    assert "could not be reached" in result.stderr


def test_bad_suite_is_a_user_error(tmp_path):
    repo = make_repo(tmp_path, "{min_pass_rate: 0.5}")
    suite = repo / "evals" / "greeter.yaml"
    suite.write_text(suite.read_text().replace("type: equals", "type: equalz"))
    result = run_cli(["eval", "--base-url", "http://127.0.0.1:9/v1"], cwd=repo)
    assert result.returncode == 2
    assert "evals/greeter.yaml" in result.stderr and "equalz" in result.stderr
