"""Each anti-pattern's telemetry fingerprint: planted, `calibrate` finds it with evidence and
money; absent, it stays quiet. Through the CLI on a repo whose charter caps steps at 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.calibrate_repo import call_record, make_repo, tokens_report, write_records
from tests.support.cli import run_cli

START = 1_788_000_000
TASKS = 200


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    root = make_repo(tmp_path_factory.mktemp("fingerprints"))
    tokens = tokens_report(root)["prompts"][0]["tokens"]
    return root, tokens["cached"], tokens["uncached"]


def found(root: Path, records: list[dict], name: str) -> list[dict]:
    path = write_records(root.parent / f"{name}.jsonl", records)
    result = run_cli(["calibrate", "--telemetry", str(path), "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    return [f for f in json.loads(result.stdout)["fingerprints"] if f["name"] == name]


def tasks(
    cached: int,
    uncached: int,
    steps=lambda task: 3,
    hit=lambda i: i % 5 != 0,
    output=lambda task: 400,
    tool=None,
) -> list[dict]:
    """TASKS tasks over a day; `tool(task, step)` adds a tool span (name, arguments) or None."""
    records, index = [], 0
    for task in range(TASKS):
        for step in range(steps(task)):
            stamp = START + task * 400 + step
            records.append(
                call_record(
                    cached, uncached, hit(index), output(task), trace_id=f"t{task}", timestamp=stamp
                )
            )
            index += 1
            spec = tool(task, step) if tool else None
            if spec is not None:
                records.append(
                    {
                        "gen_ai.operation.name": "execute_tool",
                        "trace_id": f"t{task}",
                        "gen_ai.tool.name": spec[0],
                        "gen_ai.tool.call.arguments": spec[1],
                        "timestamp": stamp,
                    }
                )
    return records


def test_cached_timestamp(repo) -> None:
    root, cached, uncached = repo
    busted = found(root, tasks(cached, uncached, hit=lambda i: False), "cached-timestamp")
    assert len(busted) == 1
    assert busted[0]["prompt"] == "support/agent@1.0.0"
    assert "600 of 600 calls wrote the cache and 0 read it" in busted[0]["evidence"]
    assert float(busted[0]["monthly_usd"]) > 0
    assert found(root, tasks(cached, uncached), "cached-timestamp") == []


def test_recursive_sub_agent(repo) -> None:
    root, cached, uncached = repo
    runaway = found(
        root,
        tasks(cached, uncached, steps=lambda t: 12 if t % 10 == 0 else 3),
        "recursive-sub-agent",
    )
    assert len(runaway) == 1
    assert (
        "20 of 200 tasks ran more than agent.max_steps 4 (up to 12 steps)" in runaway[0]["evidence"]
    )
    assert float(runaway[0]["monthly_usd"]) > 0
    rising = found(
        root,
        tasks(cached, uncached, output=lambda t: 400 if t < TASKS // 2 else 2000),
        "recursive-sub-agent",
    )
    assert len(rising) == 1 and "cost per task grew" in rising[0]["evidence"]
    assert found(root, tasks(cached, uncached), "recursive-sub-agent") == []


def _conversations(cached: int, uncached: int, growth: int) -> list[dict]:
    records = []
    for conversation in range(30):
        for turn in range(12):
            records.append(
                call_record(
                    cached,
                    uncached + growth * turn,
                    True,
                    300,
                    **{
                        "gen_ai.conversation.id": f"c{conversation}",
                        "timestamp": START + conversation * 1000 + turn * 10,
                    },
                )
            )
    return records


def test_eternal_conversation(repo) -> None:
    root, cached, uncached = repo
    growing = found(root, _conversations(cached, uncached, growth=2000), "eternal-conversation")
    assert len(growing) == 1
    figures = growing[0]["figures"]
    assert figures["turn_10_input_tokens"] == cached + uncached + 9 * 2000
    assert figures["turn_1_input_tokens"] == cached + uncached
    assert float(growing[0]["monthly_usd"]) > 0
    assert found(root, _conversations(cached, uncached, growth=0), "eternal-conversation") == []


def test_ungoverned_tool(repo) -> None:
    root, cached, uncached = repo
    repeated = found(
        root,
        tasks(cached, uncached, tool=lambda t, s: ("search", '{"q": "refund"}')),
        "ungoverned-tool",
    )
    assert len(repeated) == 1
    assert (
        "200 tasks called a tool again with the same arguments (400 repeats"
        in repeated[0]["evidence"]
    )
    distinct = found(
        root,
        tasks(cached, uncached, tool=lambda t, s: ("search", f'{{"q": {s}}}')),
        "ungoverned-tool",
    )
    assert distinct == []


def test_orphaned_workload(repo) -> None:
    root, cached, uncached = repo
    stray = {**call_record(cached, uncached, True, 100), "promptops.prompt.id": "ads/blurb"}
    orphans = found(root, [*tasks(cached, uncached), stray, stray], "orphaned-workload")
    assert [o["prompt"] for o in orphans] == ["ads/blurb"]
    assert found(root, tasks(cached, uncached), "orphaned-workload") == []


def _cascade(cached: int, uncached: int, escalated_tenths: int, misroute_every: int) -> list[dict]:
    """Haiku first; `escalated_tenths` of 10 tasks escalate to Sonnet; every
    `misroute_every`-th Haiku-only task fails downstream (misrouted)."""
    records = []
    for task in range(TASKS):
        escalated = task % 10 < escalated_tenths
        failed = not escalated and misroute_every and task % misroute_every == 1
        stamp = START + task * 400
        records.append(
            call_record(
                cached,
                uncached,
                True,
                300,
                trace_id=f"t{task}",
                timestamp=stamp,
                outcome="failure" if failed else "success",
            )
        )
        if escalated:
            sonnet = call_record(
                cached, uncached, True, 300, trace_id=f"t{task}", timestamp=stamp + 1
            )
            sonnet["gen_ai.request.model"] = "claude-sonnet-4-6"
            records.append(sonnet)
    return records


def test_cascade_that_doesnt(repo) -> None:
    root, cached, uncached = repo
    # 7 of 10 tasks escalate: Haiku's call is paid on top of Sonnet's most of the time
    losing = found(
        root,
        _cascade(cached, uncached, escalated_tenths=7, misroute_every=0),
        "cascade-that-doesnt",
    )
    assert len(losing) == 1
    assert "70% of 200 Haiku-first tasks escalate" in losing[0]["evidence"]
    assert float(losing[0]["monthly_usd"]) > 0
    assert losing[0]["figures"]["escalation_sonnet"] == 0.7
    # 1 in 10 escalates: the cascade pays
    paying = found(
        root,
        _cascade(cached, uncached, escalated_tenths=1, misroute_every=0),
        "cascade-that-doesnt",
    )
    assert paying == []
