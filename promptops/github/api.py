"""A tiny GitHub REST and GraphQL client on the standard library.

Base URLs come from `GITHUB_API_URL` / `GITHUB_GRAPHQL_URL` (GitHub Enterprise Server, and the
loopback server in tests). Every request has a timeout; 5xx and 429 answers are retried with
exponential backoff; list endpoints follow the `Link: rel="next"` header.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from promptops import __version__

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
        self, status: int | None, message: str, url: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.url = url
        self.retry_after = retry_after

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

    @classmethod
    def from_env(cls, token: str, env: Mapping[str, str] | None = None) -> GitHubApi:
        env = os.environ if env is None else env
        api_url = env.get("GITHUB_API_URL") or DEFAULT_API_URL
        return cls(token, api_url=api_url, graphql_url=env.get("GITHUB_GRAPHQL_URL") or None)

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        params: Mapping[str, str | int] | None = None,
    ) -> ApiResponse:
        """One API call; `path` is relative to the API root or an absolute URL it returned."""
        url = self._url(path, params)
        payload = json.dumps(body).encode("utf-8") if body is not None else None
        attempt = 1
        while True:
            try:
                return self._send(method, url, payload)
            except GitHubApiError as exc:
                retryable = exc.status is None or exc.status >= 500 or exc.status == 429
                if not retryable or attempt >= self.max_attempts:
                    raise
                delay = exc.retry_after or self.backoff_seconds * 2 ** (attempt - 1)
                time.sleep(min(delay, MAX_RETRY_AFTER_SECONDS))
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
        return data.get("data") or {}

    def _url(self, path: str, params: Mapping[str, str | int] | None) -> str:
        if path.startswith(("http://", "https://")):
            url = path
            if not _same_origin(url, self.api_url) and url != self.graphql_url:
                raise GitHubApiError(None, "refusing to send the token to another host", url)
        else:
            url = f"{self.api_url}/{path.lstrip('/')}"
        if params:
            separator = "&" if "?" in url else "?"
            url += separator + urllib.parse.urlencode(params)
        return url

    def _send(self, method: str, url: str, payload: bytes | None) -> ApiResponse:
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"promptops/{__version__}",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=payload, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                raw = response.read()
                return ApiResponse(response.status, dict(response.headers), _json_or_none(raw))
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            data = _json_or_none(raw)
            message = data.get("message") if isinstance(data, dict) else None
            retry_after = _retry_after(exc.headers.get("Retry-After"))
            raise GitHubApiError(exc.code, str(message or exc.reason), url, retry_after) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubApiError(None, f"{reason}", url) from None


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


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
