"""PO203 locates paragraphs in one pass per text, exactly where the old per-finding scan did.

The rule reports each near-duplicate paragraph at its first words in the YAML source. It used
to find them per finding: a regex of the paragraph's first six words, counted in the parsed
text before the paragraph, then the same-numbered match in the raw scalar (one scan of the
whole text per finding, so a long prompt full of near-duplicates took seconds). `Locator`
folds each text once and searches it for each paragraph's first words
(`duplicates.LeadMatches`). `_reference_span` below is the old code,
kept as the specification: on random prompts in every scalar style, with repeated and
near-repeated paragraphs, mixed case, punctuation, underscores, non-ASCII letters that case
folding equates with ASCII ones (ſ, K, ı, İ) and backslash escapes, both give the same span
for every paragraph.
"""

from __future__ import annotations

import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptops.documents.model import Document
from promptops.documents.workspace import parse_file
from promptops.lint.duplicates import LeadMatches, sketch
from promptops.lint.rules.po203_duplicated_instructions import Locator, _sources, _texts
from promptops.parsing.yaml_source import Span

_WORDS = re.compile(r"[A-Za-z0-9]+")


def _reference_span(doc: Document, item: object) -> Span:
    """The locating PO203 did before (one scan of the text per finding)."""
    text = _texts(doc).get(item.source_path, "")  # type: ignore[attr-defined]
    lead = _WORDS.findall(text[item.offset : item.end])[:6]  # type: ignore[attr-defined]
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, lead)), re.IGNORECASE)
    occurrence = len(pattern.findall(text[: item.offset]))  # type: ignore[attr-defined]
    return doc.source.locate(item.source_path, pattern, occurrence)  # type: ignore[attr-defined]


WORDS = [
    "the", "The", "THE", "rule", "Rules", "rules", "a", "A", "stop", "ſtop", "Kelvin",
    "kelvin", "Kelvin", "café", "caf", "x_y", "_x", "x", "y", "42", "don't", "i", "ı", "İ",
    "answer", "customer", "refund", "never", "always", "é", "ß",
]  # fmt: skip
GAPS = [" ", " ", " ", "  ", ", ", ". ", "\n", " - ", "**", "'", '"', "\\", ": ", " # ", "\t"]
BREAKS = ["\n\n", "\n\n\n", "\n  \n", "\n\t\n"]
STYLES = [None, "|", ">", "'", '"']


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
    gaps = draw(st.lists(st.sampled_from(GAPS), min_size=len(words), max_size=len(words)))
    lead = draw(st.sampled_from(["", "", " ", "- ", "* ", "1. "]))
    return lead + "".join(w + g for w, g in zip(words, gaps, strict=True)).strip(" ")


@st.composite
def texts(draw: st.DrawFn) -> str:
    pool = draw(st.lists(paragraphs(), min_size=1, max_size=5))
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=12))  # repeats
    out = chosen[0]
    for para in chosen[1:]:
        out += draw(st.sampled_from(BREAKS)) + para
    return out


def _prompt_yaml(system: str, content: str, style: str | None, style2: str | None) -> str:
    head = "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nmax_output_tokens: 9\n"
    body = yaml.safe_dump(
        {"system": system}, default_style=style, allow_unicode=True, width=40, sort_keys=False
    )
    messages = yaml.safe_dump(
        {"messages": [{"role": "user", "content": content}]},
        default_style=style2,
        allow_unicode=True,
        width=60,
        sort_keys=False,
    )
    return head + body + messages


def _check(text: str, min_words: int) -> int:
    docs, _ = parse_file("p.yaml", text, named=True)
    if not docs:
        return 0
    doc = docs[0]
    found = sketch({doc.path: _sources(doc)}, min_words)[doc.path]
    locator = Locator(doc)
    for item in found:
        assert locator.span(item) == _reference_span(doc, item), (item, text)
    return len(found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    system=texts(),
    content=texts(),
    style=st.sampled_from(STYLES),
    style2=st.sampled_from(STYLES),
    min_words=st.sampled_from([1, 3, 5]),
)
def test_locator_agrees_with_the_per_finding_scan(
    system: str, content: str, style: str | None, style2: str | None, min_words: int
) -> None:
    _check(_prompt_yaml(system, content, style, style2), min_words)


def test_fixed_corpus_agrees_and_locates_something() -> None:
    """Hand-written cases: repeated leads, a lead inside another paragraph, a folded block."""
    para = "Always answer in the customer's language and never promise refunds today"
    cases = [
        "system: |\n  " + "\n\n  ".join([para] * 6) + "\n",
        "system: >\n  " + f"x {para}\n\n  {para}\n\n  {para.upper()}\n",
        'system: "' + para.replace(" ", "\\n", 2) + "\\n\\n" + para + '"\n',
        "system: |\n  the the the the the the the\n\n  the the the the the the\n",
        "system: |\n  Kelvin ſtop ı İ x_y the rule\n\n  kelvin stop i i x_y the rule\n",
    ]
    head = "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nmax_output_tokens: 9\n"
    messages = "messages:\n  - role: user\n    content: hi\n"
    assert sum(_check(head + case + messages, 3) for case in cases) == 13


def test_lead_matches_are_finditer_matches() -> None:
    """Without a document: the folded search finds what `finditer` finds, overlaps resolved
    alike."""
    text = "a b c a b c a b c d\n\nA, B; C a_b c ſ b c K b c"
    for lead in (["a", "b", "c"], ["b", "c"], ["s", "b", "c"], ["k", "b", "c"], ["c", "a", "b"]):
        pattern = re.compile(r"\b" + r"\W+".join(lead), re.IGNORECASE)
        expected = [m.span() for m in pattern.finditer(text)]
        assert LeadMatches(text).matches(lead) == expected
