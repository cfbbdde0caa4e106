"""The one sticky promptops comment on a pull request.

Our comment carries a hidden marker on its first line,
`<!-- promptops:comment id=TAG valid-at=TIMESTAMP -->`: the tag lets several promptops runs
(a monorepo, check and eval) keep separate comments, and the `valid-at` stamp keeps an older
run that finishes last from overwriting a newer result. PR comments are issue comments in
GitHub's REST API; hiding uses GraphQL `minimizeComment`, which REST does not offer.

A marker alone proves nothing: anyone can write one, with any stamp. A comment is ours only if
it carries our marker *and* was written by the token's own identity (`Identity`):
- a personal or OAuth token: `GET /user` names the user; only that login's comments count;
- a GitHub App installation token (GITHUB_TOKEN in Actions, or an app's token), which GitHub
  does not let call `GET /user`: GraphQL `viewer { login }` names the app's bot, and only that
  bot's comments count (as `<slug>[bot]`, type Bot, and `performed_via_github_app.slug` when
  GitHub fills it in);
- when GraphQL refuses too, the token is taken to be Actions' GITHUB_TOKEN, whose comments
  GitHub writes as `github-actions[bot]`: only those count.
Another user's or another app's comment that starts with our marker, whatever its stamp, is
never edited, hidden, deleted, nor allowed to hold back an update.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from promptops.errors import UserError
from promptops.github.api import GitHubApi, GitHubApiError

BEHAVIORS = ("update", "new", "hide-and-new", "delete-and-new")
DEFAULT_TAG = "default"
COMMENT_MAX_CHARS = 65_536
# GitHub's count of a body's length is not always Python's: stay well under the limit.
COMMENT_SAFETY_MARGIN = 536
BOT_TYPE = "Bot"
# Who GITHUB_TOKEN comments as: the identity assumed when the token cannot say who it is.
ACTIONS_BOT_LOGIN = "github-actions[bot]"
_VIEWER = "query { viewer { login } }"
MARKER_RE = re.compile(
    r"<!-- promptops:comment id=(?P<tag>[^\s>]+)(?: valid-at=(?P<valid_at>[^\s>]+))? -->"
)
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_MINIMIZE = """
mutation($id: ID!) {
  minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) {
    minimizedComment { isMinimized }
  }
}
"""


@dataclass(frozen=True)
class Identity:
    """Who the token writes comments as: a user's login, or an app's bot."""

    login: str
    bot: bool = False
    source: str = "GET /user"  # how it was learnt, for messages and tests

    @property
    def bot_login(self) -> str:
        return self.login if self.login.endswith("[bot]") else f"{self.login}[bot]"

    def wrote(self, comment: Mapping) -> bool:
        """True only when COMMENT's author is this identity (REST `user` and, for a bot,
        `performed_via_github_app` when present)."""
        user = comment.get("user")
        user = user if isinstance(user, dict) else {}
        login = user.get("login")
        if not isinstance(login, str) or not login:
            return False
        if not self.bot:
            return login == self.login and user.get("type") != BOT_TYPE
        if user.get("type") != BOT_TYPE or login != self.bot_login:
            return False
        app = comment.get("performed_via_github_app")
        slug = app.get("slug") if isinstance(app, dict) else None
        return not isinstance(slug, str) or f"{slug}[bot]" == self.bot_login


@dataclass(frozen=True)
class Outcome:
    """What publishing did (or, on a dry run, would do)."""

    action: str  # created | updated | unchanged | skipped-newer
    comment_id: int | None = None
    url: str | None = None
    deleted: int = 0
    hidden: int = 0
    dry_run: bool = False

    def describe(self) -> str:
        verb = {
            "created": "created",
            "updated": "updated",
            "unchanged": "left unchanged (identical body)",
            "skipped-newer": "left alone: a newer run already wrote it",
        }[self.action]
        extra = []
        if self.deleted:
            extra.append(f"deleted {self.deleted} old")
        if self.hidden:
            extra.append(f"hid {self.hidden} old")
        tail = f" ({', '.join(extra)})" if extra else ""
        prefix = (
            "dry run: would have " if self.dry_run and self.action in {"created", "updated"} else ""
        )
        where = f" {self.url}" if self.url else ""
        return f"{prefix}{verb} the PR comment{tail}{where}"


def validate_tag(tag: str) -> str:
    if not _TAG_RE.match(tag):
        raise UserError(
            f"invalid comment tag {tag!r}: use letters, digits, '.', '_', '-' or '/' (max 64)"
        )
    return tag


def marker(tag: str, valid_at: str | None) -> str:
    stamp = f" valid-at={valid_at}" if valid_at else ""
    return f"<!-- promptops:comment id={tag}{stamp} -->"


def build_body(
    markdown: str, tag: str, valid_at: str | None, full_report_url: str | None = None
) -> str:
    """Marker line plus the report, cut to fit GitHub's comment size limit."""
    head = marker(tag, valid_at) + "\n"
    budget = COMMENT_MAX_CHARS - COMMENT_SAFETY_MARGIN - len(head)
    return head + truncate_markdown(markdown.rstrip("\n") + "\n", budget, full_report_url)


def truncate_markdown(markdown: str, max_chars: int, full_report_url: str | None) -> str:
    """Keep the head of the report (headline, blocking reasons) and point at the full one."""
    if len(markdown) <= max_chars:
        return markdown
    where = f"the [job summary]({full_report_url})" if full_report_url else "the job summary"
    note = (
        f"\n\n> ✂️ This comment was truncated to fit GitHub's {COMMENT_MAX_CHARS:,}-character "
        f"limit. The full report is in {where}.\n"
    )
    reserve = len(note) + 64  # room for closing an open code fence and <details> blocks
    cut = markdown[: max(0, max_chars - reserve)]
    if "\n" in cut:
        cut = cut[: cut.rindex("\n") + 1]
    closers = ""
    if _open_fence(cut):
        closers += "```\n"
    open_details = cut.count("<details") - cut.count("</details>")
    closers += "</details>\n" * max(0, min(open_details, 4))
    return cut + closers + note


def parse_marker(body: str) -> tuple[str, str | None] | None:
    """(tag, valid_at) from a comment body that starts with our marker, else None."""
    match = MARKER_RE.match(body.lstrip("\ufeff"))
    if not match:
        return None
    return match.group("tag"), match.group("valid_at")


def is_newer(stamp: str | None, than: str | None) -> bool:
    """True when both stamps are timestamps and `stamp` is strictly later."""
    a, b = parse_timestamp(stamp), parse_timestamp(than)
    return a is not None and b is not None and a > b


class StickyComment:
    """Find, create, update, hide and delete our comment on one pull request."""

    def __init__(self, api: GitHubApi, repository: str, pr_number: int, tag: str) -> None:
        if not re.match(r"^[^/\s]+/[^/\s]+$", repository):
            raise UserError(f"invalid repository {repository!r}: expected OWNER/NAME")
        self.api = api
        self.repository = repository
        self.pr_number = pr_number
        self.tag = validate_tag(tag)

    def identity(self) -> Identity:
        """Who the token belongs to (see the module docstring for the order of questions)."""
        try:
            data = self.api.request("GET", "/user").data
        except GitHubApiError as exc:
            if exc.status not in (401, 403, 404):
                raise
        else:
            if isinstance(data, dict) and isinstance(data.get("login"), str) and data["login"]:
                return Identity(data["login"], bot=data.get("type") == BOT_TYPE)
        try:  # an installation token: GraphQL `viewer` answers for apps too
            viewer = self.api.graphql(_VIEWER, {}).get("viewer")
        except GitHubApiError as exc:
            if exc.status is None or exc.status >= 500:
                raise
            viewer = None
        login = viewer.get("login") if isinstance(viewer, dict) else None
        if isinstance(login, str) and login:
            return Identity(login, bot=True, source="GraphQL viewer")
        return Identity(ACTIONS_BOT_LOGIN, bot=True, source="GITHUB_TOKEN (assumed)")

    def find_ours(self) -> list[dict]:
        """Our comments with this tag, oldest first, across every page of the PR's comments:
        our marker and written by the token's own identity, nobody else's."""
        me = self.identity()
        ours = []
        path = f"/repos/{self.repository}/issues/{self.pr_number}/comments"
        for comment in self.api.paginate(path):
            parsed = parse_marker(str(comment.get("body") or ""))
            if parsed is None or parsed[0] != self.tag:
                continue
            if me.wrote(comment):
                ours.append(comment)
        return sorted(ours, key=lambda c: (str(c.get("created_at") or ""), int(c.get("id") or 0)))

    def publish(self, body: str, behavior: str, dry_run: bool = False) -> Outcome:
        """Apply one behaviour; never overwrite a comment stamped by a newer run."""
        if behavior not in BEHAVIORS:
            raise UserError(f"unknown comment behavior {behavior!r}: one of {', '.join(BEHAVIORS)}")
        parsed = parse_marker(body)
        valid_at = parsed[1] if parsed else None
        ours = self.find_ours()
        for comment in ours:
            existing = parse_marker(str(comment.get("body") or ""))
            if existing and is_newer(existing[1], valid_at):
                return Outcome("skipped-newer", comment.get("id"), comment.get("html_url"))
        latest = ours[-1] if ours else None
        if behavior != "new" and latest is not None and latest.get("body") == body:
            return Outcome("unchanged", latest.get("id"), latest.get("html_url"))
        if behavior == "update" and latest is not None:
            return self._update(latest, body, dry_run)
        hidden = deleted = 0
        if behavior == "hide-and-new":
            for comment in ours:
                if not dry_run:
                    self.api.graphql(_MINIMIZE, {"id": comment["node_id"]})
                hidden += 1
        elif behavior == "delete-and-new":
            for comment in ours:
                if not dry_run:
                    self.api.request(
                        "DELETE", f"/repos/{self.repository}/issues/comments/{comment['id']}"
                    )
                deleted += 1
        created = self._create(body, dry_run)
        return Outcome(created.action, created.comment_id, created.url, deleted, hidden, dry_run)

    def _create(self, body: str, dry_run: bool) -> Outcome:
        if dry_run:
            return Outcome("created", dry_run=True)
        path = f"/repos/{self.repository}/issues/{self.pr_number}/comments"
        data = self.api.request("POST", path, {"body": body}).data
        data = data if isinstance(data, dict) else {}
        return Outcome("created", data.get("id"), data.get("html_url"))

    def _update(self, comment: Mapping, body: str, dry_run: bool) -> Outcome:
        if dry_run:
            return Outcome("updated", comment.get("id"), comment.get("html_url"), dry_run=True)
        path = f"/repos/{self.repository}/issues/comments/{comment['id']}"
        data = self.api.request("PATCH", path, {"body": body}).data
        data = data if isinstance(data, dict) else {}
        return Outcome("updated", data.get("id", comment.get("id")), data.get("html_url"))


def _open_fence(text: str) -> bool:
    fences = sum(1 for line in text.splitlines() if line.lstrip().startswith("```"))
    return fences % 2 == 1


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
