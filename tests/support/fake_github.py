"""A loopback server that speaks GitHub's REST API for issue comments, and GraphQL
`minimizeComment`, the way api.github.com does: same paths, headers, status codes and bodies.

It records every request so tests can assert on exactly what promptops sent. Installation
tokens (`ghs_…`, what GITHUB_TOKEN is) cannot call `GET /user`, as on GitHub.

Hostile modes for the network-fault tests: `redirect_to` answers every request with a 301 to
the same path on another origin; `drip_s` answers every request one byte per interval;
`echo_status` answers every request with that status and a message quoting the request's
`Authorization` header.

GraphQL `viewer { login }` names the token's user, or for an installation token the app's bot
(`github-actions[bot]` for `ghs_…`, or whatever bot `users` maps the token to), as GitHub does
for app tokens; `viewer_forbidden` makes it answer FORBIDDEN instead. A comment written by a
bot carries `performed_via_github_app` (its app's `slug`), a user's `null`, as in the REST
answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.hostile_http import Scripted, write_reply

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
DOCS = "https://docs.github.com/rest"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class FakeGitHub:
    """State of the fake: comments per issue, users per token, injected failures."""

    prefix: str = ""
    users: dict[str, dict] = field(default_factory=dict)  # personal tokens -> user
    read_only: bool = False  # a fork PR's token: reads work, writes get 403
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before real ones
    comments: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    redirect_to: str | None = None  # another origin: every request gets a 301 there
    drip_s: float | None = None  # every answer sent one byte per interval
    echo_status: int | None = None  # every answer an error quoting the Authorization header
    viewer_forbidden: bool = False  # GraphQL `viewer` answers FORBIDDEN (fallback tests)
    # pull request reviews, oldest first, and team members (active), as the REST API lists them
    reviews: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    team_members: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    _next_id: int = 1000
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    # ---- test helpers --------------------------------------------------------------------
    def add_review(self, repo: str, pull: int, login: str, state: str) -> dict:
        """A submitted review (APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED) by `login`."""
        with self._lock:
            self._next_id += 1
            self._clock += timedelta(seconds=1)
            review = {
                "id": self._next_id,
                "node_id": f"PRR_{self._next_id}",
                "user": {"login": login, "id": abs(hash(login)) % 10**8, "type": "User"},
                "body": "",
                "state": state,
                "submitted_at": self._clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "commit_id": "0" * 40,
                "author_association": "MEMBER",
            }
            self.reviews.setdefault((repo, pull), []).append(review)
            return review

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    @property
    def graphql_url(self) -> str:
        root = self.url.rsplit("/", 1)[0] if self.prefix else self.url
        return root + "/graphql"

    def add_comment(self, repo: str, issue: int, body: str, user: dict | None = None) -> dict:
        with self._lock:
            return self._create(repo, issue, body, user or BOT)

    def issue_comments(self, repo: str, issue: int) -> list[dict]:
        return list(self.comments.get((repo, issue), []))

    def writes(self) -> list[RecordedRequest]:
        """Requests that change something (what a skipped update must not send): a GraphQL
        query (`viewer`) is a POST that changes nothing, a mutation is a write."""
        return [
            r
            for r in self.requests
            if r.method in {"POST", "PATCH", "DELETE", "PUT"} and not _graphql_query(r)
        ]

    # ---- state changes -------------------------------------------------------------------
    def _create(self, repo: str, issue: int, body: str, user: dict) -> dict:
        self._next_id += 1
        self._clock += timedelta(seconds=1)
        stamp = self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = {
            "id": self._next_id,
            "node_id": f"IC_kwDO{self._next_id:08d}",
            "url": f"{self.url}/repos/{repo}/issues/comments/{self._next_id}",
            "html_url": f"https://github.com/{repo}/pull/{issue}#issuecomment-{self._next_id}",
            "body": body,
            "user": dict(user),
            "created_at": stamp,
            "updated_at": stamp,
            "author_association": "NONE",
            "performed_via_github_app": _app_of(user),
            "minimized": False,  # not in GitHub's REST answer; kept for test assertions
        }
        self.comments.setdefault((repo, issue), []).append(comment)
        return comment

    def _find(self, repo: str, comment_id: int) -> dict | None:
        for (comment_repo, _), comments in self.comments.items():
            if comment_repo == repo:
                for comment in comments:
                    if comment["id"] == comment_id:
                        return comment
        return None

    def _public(self, comment: dict) -> dict:
        return {k: v for k, v in comment.items() if k != "minimized"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._send(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
            return
        with fake._lock:
            fake.requests.append(
                RecordedRequest(
                    method,
                    split.path,
                    {k: v[-1] for k, v in parse_qs(split.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            if fake.fail_next:
                status = fake.fail_next.pop(0)
                self._send(status, {"message": "Server Error" if status >= 500 else "Error"})
                return
        if self._hostile(fake):
            return
        path = split.path
        if fake.prefix:  # GitHub Enterprise Server layout: /api/v3/... and /api/graphql
            if path == fake.prefix.rsplit("/", 1)[0] + "/graphql":
                path = "/graphql"
            elif path.startswith(fake.prefix + "/"):
                path = path.removeprefix(fake.prefix)
            else:
                self._send(404, {"message": "Not Found", "documentation_url": DOCS})
                return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if not token:
            self._send(401, {"message": "Requires authentication", "documentation_url": DOCS})
            return
        with fake._lock:
            self._route(method, path, parse_qs(split.query), body, token)

    def _hostile(self, fake: FakeGitHub) -> bool:
        """Answer in a hostile mode, if one is on; True when the request is answered."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if fake.redirect_to:
            location = fake.redirect_to.rstrip("/") + self.path
            reply = Scripted(301, {"message": "Moved Permanently"}, {"Location": location})
        elif fake.echo_status:
            message = f"Bad request from {headers.get('authorization')}"
            reply = Scripted(fake.echo_status, {"message": message, "documentation_url": DOCS})
        elif fake.drip_s:
            reply = Scripted(200, raw=b"[" + b" " * 1000 + b"]", drip_s=fake.drip_s)
        else:
            return False
        write_reply(self.wfile, reply, headers, fake.stopping)
        return True

    def _route(self, method: str, path: str, query: dict, body: object, token: str) -> None:
        fake = self.fake
        user = fake.users.get(token, BOT if token.startswith("ghs_") else None)
        if user is None:
            self._send(401, {"message": "Bad credentials", "documentation_url": DOCS})
            return
        if path == "/user" and method == "GET":
            if token.startswith("ghs_"):
                self._send(
                    403,
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": f"{DOCS}/users/users#get-the-authenticated-user",
                        "status": "403",
                    },
                )
            else:
                self._send(200, user)
            return
        if path == "/graphql" and method == "POST":
            if isinstance(body, dict) and "viewer" in str(body.get("query", "")):
                self._viewer(user)
                return
            self._graphql(body)
            return
        list_match = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path)
        item_match = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if list_match and method == "GET":
            self._list(list_match.group(1), int(list_match.group(2)), query, path)
            return
        if method in {"POST", "PATCH", "DELETE"} and fake.read_only and (list_match or item_match):
            self._send(
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": f"{DOCS}/issues/comments",
                    "status": "403",
                },
            )
            return
        if list_match and method == "POST":
            if not isinstance(body, dict) or not isinstance(body.get("body"), str):
                self._send(422, {"message": "Invalid request.", "documentation_url": DOCS})
                return
            if len(body["body"]) > 65536:
                self._send(
                    422,
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "resource": "IssueComment",
                                "code": "custom",
                                "field": "body",
                                "message": "body is too long (maximum is 65536 characters)",
                            }
                        ],
                    },
                )
                return
            comment = fake._create(
                list_match.group(1), int(list_match.group(2)), body["body"], user
            )
            self._send(201, fake._public(comment))
            return
        if item_match:
            comment = fake._find(item_match.group(1), int(item_match.group(2)))
            if comment is None:
                self._send(404, {"message": "Not Found", "documentation_url": DOCS})
                return
            if method == "PATCH":
                fake._clock += timedelta(seconds=1)
                comment["body"] = (body or {}).get("body", comment["body"])
                comment["updated_at"] = fake._clock.strftime("%Y-%m-%dT%H:%M:%SZ")
                self._send(200, fake._public(comment))
                return
            if method == "DELETE":
                for comments in fake.comments.values():
                    if comment in comments:
                        comments.remove(comment)
                self._send(204, None)
                return
            if method == "GET":
                self._send(200, fake._public(comment))
                return
        reviews_match = re.fullmatch(r"/repos/([^/]+/[^/]+)/pulls/(\d+)/reviews", path)
        if reviews_match and method == "GET":
            key = (reviews_match.group(1), int(reviews_match.group(2)))
            self._paged(fake.reviews.get(key, []), query, path)
            return
        member_match = re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)", path)
        if member_match and method == "GET":
            org, team, login = member_match.groups()
            if login.lower() in {m.lower() for m in fake.team_members.get((org, team), set())}:
                self._send(200, {"url": f"{fake.url}{path}", "role": "member", "state": "active"})
            else:
                self._send(404, {"message": "Not Found", "documentation_url": DOCS})
            return
        self._send(404, {"message": "Not Found", "documentation_url": DOCS})

    def _paged(self, items: list[dict], query: dict, path: str) -> None:
        """A list endpoint's page, with the `Link` header GitHub sends (next and last)."""
        per_page = min(int(query.get("per_page", ["30"])[-1]), 100)
        page = max(int(query.get("page", ["1"])[-1]), 1)
        last = max(1, -(-len(items) // per_page))
        links = []
        if page < last:
            base = f"{self.fake.url}{path}"
            links.append(
                f'<{base}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"'
            )
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": last})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(200, items[(page - 1) * per_page : page * per_page], headers)

    def _list(self, repo: str, issue: int, query: dict, path: str) -> None:
        per_page = min(int(query.get("per_page", ["30"])[-1]), 100)
        page = max(int(query.get("page", ["1"])[-1]), 1)
        comments = self.fake.comments.get((repo, issue), [])
        last = max(1, -(-len(comments) // per_page))
        chunk = comments[(page - 1) * per_page : page * per_page]
        base = f"{self.fake.url}{path}"
        links = []
        if page < last:
            links.append(
                f'<{base}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"'
            )
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": last})}>; rel="last"')
        if page > 1:
            links.append(
                f'<{base}?{urlencode({"per_page": per_page, "page": page - 1})}>; rel="prev"'
            )
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": 1})}>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(200, [self.fake._public(c) for c in chunk], headers)

    def _viewer(self, user: dict) -> None:
        """`query { viewer { login } }`: the token's user, or its app's bot."""
        if self.fake.viewer_forbidden:
            self._send(
                200,
                {
                    "data": None,
                    "errors": [
                        {
                            "type": "FORBIDDEN",
                            "path": ["viewer"],
                            "extensions": {"saml_failure": False},
                            "locations": [{"line": 1, "column": 9}],
                            "message": "Resource not accessible by integration",
                        }
                    ],
                },
            )
            return
        self._send(200, {"data": {"viewer": {"login": user["login"]}}})

    def _graphql(self, body: object) -> None:
        query = body.get("query", "") if isinstance(body, dict) else ""
        variables = body.get("variables", {}) if isinstance(body, dict) else {}
        if "minimizeComment" not in query:
            self._send(200, {"errors": [{"message": "unsupported by the fake"}]})
            return
        subject = variables.get("id") or variables.get("subjectId")
        if self.fake.read_only:
            self._send(
                200,
                {
                    "data": {"minimizeComment": None},
                    "errors": [
                        {
                            "type": "FORBIDDEN",
                            "path": ["minimizeComment"],
                            "message": "Resource not accessible by integration",
                        }
                    ],
                },
            )
            return
        for comments in self.fake.comments.values():
            for comment in comments:
                if comment["node_id"] == subject:
                    comment["minimized"] = True
                    self._send(
                        200,
                        {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}},
                    )
                    return
        self._send(
            200,
            {
                "data": {"minimizeComment": None},
                "errors": [
                    {
                        "type": "NOT_FOUND",
                        "path": ["minimizeComment"],
                        "message": f"Could not resolve to a node with the global id of '{subject}'",
                    }
                ],
            },
        )

    def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        raw = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if raw:
            self.wfile.write(raw)


def _graphql_query(request: RecordedRequest) -> bool:
    """A read-only GraphQL request: POST /graphql whose document is not a mutation."""
    if not request.path.endswith("/graphql") or not isinstance(request.body, dict):
        return False
    return not str(request.body.get("query", "")).lstrip().startswith("mutation")


def _app_of(user: dict) -> dict | None:
    """`performed_via_github_app` of a comment by USER: the bot's app, or None for a user."""
    if user.get("type") != "Bot":
        return None
    slug = str(user.get("login", "")).removesuffix("[bot]")
    app_id = 15368 if slug == "github-actions" else 900000 + len(slug)
    return {
        "id": app_id,
        "slug": slug,
        "node_id": f"MDM6QXBw{app_id}",
        "name": slug.replace("-", " ").title(),
        "owner": {"login": "github" if slug == "github-actions" else slug, "type": "Organization"},
        "permissions": {"issues": "write", "pull_requests": "write", "metadata": "read"},
        "events": [],
    }


def start_fake_github(prefix: str = "") -> FakeGitHub:
    """Start the fake on 127.0.0.1 on a free port; call `stop_fake_github` when done."""
    fake = FakeGitHub(prefix=prefix)
    handler = type("Handler", (_Handler,), {"fake": fake})
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    return fake


def stop_fake_github(fake: FakeGitHub) -> None:
    assert fake.server is not None
    fake.stopping.set()
    fake.server.shutdown()
    fake.server.server_close()
