"""Text from a repository, made inert for GitHub-flavoured Markdown.

Every Markdown view (the PR comment, the job summary, `--format markdown`, `--markdown-output`,
the MBOM) renders file paths, ids, model names, owners, messages and prompt lines that a pull
request controls. Rendered raw, they could notify people (`@org/team`), add links and images
(`[x](https://evil)`, `<img src=x onerror=…>`), open HTML (`<details>`), break out of a code
span or a table row, or cross-reference other issues (`owner/repo#1`). Every such value goes
through one of the functions here; only our own fixed text is written unescaped.

- `text`: inline text (paragraphs, list items, table cells). Control characters are shown as
  visible escapes; a `<` that could open a tag, comment or autolink becomes `&lt;` and an `&`
  that could start an entity `&amp;` (a lone `<` or `>`, as in `rate < 0.9`, stays); the
  characters that open Markdown syntax
  (backslash, backtick, `[`, `]`, `|`, `*`, `~`, and `_` at a word edge) are backslash-escaped;
  a zero-width joiner (U+200D) after an `@` that could start a mention (`@org/team`, not the
  `triage@2.1.0` of a version), after a `#` before a digit, before every
  `://` and inside `www.` keeps mentions, issue references and autolinks from becoming live.
- `code`: an inline code span whose fence is longer than any backtick run in the value, with
  pipes escaped when it sits in a table cell.
- `fenced`: a fenced code block whose fence is longer than any backtick run in its lines.

Nothing in a code span or code block is a mention, link or HTML on GitHub, so those only need
their fences to hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from promptops.text.formatting import printable

ZWJ = "\u200d"  # zero-width joiner: invisible, and it breaks GitHub's mention and link matchers
ELLIPSIS = "…"

_AMPERSAND = re.compile(r"&(?=[#0-9A-Za-z])")  # could start an entity: `&#64;`, `&lt;`
_TAG_OPEN = re.compile(r"<(?=[!/?A-Za-z])")  # could start a tag, a comment or an autolink
_PUNCTUATION = re.compile(r"([\\`\[\]|*~])")
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_SCHEME = re.compile(r"(?<=[0-9A-Za-z+.-])://")
_WWW = re.compile(r"(?i)\b(www)\.")
_ISSUE_REF = re.compile(r"#(?=[0-9])")
# GitHub mentions only an `@` at the start or after a non-word character (`a@b` is no mention).
_MENTION = re.compile(r"(?<![0-9A-Za-z_])@")
_BACKTICKS = re.compile(r"`+")
_PIPE = re.compile(r"(\\*)\|")


def _shorten(value: str, max_chars: int | None) -> str:
    """Cut raw text (before any escaping, so no escape is ever cut in half)."""
    if max_chars is not None and len(value) > max_chars:
        return value[: max(max_chars - 1, 0)] + ELLIPSIS
    return value


def _one_line(value: object) -> str:
    folded = str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return printable(folded)


def text(value: object, max_chars: int | None = None) -> str:
    """Inline Markdown for any value a repository controls (see the module docstring)."""
    raw = _shorten(_one_line(value), max_chars)
    escaped = _TAG_OPEN.sub("&lt;", _AMPERSAND.sub("&amp;", raw))
    escaped = _PUNCTUATION.sub(r"\\\1", escaped)
    escaped = _EDGE_UNDERSCORE.sub(r"\\_", escaped)
    escaped = _SCHEME.sub(ZWJ + "://", escaped)
    escaped = _WWW.sub(r"\1" + ZWJ + ".", escaped)
    escaped = _MENTION.sub("@" + ZWJ, escaped)
    return _ISSUE_REF.sub("#" + ZWJ, escaped)


def cell(value: object, max_chars: int | None = None) -> str:
    """A table cell: `text`, with an empty value shown as an em dash."""
    if value is None or value == "":
        return "—"
    return text(value, max_chars)


def code(value: object, table: bool = False, max_chars: int | None = None) -> str:
    """An inline code span that no backtick in the value can close early.

    In a table cell (`table=True`) pipes are escaped too: GitHub splits table rows on `|`
    before it looks for code spans. An empty value is an em dash, not an empty span."""
    raw = _shorten(_one_line(value), max_chars)
    if not raw.strip():
        return "—"
    longest = max((len(run) for run in _BACKTICKS.findall(raw)), default=0)
    fence = "`" * (longest + 1)
    if raw.startswith(("`", " ")) or raw.endswith(("`", " ")):
        raw = f" {raw} "  # CommonMark strips one space on each side
    if table:
        raw = _PIPE.sub(lambda m: m.group(1) * 2 + "\\|", raw)
    return f"{fence}{raw}{fence}"


def fenced(lines: Iterable[object], info: str = "") -> str:
    """A fenced code block of LINES (each made printable), fenced by more backticks than any
    run inside, so no line can end the block and turn the rest into live Markdown."""
    body = [printable(line).replace("\r", "") for line in lines]
    longest = max((len(run) for line in body for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([fence + info, *body, fence])
