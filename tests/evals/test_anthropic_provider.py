"""The anthropic provider through the real SDK against a loopback Messages API server."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from promptops.errors import ProviderUnreachable, UserError
from promptops.evals.providers.anthropic import AnthropicProvider
from promptops.evals.providers.base import ProviderRequestError, Usage
from tests.evals.conftest import price_table
from tests.support.fake_anthropic import (
    COUNT_TOKENS,
    MESSAGES,
    error_reply,
    message_reply,
    overloaded,
    rate_limited,
)

REQUEST = {
    "model": "claude-haiku-4-5",
    "max_tokens": 64,
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "messages": [{"role": "user", "content": "Say hi"}],
}
CACHE_USAGE = {
    "input_tokens": 500,
    "output_tokens": 300,
    "cache_read_input_tokens": 4000,
    "cache_creation_input_tokens": 1000,
    "cache_creation": {"ephemeral_5m_input_tokens": 600, "ephemeral_1h_input_tokens": 400},
}
# 500 x 1.00 + 600 x 1.25 + 400 x 2.00 + 4000 x 0.10 + 300 x 5.00 = 3,950 micro-dollars
EXPECTED_COST = Decimal("0.00395")


def provider_for(fake, **kwargs) -> AnthropicProvider:
    return AnthropicProvider(price_table(), base_url=fake.base_url, api_key="test-key", **kwargs)


def test_429_then_success_is_retried_and_priced_from_cache_usage(fake_anthropic):
    fake_anthropic.enqueue(
        rate_limited(retry_after_s=0.01), message_reply("hello", usage=CACHE_USAGE)
    )
    result = provider_for(fake_anthropic).complete(REQUEST)
    assert result.text == "hello"
    assert result.usage == Usage(500, 300, 4000, 600, 400)
    assert result.cost_usd == EXPECTED_COST
    sent = fake_anthropic.requests_to(MESSAGES)
    assert len(sent) == 2  # the 429, then the retry
    assert sent[1].body == REQUEST
    credentials = sent[1].headers.get("x-api-key") or sent[1].headers.get("authorization")
    assert credentials in ("test-key", "Bearer test-key")
    assert sent[1].headers["x-stainless-retry-count"] == "1"


def test_529_overloaded_is_retried(fake_anthropic):
    fake_anthropic.enqueue(overloaded(), overloaded(None), message_reply("back"))
    result = provider_for(fake_anthropic).complete(REQUEST)
    assert result.text == "back"
    assert len(fake_anthropic.requests_to(MESSAGES)) == 3


def test_persistent_overload_is_unreachable(fake_anthropic):
    fake_anthropic.enqueue(*[overloaded()] * 3)
    with pytest.raises(ProviderUnreachable, match="529"):
        provider_for(fake_anthropic, max_retries=2).complete(REQUEST)
    assert len(fake_anthropic.requests_to(MESSAGES)) == 3


def test_cache_creation_without_split_counts_as_5m_writes(fake_anthropic):
    usage = {"input_tokens": 100, "output_tokens": 10, "cache_creation_input_tokens": 2000}
    fake_anthropic.enqueue(message_reply("x", usage=usage))
    result = provider_for(fake_anthropic).complete(REQUEST)
    assert result.usage.cache_write_5m_input_tokens == 2000
    # 100 x 1.00 + 2000 x 1.25 + 10 x 5.00 = 2,650 micro-dollars
    assert result.cost_usd == Decimal("0.00265")


def test_bad_request_is_a_case_error_and_bad_key_a_user_error(fake_anthropic):
    fake_anthropic.enqueue(error_reply(400, "invalid_request_error", "max_tokens: too large"))
    with pytest.raises(ProviderRequestError, match="max_tokens: too large"):
        provider_for(fake_anthropic).complete(REQUEST)
    fake_anthropic.enqueue(error_reply(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(UserError, match="credentials"):
        provider_for(fake_anthropic).complete(REQUEST)


def test_missing_api_key_is_a_user_error(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY"):
        AnthropicProvider(price_table(), base_url="http://127.0.0.1:9").complete(REQUEST)


def test_closed_port_is_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = AnthropicProvider(
        price_table(), base_url=f"http://127.0.0.1:{port}", api_key="k", max_retries=0
    )
    with pytest.raises(ProviderUnreachable, match="could not be reached"):
        provider.complete(REQUEST)


def test_batch_mode_is_priced_at_the_batch_price():
    from tests.support.fake_anthropic import FakeAnthropic

    with FakeAnthropic(batch_polls_before_end=2) as fake:
        fake.enqueue(
            message_reply("one", usage=CACHE_USAGE),
            error_reply(400, "invalid_request_error", "bad one"),
        )
        provider = provider_for(fake, batch_poll_interval_s=0.01)
        first, second = provider.complete_batch([REQUEST, {**REQUEST, "max_tokens": 1}])
        assert first.text == "one"
        assert first.latency_ms is None
        # input side 2,450 x 0.5 + 300 x 2.50 = 1,975 micro-dollars
        assert first.cost_usd == Decimal("0.001975")
        assert isinstance(second, ProviderRequestError)
        assert "bad one" in str(second)
        created = fake.requests_to("/v1/messages/batches")
        assert [r["params"]["max_tokens"] for r in created[0].body["requests"]] == [64, 1]
        polls = [r for r in fake.requests if r.method == "GET" and r.path.count("/") == 4]
        assert len(polls) >= 2


def test_count_tokens_default_is_deterministic(fake_anthropic):
    import anthropic

    client = anthropic.Anthropic(api_key="k", base_url=fake_anthropic.base_url)
    body = {k: REQUEST[k] for k in ("model", "system", "messages")}
    first = client.messages.count_tokens(**body).input_tokens
    second = client.messages.count_tokens(**body).input_tokens
    assert first == second > 0
    assert len(fake_anthropic.requests_to(COUNT_TOKENS)) == 2


def test_parameters_the_sdk_lacks_still_reach_the_wire(fake_anthropic):
    request = {**REQUEST, "temperature": 0, "top_k": 5}
    provider_for(fake_anthropic).complete(request)
    assert fake_anthropic.requests_to(MESSAGES)[0].body == request
