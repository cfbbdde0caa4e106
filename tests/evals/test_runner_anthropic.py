"""The runner end to end against the loopback Messages API: costs, cache, repeat, batch,
rubric grading spend, unreachable provider."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from promptops.errors import ProviderUnreachable
from promptops.evals.assertions import prepare
from promptops.evals.assertions.base import Where
from promptops.evals.assertions.rubric import ModelGrader
from promptops.evals.providers.anthropic import AnthropicProvider
from promptops.evals.response_cache import ResponseCache
from promptops.evals.runner import EvalCase, RunOptions, Shard, Suite, run_suite
from tests.evals.conftest import price_table
from tests.support.fake_anthropic import (
    MESSAGES,
    FakeAnthropic,
    Reply,
    last_user_text,
    message_reply,
    overloaded,
    rate_limited,
)

WHERE = Where(path="evals/greet.yaml")
BASE_REQUEST = {
    "model": "claude-haiku-4-5",
    "max_tokens": 32,
    "system": [
        {"type": "text", "text": "You greet people.", "cache_control": {"type": "ephemeral"}}
    ],
    "messages": [{"role": "user", "content": "placeholder"}],
}


def make_suite(count: int = 3, asserts: list[dict] | None = None) -> Suite:
    asserts = asserts or [{"type": "contains", "value": "echo"}]
    return Suite(
        id="greet",
        prompt_id="greeter",
        cases=tuple(
            EvalCase(
                id=f"c{n}",
                vars={"name": f"user{n}"},
                assertions=tuple(prepare(spec, WHERE) for spec in asserts),
            )
            for n in range(count)
        ),
    )


def render(case: EvalCase) -> dict:
    request = copy.deepcopy(BASE_REQUEST)
    request["messages"][0]["content"] = f"Hello {case.vars['name']}"
    return request


def provider(fake: FakeAnthropic, **kwargs) -> AnthropicProvider:
    return AnthropicProvider(price_table(), base_url=fake.base_url, api_key="k", **kwargs)


QUIET = RunOptions(show_progress=False)


def test_costs_and_tokens_match_hand_computed_figures(fake_anthropic):
    usage = {
        "input_tokens": 20,
        "output_tokens": 10,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    }
    fake_anthropic.enqueue(
        rate_limited(),
        message_reply(
            "echo a",
            usage={
                **usage,
                "cache_read_input_tokens": 0,
                "cache_creation_input_tokens": 2000,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 2000,
                    "ephemeral_1h_input_tokens": 0,
                },
            },
        ),
        overloaded(),
        message_reply("echo b", usage=usage),
    )
    result = run_suite(
        make_suite(2), render, provider(fake_anthropic), options=RunOptions(1, show_progress=False)
    )
    assert [c.passed for c in result.cases] == [True, True]
    # call 1: 20 x 1.00 + 2000 x 1.25 + 10 x 5.00 = 2,570 micro-dollars
    # call 2: 20 x 1.00 + 2000 x 0.10 + 10 x 5.00 =   270 micro-dollars
    assert [c.cost_usd for c in result.cases] == [Decimal("0.00257"), Decimal("0.00027")]
    assert result.generation_cost_usd == Decimal("0.00284")
    assert result.cost_per_case_usd == Decimal("0.00142")
    assert result.usage.cache_read_input_tokens == 2000
    assert result.usage.cache_write_5m_input_tokens == 2000
    assert result.summary()["input_tokens_per_case"] == 2020
    assert len(fake_anthropic.requests_to(MESSAGES)) == 4  # two retried


def test_second_run_is_served_from_the_cache_and_any_change_misses(fake_anthropic, tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    suite = make_suite(3)
    first = run_suite(suite, render, provider(fake_anthropic), options=QUIET, cache=cache)
    assert len(fake_anthropic.requests_to(MESSAGES)) == 3
    second = run_suite(suite, render, provider(fake_anthropic), options=QUIET, cache=cache)
    assert len(fake_anthropic.requests_to(MESSAGES)) == 3  # no new request
    assert second.cached_calls == 3 and first.cached_calls == 0
    assert [c.attempts[0].output for c in second.cases] == [
        c.attempts[0].output for c in first.cases
    ]
    assert second.generation_cost_usd == first.generation_cost_usd  # cost of the answers
    assert second.spent_generation_usd == 0

    changes = [
        lambda r: r.update(model="claude-sonnet-4-6"),
        lambda r: r.update(max_tokens=33),
        lambda r: r.update(temperature=0),
        lambda r: r["system"][0].update(text="You greet people!"),
        lambda r: r["system"][0].update(cache_control={"type": "ephemeral", "ttl": "1h"}),
        lambda r: r.update(tools=[{"name": "t", "description": "d", "input_schema": {}}]),
        lambda r: r["messages"].append({"role": "assistant", "content": "Hi"}),
    ]
    for number, change in enumerate(changes, start=1):

        def changed_render(case: EvalCase, change=change) -> dict:
            request = render(case)
            change(request)
            return request

        one_case = make_suite(1)
        run_suite(one_case, changed_render, provider(fake_anthropic), options=QUIET, cache=cache)
        assert len(fake_anthropic.requests_to(MESSAGES)) == 3 + number, f"change {number} hit"
    # another provider endpoint is another cache entry too
    with FakeAnthropic() as other:
        run_suite(make_suite(1), render, provider(other), options=QUIET, cache=cache)
        assert len(other.requests_to(MESSAGES)) == 1


def test_repeat_with_k_of_n_and_per_sample_cache(fake_anthropic, tmp_path):
    replies = iter(["echo yes", "no", "echo yes", "no", "no", "echo yes"])

    def responder(body: dict) -> Reply:
        return message_reply(next(replies))

    fake_anthropic.responder = responder
    cache = ResponseCache(tmp_path / "cache")
    options = RunOptions(concurrency=1, repeat=3, min_passes=2, show_progress=False)
    result = run_suite(
        make_suite(2), render, provider(fake_anthropic), options=options, cache=cache
    )
    assert [c.passes for c in result.cases] == [2, 1]
    assert [c.passed for c in result.cases] == [True, False]
    assert result.pass_rate == 0.5
    assert len(fake_anthropic.requests_to(MESSAGES)) == 6  # each sample is its own call
    again = run_suite(make_suite(2), render, provider(fake_anthropic), options=options, cache=cache)
    assert [c.passes for c in again.cases] == [2, 1]
    assert len(fake_anthropic.requests_to(MESSAGES)) == 6


def test_shards_partition_the_cases(fake_anthropic):
    suite = make_suite(5)
    ids = []
    for index in (1, 2):
        options = RunOptions(shard=Shard(index, 2), show_progress=False)
        result = run_suite(suite, render, provider(fake_anthropic), options=options)
        ids.append([c.case_id for c in result.cases])
        assert result.shards == (index,) and result.shard_count == 2
    assert ids == [["c0", "c2", "c4"], ["c1", "c3"]]


def test_rubric_grading_spend_is_reported_apart(tmp_path):
    def responder(body: dict) -> Reply:
        if "<rubric>" in last_user_text(body):
            verdict = "polite" in last_user_text(body).split("<output>")[1]
            text = json.dumps({"reason": "checked", "score": 1 if verdict else 0, "pass": verdict})
            return message_reply(text, usage={"input_tokens": 1000, "output_tokens": 20})
        name = last_user_text(body).split()[-1]
        text = "a polite hello" if name != "user1" else "go away"
        return message_reply(text, usage={"input_tokens": 100, "output_tokens": 4})

    with FakeAnthropic(responder=responder) as fake:
        cache = ResponseCache(tmp_path / "cache")
        grader = ModelGrader(provider(fake), "claude-haiku-4-5", cache)
        suite = make_suite(2, [{"type": "rubric", "value": "The answer is polite."}])
        result = run_suite(suite, render, provider(fake), options=QUIET, cache=cache, grader=grader)
        assert [c.passed for c in result.cases] == [True, False]
        # generation: 2 x (100 x 1.00 + 4 x 5.00) = 240; grading: 2 x (1000 + 20 x 5) = 2,200
        assert result.generation_cost_usd == Decimal("0.00024")
        assert result.grading_cost_usd == Decimal("0.0022")
        assert result.grading_usage.input_tokens == 2000
        grading_requests = [r for r in fake.requests_to(MESSAGES) if "<rubric>" in str(r.body)]
        assert len(grading_requests) == 2
        assert grading_requests[0].body["system"][0]["text"].startswith("You grade")
        # grading is cached too, keyed by the rubric: the same rubric hits, a new one misses
        run_suite(suite, render, provider(fake), options=QUIET, cache=cache, grader=grader)
        assert len(fake.requests_to(MESSAGES)) == 4
        reworded = make_suite(2, [{"type": "rubric", "value": "The answer is kind."}])
        again = run_suite(
            reworded, render, provider(fake), options=QUIET, cache=cache, grader=grader
        )
        assert len(fake.requests_to(MESSAGES)) == 6
        assert again.spent_generation_usd == 0 and again.spent_grading_usd > 0


def test_batch_mode_runs_one_batch_at_batch_prices(tmp_path):
    with FakeAnthropic() as fake:
        cache = ResponseCache(tmp_path / "cache")
        options = RunOptions(batch=True, show_progress=False)
        fake.enqueue(message_reply("echo", usage={"input_tokens": 1000, "output_tokens": 100}))
        result = run_suite(make_suite(3), render, provider(fake), options=options, cache=cache)
        assert len(fake.requests_to("/v1/messages/batches")) == 1
        assert fake.requests_to(MESSAGES) == []
        # first case: 1000 x 0.50 + 100 x 2.50 = 750 micro-dollars
        assert result.cases[0].cost_usd == Decimal("0.00075")
        assert result.batch and all(c.passed for c in result.cases)
        again = run_suite(make_suite(3), render, provider(fake), options=options, cache=cache)
        assert len(fake.requests_to("/v1/messages/batches")) == 1
        assert again.cached_calls == 3


def test_unreachable_provider_raises(fake_anthropic):
    fake_anthropic.enqueue(*[overloaded()] * 10)
    with pytest.raises(ProviderUnreachable):
        run_suite(
            make_suite(2),
            render,
            provider(fake_anthropic, max_retries=1),
            options=RunOptions(concurrency=1, show_progress=False),
        )


CACHED_USAGE = {
    "input_tokens": 500,
    "output_tokens": 300,
    "cache_read_input_tokens": 4000,
    "cache_creation_input_tokens": 1000,
    "cache_creation": {"ephemeral_5m_input_tokens": 600, "ephemeral_1h_input_tokens": 400},
}


def test_batch_costs_exactly_half_of_standard_with_cache_reads_and_writes(tmp_path):
    def responder(body: dict) -> Reply:
        return message_reply("echo", usage=CACHED_USAGE)

    with FakeAnthropic(responder=responder) as fake:
        standard = run_suite(make_suite(2), render, provider(fake), options=QUIET)
        batch = run_suite(
            make_suite(2),
            render,
            provider(fake),
            options=RunOptions(batch=True, show_progress=False),
        )
    assert len(fake.requests_to("/v1/messages/batches")) == 1
    # Haiku 4.5 standard: 500 x 1.00 + 600 x 1.25 + 400 x 2.00 + 4,000 x 0.10 + 300 x 5.00
    #   = 3,950 micro-dollars; batch rates are half of each: 1,975 micro-dollars.
    assert [c.cost_usd for c in standard.cases] == [Decimal("0.00395")] * 2
    assert [c.cost_usd for c in batch.cases] == [Decimal("0.001975")] * 2
    assert batch.cost_per_case_usd * 2 == standard.cost_per_case_usd
