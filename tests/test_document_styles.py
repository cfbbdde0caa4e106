"""`diff`, `check`, `tokens` and `cache warm` agree on every figure, whatever the YAML style.

One repo per style (tests/support/yaml_styles.py): the same charter, tools and prompts, the
`lookup` tool growing by 1,597 tokens of description on a branch. The reported bug: written
as PyYAML writes it (`tools:\\n- lookup`), the tool was charged to no prompt and `check` said
"±$0.000000 … passed" against `max_increase.pct: 10`. Now, in every style:

- `check` blocks on `max_increase.pct` (exit 1), and `diff`, `check` and `diff` after
  `cache warm main` report the same figures: every prompt's cost per call and monthly cost per
  scenario on both sides, and the workload totals;
- each side's figures equal `tokens` on that side's checkout (the workspace loader's reading);
- every style's figures equal the reference style's.

Each repo also holds more small non-document files than `SCAN_LIMIT`, so the cold `diff` and
`check` find the members by searching the tree, while the diff after `cache warm` reads the
index that warm filled: both paths are covered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from promptops.diff.loading import SCAN_LIMIT
from tests.diff_fixtures import filler, git, run_json
from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo
from tests.support.yaml_styles import NAMED_STYLES, Style, render

REFERENCE = "indented"  # a style every reader always read right
GROWTH = 1597  # tokens the lookup tool's description grows by
SCENARIOS = ("expected", "stretch", "runaway")

Entries = list[tuple[str, Any]]

CHARTER: Entries = [
    ("kind", "charter"),
    ("id", "support"),
    ("owner", "alice"),
    (
        "scenarios",
        {"expected": {"calls_per_month": 1_000_000, "cache_hit_rate": 0.8, "output_tokens": 300}},
    ),
    ("budgets", {"max_increase": {"pct": 10}}),
]


def tool(tool_id: str, version: str, description: str) -> Entries:
    return [
        ("kind", "tool"),
        ("id", tool_id),
        ("version", version),
        ("description", description),
        (
            "input_schema",
            {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "The order id"}},
                "required": ["order_id"],
            },
        ),
    ]


def prompt(prompt_id: str, tools: list[str], workload: str | None, system: Any) -> Entries:
    entries: Entries = [
        ("kind", "prompt"),
        ("id", prompt_id),
        ("version", "1.0.0"),
        ("model", "claude-sonnet-4-6"),
    ]
    if workload:
        entries.append(("workload", workload))
    entries += [("max_output_tokens", 400), ("agent", {"max_steps": 4})]
    if tools:
        entries.append(("tools", tools))
    return [
        *entries,
        ("system", system),
        ("messages", [{"role": "user", "content": "{{ q }}"}]),
        ("variables", {"q": {"expected_tokens": 30}}),
    ]


DOCUMENTS: dict[str, Entries] = {
    "charters/support.yaml": CHARTER,
    "tools/lookup.yaml": tool("lookup", "1.0.0", "Look up an order."),
    "tools/search.yaml": tool("search", "1.0.0", "Search the help centre."),
    "prompts/faq.yaml": prompt("faq", ["lookup", "search"], "support", "Answer questions."),
    "prompts/triage.yaml": prompt(
        "triage", ["lookup"], "support", [{"text": filler(1100), "cache": True}]
    ),
    "prompts/orders.yaml": prompt("orders", ["search"], "support", "Answer about orders."),
    "prompts/other.yaml": prompt("other", ["lookup"], None, "Answer anything."),
}
GROWN_LOOKUP = tool("lookup", "1.1.0", "Look up an order." + " x" * GROWTH)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # byte for byte: CRLF stays CRLF


def build(root: Path, style: Style) -> GitRepo:
    """main: the documents in `style`; feature: the grown lookup tool, in `style` too."""
    repo = GitRepo(root)
    _write(root, "promptops.yaml", "default_branch: main\ntokenizer: cl100k_base\n")
    for rel, entries in DOCUMENTS.items():
        _write(root, rel, render(entries, style))
    for i in range(SCAN_LIMIT + 20):  # unknown blobs enough for the cold tree search
        _write(root, f"misc/f{i}.yaml", f"name: f{i}\n")
    repo.commit("base")
    repo.branch("feature")
    _write(root, "tools/lookup.yaml", render(GROWN_LOOKUP, style))
    repo.commit("grow the lookup tool")
    return repo


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _side(side: dict[str, Any] | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {
        "input_tokens": side["input_tokens"],
        "cached_tokens": side["cached_tokens"],
        "parts": side["parts"],
        "output_tokens": side["output_tokens"],
        "cost_per_call_usd": _money(side["cost_per_call_usd"]),
        "monthly_usd": {k: _money(v) for k, v in side["monthly_usd"].items()},
    }


def report_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Every figure of a diff or check report, by prompt id and workload id."""
    return {
        "prompts": {
            p["id"]: {
                "status": p["status"],
                "base": _side(p["base"]),
                "head": _side(p["head"]),
                "changed_tools": p["changed_tools"],
                "cached_prefix_changed": p["cached_prefix_changed"],
                "rewarm_usd": _money(p["rewarm_usd"]),
            }
            for p in report["prompts"]
        },
        "workloads": {
            w["id"]: {
                name: {k: _money(v) for k, v in s.items() if k.endswith("_usd")}
                for name, s in w["scenarios"].items()
            }
            for w in report["workloads"]
        },
        "totals": {
            name: {k: _money(v) for k, v in s.items()}
            for name, s in report["totals"]["scenarios"].items()
        },
        "tools": {
            t["id"]: {
                "tokens": t["head_tokens"] - t["base_tokens"],
                "used_by": sorted(t["used_by"]),
            }
            for t in report["tools"]
        },
    }


def tokens_figures(report: dict[str, Any]) -> dict[str, Any]:
    """`tokens --format json` by prompt id and workload id, in the diff's terms."""
    prompts = {}
    for p in report["prompts"]:
        scenarios = {s["name"]: s for s in p["scenarios"]}
        expected = scenarios.get("expected")
        prompts[p["id"]] = {
            "input_tokens": p["tokens"]["total"],
            "cost_per_call_usd": _money(
                expected["cost_per_call_usd"] if expected else p["call"]["total"]
            ),
            "monthly_usd": {  # a prompt without a charter has a zero "per-call" row only
                name: _money(s["monthly_usd"]) for name, s in scenarios.items() if name in SCENARIOS
            },
        }
    workloads = {
        w["id"]: {s["name"]: _money(s["monthly_usd"]) for s in w["scenarios"]}
        for w in report["workloads"]
    }
    return {"prompts": prompts, "workloads": workloads}


def run_all(root: Path, caches: Path) -> dict[str, Any]:
    """The four commands on one repo, each with its own cache folder."""
    code, diff = run_json(["diff", "main", "feature"], root, caches / "diff")
    assert code == 0
    check_code, check = run_json(
        ["check", "--base", "main", "--head", "feature"], root, caches / "check"
    )
    warm = run_cli(
        ["cache", "warm", "main"], cwd=root, env={"PROMPTOPS_CACHE_DIR": str(caches / "warm")}
    )
    assert warm.returncode == 0, warm.stderr
    _, warm_diff = run_json(["diff", "main", "feature"], root, caches / "warm")
    _, head_tokens = run_json(["tokens"], root, caches / "tokens")
    git(root, "checkout", "-q", "main")
    _, base_tokens = run_json(["tokens"], root, caches / "tokens")
    git(root, "checkout", "-q", "feature")
    return {
        "diff": report_figures(diff),
        "check": report_figures(check),
        "check_code": check_code,
        "blocking": sorted({b["budget"] for b in check["breaches"] if b["blocking"]}),
        "warm_diff": report_figures(warm_diff),
        "tokens": {"base": tokens_figures(base_tokens), "head": tokens_figures(head_tokens)},
    }


def _agrees_with_tokens(figures: dict[str, Any], tokens: dict[str, Any]) -> None:
    """Each side of the diff against `tokens` on that side's checkout."""
    for side in ("base", "head"):
        priced = tokens[side]
        for prompt_id, p in figures["prompts"].items():
            mine, theirs = p[side], priced["prompts"][prompt_id]
            assert mine["input_tokens"] == theirs["input_tokens"], (side, prompt_id)
            assert mine["cost_per_call_usd"] == theirs["cost_per_call_usd"], (side, prompt_id)
            assert mine["monthly_usd"] == theirs["monthly_usd"], (side, prompt_id)
        for workload_id, scenarios in figures["workloads"].items():
            for name, s in scenarios.items():
                expected = priced["workloads"][workload_id][name]
                assert s[f"{side}_usd"] == expected, (side, workload_id, name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """The four commands' figures on a repo written in a named style, once per style."""
    done: dict[str, dict[str, Any]] = {}

    def run(name: str) -> dict[str, Any]:
        if name not in done:
            root = tmp_path_factory.mktemp(name)
            repo = build(root / "repo", NAMED_STYLES[name])
            done[name] = run_all(repo.root, root / "caches")
        return done[name]

    return run


@pytest.mark.parametrize("name", sorted(NAMED_STYLES))
def test_every_command_prices_the_tool_change_alike(
    name: str, runs: Callable[[str], dict[str, Any]]
) -> None:
    got, reference = runs(name), runs(REFERENCE)

    # the reproduction: a +1,597-token tool is charged to the prompts that offer it
    assert set(got["diff"]["prompts"]) == {"faq", "triage", "other"}
    (lookup,) = got["diff"]["tools"].values()
    assert GROWTH <= lookup["tokens"] <= GROWTH + 2  # the description's first x may merge
    faq = got["diff"]["prompts"]["faq"]
    assert faq["head"]["input_tokens"] - faq["base"]["input_tokens"] == lookup["tokens"]
    assert faq["changed_tools"] == ["lookup"]
    expected = got["diff"]["totals"]["expected"]
    assert expected["delta_usd"] > expected["base_usd"] / 10  # over max_increase.pct: 10
    assert got["check_code"] == 1
    assert got["blocking"] == ["max_increase.pct"]

    # one set of figures from every command
    assert got["check"] == got["diff"]
    assert got["warm_diff"] == got["diff"]
    _agrees_with_tokens(got["diff"], got["tokens"])
    assert set(got["tokens"]["head"]["prompts"]) == {"faq", "triage", "orders", "other"}

    # and from every style
    assert got["diff"] == reference["diff"]
    assert got["tokens"] == reference["tokens"]
    assert json.dumps(got["blocking"]) == json.dumps(reference["blocking"])
