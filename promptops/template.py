"""The one `{{ }}` template grammar of prompt texts, shared by `render` and `runtime`.

`{{ name }}`, `{{ customer.tier }}` and expressions such as `{{ now() }}` stand for a per-call
value. A quoted string stands for its own text, as in Jinja, so literal braces can be written:
`{{ '{{' }}`, `{{ "}}" }}`, `{{ '${{ secrets.TOKEN }}' }}` (on one line; the other quote includes
a quote). A `{{` and a quote that do not close that way are plain text. (A segment with
`template: false` is not a template at all: `render` sends its text as written.)

One module so that `promptops render` and an application's `promptops.runtime` read, fill and
escape templates identically: byte for byte the same request. Standard library only, and no
other promptops module, because `promptops.runtime` (what applications import) imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

TEMPLATE = re.compile(
    r"""\{\{\s*(?:'(?P<single>[^'\n]*)'|"(?P<double>[^"\n]*)"|(?P<expression>(?![\s'"]).*?))\s*\}\}"""
)
# An expression that names a variable (`ticket`, `customer.tier`), not a call or anything else.
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def literal(match: re.Match[str]) -> str | None:
    """The text a quoted template (`{{ '{{' }}`) stands for; None for an expression."""
    if match.group("expression") is not None:
        return None
    single = match.group("single")
    return single if single is not None else match.group("double")


def expressions(text: str) -> Iterator[tuple[int, str]]:
    """The expressions of a template text (quoted literals are not), with each one's index
    among all `{{ ... }}` of the text (what `SourceMap.locate` counts)."""
    if "{{" not in text:
        return
    for n, match in enumerate(TEMPLATE.finditer(text)):
        if match.group("expression") is not None:
            yield n, match.group("expression")


def lookup(values: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """The value for `name`: a key as written, else a dotted walk (`customer.tier`)."""
    if name in values:
        return True, values[name]
    current: Any = values
    for part in name.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return False, None
    return True, current


def value_text(value: Any) -> str:
    """How a value is written into a prompt: a string as it is, a number as Python writes it,
    a mapping, list, bool or null as JSON (non-ASCII kept), anything else by `str`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def substitute(text: str, resolve: Callable[[str], str]) -> str:
    """`text` with each expression replaced by `resolve(expression)` and each quoted literal
    by its own text. One pass: a substituted value is never read as a template."""
    if "{{" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        quoted = literal(match)
        return quoted if quoted is not None else resolve(match.group("expression"))

    return TEMPLATE.sub(replace, text)


# `{{` anywhere, or a `{` at the end (it would join a `{{` that follows).
_UNSAFE = re.compile(r"\{\{|\{\Z")


def escape(text: str) -> str:
    """Template source that renders to exactly `text`, also when a template follows it."""
    if "{" not in text:
        return text
    return _UNSAFE.sub(lambda m: "{{ '" + m.group() + "' }}", text)


def template_source(text: str, templated: bool = True) -> str:
    """`text` with every expression kept as `{{ expression }}` and everything else escaped,
    so that `substitute` gives what rendering `text` gives (the runtime bundle's skeleton)."""
    if not templated:
        return escape(text)
    out: list[str] = []
    run: list[str] = []  # literal text since the last expression
    end = 0
    for match in TEMPLATE.finditer(text):
        run.append(text[end : match.start()])
        quoted = literal(match)
        if quoted is None:
            out.append(escape("".join(run)))
            out.append("{{ " + match.group("expression") + " }}")
            run = []
        else:
            run.append(quoted)
        end = match.end()
    run.append(text[end:])
    out.append(escape("".join(run)))
    return "".join(out)
