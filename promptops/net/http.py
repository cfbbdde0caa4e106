"""The one HTTP helper: every call has a total deadline, and credentials stay on one origin.

Why it exists: a per-read timeout starts again with every byte, so a server that sends one byte
every 2 s keeps a call alive for ever; httpx drops only `Authorization` on a redirect to another
origin (not `x-api-key`); and a server can name another origin itself (a pagination link, a
batch's `results_url`). So:

- `run_with_deadline(fn, seconds, url)` runs `fn` in a worker thread; the caller gets its result,
  or `DeadlineExceeded` once `seconds` have passed: connecting, every redirect and retry, and the
  whole body included. Past the deadline the worker may not send another request, and its body
  read stops at the next chunk.
- `event_hooks(origin)` are httpx hooks that refuse, before a byte is sent, any request (a redirect
  hop included) to an origin other than the configured one, and cap the size of every body. A
  refusal ends the call at once (no retries against it).
- `HttpClient` serves GitHub and OpenAI-compatible servers: one origin, its credential headers,
  redirects followed only within that origin. The Anthropic SDK gets the same hooks through
  `sdk_http_client()` and runs under `run_with_deadline` too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

try:  # anthropic >= 2 ships httpx as `httpx2`; older releases ship `httpx` (same API)
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

from promptops.errors import UserError
from promptops.net.redact import redact

T = TypeVar("T")
Origin = tuple[str, str, int]

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 5


class HttpError(Exception):
    """No usable answer from `url`: unreachable, too slow, too large, or refused by policy.
    The URL and the reason are redacted (a server may have put a secret in either)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = redact(str(url))
        self.reason = redact(reason)
        super().__init__(f"{self.url}: {self.reason}")


class DeadlineExceeded(HttpError):
    """The call did not complete (connect, redirects, retries, whole body) in time."""

    def __init__(self, url: str, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(url, f"no complete answer within {seconds:g}s (total deadline)")


class OriginRefused(HttpError):
    """A request (often a redirect) to another origin than the configured one: not sent."""

    def __init__(self, url: str, target: str, allowed: Origin) -> None:
        self.target = redact(str(target))
        super().__init__(
            url,
            f"refused to follow {_origin_text(target)}: only {format_origin(allowed)} is "
            "configured, and credentials are never sent to another origin",
        )


@dataclass(frozen=True)
class HttpResponse:
    """A complete answer: status, headers (case-insensitive), the whole body, the final URL."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        """The body as JSON; ValueError on bad UTF-8 or bad JSON (never a partial decode)."""
        return json.loads(self.content.decode("utf-8"))

    def snippet(self, limit: int = 500) -> str:
        """The start of the body as text, redacted: fit for an error message."""
        text = self.content[:limit].decode("utf-8", "replace").strip()
        return redact(text) or "(empty body)"


# -- origins ---------------------------------------------------------------------------------
def origin_of(url: str | httpx.URL) -> Origin | None:
    """(scheme, host, port) with the default port filled in; None for a URL without a host."""
    try:
        parts = urlsplit(str(url))
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not host or port is None:
        return None
    return scheme, host, port


def format_origin(origin: Origin) -> str:
    scheme, host, port = origin
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if DEFAULT_PORTS.get(scheme) == port else f":{port}")


def _origin_text(url: str | httpx.URL) -> str:
    origin = origin_of(url)
    return format_origin(origin) if origin else redact(str(url))


def validate_base_url(url: str, what: str) -> str:
    """An http(s) URL with a host, or a UserError (exit 2) naming `what` it was for."""
    origin = origin_of(url)
    if origin is None or origin[0] not in DEFAULT_PORTS:
        raise UserError(f"{what} must be an http:// or https:// URL with a host, got {url!r}")
    return url


# -- deadlines -------------------------------------------------------------------------------
class _Call:
    """The state one `run_with_deadline` shares with the hooks running in its worker."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.fatal: HttpError | None = None
        self.outcome: tuple[bool, Any] | None = None

    def fail(self, error: HttpError) -> None:
        """End the call now with `error`, whatever the code around the request does next
        (the SDK would retry a connection error)."""
        if self.fatal is None:
            self.fatal = error
        self.cancelled.set()
        self.finished.set()


_local = threading.local()


def _current() -> _Call | None:
    return getattr(_local, "call", None)


def run_with_deadline(fn: Callable[[], T], seconds: float, url: str) -> T:
    """`fn()` or DeadlineExceeded after `seconds`, whatever `fn` does with its sockets.

    The worker is a daemon thread: one abandoned on a dripping server never holds the process,
    cannot send another request (the hooks refuse it) and stops reading at the next chunk."""
    call = _Call()

    def work() -> None:
        _local.call = call
        try:
            call.outcome = (True, fn())
        except BaseException as exc:  # handed to the caller below
            call.outcome = (False, exc)
        finally:
            _local.call = None
            call.finished.set()

    threading.Thread(target=work, name="promptops-http", daemon=True).start()
    if not call.finished.wait(seconds):
        call.cancelled.set()
        raise DeadlineExceeded(url, seconds)
    if call.fatal is not None:
        raise call.fatal
    assert call.outcome is not None
    ok, value = call.outcome
    if ok:
        return value
    raise value


# -- httpx hooks -----------------------------------------------------------------------------
class _GuardedStream(httpx.SyncByteStream):
    """A response body that stops at the deadline and at `limit` bytes."""

    def __init__(self, inner: Any, call: _Call | None, url: str, limit: int) -> None:
        self._inner = inner
        self._call = call
        self._url = url
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        total = 0
        for chunk in self._inner:
            if self._call is not None and self._call.cancelled.is_set():
                raise HttpError(self._url, "read abandoned: the call is past its deadline")
            total += len(chunk)
            if total > self._limit:
                error = HttpError(self._url, f"answer larger than {self._limit:,} bytes")
                if self._call is not None:
                    self._call.fail(error)
                raise error
            yield chunk

    def close(self) -> None:
        self._inner.close()


def event_hooks(
    allowed: Origin, max_body_bytes: int = MAX_BODY_BYTES
) -> dict[str, list[Callable[..., Any]]]:
    """httpx `event_hooks` enforcing the origin policy and the body cap on every hop."""

    def on_request(request: httpx.Request) -> None:
        call = _current()
        if call is not None and call.cancelled.is_set():
            raise HttpError(str(request.url), "not sent: the call is past its deadline")
        if origin_of(request.url) != allowed:
            error = OriginRefused(str(request.url), str(request.url), allowed)
            if call is not None:
                call.fail(error)
            raise error

    def on_response(response: httpx.Response) -> None:
        location = response.headers.get("location")
        if response.is_redirect and location:
            target = response.request.url.join(location)
            if origin_of(target) != allowed:
                error = OriginRefused(str(response.request.url), str(target), allowed)
                call = _current()
                if call is not None:
                    call.fail(error)
                raise error
        response.stream = _GuardedStream(
            response.stream, _current(), str(response.request.url), max_body_bytes
        )

    return {"request": [on_request], "response": [on_response]}


def sdk_http_client(base_url: str, timeout_s: float, sdk: Any) -> Any:
    """An httpx client for the Anthropic SDK with promptops' origin policy and body cap.

    `sdk` is the imported `anthropic` module: its `DefaultHttpxClient` is the httpx flavour
    that SDK release expects (with its connection limits and keep-alive options)."""
    origin = origin_of(base_url)
    assert origin is not None, base_url
    return sdk.DefaultHttpxClient(
        timeout=timeout_s, event_hooks=event_hooks(origin), max_redirects=MAX_REDIRECTS
    )


# -- the client ------------------------------------------------------------------------------
def describe(exc: BaseException) -> str:
    """A short reason for a transport error (httpx messages are often empty)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class HttpClient:
    """Requests to one origin with its credential headers, under a total deadline each."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout_s: float,
        what: str = "server",
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.base_url = validate_base_url(base_url, what).rstrip("/")
        origin = origin_of(self.base_url)
        assert origin is not None
        self.origin = origin
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self._headers = dict(headers or {})
        self._client = httpx.Client(
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            timeout=timeout_s,
            event_hooks=event_hooks(origin, max_body_bytes),
        )

    def url_for(self, path: str) -> str:
        """`path` relative to the base URL, or an absolute URL as given."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def same_origin(self, url: str) -> bool:
        return origin_of(url) == self.origin

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> HttpResponse:
        """One exchange, any status; HttpError when there is no complete answer in time."""
        url = self.url_for(url)
        seconds = self.timeout_s if timeout_s is None else timeout_s
        if seconds <= 0:
            raise DeadlineExceeded(url, 0)
        merged = {**self._headers, **(headers or {})}

        def exchange() -> HttpResponse:
            try:
                with self._client.stream(
                    method, url, content=content, headers=merged, timeout=seconds
                ) as response:
                    chunks: list[bytes] = []
                    total = 0
                    for chunk in response.iter_bytes():  # decoded: a gzip bomb stops here too
                        total += len(chunk)
                        if total > self.max_body_bytes:
                            raise HttpError(
                                url, f"answer larger than {self.max_body_bytes:,} bytes"
                            )
                        chunks.append(chunk)
                    return HttpResponse(
                        response.status_code, response.headers, b"".join(chunks), str(response.url)
                    )
            except HttpError:
                raise
            except httpx.TooManyRedirects:
                raise HttpError(url, f"more than {MAX_REDIRECTS} redirects") from None
            except httpx.TimeoutException as exc:
                raise HttpError(url, f"timed out ({type(exc).__name__})") from None
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
                raise HttpError(url, describe(exc)) from None

        return run_with_deadline(exchange, seconds, url)

    def close(self) -> None:
        self._client.close()
