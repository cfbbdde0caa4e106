"""A tiny GitHub REST and GraphQL client on the one HTTP helper (`promptops.net.http`).

Base URLs come from `GITHUB_API_URL` / `GITHUB_GRAPHQL_URL` (GitHub Enterprise Server, and the
loopback server in tests): the environment, never the repository. Every call has a total
deadline (`timeout_seconds`: connecting, retries and the whole body together); 5xx and 429
answers are retried with exponential backoff inside it; list endpoints follow the
`Link: rel="next"` header. The token goes to the configured origins only: a link or a redirect
to any other origin is refused before anything is sent, and whatever GitHub sends back is
redacted of known secrets before it reaches an error message.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from promptops import __version__
from promptops.net.http import HttpClient, HttpError, OriginRefused, origin_of
from promptops.net.redact import redact

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BACKOFF_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 60.0
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubApiError(Exception):
    """GitHub answered with an error, or could not be reached (status None)."""

    def __init__(
        self,
        status: int | None,
        message: str,
        url: str,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status = status
        self.message = redact(message)
        self.url = redact(url)
        self.retry_after = retry_after
        self._retryable = retryable

    @property
    def retryable(self) -> bool:
        """Unreachable, 5xx and 429 are worth another try; a refused origin never is."""
        if self._retryable is not None:
            return self._retryable
        return self.status is None or self.status >= 500 or self.status == 429

    def __str__(self) -> str:
        code = f"HTTP {self.status}" if self.status is not None else "unreachable"
        return f"GitHub API {code}: {self.message}"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    data: object = field(default=None)


def graphql_url_for(api_url: str) -> str:
    """`https://api.github.com` -> `.../graphql`; GHES `https://host/api/v3` -> `/api/graphql`."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


class GitHubApi:
    """Authenticated requests against one GitHub instance."""

    def __init__(
        self,
        token: str,
        api_url: str | None = None,
        graphql_url: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    ) -> None:
        self.token = token
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.graphql_url = graphql_url or graphql_url_for(self.api_url)
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"promptops/{__version__}",
        }
        self._http = HttpClient(
            self.api_url, headers=headers, timeout_s=timeout_seconds, what="GITHUB_API_URL"
        )
        # GITHUB_GRAPHQL_URL comes from the environment too; on another origin it gets its own
        # client (and the token), never the API client's redirects.
        self._graphql_http = (
            self._http
            if origin_of(self.graphql_url) == self._http.origin
            else HttpClient(
                self.graphql_url,
                headers=headers,
                timeout_s=timeout_seconds,
                what="GITHUB_GRAPHQL_URL",
            )
        )

    @classmethod
    def from_env(
        cls,
        token: str,
        env: Mapping[str, str] | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> GitHubApi:
        env = os.environ if env is None else env
        api_url = env.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(
            token,
            api_url=api_url,
            graphql_url=env.get("GITHUB_GRAPHQL_URL") or None,
            timeout_seconds=timeout_seconds,
        )

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        params: Mapping[str, str | int] | None = None,
    ) -> ApiResponse:
        """One API call; `path` is relative to the API root or an absolute URL it returned.

        The whole call, retries included, ends within `timeout_seconds`."""
        url = self._url(path, params)
        # A known secret never goes into a comment body, whatever the report held.
        payload = redact(json.dumps(body)).encode("utf-8") if body is not None else None
        deadline = time.monotonic() + self.timeout_seconds
        attempt = 1
        while True:
            try:
                return self._send(method, url, payload, deadline - time.monotonic())
            except GitHubApiError as exc:
                if not exc.retryable or attempt >= self.max_attempts:
                    raise
                delay = min(
                    exc.retry_after or self.backoff_seconds * 2 ** (attempt - 1),
                    MAX_RETRY_AFTER_SECONDS,
                )
                if time.monotonic() + delay >= deadline:
                    raise GitHubApiError(
                        exc.status,
                        f"{exc.message} (no time left to retry within the "
                        f"{self.timeout_seconds:g}s deadline)",
                        exc.url,
                    ) from None
                time.sleep(delay)
                attempt += 1

    def paginate(self, path: str, params: Mapping[str, str | int] | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, 100 per page, following `Link: rel="next"`."""
        query = {"per_page": 100, **(params or {})}
        next_url: str | None = self._url(path, query)
        while next_url:
            response = self.request("GET", next_url)
            if not isinstance(response.data, list):
                raise GitHubApiError(response.status, "expected a JSON list", next_url)
            yield from (item for item in response.data if isinstance(item, dict))
            next_url = _next_link(response.headers.get("Link", ""))

    def graphql(self, query: str, variables: Mapping[str, object]) -> dict:
        """A GraphQL call; errors in a 200 answer raise too (FORBIDDEN maps to 403)."""
        response = self.request("POST", self.graphql_url, {"query": query, "variables": variables})
        data = response.data if isinstance(response.data, dict) else {}
        errors = data.get("errors") or []
        if errors:
            first = errors[0] if isinstance(errors[0], dict) else {}
            status = 403 if first.get("type") == "FORBIDDEN" else response.status
            raise GitHubApiError(status, str(first.get("message", errors)), self.graphql_url)
        found = data.get("data")
        return found if isinstance(found, dict) else {}

    def close(self) -> None:
        self._http.close()
        if self._graphql_http is not self._http:
            self._graphql_http.close()

    def _url(self, path: str, params: Mapping[str, str | int] | None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
            if not self._http.same_origin(url) and url != self.graphql_url:
                raise GitHubApiError(None, "refusing to send the token to another host", url)
        else:
            url = f"{self.api_url}/{path.lstrip('/')}"
        if params:
            separator = "&" if "?" in url else "?"
            url += separator + urllib.parse.urlencode(params)
        return url

    def _send(self, method: str, url: str, payload: bytes | None, seconds: float) -> ApiResponse:
        http = self._graphql_http if url == self.graphql_url else self._http
        headers = {"Content-Type": "application/json"} if payload is not None else None
        try:
            response = http.request(
                method, url, content=payload, headers=headers, timeout_s=max(seconds, 0.0)
            )
        except OriginRefused as exc:
            raise GitHubApiError(None, exc.reason, exc.url, retryable=False) from None
        except HttpError as exc:
            raise GitHubApiError(None, exc.reason, exc.url) from None
        data = _json_or_none(response.content)
        if 300 <= response.status < 400:
            location = response.headers.get("Location", "")
            raise GitHubApiError(
                response.status, f"unexpected redirect to {location or '(no location)'}", url
            )
        if response.status >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise GitHubApiError(
                response.status, str(message or response.snippet(200)), url, retry_after
            )
        return ApiResponse(response.status, response.headers, data)


def _json_or_none(raw: bytes) -> object:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        match = _LINK_NEXT.search(part)
        if match:
            return match.group(1)
    return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None
