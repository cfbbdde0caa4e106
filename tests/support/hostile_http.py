"""Loopback HTTP servers that misbehave on purpose, for the hostile-network tests.

`LoopbackServer` records every request (method, path, headers, raw body) and answers each one
with the next scripted `Scripted` reply, else with its `default` function. A reply can:

- drip: send one byte every `drip_s` seconds (the body only, or from the status line on with
  `drip_headers`), the way a stalled proxy or a hostile server keeps a read timeout from firing;
- redirect: any status with a `Location` header (to another origin, typically a second
  `LoopbackServer` acting as the sink that must never see a credential);
- echo: `body` may be a function of the request's headers, to echo credentials back;
- be malformed: `raw` bytes are sent as they are (bad UTF-8, not JSON, truncated JSON).

    with LoopbackServer() as sink, LoopbackServer() as server:
        server.enqueue(Scripted(301, headers={"Location": sink.url + "/v1/x"}))
        ...
        assert sink.requests == []
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HeadersFn = Callable[[dict[str, str]], Any]


@dataclass(frozen=True)
class Scripted:
    """One reply. `body` is JSON-encoded unless it is bytes; `raw` wins over `body`."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    drip_s: float | None = None
    drip_headers: bool = False


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def reply_bytes(reply: Scripted, request_headers: dict[str, str]) -> tuple[bytes, bytes]:
    """(status line and headers, body) of a reply, as they go on the wire."""
    if reply.raw is not None:
        payload = reply.raw
        content_type = "application/json"
    else:
        body = reply.body(request_headers) if callable(reply.body) else reply.body
        if isinstance(body, bytes):
            payload, content_type = body, "application/octet-stream"
        elif body is None:
            payload, content_type = b"", "application/json"
        else:
            payload, content_type = json.dumps(body).encode("utf-8"), "application/json"
    headers = {"content-type": content_type, **{k.lower(): v for k, v in reply.headers.items()}}
    headers["content-length"] = str(len(payload))
    reason = "Moved" if 300 <= reply.status < 400 else "OK" if reply.status < 400 else "Error"
    head = f"HTTP/1.1 {reply.status} {reason}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode("latin-1"), payload


def write_reply(
    wfile: Any, reply: Scripted, request_headers: dict[str, str], stop: threading.Event
) -> None:
    """Send a reply, dripping where it says so; gives up quietly when the client has gone or
    the server is stopping (so no test leaves a dripping thread behind)."""
    head, payload = reply_bytes(reply, request_headers)
    try:
        if reply.drip_s is None:
            wfile.write(head + payload)
            wfile.flush()
            return
        if not reply.drip_headers:
            wfile.write(head)
            wfile.flush()
        for byte in head + payload if reply.drip_headers else payload:
            if stop.wait(reply.drip_s):
                return
            wfile.write(bytes([byte]))
            wfile.flush()
    except (BrokenPipeError, ConnectionResetError, OSError):
        return


class LoopbackServer:
    """A recording server on 127.0.0.1 with scripted replies (see the module docstring)."""

    def __init__(self, default: Callable[[Recorded], Scripted] | None = None) -> None:
        self.default = default or (lambda _request: Scripted(404, {"error": "not found"}))
        self.requests: list[Recorded] = []
        self._scripted: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "use LoopbackServer as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def enqueue(self, *replies: Scripted) -> None:
        with self._lock:
            self._scripted.extend(replies)

    def answer(self, request: Recorded) -> Scripted:
        with self._lock:
            self.requests.append(request)
            scripted = self._scripted.popleft() if self._scripted else None
        return scripted or self.default(request)

    def __enter__(self) -> LoopbackServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Recorded(self.command, self.path, headers, body)
                write_reply(self.wfile, server.answer(request), headers, server._stop)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
