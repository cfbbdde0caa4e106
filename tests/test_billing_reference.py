"""promptops' prices against an independent reference calculator (tests/billing_reference.py).

A seeded generator writes a few small repos of prompts, tools and charters that exercise every
billing rule (tool-use overhead by tool_choice, minimum cacheable lengths just below and at the
minimum, per-call values before and after breakpoints, `volatile: false` constants, 1h/5m
mixes, thinking under max_tokens, charters with overrides and traffic shares, batch shares,
Haiku 5.5's >100K tier). For each prompt the test takes the exact request body from
`promptops render` (through the CLI's entry point, one interpreter per repo), counts its blocks
with cl100k itself, prices it with the reference, and compares every scenario row of
`promptops tokens --format json` to $0.000001. A prompt that promptops cannot render or price
fails loudly; a mismatch prints a table naming the rule (with what-ifs: promptops' own reported
overhead, effective breakpoints and output substituted into the reference, and the usual
caching mistakes, to see which one reproduces its figure).

Repos are split by what today's promptops may not know yet (new models, `tool_choice`,
`batch_share`): an unknown field or model fails a whole repo, and must not hide the others.

`python -m tests.test_billing_reference` prints the full comparison table.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import billing_reference as ref

SEED = 20261203
TOLERANCE = Decimal("0.000001")  # $ per call
MICRO = Decimal("0.000001")
Doc = dict[str, Any]
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: the 100K-token prompts

# Models in promptops' price table before the December update; the newer ones get a repo each,
# because one unknown model stops `promptops tokens` for the whole repo.
KNOWN = (
    "claude-haiku-4-5",
    "claude-sonnet-4-6",
    "claude-opus-4-6",
    "claude-opus-4-8",
    "claude-sonnet-5",
)


# --------------------------------------------------------------------------------------------
# Generator: deterministic documents whose blocks have easy cl100k counts (" x" is one token).
# --------------------------------------------------------------------------------------------


def filler(tokens: int) -> str:
    """Text of exactly `tokens` cl100k tokens, whatever its neighbours."""
    return " x" * tokens


def segment(text: str, cache: bool | str | None = None) -> Doc:
    """A system or message segment, with a breakpoint after it when `cache` is set."""
    return {"text": text} if cache is None else {"text": text, "cache": cache}


def tool_doc(tool_id: str, tokens: int) -> Doc:
    """A tool whose definition counts exactly `tokens` cl100k tokens (as the reference counts
    it), so prefixes can be placed exactly at a model's minimum."""
    schema = {"type": "object", "properties": {"ref": {"type": "string"}}, "required": ["ref"]}

    def tool(pad: int) -> Doc:
        description = f"Look up one {tool_id} record by its reference." + filler(pad)
        return {
            "kind": "tool",
            "id": tool_id,
            "version": "1.0.0",
            "description": description,
            "input_schema": schema,
        }

    def count(pad: int) -> int:
        return ref.count_tool({"name": tool_id, **_tool_body(tool(pad))})

    pad = max(1, 1 + tokens - count(1))  # each further " x" inside the string adds one token
    if count(pad) != tokens:
        raise ValueError(f"no tool of exactly {tokens} tokens")
    return tool(pad)


@dataclass
class RepoSpec:
    """One generated repo: why it stands alone, and its documents by kind."""

    name: str
    why: str
    tools: dict[str, Doc] = field(default_factory=dict)
    prompts: list[Doc] = field(default_factory=list)
    charters: dict[str, Doc] = field(default_factory=dict)

    def charter_of(self, prompt: Mapping[str, Any]) -> Doc | None:
        """The prompt's charter document, None without a workload."""
        workload = prompt.get("workload")
        return None if workload is None else self.charters[workload]


def charter(charter_id: str, scenarios: Doc) -> Doc:
    """A charter with an owner and the given scenarios (budgets play no part in prices)."""
    return {
        "kind": "charter",
        "id": charter_id,
        "owner": "owner@example.com",
        "scenarios": scenarios,
    }


class PromptBuilder:
    """Collects prompts of one repo; `add` fills the fields every prompt has."""

    def __init__(self, repo: RepoSpec) -> None:
        self.repo = repo

    def add(
        self,
        prompt_id: str,
        model: str,
        description: str,
        system: str | list[Doc],
        messages: list[Doc],
        *,
        workload: str | None = None,
        variables: Doc | None = None,
        **extra: Any,
    ) -> None:
        """Add one prompt document; `extra` holds tools, tool_cache, thinking, and so on."""
        doc: Doc = {"kind": "prompt", "id": prompt_id, "version": "1.0.0", "model": model}
        doc["description"] = description
        if workload is not None:
            doc["workload"] = workload
        doc.update({k: v for k, v in extra.items() if v is not None})
        if doc.get("tools"):
            doc.setdefault("agent", {"max_steps": 3})
        doc["system"] = system
        doc["messages"] = messages
        if variables:
            doc["variables"] = variables
        self.repo.prompts.append(doc)


def per_call(tokens: int) -> Doc:
    """A per-call variable declaration (the default: volatile)."""
    return {"expected_tokens": tokens}


def constant(tokens: int) -> Doc:
    """A per-deployment constant: `volatile: false` keeps it out of rule 3."""
    return {"expected_tokens": tokens, "volatile": False}


def question(tokens: int) -> list[Doc]:
    """The usual last message: the user's question, a per-call value after every breakpoint."""
    return [{"role": "user", "content": "Question: {{ question }}" + filler(tokens)}]


def minimum(model: str) -> int:
    """The model's minimum cacheable length, from the reference table."""
    value = ref.model_facts(model).min_cacheable
    assert value is not None
    return value


def overhead(model: str, tool_choice: str = "auto") -> int:
    """The tool-use system prompt tokens of a model, from the reference table."""
    facts = ref.model_facts(model)
    assert facts.tool_overhead is not None
    return facts.tool_overhead[tool_choice in ("any", "tool")]


def build_repos(seed: int = SEED) -> list[RepoSpec]:
    """Every generated repo; the same seed gives byte-identical documents."""
    rng = random.Random(seed)
    return [
        _core_repo(rng),
        _tool_choice_repo(rng),
        _batch_repo(rng),
        *_new_model_repos(rng),
    ]


def _core_repo(rng: random.Random) -> RepoSpec:
    repo = RepoSpec("core", "models and fields today's promptops accepts")
    repo.tools = {t: tool_doc(t, rng.randint(60, 400)) for t in ("order", "ticket", "refund")}
    repo.charters = {
        "steady": charter(
            "steady",
            {"expected": {"calls_per_month": 300_000, "cache_hit_rate": 0.9, "output_tokens": 200}},
        ),
        "design": charter(
            "design",
            {
                "expected": {
                    "calls_per_month": 1_000_000,
                    "cache_hit_rate": 0.8,
                    "output_tokens": 300,
                }
            },
        ),
        "peaky": charter(
            "peaky",
            {
                "expected": {
                    "calls_per_month": 120_000,
                    "cache_hit_rate": 0.75,
                    "output_tokens": 350,
                },
                "stretch": {"multiplier": 2.5, "cache_hit_rate": 0.6},
                "runaway": {"multiplier": 10, "output_tokens": 900, "kill_switch_usd": 50_000},
            },
        ),
        "no-output": charter(
            "no-output", {"expected": {"calls_per_month": 50_000, "cache_hit_rate": 0.5}}
        ),
        "no-hits": charter(
            "no-hits", {"expected": {"calls_per_month": 20_000, "output_tokens": 100}}
        ),
        "thinker": charter(
            "thinker",
            {
                "expected": {
                    "calls_per_month": 10_000,
                    "cache_hit_rate": 0.85,
                    "output_tokens": 1500,
                },
                "runaway": {"output_tokens": 7000, "cache_hit_rate": 0.3},
            },
        ),
        "shared": charter(
            "shared",
            {
                "expected": {
                    "calls_per_month": 1_000_000,
                    "cache_hit_rate": 0.8,
                    "output_tokens": 120,
                },
                "stretch": {"multiplier": 4},
                "prompts": {"shared/triage": 0.6, "shared/followup": 0.4},
            },
        ),
    }
    workloads: list[str | None] = ["steady", "peaky", "no-output", "no-hits", None]
    add = PromptBuilder(repo).add

    # The brief's hand-computed case and DESIGN.md's worked example, end to end.
    add(
        "brief/account-id-in-only-breakpoint",
        "claude-haiku-4-5",
        "rule 3: the only breakpoint's prefix holds a per-call value: every call writes it",
        [segment(filler(5000) + "{{ account_id }}", "5m")],
        [{"role": "user", "content": filler(16)}],
        workload="steady",
        variables={"account_id": per_call(3)},
        max_output_tokens=400,
    )
    add(
        "design/worked-example",
        "claude-haiku-4-5",
        "DESIGN.md worked example: 5,000 cached tokens at 80% hits, 500 uncached, 300 output",
        [segment(filler(5000), "5m")],
        [{"role": "user", "content": filler(500)}],
        workload="design",
        max_output_tokens=600,
    )

    # Static system prefixes on every known model, 1-3 segments, 1h before 5m.
    patterns: list[list[str | bool | None]] = [
        ["1h"],
        [True],
        ["1h", "5m"],
        ["1h", "1h", "5m"],
        [None, "5m"],
    ]
    for model in ("claude-haiku-4-5", "claude-opus-4-6", "claude-opus-4-8"):
        ttls = rng.choice(patterns)
        low = minimum(model) // len(ttls) + 50
        system = [segment(filler(rng.randint(low, low + 1500)), ttl) for ttl in ttls]
        if rng.random() < 0.5:
            system.append(segment(filler(rng.randint(20, 300))))  # after the last breakpoint
        add(
            f"static/{model}",
            model,
            f"rules 2 and 4: static system segments with breakpoints {ttls}",
            system,
            question(rng.randint(5, 80)),
            workload=rng.choice(workloads),
            variables={"question": per_call(rng.randint(20, 200))},
            max_output_tokens=rng.choice([500, 1000, 2000]),
        )

    # Per-call values before, between and after breakpoints; constants.
    for model in (rng.choice(("claude-sonnet-4-6", "claude-opus-4-8")),):
        add(
            f"var/before-breakpoint-{model}",
            model,
            "rule 3: a per-call value in the second cached segment: reads stop at the first",
            [
                segment(filler(minimum(model) + rng.randint(100, 2000)), "1h"),
                segment("Account {{ account_id }}." + filler(rng.randint(50, 400)), "5m"),
                segment(filler(rng.randint(10, 200))),
            ],
            question(rng.randint(5, 40)),
            workload=rng.choice(["steady", "peaky"]),
            variables={"account_id": per_call(4), "question": per_call(60)},
            max_output_tokens=800,
        )
    add(
        "var/after-last-breakpoint",
        "claude-sonnet-5",
        "rule 3: a per-call value after the last breakpoint leaves the prefix readable",
        [
            segment(filler(rng.randint(1100, 3000)), "5m"),
            segment("Customer: {{ customer_name }}." + filler(rng.randint(10, 100))),
        ],
        question(12),
        workload="steady",
        variables={"customer_name": per_call(5), "question": per_call(80)},
        max_output_tokens=700,
    )
    add(
        "const/deployment-constants",
        "claude-opus-4-6",
        "rule 3: volatile: false constants before breakpoints stay readable (A = C)",
        [
            segment("Brand: {{ brand }}." + filler(4200), "1h"),
            segment("Region {{ region }}." + filler(rng.randint(100, 900)), "5m"),
        ],
        question(20),
        workload="steady",
        variables={"brand": constant(3), "region": constant(2), "question": per_call(50)},
        max_output_tokens=1200,
    )
    add(
        "const/constant-then-session",
        "claude-sonnet-4-6",
        "rule 3: a constant in the 1h segment, a per-call session id in the 5m one",
        [
            segment("Brand: {{ brand }}." + filler(rng.randint(1100, 2500)), "1h"),
            segment("Session {{ session_id }}." + filler(rng.randint(100, 600)), "5m"),
        ],
        question(20),
        workload="peaky",
        variables={
            "brand": constant(3),
            "session_id": {"expected_tokens": 8, "volatile": True},
            "question": per_call(50),
        },
        max_output_tokens=900,
    )
    add(
        "ttl/one-hour-write-between-a-and-c",
        "claude-sonnet-4-6",
        "rule 4: B after A: a hit writes A..B at the 1h price and B..C at the 5m price",
        [
            segment(filler(rng.randint(1100, 2000)), "1h"),
            segment("Account {{ account_id }}." + filler(rng.randint(300, 1500)), "1h"),
            segment(filler(rng.randint(200, 800)), "5m"),
        ],
        question(25),
        workload="steady",
        variables={"account_id": per_call(4), "question": per_call(90)},
        max_output_tokens=1000,
    )

    # Tools on every model whose tool-use overhead is published.
    tool_variants = [
        ("1h", [segment(filler(rng.randint(1200, 4000)), "5m")], "tool_cache 1h, system 5m"),
        (None, [segment(filler(rng.randint(4200, 5000)), "1h")], "tools uncached, system 1h"),
        (
            "5m",
            [segment("Account {{ account_id }}." + filler(rng.randint(100, 900)))],
            "tool_cache 5m only",
        ),
        (None, [segment(filler(rng.randint(100, 900)))], "tools with no breakpoint"),
        (True, [segment(filler(rng.randint(300, 2000)), "5m")], "tool_cache true, system 5m"),
    ]
    for model, (tool_cache, system, what) in zip(KNOWN, tool_variants, strict=True):
        names = rng.sample(sorted(repo.tools), rng.randint(1, 3))
        uses_account = "account_id" in system[0]["text"]
        add(
            f"tools/{model}",
            model,
            f"rule 1: tool-use overhead ({what})",
            system,
            question(rng.randint(5, 50)),
            workload=rng.choice(workloads),
            variables={
                "question": per_call(70),
                **({"account_id": per_call(4)} if uses_account else {}),
            },
            max_output_tokens=rng.choice([600, 1500]),
            tools=names,
            tool_cache=tool_cache,
        )

    # Prefixes just below and exactly at the minimum (overhead included where there are tools).
    for model in ("claude-haiku-4-5",):
        for delta, side in ((-1, "below"), (0, "at")):
            add(
                f"edge/{model}-{side}-minimum",
                model,
                f"rule 2: static prefix {side} the minimum ({minimum(model) + delta} tokens)",
                [segment(filler(minimum(model) + delta), "5m")],
                question(10),
                workload="steady",
                variables={"question": per_call(30)},
                max_output_tokens=300,
            )
    sonnet5_tool = repo.tools["order"]
    for delta, side in ((-1, "below"), (0, "at")):
        system_tokens = minimum("claude-sonnet-5") + delta - overhead("claude-sonnet-5")
        system_tokens -= ref.count_tool({"name": "order", **_tool_body(sonnet5_tool)})
        add(
            f"edge/claude-sonnet-5-tools-{side}-minimum",
            "claude-sonnet-5",
            f"rules 1+2: overhead + tool + system {side} the minimum (auto: {overhead('claude-sonnet-5')})",
            [segment(filler(system_tokens), "5m")],
            question(10),
            workload="steady",
            variables={"question": per_call(30)},
            max_output_tokens=300,
            tools=["order"],
        )
    for delta, side in ((-1, "below"), (0, "at")):
        tool_id = f"edge_{side}"
        target = minimum("claude-opus-4-8") + delta - overhead("claude-opus-4-8")
        repo.tools[tool_id] = tool_doc(tool_id, target)
        add(
            f"edge/claude-opus-4-8-tool-cache-{side}-minimum",
            "claude-opus-4-8",
            f"rules 1+2: tool_cache prefix (overhead {overhead('claude-opus-4-8')} + tool) {side} the "
            "minimum; rule 5: the charter's output (350, runaway 900) is capped at max_tokens 300",
            [segment(filler(rng.randint(100, 400)))],
            question(10),
            workload="peaky",
            variables={"question": per_call(30)},
            max_output_tokens=300,
            tools=[tool_id],
            tool_cache="5m",
        )

    # Breakpoints in messages.
    add(
        "messages/history-breakpoint",
        "claude-sonnet-4-6",
        "rules 3+4: system 1h, history 5m, a per-call last breakpoint (A = history, C = last)",
        [segment(filler(rng.randint(1100, 2000)), "1h")],
        [
            {"role": "user", "content": [segment(filler(rng.randint(300, 900)), "5m")]},
            {"role": "assistant", "content": filler(rng.randint(50, 200))},
            {"role": "user", "content": [segment("{{ question }}", True)]},
        ],
        workload="peaky",
        variables={"question": per_call(120)},
        max_output_tokens=1500,
    )
    add(
        "messages/only-message-breakpoint",
        "claude-haiku-4-5",
        "rule 2: the one breakpoint is on a message segment",
        "You answer questions about the attached manual." + filler(rng.randint(100, 300)),
        [{"role": "user", "content": [segment(filler(4500), "5m"), segment("{{ question }}")]}],
        workload="steady",
        variables={"question": per_call(60)},
        max_output_tokens=500,
    )

    # Thinking under max_tokens; output without max_output_tokens.
    add(
        "thinking/opus-4-6-charter",
        "claude-opus-4-6",
        "rule 5: output 1500 + budget 6000 <= 8000; runaway 7000 + 6000 capped at 8000",
        [segment(filler(rng.randint(4200, 6000)), "1h")],
        question(40),
        workload="thinker",
        variables={"question": per_call(100)},
        max_output_tokens=8000,
        thinking={"budget_tokens": 6000},
    )
    add(
        "thinking/opus-4-6-brief",
        "claude-opus-4-6",
        "rule 5: no charter, max 8000, budget 6000: 8,000 output tokens billed",
        [segment(filler(100))],
        [{"role": "user", "content": filler(20)}],
        max_output_tokens=8000,
        thinking={"budget_tokens": 6000},
    )
    add(
        "thinking/sonnet-4-6-no-charter",
        "claude-sonnet-4-6",
        "rule 5: no charter: output at max_tokens, thinking inside it",
        [segment(filler(rng.randint(1100, 3000)), "5m")],
        question(20),
        variables={"question": per_call(50)},
        max_output_tokens=4000,
        thinking={"budget_tokens": 2048},
    )
    add(
        "output/no-max-output-tokens-charter",
        "claude-sonnet-4-6",
        "rule 5: no max_output_tokens and no output_tokens in the charter: 1024",
        [segment(filler(rng.randint(1100, 2000)), "5m")],
        question(15),
        workload="no-output",
        variables={"question": per_call(40)},
    )
    add(
        "output/no-max-output-tokens-no-charter",
        "claude-sonnet-5",
        "rule 5: no max_output_tokens, no charter: 1024 output tokens",
        [segment(filler(rng.randint(200, 900)))],
        question(15),
        variables={"question": per_call(40)},
    )

    # Two prompts sharing one workload's traffic.
    for prompt_id, model in (
        ("shared/triage", "claude-sonnet-4-6"),
        ("shared/followup", "claude-haiku-4-5"),
    ):
        add(
            prompt_id,
            model,
            "rule 8: scenarios.prompts shares the workload's calls",
            [segment(filler(minimum(model) + rng.randint(50, 900)), "5m")],
            question(10),
            workload="shared",
            variables={"question": per_call(45)},
            max_output_tokens=400,
        )
    return repo


def _tool_body(tool: Mapping[str, Any]) -> Doc:
    return {"description": tool["description"], "input_schema": tool["input_schema"]}


def _tool_choice_repo(rng: random.Random) -> RepoSpec:
    repo = RepoSpec("tool-choice", "the new optional prompt field tool_choice")
    repo.tools = {t: tool_doc(t, rng.randint(80, 300)) for t in ("search", "fetch")}
    repo.charters = {
        "agents": charter(
            "agents",
            {"expected": {"calls_per_month": 100_000, "cache_hit_rate": 0.9, "output_tokens": 250}},
        )
    }
    add = PromptBuilder(repo).add
    cases = [
        ("claude-sonnet-5", "any", "5m", [segment(filler(rng.randint(1100, 2500)), "5m")]),
        ("claude-opus-4-8", "tool", "1h", [segment(filler(rng.randint(100, 500)))]),
        ("claude-haiku-4-5", "none", None, [segment(filler(rng.randint(4200, 5000)), "5m")]),
        ("claude-sonnet-4-6", "auto", None, [segment(filler(rng.randint(1100, 2000)), "1h")]),
    ]
    for model, choice, tool_cache, system in cases:
        add(
            f"tool-choice/{model}-{choice}",
            model,
            f"rule 1: tool_choice {choice} selects the overhead column",
            system,
            question(20),
            workload="agents",
            variables={"question": per_call(60)},
            max_output_tokens=1000,
            tools=["search", "fetch"],
            tool_cache=tool_cache,
            # The API names the tool to force: `tool` is only valid as {type: tool, name: …}.
            tool_choice={"type": "tool", "name": "search"} if choice == "tool" else choice,
        )
    # Cacheable only with the any/tool overhead: the column decides the breakpoint.
    target = minimum("claude-sonnet-5") - overhead("claude-sonnet-5", "any")
    repo.tools["edge_any"] = tool_doc("edge_any", target)
    add(
        "tool-choice/claude-sonnet-5-any-at-minimum",
        "claude-sonnet-5",
        "rules 1+2: the tool_cache prefix reaches the minimum only with the any/tool overhead",
        [segment(filler(200))],
        question(20),
        workload="agents",
        variables={"question": per_call(60)},
        max_output_tokens=1000,
        tools=["edge_any"],
        tool_cache="5m",
        tool_choice="any",
    )
    return repo


def _batch_repo(rng: random.Random) -> RepoSpec:
    repo = RepoSpec("batch", "the new charter field scenarios.expected.batch_share")
    repo.charters = {
        "batch-half": charter(
            "batch-half",
            {
                "expected": {
                    "calls_per_month": 200_000,
                    "cache_hit_rate": 0.8,
                    "output_tokens": 300,
                    "batch_share": 0.5,
                },
                "runaway": {"multiplier": 8},
            },
        ),
        "batch-all": charter(
            "batch-all",
            {
                "expected": {
                    "calls_per_month": 5_000,
                    "cache_hit_rate": 0.6,
                    "output_tokens": 100,
                    "batch_share": 1,
                }
            },
        ),
    }
    add = PromptBuilder(repo).add
    add(
        "batch/haiku-4-5-cached",
        "claude-haiku-4-5",
        "rule 7: half the calls through Batches, stacking with cache reads and writes",
        [segment(filler(rng.randint(4200, 6000)), "5m")],
        question(20),
        workload="batch-half",
        variables={"question": per_call(60)},
        max_output_tokens=600,
    )
    add(
        "batch/opus-4-6-mixed-ttl",
        "claude-opus-4-6",
        "rule 7: every call through Batches, 1h + 5m writes",
        [segment(filler(4500), "1h"), segment("Case {{ case_id }}." + filler(300), "5m")],
        question(20),
        workload="batch-all",
        variables={"case_id": per_call(4), "question": per_call(60)},
        max_output_tokens=600,
    )
    return repo


def _new_model_repos(rng: random.Random) -> list[RepoSpec]:
    scenarios = {
        "expected": {"calls_per_month": 40_000, "cache_hit_rate": 0.7, "output_tokens": 500}
    }

    def new_repo(model: str) -> tuple[RepoSpec, Any]:
        repo = RepoSpec(model, f"{model} is newer than today's price table")
        repo.charters = {"launch": charter("launch", scenarios)}
        return repo, PromptBuilder(repo).add

    opus, add = new_repo("claude-opus-5-5")
    add(
        "opus-5-5/cached",
        "claude-opus-5-5",
        "rules 2+6: minimum 512, read $0.20",
        [segment(filler(rng.randint(600, 2000)), "5m")],
        question(20),
        workload="launch",
        variables={"question": per_call(60)},
        max_output_tokens=800,
    )
    add(
        "opus-5-5/below-minimum",
        "claude-opus-5-5",
        "rule 2: a 511-token prefix caches nothing",
        [segment(filler(511), "5m")],
        question(20),
        variables={"question": per_call(60)},
        max_output_tokens=800,
    )

    fable, add = new_repo("claude-fable-5-1")
    add(
        "fable-5-1/mixed-ttl",
        "claude-fable-5-1",
        "rules 3+4+6: 1h static, 5m per-call, read $0.25",
        [
            segment(filler(rng.randint(600, 1500)), "1h"),
            segment("Account {{ account_id }}." + filler(200), "5m"),
        ],
        question(20),
        workload="launch",
        variables={"account_id": per_call(4), "question": per_call(60)},
        max_output_tokens=800,
    )
    add(
        "fable-5-1/at-minimum",
        "claude-fable-5-1",
        "rule 2: a 512-token prefix is cached",
        [segment(filler(512), "5m")],
        question(20),
        variables={"question": per_call(60)},
        max_output_tokens=800,
    )

    sonnet, add = new_repo("claude-sonnet-5-5")
    add(
        "sonnet-5-5/uncached",
        "claude-sonnet-5-5",
        "rule 6: $2 / $10, no breakpoint (its minimum is not confirmed)",
        "Tenant {{ tenant }}." + filler(rng.randint(500, 3000)),
        question(20),
        workload="launch",
        variables={"tenant": per_call(3), "question": per_call(60)},
        max_output_tokens=800,
    )

    haiku, add = new_repo("claude-haiku-5-5")
    for prompt_id, system_tokens, workload in (
        ("haiku-5-5/at-100k", 99_990, "launch"),
        ("haiku-5-5/above-100k", 99_991, "launch"),
        ("haiku-5-5/far-above-100k", 100_500, None),
    ):
        add(
            prompt_id,
            "claude-haiku-5-5",
            f"rule 6: {system_tokens + 10:,} input tokens (the tier turns above 100,000)",
            [segment(filler(system_tokens))],
            [{"role": "user", "content": filler(10)}],
            workload=workload,
            max_output_tokens=1000,
        )
    return [opus, fable, sonnet, haiku]


def dump(doc: Mapping[str, Any]) -> str:
    """YAML as a person would write it (key order kept, long lines unwrapped)."""
    return yaml.dump(dict(doc), Dumper=DUMPER, sort_keys=False, width=10**9, allow_unicode=True)


def write_repo(root: Path, repo: RepoSpec, prompts: Sequence[Doc] | None = None) -> Path:
    """Write a repo's documents (or only `prompts` of it) under `root` and `git init` it."""
    folder = root / repo.name
    files: dict[str, str] = {"promptops.yaml": "tokenizer: cl100k_base\n"}
    for tool_id, doc in repo.tools.items():
        files[f"tools/{tool_id}.yaml"] = dump(doc)
    for doc in repo.prompts if prompts is None else prompts:
        files[f"prompts/{doc['id']}.yaml"] = dump(doc)
    if prompts is None:
        for charter_id, doc in repo.charters.items():
            files[f"charters/{charter_id}.yaml"] = dump(doc)
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)
    return folder


# --------------------------------------------------------------------------------------------
# Running promptops and pricing the same requests with the reference.
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One promptops command: exit code and output."""

    code: int
    stdout: str
    stderr: str


def promptops(cwd: Path, *args: str, env: Mapping[str, str]) -> Run:
    """Run the installed CLI in `cwd` (the same interpreter as the tests)."""
    done = subprocess.run(
        [sys.executable, "-m", "promptops", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


# `promptops render` for many prompts in one interpreter, through the CLI's own entry point:
# a process per prompt spent most of the test's time starting Python.
_RENDER_MANY = """
import contextlib, io, json, sys
from promptops.cli import main
runs = []
for prompt_id in sys.argv[1:]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["render", prompt_id])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    runs.append([code, out.getvalue(), err.getvalue()])
json.dump(runs, sys.stdout)
"""


def render_many(cwd: Path, prompt_ids: Sequence[str], env: Mapping[str, str]) -> list[Run]:
    """`promptops render ID` for each id, in one process; a crash fails every render."""
    done = subprocess.run(
        [sys.executable, "-c", _RENDER_MANY, *prompt_ids],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        return [Run(*run) for run in json.loads(done.stdout)]
    except (json.JSONDecodeError, TypeError):
        crash = Run(done.returncode or 1, "", f"render crashed: {done.stderr.strip()[-400:]}")
        return [crash for _ in prompt_ids]


def cli_env(cache: Path) -> dict[str, str]:
    """An environment with no API key, no CI detection and a private cache folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "GITHUB_ACTIONS")}
    env.update({"PROMPTOPS_CACHE_DIR": str(cache), "NO_COLOR": "1"})
    return env


# Fields a shadow copy drops so today's promptops renders the body (blocks do not depend on them).
SHADOW_DROPS = ("tool_choice", "workload", "thinking")


def _choice_type(prompt: dict[str, Any]) -> str:
    """The prompt's tool_choice type: a string, or the `type` of {type: tool, name: …}."""
    choice = prompt.get("tool_choice", "auto")
    return str(choice["type"]) if isinstance(choice, dict) else str(choice)


SHADOW_MODEL = "claude-haiku-4-5"


def shadow_prompt(prompt: Mapping[str, Any]) -> Doc:
    """The prompt with the model and fields that only change billing, not blocks, neutralised."""
    doc = {k: v for k, v in prompt.items() if k not in SHADOW_DROPS}
    doc["model"] = SHADOW_MODEL
    return doc


def per_call_flags(prompt: Mapping[str, Any]) -> list[bool]:
    """Rule 3, block by block in request order, from the prompt's templates."""
    variables = prompt.get("variables") or {}
    constants = frozenset(n for n, v in variables.items() if v.get("volatile") is False)
    texts: list[str] = ["" for _ in prompt.get("tools") or []]
    system = prompt["system"]
    texts += [system] if isinstance(system, str) else [s["text"] for s in system]
    for message in prompt.get("messages") or []:
        content = message["content"]
        texts += [content] if isinstance(content, str) else [s["text"] for s in content]
    return [ref.holds_per_call_value(text, constants) for text in texts]


def spec_breakpoints(prompt: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(block index, ttl) of every breakpoint the prompt declares, in request order."""

    def ttl(value: Any) -> str | None:
        return None if value in (None, False) else ("5m" if value is True else str(value))

    marks: list[str | None] = [None for _ in prompt.get("tools") or []]
    if marks:
        marks[-1] = ttl(prompt.get("tool_cache"))
    system = prompt["system"]
    marks += [None] if isinstance(system, str) else [ttl(s.get("cache")) for s in system]
    for message in prompt.get("messages") or []:
        content = message["content"]
        marks += [None] if isinstance(content, str) else [ttl(s.get("cache")) for s in content]
    return [(i, mark) for i, mark in enumerate(marks) if mark]


def reference_request(prompt: Mapping[str, Any], body: Mapping[str, Any]) -> ref.Request:
    """The reference's view of one rendered request (structure checked against the prompt)."""
    blocks = ref.blocks_of_body(body, per_call_flags(prompt))
    rendered = [(i, b.cache) for i, b in enumerate(blocks) if b.cache]
    if rendered != spec_breakpoints(prompt):
        raise AssertionError(
            f"render put cache_control at {rendered}, the prompt declares {spec_breakpoints(prompt)}"
        )
    thinking = prompt.get("thinking") or {}
    return ref.Request(
        model=prompt["model"],
        blocks=blocks,
        tool_choice=_choice_type(prompt),
        max_output_tokens=prompt.get("max_output_tokens"),
        thinking_budget=thinking.get("budget_tokens"),
    )


@dataclass
class Row:
    """One compared scenario row."""

    prompt: str
    scenario: str
    promptops: Decimal | None
    reference: Decimal | None
    ok: bool
    why: str = ""


@dataclass
class Outcome:
    """Everything compared for one prompt, and what stopped a comparison."""

    repo: str
    prompt_id: str
    rows: list[Row] = field(default_factory=list)
    reference: dict[str, ref.CallCost] = field(default_factory=dict)  # by scenario
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every row agrees and nothing stopped the comparison."""
        return not self.problems and bool(self.rows) and all(row.ok for row in self.rows)


def compare_repo(repo: RepoSpec, root: Path, env: Mapping[str, str]) -> list[Outcome]:
    """Write one repo, run promptops on it, and compare every prompt's rows."""
    folder = write_repo(root, repo)
    with ThreadPoolExecutor(max_workers=1) as pool:  # tokens runs beside the renders
        tokens_run = pool.submit(promptops, folder, "tokens", "--format", "json", env=env)
        renders = render_many(folder, [p["id"] for p in repo.prompts], env)
        tokens = tokens_run.result()
    report: dict[str, Any] = {}
    tokens_problem = ""
    try:
        report = {p["id"]: p for p in json.loads(tokens.stdout)["prompts"]}
    except (json.JSONDecodeError, KeyError, TypeError):
        tokens_problem = (
            f"`promptops tokens` exit {tokens.code} on the {repo.name} repo ({repo.why}): "
            f"{tokens.stderr.strip()[:400]}"
        )
    outcomes = [Outcome(repo.name, prompt["id"]) for prompt in repo.prompts]
    bodies = _bodies(repo, renders, root, env, outcomes)

    for prompt, body, outcome in zip(repo.prompts, bodies, outcomes, strict=True):
        entry = report.get(prompt["id"])
        if entry is None:
            outcome.problems.append(
                tokens_problem
                or f"`promptops tokens` did not price this prompt (exit {tokens.code}; "
                f"stderr: {tokens.stderr.strip()[:300] or 'empty'})"
            )
        if body is None:
            continue
        try:
            request = reference_request(prompt, body)
            scenarios = ref.scenarios_for(repo.charter_of(prompt), prompt["id"])
            costs = {s.name: ref.cost_per_call(request, s) for s in scenarios}
        except (AssertionError, ValueError) as error:
            outcome.problems.append(f"reference could not price the request: {error}")
            continue
        outcome.reference = costs
        if entry is None:
            outcome.rows = [
                Row(prompt["id"], name, None, cost.per_call_usd, False, "not priced by promptops")
                for name, cost in costs.items()
            ]
            continue
        outcome.rows = _compare_rows(prompt, request, costs, entry, outcome)
    return outcomes


def _bodies(
    repo: RepoSpec,
    renders: Sequence[Run],
    root: Path,
    env: Mapping[str, str],
    outcomes: Sequence[Outcome],
) -> list[Mapping[str, Any] | None]:
    """The rendered bodies. A prompt promptops rejects gets a problem (its test fails) and the
    body of a shadow copy without what it rejects, so the table still shows the reference."""
    bodies: list[Mapping[str, Any] | None] = []
    rejected: list[int] = []
    for index, (render, outcome) in enumerate(zip(renders, outcomes, strict=True)):
        if render.code == 0:
            bodies.append(json.loads(render.stdout))
            continue
        bodies.append(None)
        rejected.append(index)
        problem = f"`promptops render` exit {render.code}: {render.stderr.strip()[:300]}"
        outcome.problems.append(problem)
    if not rejected:
        return bodies
    shadows = [shadow_prompt(repo.prompts[i]) for i in rejected]
    folder = write_repo(root / "shadow", repo, shadows)
    for index, shadow in zip(
        rejected, render_many(folder, [s["id"] for s in shadows], env), strict=True
    ):
        if shadow.code != 0:
            problem = f"the shadow copy did not render either: {shadow.stderr.strip()[:300]}"
            outcomes[index].problems.append(problem)
            continue
        bodies[index] = json.loads(shadow.stdout)
        outcomes[index].notes.append(
            f"body from a shadow copy (model {SHADOW_MODEL}, without {', '.join(SHADOW_DROPS)})"
        )
    return bodies


def _compare_rows(
    prompt: Mapping[str, Any],
    request: ref.Request,
    costs: Mapping[str, ref.CallCost],
    entry: Mapping[str, Any],
    outcome: Outcome,
) -> list[Row]:
    rows_p = {row["name"]: row for row in entry.get("scenarios") or []}
    if prompt.get("workload") is None:
        # Without a charter every row is priced alike (h = 0, output at max_tokens), whatever
        # promptops calls it.
        expected = {name: costs[ref.NO_CHARTER] for name in rows_p}
    else:
        expected = dict(costs)
    if not rows_p:
        outcome.problems.append("promptops reported no scenario rows")
    missing = sorted(set(expected) - set(rows_p))
    extra = sorted(set(rows_p) - set(expected))
    if missing:
        outcome.problems.append(f"promptops has no row for scenario(s) {missing}")
    if extra:
        outcome.problems.append(f"promptops has row(s) {extra} the reference does not know")
    rows = []
    for name, cost in expected.items():
        row_p = rows_p.get(name)
        if row_p is None:
            rows.append(Row(prompt["id"], name, None, cost.per_call_usd, False, "row missing"))
            continue
        figure = Decimal(str(row_p["cost_per_call_usd"]))
        problems = []
        if abs(figure - cost.per_call_usd) > TOLERANCE:
            problems.append(explain(prompt, request, cost, entry, row_p))
        calls_p = Decimal(str(row_p.get("calls_per_month")))
        if calls_p != cost.scenario.calls_per_month:
            problems.append(f"rule 8: calls a month {calls_p} vs {cost.scenario.calls_per_month}")
        elif row_p.get("monthly_usd") is not None:
            # Rule 8's arithmetic on promptops' own per-call figure (a per-call difference is
            # reported above, not twice).
            monthly_p = Decimal(str(row_p["monthly_usd"]))
            if abs(monthly_p - figure * calls_p) > Decimal("0.01"):
                problems.append(f"rule 8: monthly {monthly_p} is not {figure} x {calls_p} calls")
        rows.append(
            Row(prompt["id"], name, figure, cost.per_call_usd, not problems, "; ".join(problems))
        )
    return rows


def explain(
    prompt: Mapping[str, Any],
    request: ref.Request,
    cost: ref.CallCost,
    entry: Mapping[str, Any],
    row: Mapping[str, Any],
) -> str:
    """Which rule a difference comes from. First promptops' reported facts that differ from the
    reference's (overhead, effective breakpoints, billed output, hit rate), substituted into the
    reference to see whether they explain the figure; then what-ifs of the usual mistakes."""
    tokens = entry.get("tokens") or {}
    plan = cost.plan
    causes: list[str] = []
    assume = ref.Assume()
    scenario = cost.scenario
    block_tokens = plan.total_input - plan.tool_overhead
    overhead_p = tokens.get("tool_overhead")
    total_p = tokens.get("total")
    counted_p = (
        total_p - overhead_p if isinstance(total_p, int) and isinstance(overhead_p, int) else None
    )
    if counted_p is not None and counted_p != block_tokens:
        causes.append(f"token counts, not billing: {counted_p} vs {block_tokens}")
    if isinstance(overhead_p, int) and overhead_p != plan.tool_overhead:
        causes.append(f"rule 1: tool-use overhead {overhead_p} vs {plan.tool_overhead}")
        assume = replace(assume, tool_overhead=overhead_p)
    effective_p = tuple(bool(bp.get("effective")) for bp in tokens.get("breakpoints") or [])
    effective_r = tuple(bp.effective for bp in plan.breakpoints)
    if len(effective_p) == len(effective_r) and effective_p != effective_r:
        causes.append(f"rule 2: effective breakpoints {list(effective_p)} vs {list(effective_r)}")
        assume = replace(assume, effective=effective_p)
    output_p = int(row.get("output_tokens") or 0) + int(entry.get("thinking_tokens") or 0)
    if output_p != cost.billed_output:
        causes.append(f"rule 5: billed output {output_p} vs {cost.billed_output}")
        assume = replace(assume, billed_output=output_p)
    hit_rate_p = Decimal(str(row.get("cache_hit_rate", scenario.cache_hit_rate)))
    if hit_rate_p != scenario.cache_hit_rate:
        causes.append(f"rule 8: scenario hit rate {hit_rate_p} vs {scenario.cache_hit_rate}")
        scenario = replace(scenario, cache_hit_rate=hit_rate_p)
    figure = Decimal(str(row["cost_per_call_usd"]))

    def explains(req: ref.Request, scen: ref.Scenario = scenario) -> bool:
        try:
            return abs(ref.cost_per_call(req, scen, assume).per_call_usd - figure) <= TOLERANCE
        except ValueError:  # the what-if is not a valid request
            return False

    if causes and explains(request):
        return "; ".join(causes) + " (these explain it)"
    for what, alternative in _what_ifs(prompt, request, plan):
        if explains(alternative):
            return "; ".join([*causes, what])
    if scenario.batch_share and explains(request, replace(scenario, batch_share=Decimal(0))):
        return "; ".join([*causes, f"rule 7: promptops ignores batch_share {scenario.batch_share}"])
    # Nothing single explains it: name what the row exercises.
    if plan.write_end > plan.read_end:
        causes.append(
            f"rules 3/4: A={plan.read_end:,} B={plan.one_hour_end:,} C={plan.write_end:,} "
            "(hits read to A and write A..C, misses write to C)"
        )
    elif plan.one_hour_end:
        causes.append(f"rule 4: 1h writes up to B={plan.one_hour_end:,}")
    if scenario.batch_share:
        causes.append(f"rule 7: batch_share {scenario.batch_share}")
    facts = ref.model_facts(request.model)
    if len(facts.tiers) > 1 and plan.total_input > (facts.tiers[0].up_to or 0):
        causes.append(f"rule 6: {facts.model_id} upper tier ({plan.total_input:,} input tokens)")
    if not causes:
        causes.append(f"rule 6: prices of {facts.model_id}")
    return "; ".join(causes)


def _what_ifs(
    prompt: Mapping[str, Any], request: ref.Request, plan: ref.CachePlan
) -> Iterator[tuple[str, ref.Request]]:
    """Requests as a mistaken cost model would see them, each with what the mistake is."""
    variables = prompt.get("variables") or {}
    if any(v.get("volatile") is False for v in variables.values()):
        flags = per_call_flags({**prompt, "variables": {}})  # constants as per-call values
        blocks = tuple(replace(b, per_call=f) for b, f in zip(request.blocks, flags, strict=True))
        yield (
            "rule 3: promptops treats `volatile: false` constants as per-call values",
            replace(request, blocks=blocks),
        )
    if plan.write_end > plan.read_end:
        readable = tuple(replace(b, per_call=False) for b in request.blocks)
        yield (
            "rule 3: promptops reads a prefix that holds a per-call value",
            replace(request, blocks=readable),
        )
        first = next((i for i, b in enumerate(request.blocks) if b.per_call), 0)
        later_ttls = {b.cache for b in request.blocks[first:]}
        if first > 0 and request.blocks[first - 1].cache is None and "1h" not in later_ttls:
            blocks = list(request.blocks)
            blocks[first - 1] = replace(blocks[first - 1], cache="5m")
            stable = sum(b.tokens for b in blocks[:first]) + plan.tool_overhead
            yield (
                f"rules 3/4: promptops reads up to the first per-call block ({stable:,} tokens), "
                "where no breakpoint sits (reads only find entries written at breakpoints)",
                replace(request, blocks=tuple(blocks)),
            )


def table(rows: Sequence[Row]) -> str:
    """The rows as a fixed-width table (µ$ per call)."""

    def micro(value: Decimal | None) -> str:
        return "-" if value is None else f"{value / MICRO:,.4f}".rstrip("0").rstrip(".")

    header = ("prompt", "scenario", "promptops µ$", "reference µ$", "Δ µ$", "ok", "rule / why")
    lines = [header]
    for row in rows:
        delta = (
            "-"
            if row.promptops is None or row.reference is None
            else micro(row.promptops - row.reference)
        )
        lines.append(
            (
                row.prompt,
                row.scenario,
                micro(row.promptops),
                micro(row.reference),
                delta,
                "yes" if row.ok else "NO",
                row.why,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
        + "  "
        + line[-1]
        for line in lines
    )


def report(outcome: Outcome) -> str:
    """Why one prompt failed: what stopped the comparison, then its rows."""
    parts = [f"{outcome.repo}: {outcome.prompt_id}"]
    parts += [f"  PROBLEM: {problem}" for problem in outcome.problems]
    parts += [f"  note: {note}" for note in outcome.notes]
    if outcome.rows:
        parts.append(table(outcome.rows))
    return "\n".join(parts)


def run_comparison(root: Path) -> dict[str, Outcome]:
    """Generate every repo under `root`, run promptops, and compare; keyed by prompt id."""
    env = cli_env(root / "promptops-cache")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda repo: compare_repo(repo, root, env), REPOS))
    return {outcome.prompt_id: outcome for outcomes in results for outcome in outcomes}


# --------------------------------------------------------------------------------------------
# The tests.
# --------------------------------------------------------------------------------------------

REPOS = build_repos()
PROMPT_IDS = [prompt["id"] for repo in REPOS for prompt in repo.prompts]


class Comparison(dict[str, Outcome]):
    """Outcomes by prompt id, with a short repr (pytest prints fixture values on failure)."""

    def __repr__(self) -> str:
        return f"<{len(self)} compared prompts>"


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Comparison]:
    """One run of promptops over every generated repo, shared by the per-prompt tests."""
    yield Comparison(run_comparison(tmp_path_factory.mktemp("billing-reference")))


@pytest.mark.parametrize("prompt_id", PROMPT_IDS)
def test_promptops_prices_like_the_reference(comparison: Comparison, prompt_id: str) -> None:
    outcome = comparison[prompt_id]
    if not outcome.ok:
        pytest.fail(
            "promptops disagrees with the billing reference\n" + report(outcome), pytrace=False
        )


def test_hand_computed_cases_end_to_end(comparison: Comparison) -> None:
    """The reference prices the rendered brief and DESIGN.md prompts at their hand-computed
    figures, so the generated repos, render's placeholders and the counting line up."""
    brief = comparison["brief/account-id-in-only-breakpoint"].reference["expected"]
    assert brief.miss == ref.LineItems(write_5m=5003, uncached=16, output=200)
    assert brief.per_call_usd / MICRO == Decimal("7269.75")
    assert brief.monthly_usd == Decimal("2180.925")
    design = comparison["design/worked-example"].reference
    assert design["expected"].per_call_usd / MICRO == Decimal(3650)
    assert design["stretch"].monthly_usd == Decimal("10950.00")
    thinking = comparison["thinking/opus-4-6-brief"].reference["per-call"]
    assert thinking.per_call_usd == Decimal("0.20") + 120 * 5 * MICRO


def test_generator_is_deterministic_and_covers_the_rules() -> None:
    first, second = build_repos(), build_repos()
    assert [dump(p) for r in first for p in r.prompts] == [
        dump(p) for r in second for p in r.prompts
    ]
    prompts = [p for r in first for p in r.prompts]
    assert 40 <= len(prompts) <= 60
    assert len(set(PROMPT_IDS)) == len(PROMPT_IDS)
    models = {p["model"] for p in prompts}
    assert models == {f.model_id for f in ref.MODELS.values()} - {
        "claude-sonnet-4-5",
        "claude-opus-4-5",
        "claude-opus-4-7",
    }
    assert {_choice_type(p) for p in prompts} >= {"auto", "none", "any", "tool"}
    assert any(p.get("thinking") for p in prompts)
    assert any("max_output_tokens" not in p for p in prompts)
    assert any(
        v.get("volatile") is False for p in prompts for v in (p.get("variables") or {}).values()
    )
    for prompt in prompts:  # tools only where the overhead is published
        if prompt.get("tools"):
            assert ref.model_facts(prompt["model"]).tool_overhead is not None


# Hand-computed cases of the calculator itself (µ$ = millionths of a dollar).


def _request(model: str, *blocks: ref.Block, **fields: Any) -> ref.Request:
    return ref.Request(model, tuple(blocks), **fields)


def test_brief_per_call_value_in_the_only_breakpoint_writes_every_call() -> None:
    """Haiku 4.5: 5,000 static tokens then {{ account_id }} (3 tokens) in the only cached 5m
    block, a 16-token message, 200 output tokens, 300,000 calls at 90% hits."""
    text = filler(5000) + "{{ account_id }}"
    assert ref.holds_per_call_value(text, frozenset())
    request = _request(
        "claude-haiku-4-5",
        ref.Block("system", 5003, "5m", per_call=True),
        ref.Block("messages", 16),
        max_output_tokens=400,
    )
    scenario = ref.Scenario("expected", Decimal(300_000), Decimal("0.9"), 200)
    cost = ref.cost_per_call(request, scenario)
    assert cost.hit is None and cost.hit_rate == 0  # nothing can ever be read
    assert cost.miss == ref.LineItems(write_5m=5003, uncached=16, output=200)
    # 5,003 × 1.25 + 16 × 1 + 200 × 5 = 6,253.75 + 16 + 1,000
    assert cost.per_call_usd / MICRO == Decimal("7269.75")
    assert cost.monthly_usd == Decimal("2180.925")


def test_brief_thinking_is_capped_at_max_tokens_without_a_charter() -> None:
    """Opus 4.6, max_output_tokens 8000, budget 6000, no charter: 8,000 output tokens."""
    request = _request(
        "claude-opus-4-6",
        ref.Block("system", 100),
        ref.Block("messages", 20),
        max_output_tokens=8000,
        thinking_budget=6000,
    )
    (scenario,) = ref.scenarios_for(None, "any")
    cost = ref.cost_per_call(request, scenario)
    assert cost.billed_output == 8000
    # 8,000 × $25/M = $0.20, plus 120 input tokens × $5/M
    assert cost.per_call_usd == Decimal("0.20") + Decimal("0.0006")


def test_design_worked_example() -> None:
    """DESIGN.md: 5,000 cached at 80% hits, 500 uncached, 300 output = 3,650 µ$."""
    request = _request(
        "claude-haiku-4-5", ref.Block("system", 5000, "5m"), ref.Block("messages", 500)
    )
    charter_doc = {
        "scenarios": {
            "expected": {"calls_per_month": 1_000_000, "cache_hit_rate": 0.8, "output_tokens": 300}
        }
    }
    expected, stretch, runaway = ref.scenarios_for(charter_doc, "p")
    cost = ref.cost_per_call(request, expected)
    assert cost.per_call_usd / MICRO == Decimal(3650)
    assert cost.monthly_usd == Decimal("3650.00")
    assert ref.cost_per_call(request, stretch).monthly_usd == Decimal("10950.00")
    assert runaway.calls_per_month == Decimal(15_000_000)


def test_one_hour_write_between_a_and_c() -> None:
    """Sonnet 4.6: 1h static at 1,500 (A), 1h per-call at 3,000 (B), 5m at 3,500 (C), 100 after.
    Hit: read 1,500, 1h-write 1,500, 5m-write 500; miss: 1h-write 3,000, 5m-write 500."""
    request = _request(
        "claude-sonnet-4-6",
        ref.Block("system", 1500, "1h"),
        ref.Block("system", 1500, "1h", per_call=True),
        ref.Block("system", 500, "5m"),
        ref.Block("messages", 100),
    )
    cost = ref.cost_per_call(request, ref.Scenario("expected", Decimal(1), Decimal("0.8"), 100))
    assert (cost.plan.read_end, cost.plan.one_hour_end, cost.plan.write_end) == (1500, 3000, 3500)
    assert cost.hit == ref.LineItems(1500, 1500, 500, 100, 100)
    assert cost.miss == ref.LineItems(0, 3000, 500, 100, 100)
    # hit 450 + 9,000 + 1,875 + 300 = 11,625; miss 18,000 + 1,875 + 300 = 20,175; output 1,500
    assert cost.per_call_usd / MICRO == Decimal("0.8") * 11625 + Decimal("0.2") * 20175 + 1500


def test_minimum_counts_the_whole_prefix_with_the_tool_overhead() -> None:
    """Sonnet 5, one 100-token tool, tool_choice any (474): tool_cache at 574 is below 1,024;
    the system breakpoint at 474 + 100 + 450 = 1,024 is exactly at it."""
    blocks = (
        ref.Block("tools", 100, "5m"),
        ref.Block("system", 450, "5m"),
        ref.Block("messages", 10),
    )
    plan = ref.plan_cache(_request("claude-sonnet-5", *blocks, tool_choice="any"))
    assert plan.tool_overhead == 474
    assert [(bp.prefix_tokens, bp.effective) for bp in plan.breakpoints] == [
        (574, False),
        (1024, True),
    ]
    auto = ref.plan_cache(_request("claude-sonnet-5", *blocks))
    assert [(bp.prefix_tokens, bp.effective) for bp in auto.breakpoints] == [
        (454, False),
        (904, False),
    ]
    below = ref.plan_cache(_request("claude-haiku-4-5", ref.Block("system", 4095, "5m")))
    assert below.write_end == 0 and not below.breakpoints[0].effective


def test_haiku_5_5_tier_covers_every_token_of_a_call_above_100k() -> None:
    """100,000 input tokens stay at $0.10/$0.50; 100,001 bill input and output at $0.50/$2.50."""
    scenario = ref.Scenario("expected", Decimal(1), output_tokens=1000)
    at = ref.cost_per_call(_request("claude-haiku-5-5", ref.Block("system", 100_000)), scenario)
    above = ref.cost_per_call(_request("claude-haiku-5-5", ref.Block("system", 100_001)), scenario)
    assert at.per_call_usd / MICRO == Decimal("10000.0") + Decimal("500.0")
    assert above.per_call_usd / MICRO == Decimal("50000.5") + Decimal("2500.0")


def test_batch_share_halves_every_line_item_of_batched_calls() -> None:
    """Half the calls through Batches: cost × (0.5 + 0.5 × 0.5)."""
    request = _request(
        "claude-haiku-4-5", ref.Block("system", 5000, "5m"), ref.Block("messages", 500)
    )
    plain = ref.Scenario("expected", Decimal(1), Decimal("0.8"), 300)
    batched = replace(plain, batch_share=Decimal("0.5"))
    assert ref.cost_per_call(request, batched).per_call_usd / MICRO == Decimal("3650") * Decimal(
        "0.75"
    )


def test_constants_do_not_make_a_prefix_per_call() -> None:
    constants = frozenset({"brand", "customer.tier"})
    assert not ref.holds_per_call_value("Brand {{ brand }} tier {{customer.tier}}", constants)
    assert ref.holds_per_call_value("Brand {{ brand }} at {{ now }}", constants)
    assert ref.holds_per_call_value("{{ brand | upper }}", constants)
    assert not ref.holds_per_call_value("no template here", constants)


def test_scenarios_inherit_overrides_and_share_traffic() -> None:
    charter_doc = {
        "scenarios": {
            "expected": {
                "calls_per_month": 1000,
                "cache_hit_rate": 0.9,
                "output_tokens": 50,
                "batch_share": 0.2,
            },
            "stretch": {"multiplier": 2.5, "cache_hit_rate": 0.6},
            "runaway": {"output_tokens": 900},
            "prompts": {"a": 0.25},
        }
    }
    expected, stretch, runaway = ref.scenarios_for(charter_doc, "a")
    assert expected == ref.Scenario("expected", Decimal(250), Decimal("0.9"), 50, Decimal("0.2"))
    assert stretch == ref.Scenario("stretch", Decimal("625.0"), Decimal("0.6"), 50, Decimal("0.2"))
    assert runaway == ref.Scenario("runaway", Decimal(3750), Decimal("0.9"), 900, Decimal("0.2"))
    assert ref.scenarios_for(charter_doc, "b")[0].calls_per_month == 1000


def test_the_calculator_refuses_what_the_docs_do_not_answer() -> None:
    with pytest.raises(ref.BillingRuleError, match="unpublished"):
        ref.plan_cache(_request("claude-opus-5-5", ref.Block("tools", 100)))
    with pytest.raises(ref.BillingRuleError, match="unpublished"):
        ref.plan_cache(_request("claude-sonnet-5-5", ref.Block("system", 3000, "5m")))
    with pytest.raises(ref.BillingRuleError, match="budget_tokens"):
        ref.billed_output(
            _request("claude-sonnet-5", thinking_budget=2000, max_output_tokens=4000), None
        )
    with pytest.raises(ref.BillingRuleError, match="budget_tokens"):
        ref.billed_output(
            _request("claude-opus-4-6", thinking_budget=4000, max_output_tokens=4000), None
        )
    with pytest.raises(ref.BillingRuleError, match="1h"):
        ref.plan_cache(
            _request(
                "claude-sonnet-4-6", ref.Block("system", 10, "5m"), ref.Block("system", 10, "1h")
            )
        )
    with pytest.raises(ref.BillingRuleError, match="not in the reference"):
        ref.model_facts("claude-instant-1")


def test_counting_follows_the_rendered_body() -> None:
    body = {
        "tools": [
            {
                "name": "t",
                "description": " x x x",
                "input_schema": {"type": "object"},
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            }
        ],
        "system": [{"type": "text", "text": filler(50), "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": filler(7)}],
    }
    blocks = ref.blocks_of_body(body, [False, False, True])
    tool_tokens = ref.count_text(
        json.dumps({"name": "t", "description": " x x x", "input_schema": {"type": "object"}})
    )
    assert [(b.part, b.tokens, b.cache, b.per_call) for b in blocks] == [
        ("tools", tool_tokens, "1h", False),
        ("system", 50, "5m", False),
        ("messages", 7, None, True),
    ]


def main() -> int:
    """Print the whole comparison (every row of every prompt); exit 1 on any disagreement.

    `PYTHONPATH=/path/to/other/checkout python -m tests.test_billing_reference` (run from this
    repo) compares another promptops, e.g. `git archive HEAD` unpacked beside a dirty tree."""
    with tempfile.TemporaryDirectory() as folder:
        outcomes = run_comparison(Path(folder))
    rows = [row for outcome in outcomes.values() for row in outcome.rows]
    print(table(rows))
    for outcome in outcomes.values():
        for problem in outcome.problems:
            print(f"PROBLEM {outcome.prompt_id}: {problem}")
    bad = [o for o in outcomes.values() if not o.ok]
    print(f"\n{len(outcomes) - len(bad)} of {len(outcomes)} prompts agree with the reference")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
