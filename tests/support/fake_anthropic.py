"""A loopback server speaking the Anthropic Messages API, for tests.

Production code talks to it unchanged through the SDK's base-URL override. It answers
`POST /v1/messages`, `POST /v1/messages/count_tokens` and the Message Batches endpoints
(`POST /v1/messages/batches`, `GET /v1/messages/batches/{id}`, `GET …/{id}/results`),
records every request, and plays scripted replies first (a 429 with retry-after, a 529
overloaded_error, a message with cache usage), falling back to deterministic defaults.

Hostile replies for the network-fault tests: `Reply(drip_s=2)` sends one byte every 2 s,
`Reply(301, headers={"location": other})` redirects, `Reply(raw=b"...")` sends bytes as they
are (not JSON, bad UTF-8), and `echo_credentials()` answers an error that quotes the request's
credential headers back:

    with FakeAnthropic() as fake:
        fake.enqueue(rate_limited(retry_after_s=0.01))
        fake.enqueue(message_reply("hi", usage={"input_tokens": 10, "output_tokens": 2}))
        client = anthropic.Anthropic(api_key="test", base_url=fake.base_url)
        ...
        assert len(fake.requests_to("/v1/messages")) == 2
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.hostile_http import Scripted, write_reply

MESSAGES = "/v1/messages"
COUNT_TOKENS = "/v1/messages/count_tokens"
BATCHES = "/v1/messages/batches"


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP reply; `body` may be a function of the request's headers, `raw`
    bytes are sent as they are, `drip_s` sends one byte per interval (see hostile_http)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    drip_s: float | None = None
    drip_headers: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived


def error_reply(status: int, error_type: str, message: str, headers: dict | None = None) -> Reply:
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return Reply(status=status, body=body, headers=dict(headers or {}))


def echo_credentials(status: int = 400) -> Reply:
    """An error whose message quotes the request's credential headers, as a careless proxy
    or a hostile server would."""

    def body(headers: dict[str, str]) -> dict[str, Any]:
        seen = f"x-api-key={headers.get('x-api-key')} authorization={headers.get('authorization')}"
        return {"type": "error", "error": {"type": "invalid_request_error", "message": seen}}

    return Reply(status=status, body=body)


def rate_limited(retry_after_s: float = 0.01) -> Reply:
    """429 rate_limit_error with `retry-after-ms` (and whole-second `retry-after`)."""
    return error_reply(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit",
        {
            "retry-after-ms": str(int(retry_after_s * 1000)),
            "retry-after": str(math.ceil(retry_after_s)),
        },
    )


def overloaded(retry_after_s: float | None = 0.01) -> Reply:
    headers = {} if retry_after_s is None else {"retry-after-ms": str(int(retry_after_s * 1000))}
    return error_reply(529, "overloaded_error", "Overloaded", headers)


def message_body(
    text: str,
    model: str = "claude-haiku-4-5",
    usage: dict[str, Any] | None = None,
    stop_reason: str = "end_turn",
    content: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    usage = dict(usage or {"input_tokens": 10, "output_tokens": max(len(text.split()), 1)})
    usage.setdefault("cache_creation_input_tokens", 0)
    usage.setdefault("cache_read_input_tokens", 0)
    return {
        "id": f"msg_{next(_ids):024d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content if content is not None else [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def message_reply(text: str, **kwargs: Any) -> Reply:
    return Reply(200, message_body(text, **kwargs))


_ids = itertools.count(1)


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item)]
    return []


def default_token_count(body: dict[str, Any]) -> int:
    """Deterministic stand-in for Claude's tokenizer: one token per 4 characters of every
    string in system, tools and messages (rounded up), plus 3 per message."""
    characters = sum(
        len(text) for part in ("system", "tools", "messages") for text in _texts(body.get(part))
    )
    return math.ceil(characters / 4) + 3 * len(body.get("messages") or [])


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return "".join(str(b.get("text", "")) for b in content or [] if isinstance(b, dict))
    return ""


def echo_responder(body: dict[str, Any]) -> Reply:
    """Default answer: `echo: <last user text>`, with input usage from the token counter."""
    text = f"echo: {last_user_text(body)}"
    usage = {"input_tokens": default_token_count(body), "output_tokens": len(text.split())}
    return message_reply(text, model=str(body.get("model", "")), usage=usage)


class FakeAnthropic:
    """The fake API server; a context manager that binds a free port on 127.0.0.1."""

    def __init__(
        self,
        responder: Callable[[dict[str, Any]], Reply] = echo_responder,
        token_counter: Callable[[dict[str, Any]], int] = default_token_count,
        batch_polls_before_end: int = 0,
        results_base: str | None = None,
    ) -> None:
        self.responder = responder
        self.results_base = results_base  # another origin for batch results_url (hostile)
        self.token_counter = token_counter
        self.batch_polls_before_end = batch_polls_before_end
        self.requests: list[RecordedRequest] = []
        self._scripted: dict[str, deque[Reply]] = {}
        self._batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------
    def enqueue(self, *replies: Reply, path: str = MESSAGES) -> None:
        """Replies played in order by the next requests to `path`, before the default."""
        with self._lock:
            self._scripted.setdefault(path, deque()).extend(replies)

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path and r.method == method]

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "use FakeAnthropic as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAnthropic:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- request handling --------------------------------------------------------------
    def _next_scripted(self, path: str) -> Reply | None:
        with self._lock:
            queue = self._scripted.get(path)
            return queue.popleft() if queue else None

    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, body))
        scripted = self._next_scripted(path)
        if scripted is not None:
            return scripted
        if method == "POST" and path == MESSAGES:
            return self.responder(body)
        if method == "POST" and path == COUNT_TOKENS:
            return Reply(200, {"input_tokens": self.token_counter(body)})
        if method == "POST" and path == BATCHES:
            return Reply(200, self._create_batch(body))
        if method == "GET" and path.startswith(BATCHES + "/"):
            return self._batch_get(path[len(BATCHES) + 1 :])
        return error_reply(404, "not_found_error", f"{method} {path} not found")

    def _create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"msgbatch_{next(_ids):024d}"
        results = []
        for entry in body.get("requests", []):
            reply = self._next_scripted(MESSAGES) or self.responder(entry["params"])
            if reply.status == 200:
                result = {"type": "succeeded", "message": reply.body}
            else:
                result = {
                    "type": "errored",
                    "error": {"type": "error", "error": reply.body["error"]},
                }
            results.append({"custom_id": entry["custom_id"], "result": result})
        now = datetime.now(UTC)
        batch = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {
                "processing": len(results),
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": now.isoformat(),
            "expires_at": (now + timedelta(days=1)).isoformat(),
            "ended_at": None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": None,
        }
        with self._lock:
            self._batches[batch_id] = {
                "batch": batch,
                "results": results,
                "polls_left": self.batch_polls_before_end,
            }
            if self.batch_polls_before_end == 0:
                self._end_batch(batch_id)
            return dict(batch)

    def _end_batch(self, batch_id: str) -> None:
        state = self._batches[batch_id]
        batch, results = state["batch"], state["results"]
        succeeded = sum(1 for r in results if r["result"]["type"] == "succeeded")
        batch["processing_status"] = "ended"
        batch["ended_at"] = datetime.now(UTC).isoformat()
        base = self.results_base or self.base_url
        batch["results_url"] = f"{base}{BATCHES}/{batch_id}/results"
        batch["request_counts"] = {
            "processing": 0,
            "succeeded": succeeded,
            "errored": len(results) - succeeded,
            "canceled": 0,
            "expired": 0,
        }

    def _batch_get(self, rest: str) -> Reply:
        batch_id, _, tail = rest.partition("/")
        with self._lock:
            state = self._batches.get(batch_id)
            if state is None:
                return error_reply(404, "not_found_error", f"no batch {batch_id}")
            if tail == "results":
                lines = "".join(json.dumps(r) + "\n" for r in state["results"])
                return Reply(200, lines, {"content-type": "application/binary"})
            if state["polls_left"] > 0:
                state["polls_left"] -= 1
                if state["polls_left"] == 0:
                    self._end_batch(batch_id)
            return Reply(200, dict(state["batch"]))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = fake.handle(method, path, headers, body)
                content = reply.body(headers) if callable(reply.body) else reply.body
                if reply.raw is not None:
                    payload, content_type = reply.raw, "application/json"
                elif isinstance(content, str):
                    payload, content_type = content.encode(), "application/octet-stream"
                else:
                    payload, content_type = json.dumps(content).encode(), "application/json"
                extra = {k.lower(): v for k, v in reply.headers.items()}
                wire_headers = {
                    "content-type": extra.pop("content-type", content_type),
                    "request-id": f"req_{next(_ids):024d}",
                    **extra,
                }
                scripted = Scripted(
                    reply.status,
                    headers=wire_headers,
                    raw=payload,
                    drip_s=reply.drip_s,
                    drip_headers=reply.drip_headers,
                )
                write_reply(self.wfile, scripted, headers, fake._stop)

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
