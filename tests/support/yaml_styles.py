"""Write one document's values as YAML in many styles.

Every reader of documents (the diff's summaries, the workspace loader, `tokens`, `check`,
`cache warm`) must see the same values whatever style a user or a tool wrote them in. PyYAML
itself writes block lists indentless (`tools:\\n- lookup`); people write flow lists, quoted
keys, comments between entries, CRLF files. `render(entries, style)` writes top-level
entries in one such style; `render` checks its own output with `yaml.safe_load`, so a test
that uses it knows the text means exactly the values it was given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import yaml

KEY_STYLES = ("plain", "double", "single", "complex")
SCALAR_STYLES = ("plain", "double", "single", "literal", "folded")
LIST_STYLES = ("indentless", "indented", "flow", "flow_lines", "anchored")
ORDERS = ("as_given", "kind_last", "reversed", "rotated")
MARKERS = ("", "---", "--- # a document", "%YAML 1.1\n---")


@dataclass(frozen=True)
class Style:
    """How to write a document; the defaults are what PyYAML writes (indentless lists)."""

    keys: str = "plain"  # every top-level key but `kind`
    kind_key: str = "plain"  # anything but plain hides the file from the loader (no `kind:` line)
    kind_value: str = "plain"  # plain, double or single (a block scalar hides it too)
    scalars: str = "plain"
    lists: str = "indentless"
    order: str = "as_given"
    marker: str = ""
    end_marker: bool = False
    comments: bool = False  # comment lines between entries and list items, after values
    aliases: bool = False  # workload and the first tool through anchors in `labels`
    merge: bool = False  # workload through a merge key: `<<: {workload: …}`
    crlf: bool = False
    trailing_spaces: bool = False


NAMED_STYLES: dict[str, Style] = {
    "pyyaml": Style(),
    "indented": Style(lists="indented", order="kind_last"),
    "flow": Style(lists="flow", scalars="double", keys="double"),
    "flow_lines_single": Style(lists="flow_lines", scalars="single", keys="single"),
    "complex_keys": Style(keys="complex", lists="indentless", order="reversed", comments=True),
    "anchors": Style(aliases=True, lists="anchored", scalars="literal", marker="---"),
    "merge_crlf": Style(merge=True, crlf=True, trailing_spaces=True, comments=True),
    "folded_directive": Style(
        scalars="folded", marker="%YAML 1.1\n---", end_marker=True, order="rotated"
    ),
}

_TRAP = "# tools: [not, a, tool]"  # a comment that reads like an entry


def _plain_ok(value: str) -> bool:
    """Whether `value` written plain reads back as the same string."""
    if not value or value != value.strip() or "\n" in value or value[0] in "*&!|>%@`":
        return False
    try:
        return yaml.safe_load(f"k: {value}\n") == {"k": value}
    except yaml.YAMLError:
        return False


def _key(name: str, style: str) -> str:
    """A key and its colon (a complex key's `:` goes on the next line)."""
    if style == "double":
        return f'"{name}":'
    if style == "single":
        return f"'{name}':"
    if style == "complex":
        return f"? {name}\n:"
    return f"{name}:"


def _scalar(value: Any, style: str, indent: str) -> tuple[str, bool]:
    """A scalar's text after `key:` and whether it is a block scalar (its lines are content,
    so no trailing spaces may be added to them)."""
    if not isinstance(value, str):
        return " " + yaml.safe_dump(value, default_flow_style=True).splitlines()[0], False
    single_line = "\n" not in value and value == value.strip() and value != ""
    if style in ("literal", "folded") and single_line and not value.startswith("#"):
        return f" {'|' if style == 'literal' else '>'}-\n{indent}  {value}", True
    if style == "single" and "\n" not in value:
        return " '" + value.replace("'", "''") + "'", False
    if style == "plain" and _plain_ok(value):
        return " " + value, False
    return " " + json.dumps(value, ensure_ascii=False), False


def _item(value: Any, style: str) -> str:
    """A list item or flow entry: never a block scalar."""
    if isinstance(value, _Alias):
        return f"*{value.name}"
    text, _ = _scalar(value, "double" if style in ("literal", "folded") else style, "")
    return text[1:]


def _nested(value: Any, flow: bool, indentless: bool) -> list[str]:
    """A mapping or list below a top-level key, as PyYAML writes it (lists indentless)."""
    dumped = yaml.safe_dump(
        value, sort_keys=False, default_flow_style=flow, allow_unicode=True, width=10**6
    )
    if flow:
        return [" " + dumped.strip()]
    pad = "" if indentless and isinstance(value, list) else "  "
    return [""] + [pad + line for line in dumped.splitlines()]


def _tools(items: list[Any], style: Style, anchor: str) -> list[str]:
    """The `tools` list in the style's list form, with comments between items if asked."""
    written = [_item(t, style.scalars) for t in items]
    comment = " # a tool" if style.comments else ""
    if not written:
        return [" []"]
    if style.lists == "flow":
        return [" [" + ", ".join(written) + "]" + comment]
    if style.lists == "flow_lines":
        lines = [" ["]
        for i, item in enumerate(written):
            if style.comments:
                lines.append("    # between entries")
            lines.append(f"    {item}{',' if i < len(written) - 1 else ''}")
        return [*lines, "  ]" + comment]
    head = f" &{anchor}" if style.lists == "anchored" else ""
    pad = "  " if style.lists == "indented" else ""
    lines = [head + comment]
    for item in written:
        if style.comments:
            lines.append(f"{pad}# between items")
        lines.append(f"{pad}- {item}{comment}")
    return lines


@dataclass(frozen=True)
class _Line:
    text: str
    content: bool = False  # a block scalar's content line


def _ordered(entries: list[tuple[str, Any]], order: str) -> list[tuple[str, Any]]:
    if order == "kind_last":
        return [e for e in entries if e[0] != "kind"] + [e for e in entries if e[0] == "kind"]
    if order == "reversed":
        return entries[::-1]
    if order == "rotated" and entries:
        return entries[len(entries) // 2 :] + entries[: len(entries) // 2]
    return list(entries)


def _with_aliases(entries: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Anchor workload and the first tool in `labels` (as `lw`, `lt`, written first) and
    alias them where they belong; see `meaning` for the labels this adds."""
    values = dict(entries)
    anchors: dict[str, str] = {}
    if values.get("workload") is not None and isinstance(values["workload"], str):
        anchors["w"] = values["workload"]
    tools = values.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[0], str):
        anchors["t"] = tools[0]
    if not anchors:
        return entries
    labels = dict(values.get("labels") or {})
    out: list[tuple[str, Any]] = []
    for key, value in entries:
        if key == "workload" and "w" in anchors:
            out.append((key, _Alias("w")))
        elif key == "tools" and "t" in anchors:
            out.append((key, [_Alias("t"), *value[1:]]))
        elif key != "labels":
            out.append((key, value))
    return [("labels", _Anchored(labels, anchors)), *out]


@dataclass(frozen=True)
class _Alias:
    name: str


@dataclass(frozen=True)
class _Anchored:
    """`labels` with some values anchored: {name: value} written `lw: &name value`."""

    labels: dict[str, Any]
    anchors: dict[str, str]


def _entry(key: str, value: Any, style: Style) -> list[_Line]:
    key_style = style.kind_key if key == "kind" else style.keys
    head = _key(key, key_style)
    indent = "  " if key_style == "complex" else ""
    comment = "  # note" if style.comments else ""
    if isinstance(value, _Alias):
        return [_Line(f"{head} *{value.name}{comment}")]
    if isinstance(value, _Anchored):
        items = [f"l{name}: &{name} {json.dumps(v)}" for name, v in value.anchors.items()]
        items += [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.labels.items()]
        return [_Line(f"{head} {{{', '.join(items)}}}{comment}")]
    if key == "tools" and isinstance(value, list):
        lines = _tools(value, style, "tl")
        first, rest = lines[0], lines[1:]
        return [_Line(head + first), *(_Line(line) for line in rest)]
    if isinstance(value, dict | list):
        lines = _nested(value, style.lists == "flow", style.lists == "indentless")
        return [_Line(head + lines[0]), *(_Line(line) for line in lines[1:])]
    text, block = _scalar(value, style.kind_value if key == "kind" else style.scalars, indent)
    first, *rest = text.split("\n")
    return [_Line(head + first + ("" if block else comment))] + [
        _Line(line, content=block) for line in rest
    ]


def render(entries: list[tuple[str, Any]], style: Style, check: bool = True) -> str:
    """The YAML text of `entries` (top-level key, value pairs) written in `style`."""
    ordered = _ordered(entries, style.order)
    if style.aliases:
        ordered = _with_aliases(ordered)
    if style.merge and any(k == "workload" for k, _ in ordered):
        workload = dict(ordered)["workload"]
        ordered = [("<<", _Merge(workload)) if k == "workload" else (k, v) for k, v in ordered]
    lines: list[_Line] = []
    if style.marker:
        lines.extend(_Line(line) for line in style.marker.split("\n"))
    if style.comments:
        lines.append(_Line(_TRAP))
    for key, value in ordered:
        if style.comments:
            lines.append(_Line("# the next entry"))
        if isinstance(value, _Merge):
            workload = value.workload
            merged = f"*{workload.name}" if isinstance(workload, _Alias) else json.dumps(workload)
            lines.append(_Line(f"<<: {{workload: {merged}}}"))
            continue
        lines.extend(_entry(key, value, style))
    if style.end_marker:
        lines.append(_Line("..."))
    pad = "  " if style.trailing_spaces else ""
    text = "".join((line.text if line.content else line.text + pad) + "\n" for line in lines)
    if style.crlf:
        text = text.replace("\n", "\r\n")
    if check:
        loaded = yaml.safe_load(text)
        assert loaded == meaning(entries, style), f"{style} reads differently:\n{text}"
    return text


def meaning(entries: list[tuple[str, Any]], style: Style) -> dict[str, Any]:
    """The values a text written by `render(entries, style)` holds: `entries`, plus the
    labels that anchor aliased values."""
    values = dict(entries)
    for key, value in _with_aliases(list(entries)) if style.aliases else ():
        if key == "labels" and isinstance(value, _Anchored):
            anchored = {f"l{name}": v for name, v in value.anchors.items()}
            values["labels"] = {**anchored, **value.labels}
    return values


@dataclass(frozen=True)
class _Merge:
    workload: Any


def styled(style: Style, **changes: Any) -> Style:
    """`style` with some fields changed."""
    return replace(style, **changes)
