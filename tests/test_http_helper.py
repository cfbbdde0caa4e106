"""The one HTTP helper in-process: total deadlines, the origin policy, the body cap, redaction,
and that a call abandoned at its deadline sends nothing more."""

from __future__ import annotations

import time

import pytest

from promptops.errors import ProviderUnreachable
from promptops.evals.providers.anthropic import AnthropicProvider
from promptops.github.api import GitHubApi, GitHubApiError
from promptops.net.http import DeadlineExceeded, HttpClient, HttpError, OriginRefused
from promptops.net.redact import redact, register_secret
from tests.evals.conftest import price_table
from tests.support.fake_anthropic import FakeAnthropic, Reply, message_body
from tests.support.hostile_http import LoopbackServer, Scripted

REQUEST = {
    "model": "claude-haiku-4-5",
    "max_tokens": 8,
    "messages": [{"role": "user", "content": "hi"}],
}


def _ok(_request) -> Scripted:
    return Scripted(200, {"ok": True})


@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "status-line"])
def test_a_dripping_server_meets_the_total_deadline(drip_headers):
    with LoopbackServer() as server:
        server.enqueue(Scripted(200, {"pad": "x" * 200}, drip_s=0.1, drip_headers=drip_headers))
        client = HttpClient(server.url, timeout_s=1.0)
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="within 1s"):
            client.request("GET", "/slow")
        assert 0.9 < time.monotonic() - started < 2.0


def test_redirects_stay_on_the_configured_origin():
    with LoopbackServer() as sink, LoopbackServer(default=_ok) as server:
        client = HttpClient(
            server.url, headers={"Authorization": "Bearer t0ken-value"}, timeout_s=5
        )
        server.enqueue(Scripted(302, headers={"Location": "/elsewhere"}))
        response = client.request("GET", "/start")
        assert response.status == 200 and response.url.endswith("/elsewhere")
        server.enqueue(Scripted(301, headers={"Location": sink.url + "/steal"}))
        with pytest.raises(OriginRefused, match="refused to follow"):
            client.request("GET", "/start")
        with pytest.raises(OriginRefused):
            client.request("GET", sink.url + "/direct")
    assert sink.requests == []


def test_bodies_are_capped():
    with LoopbackServer() as server:
        server.enqueue(Scripted(200, raw=b"x" * 5000))
        client = HttpClient(server.url, timeout_s=5, max_body_bytes=1000)
        with pytest.raises(HttpError, match="larger than 1,000 bytes"):
            client.request("GET", "/big")


def test_a_closed_port_is_an_http_error_naming_the_url():
    with LoopbackServer() as server:
        url = server.url
    with pytest.raises(HttpError) as caught:
        HttpClient(url, timeout_s=2).request("GET", "/x")
    assert url in str(caught.value)


def test_redaction_covers_env_secrets_registered_keys_and_their_url_form(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_abc/def+ghi=123")
    register_secret("local-key-9876543210")
    text = "token ghs_abc/def+ghi=123 or ghs_abc%2Fdef%2Bghi%3D123, key local-key-9876543210"
    assert redact(text) == "token [REDACTED] or [REDACTED], key [REDACTED]"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")  # too short to be a credential
    assert redact("k is a letter") == "k is a letter"


def test_github_pagination_links_to_another_origin_are_refused():
    with LoopbackServer() as sink, LoopbackServer() as server:
        server.enqueue(Scripted(200, [], headers={"Link": f'<{sink.url}/page2>; rel="next"'}))
        api = GitHubApi("ghs_x", api_url=server.url, timeout_seconds=5)
        with pytest.raises(GitHubApiError, match="another host"):
            list(api.paginate("/repos/a/b/issues/1/comments"))
    assert sink.requests == []


def test_an_abandoned_anthropic_call_sends_no_retry():
    with FakeAnthropic() as fake:
        fake.enqueue(Reply(200, message_body("hi"), drip_s=0.2))
        provider = AnthropicProvider(
            price_table(), base_url=fake.base_url, api_key="k", timeout_s=1.0, max_retries=4
        )
        with pytest.raises(ProviderUnreachable, match="within 1s"):
            provider.complete(REQUEST)
        time.sleep(2.5)  # longer than the SDK's first retry backoff
        assert len(fake.requests) == 1
