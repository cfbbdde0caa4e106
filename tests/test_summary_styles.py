"""The diff's document summaries agree with the document loader on YAML in every style.

`diff`, `check` and `cache warm` find a workload's prompts and a tool's users by each file's
summary (kind, id, workload, tools); `tokens` and the priced documents come from the workspace
loader. A summary that reads a file differently from the loader charges a change to the wrong
prompts, or to none (a `tools:` list written indentless, as PyYAML writes it, once read as no
tools). Hypothesis writes prompt, tool and charter documents in many styles and checks on
every text that `summarize` equals the loader's reading, and that what the loader reads is
the values the text was made from (and `yaml.safe_load`'s reading of it).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptops.diff.index import NOT_A_DOCUMENT, Summary, summarize
from promptops.documents.model import KINDS
from promptops.documents.workspace import parse_documents
from tests.support.yaml_styles import (
    KEY_STYLES,
    LIST_STYLES,
    MARKERS,
    NAMED_STYLES,
    ORDERS,
    SCALAR_STYLES,
    Style,
    render,
)

TRICKY = [
    "123", "1.0", "true", "no", "null", "~", "2024-01-01", "2001-12-14t21:59:43.10-05:00",
    "a: b", "x #y", "- x", "[x]", "{x}", "*x", "&x", "it's", 'say "hi"', "é/ü", "tools",
    "kind: prompt", "x\\y", " padded ", "",
]  # fmt: skip
IDS = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_./-]{0,16}", fullmatch=True),
    st.sampled_from(TRICKY),
    st.integers(0, 999),
)
TRAP_TEXT = "Use the tools below.\ntools:\n- not-a-tool\nkind: tool\nworkload: nowhere"


@st.composite
def documents(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Top-level entries of a prompt, tool, charter or other document, in a drawn order."""
    kind = draw(st.sampled_from([*KINDS, "prompt", "prompt", "tool", "prompt-x", "tools"]))
    entries: list[tuple[str, Any]] = [("kind", kind), ("id", draw(IDS))]
    if draw(st.booleans()):
        entries.append(("version", draw(st.sampled_from(["1.0.0", "2", "1.10"]))))
    workload = draw(st.sampled_from(["absent", "none", "value"]))
    if workload != "absent":
        entries.append(("workload", draw(IDS) if workload == "value" else None))
    if draw(st.integers(0, 3)):  # most documents name tools, whatever their kind
        entries.append(("tools", draw(st.lists(IDS, max_size=4))))
    extras = draw(
        st.lists(st.sampled_from(["system", "labels", "messages", "schema"]), unique=True)
    )
    for extra in extras:
        if extra == "system":
            entries.append(("system", draw(st.sampled_from([TRAP_TEXT, "Answer briefly."]))))
        elif extra == "labels":
            entries.append(("labels", {"team": "support", "tier": 2}))
        elif extra == "messages":
            entries.append(("messages", [{"role": "user", "content": "{{ q }}"}]))
        else:
            entries.append(
                ("input_schema", {"type": "object", "properties": {"tools": {"type": "array"}}})
            )
    return draw(st.permutations(entries))


STYLES = st.builds(
    Style,
    keys=st.sampled_from(KEY_STYLES),
    kind_key=st.sampled_from(["plain"] * 6 + list(KEY_STYLES)),
    kind_value=st.sampled_from(["plain"] * 4 + ["double", "single", "literal"]),
    scalars=st.sampled_from(SCALAR_STYLES),
    lists=st.sampled_from(LIST_STYLES),
    order=st.sampled_from(ORDERS),
    marker=st.sampled_from(MARKERS),
    end_marker=st.booleans(),
    comments=st.booleans(),
    aliases=st.booleans(),
    merge=st.booleans(),
    crlf=st.booleans(),
    trailing_spaces=st.booleans(),
)


def _summary(data: Any) -> Summary:
    """What a summary must be for a document holding `data`, written out by hand."""
    if not isinstance(data, dict) or str(data.get("kind")) not in KINDS:
        return NOT_A_DOCUMENT
    workload = data.get("workload")
    tools = data.get("tools") if data["kind"] == "prompt" else None
    return Summary(
        str(data["kind"]),
        str(data.get("id", "")),
        None if workload is None else str(workload),
        tuple(str(t) for t in tools or []),
    )


def loader_summary(text: str) -> Summary:
    """The summary of the document the workspace loader makes of `text` (none: no summary)."""
    docs, _ = parse_documents([("doc.yaml", text)])
    return _summary(docs[0].data) if docs else NOT_A_DOCUMENT


def _kind_visible(style: Style) -> bool:
    """Whether `kind` is on a plain `kind:` line, which makes a file the loader's to read
    (without one, a file may be someone else's YAML: the loader decides, unparsed)."""
    return style.kind_key == "plain" and style.kind_value in ("plain", "double", "single")


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(entries=documents(), style=STYLES)
def test_summary_agrees_with_the_loader_in_every_style(
    entries: list[tuple[str, Any]], style: Style
) -> None:
    text = render(entries, style)  # render checks yaml.safe_load reads `entries` back
    read = loader_summary(text)
    assert summarize(text) == read, text
    written = _summary(dict(entries))
    if _kind_visible(style):  # a plain `kind:` line: the loader reads what was written
        assert read == written, text
    if read != NOT_A_DOCUMENT:
        assert read == written == _summary(yaml.safe_load(text)), text


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(entries=documents(), style=STYLES, breakage=st.sampled_from(["duplicate", "unclosed"]))
def test_a_file_the_loader_rejects_has_no_summary(
    entries: list[tuple[str, Any]], style: Style, breakage: str
) -> None:
    """A duplicated key or bad YAML anywhere in the file, even far from the summarized
    entries, makes it no document for the loader (PO001), so for the summary too."""
    if breakage == "duplicate":
        text = render([*entries, ("version", "9.9.9"), ("version", "9.9.8")], style, check=False)
    else:
        text = render(entries, style) + ("oops: [unclosed\r\n" if style.crlf else "oops: [\n")
    assert loader_summary(text) == NOT_A_DOCUMENT, text
    assert summarize(text) == NOT_A_DOCUMENT, text


PROMPT = [
    ("kind", "prompt"),
    ("id", "faq"),
    ("version", "1.0.0"),
    ("model", "claude-sonnet-4-6"),
    ("workload", "support"),
    ("tools", ["lookup", "search"]),
    ("system", TRAP_TEXT),
]


@pytest.mark.parametrize("name", sorted(NAMED_STYLES))
def test_named_styles_read_the_prompt_and_its_tools(name: str) -> None:
    """The styles the end-to-end test writes whole repos in (tests/test_document_styles.py)."""
    text = render(PROMPT, NAMED_STYLES[name])
    assert summarize(text) == Summary("prompt", "faq", "support", ("lookup", "search"))
    assert loader_summary(text) == summarize(text)


def test_indentless_tools_as_pyyaml_writes_them() -> None:
    """The reported bug: `tools:` followed by `- t1` at column 0 was read as no tools."""
    text = yaml.safe_dump({"kind": "prompt", "id": "p", "tools": ["t1", "t2"], "system": "s"})
    assert "tools:\n- t1\n- t2\n" in text
    assert summarize(text) == Summary("prompt", "p", None, ("t1", "t2"))
