"""Progress output (bar on a TTY, plain lines in CI) and the response cache's key."""

from __future__ import annotations

import io

from promptops.evals.progress import Progress
from promptops.evals.response_cache import ResponseCache, cache_key


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_tty():
    stream = io.StringIO()
    progress = Progress(20, "suite [head]", stream=stream)
    for n in range(20):
        progress.advance(passed=n % 2 == 0)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # one per 10%
    assert lines[-1].startswith("suite [head]: 20/20 calls, 10 failing")
    assert "\r" not in stream.getvalue()


def test_bar_redrawn_in_place_on_a_tty():
    stream = FakeTTY()
    progress = Progress(3, "s", stream=stream)
    for _ in range(3):
        progress.advance(passed=True)
    output = stream.getvalue()
    assert output.startswith("\r") and output.endswith("3/3 (0 failing)\n")
    assert "█" in output


def test_key_depends_on_provider_request_and_sample(tmp_path):
    request = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    reordered = dict(reversed(list(request.items())))
    provider = {"provider": "anthropic", "base_url": "http://127.0.0.1:1"}
    key = cache_key(provider, request)
    assert key == cache_key(provider, reordered)  # canonical JSON: key order is irrelevant
    assert key != cache_key(provider, request, sample=1)
    assert key != cache_key({**provider, "base_url": "http://127.0.0.1:2"}, request)
    cache = ResponseCache(tmp_path)
    assert cache.get(key) is None
    cache.put(key, {"text": "hi"})
    assert cache.get(key) == {"text": "hi"}
    cache.files.path(key).write_text("{broken")  # type: ignore[union-attr]
    assert cache.get(key) is None  # a corrupt entry is a miss, not a crash
    assert (cache.hits, cache.misses) == (1, 2)
