"""Budgets and traffic are finite and bounded; every schema key does something.

Reproduction (issue "Gates that cannot be fooled", item 11): "NaN, Infinity and 10**400 in
charter budgets pass lint ('All clean') and then crash tokens, mbom and check; the eval schema
accepts `defaults:` that the loader ignores."
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
from pathlib import Path

import jsonschema
import pytest

from promptops.documents.schema import load_schema
from promptops.parsing.schema_check import compile_schema
from tests.support.cli import run_cli

BIG = "1" + "0" * 400  # 10**400: a YAML int Python reads exactly
CHARTER = f"""\
kind: charter
id: support
owner: jane@example.com
scenarios:
  expected: {{calls_per_month: 1000, cache_hit_rate: .nan, output_tokens: 300}}
  runaway: {{multiplier: .inf, kill_switch_usd: .nan}}
budgets:
  max_cost_per_call_usd: .nan
  monthly_usd: {{expected: .inf}}
  max_increase: {{usd_per_month: {BIG}}}
"""
VALID_CHARTER = """\
kind: charter
id: support
owner: jane@example.com
scenarios:
  expected: {calls_per_month: 1000, cache_hit_rate: 0.5, output_tokens: 300}
budgets:
  monthly_usd: {expected: 100}
"""
PROMPT = """\
kind: prompt
id: ask
version: 1.0.0
model: claude-haiku-4-5
workload: support
max_output_tokens: 400
system: You answer questions.
messages:
  - role: user
    content: "{{ q }}"
variables:
  q: {expected_tokens: 5}
"""
# (line, path) of each PO002 finding the bad charter must raise.
EXPECTED = [
    (5, "scenarios/expected/cache_hit_rate"),
    (6, "scenarios/runaway/multiplier"),
    (6, "scenarios/runaway/kill_switch_usd"),
    (8, "budgets/max_cost_per_call_usd"),
    (9, "budgets/monthly_usd/expected"),
    (10, "budgets/max_increase/usd_per_month"),
]


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {"promptops.yaml": "tokenizer: cl100k_base\n", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _findings(stdout: str) -> list[dict]:
    data = json.loads(stdout)
    return data["findings"] if isinstance(data, dict) else data


def test_non_finite_and_absurd_budgets_are_schema_findings(tmp_path: Path) -> None:
    root = _write(tmp_path, {"charters/c.yaml": CHARTER, "prompts/p.yaml": PROMPT})
    result = run_cli(["lint", "--format", "json"], cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    found = [(f["line"], f["message"].split(":")[0]) for f in _findings(result.stdout)]
    assert found == EXPECTED
    assert all(
        f["code"] == "PO002" and f["path"] == "charters/c.yaml" for f in _findings(result.stdout)
    )


def test_tokens_mbom_and_check_do_not_crash_on_them(tmp_path: Path) -> None:
    root = _write(tmp_path, {"charters/c.yaml": VALID_CHARTER, "prompts/p.yaml": PROMPT})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=root, check=True)
    (root / "charters" / "c.yaml").write_text(CHARTER)
    # tokens lists the invalid charter and exits 1: its report is incomplete without it
    for args, code in ((["tokens"], 1), (["mbom"], 0), (["check", "--base", "main"], 1)):
        result = run_cli(args, cwd=root)
        assert "Traceback" not in result.stderr, (args, result.stderr[-2000:])
        assert result.returncode == code, (args, result.stdout[-2000:], result.stderr[-2000:])
    assert "PO002" in result.stdout  # check blocks on the schema findings


# A valid document of each kind with every bounded number set (maps under "*" use key "k").
FULL: dict[str, dict] = {
    "charter": {
        "kind": "charter",
        "id": "c",
        "owner": "o",
        "agent": {"max_steps": 1, "max_depth": 1, "max_fanout": 1},
        "thinking": {"max_budget_tokens": 1},
        "scenarios": {
            "expected": {
                "calls_per_month": 1,
                "cache_hit_rate": 0.5,
                "output_tokens": 1,
                "batch_share": 0,
            },
            "stretch": {
                "multiplier": 1,
                "cache_hit_rate": 0.5,
                "output_tokens": 1,
                "batch_share": 0,
            },
            "runaway": {
                "multiplier": 1,
                "kill_switch_usd": 1,
                "cache_hit_rate": 0.5,
                "output_tokens": 1,
                "batch_share": 0,
            },
            "prompts": {"k": 0.5},
        },
        "budgets": {
            "max_input_tokens_per_call": 1,
            "max_output_tokens_per_call": 1,
            "max_cost_per_call_usd": 1,
            "monthly_usd": {"expected": 1, "stretch": 1, "runaway": 1},
            "max_increase": {"usd_per_month": 1, "pct": 1},
        },
        "review": {"sample_rate": 0.5},
        "kill_criteria": [{"metric": "m", "op": "<", "value": 1}],
    },
    "prompt": {
        "kind": "prompt",
        "id": "p",
        "version": "1.0.0",
        "model": "m",
        "system": "s",
        "max_output_tokens": 1,
        "temperature": 1,
        "thinking": {"budget_tokens": 2048},
        "variables": {"k": {"max_tokens": 1, "expected_tokens": 1}},
        "agent": {"max_steps": 1, "max_depth": 1},
        "conversation": {"max_turns": 1, "max_history_tokens": 1},
    },
    "eval": {
        "kind": "eval",
        "id": "e",
        "prompt": "p",
        "gate": {"min_pass_rate": 0.5, "max_cost_per_case_usd": 1, "max_regressions": 1},
        "repeat": 1,
        "defaults": {"assert": [{"type": "contains", "threshold": 1}]},
        "cases": [{"id": "a", "assert": [{"type": "contains", "threshold": 1}]}],
    },
}


@pytest.mark.parametrize("kind", sorted(FULL))
@pytest.mark.parametrize(
    "bad",
    [math.nan, math.inf, -math.inf, 10**400, -(10**400)],
    ids=["nan", "inf", "-inf", "10**400", "-10**400"],
)
def test_jsonschema_and_the_fast_check_both_reject_every_bad_number(kind: str, bad: float) -> None:
    """Every bounded number of the schema, set to `bad`, fails both validators (the compiled
    check's "yes" is final, so it must never accept one)."""
    schema = load_schema(kind)
    validator = jsonschema.Draft202012Validator(schema)
    fast = compile_schema(schema)
    assert validator.is_valid(FULL[kind]) and fast(FULL[kind])
    paths = _bounded_numbers(schema)
    assert len(paths) >= {"charter": 25, "prompt": 7, "eval": 6}[kind]
    for path in paths:
        document = copy.deepcopy(FULL[kind])
        parent = document
        for step in path[:-1]:
            parent = parent["k" if step == "*" else step]
        assert path[-1] in parent or path[-1] == "*", (kind, path)  # FULL covers every field
        parent["k" if path[-1] == "*" else path[-1]] = bad
        assert not fast(document), (kind, path, bad)
        assert not validator.is_valid(document), (kind, path, bad)


def _bounded_numbers(schema: dict) -> list[tuple]:
    """Paths to the schema's numbers ("*" for any key of a map, 0 for a list's first item)."""
    found: list[tuple] = []

    def walk(node: dict, path: tuple) -> None:
        ref = node.get("$ref", "")
        if ref and ref != "#/$defs/finite":
            walk(_resolve(schema, ref), path)
        if node.get("type") in ("number", "integer"):
            assert "maximum" in node, path  # every number is bounded
            found.append(path)
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, (*path, name))
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], (*path, "*"))
        if isinstance(node.get("items"), dict):
            walk(node["items"], (*path, 0))

    walk(schema, ())
    return found


def _resolve(schema: dict, ref: str) -> dict:
    node = schema
    for token in ref.removeprefix("#/").split("/"):
        node = node[token]
    return node


EVAL = """\
kind: eval
id: e
prompt: ask
defaults:
  vars: {q: default question, tone: plain}
  assert:
    - type: max-tokens
      value: 120
cases:
  - id: one
    vars: {q: own question}
    assert:
      - type: contains
        value: x
"""


def test_eval_defaults_apply_to_every_case(tmp_path: Path) -> None:
    import yaml

    from promptops.evals.suite_loader import parse_suite

    suite = parse_suite(yaml.safe_load(EVAL), tmp_path / "e.yaml", tmp_path)
    (case,) = suite.cases
    assert case.vars == {"q": "own question", "tone": "plain"}  # the case's own value wins
    assert [a.type for a in case.assertions] == ["max-tokens", "contains"]


def test_eval_schema_has_no_key_that_nothing_reads(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "charters/c.yaml": VALID_CHARTER,
            "prompts/p.yaml": PROMPT,
            "evals/ok.yaml": EVAL,
            "evals/bad.yaml": EVAL.replace("id: e\n", "id: f\n").replace(
                "defaults:\n", "defaults:\n  repeat_each: 3\n"
            )
            + "provider: {name: x}\n",
        },
    )
    result = run_cli(["validate", "--format", "json"], cwd=root)
    messages = [(f["path"], f["message"]) for f in _findings(result.stdout)]
    assert [path for path, _ in messages] == ["evals/bad.yaml", "evals/bad.yaml"], messages
    assert "unknown field 'repeat_each'" in messages[0][1] + messages[1][1]
    assert "unknown field 'provider'" in messages[0][1] + messages[1][1]
