"""A loopback OpenAI-compatible Chat Completions server (what Ollama, llama.cpp server and vLLM
speak), for the fault tests: `POST /v1/chat/completions` answers `echo: <last user text>` with
real-shaped `usage`, unless a scripted reply (malformed, dripping, redirecting) comes first.

    with FakeOpenAI() as fake:
        fake.enqueue(Scripted(raw=b"<html>not json</html>"))
        run_cli(["eval", "--target", "local", "--base-url", fake.base_url, ...])
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.hostile_http import LoopbackServer, Recorded, Scripted

CHAT = "/v1/chat/completions"


def completion(
    content: Any = "hello",
    usage: Any = None,
    *,
    model: str = "tiny",
    finish_reason: Any = "stop",
    **message: Any,
) -> dict[str, Any]:
    """A chat completion body; `content` may be a string, None, or content parts."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1767225600,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, **message},
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage
        if usage is not None
        else {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }


def _echo(request: Recorded) -> Scripted:
    if request.method != "POST" or request.path != CHAT:
        return Scripted(404, {"error": {"message": f"{request.method} {request.path} not found"}})
    body = request.json() or {}
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    text = users[-1]["content"] if users else ""
    return Scripted(200, completion(f"echo: {text}", model=str(body.get("model", "tiny"))))


class FakeOpenAI(LoopbackServer):
    """`base_url` ends in `/v1`, as promptops expects for `--target local`."""

    def __init__(self) -> None:
        super().__init__(default=_echo)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == CHAT]


def parts(*texts: str) -> list[dict[str, str]]:
    """Content parts, as vLLM and newer servers may send them."""
    return [{"type": "text", "text": text} for text in texts]


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
