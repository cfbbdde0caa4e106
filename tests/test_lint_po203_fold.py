"""The facts `duplicates.LeadMatches` rests on, checked over all of Unicode for this Python.

PO203 locates a paragraph by a case-insensitive regex of its first ASCII words. Instead of
running that regex over a long text once per paragraph, `LeadMatches` folds the text once and
runs the same regex, lower-cased and case-sensitive, over the folded text. That finds the same
matches only if folding keeps every character one character and a word character (`\\w`) or
not, and turns a character into an ASCII letter or digit exactly when `re.IGNORECASE` equates
it with that one.
"""

from __future__ import annotations

import re
import string
import sys

from promptops.lint.duplicates import _TO_ASCII, LeadMatches, lead_pattern

_ALL = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
_ASCII_ALNUM = string.ascii_lowercase + string.digits


def _fold(char: str) -> str:
    return char.translate(_TO_ASCII).lower()


def test_folding_keeps_length_and_word_characters() -> None:
    word = re.compile(r"\w")
    for char in _ALL:
        folded = _fold(char)
        assert len(folded) == 1, hex(ord(char))
        assert bool(word.match(folded)) == bool(word.match(char)), hex(ord(char))


def test_folding_gives_a_letter_exactly_where_ignorecase_matches_it() -> None:
    by_fold: dict[str, set[str]] = {}
    for char in _ALL:
        folded = _fold(char)
        if folded in _ASCII_ALNUM:
            by_fold.setdefault(folded, set()).add(char)
    # one literal per group, so the engine matches each as a literal (not merged into a set)
    pattern = re.compile("|".join(f"({alnum})" for alnum in _ASCII_ALNUM), re.IGNORECASE)
    equal: dict[str, set[str]] = {}
    for char in _ALL:
        match = pattern.fullmatch(char)
        if match is not None:
            equal.setdefault(_ASCII_ALNUM[match.lastindex - 1], set()).add(char)  # type: ignore[operator]
    assert by_fold == equal
    assert set(equal) == set(_ASCII_ALNUM)


def test_folded_search_is_finditer_on_special_characters() -> None:
    text = "İ ı i I ſ s S K k — ı s k\n\nthe İs ſTOP Kelvin ıs; stop, kelvin İS_x K2 k2 ba a A"
    leads = (["i", "s"], ["is"], ["s", "i"], ["stop", "kelvin"], ["k", "k"], ["K2"], ["a", "a"])
    for lead in (*leads, []):  # "ba a": a match without `\b` hides the one after it
        expected = [m.span() for m in lead_pattern(lead).finditer(text)]
        assert LeadMatches(text).matches(lead) == expected, lead
    assert len(LeadMatches(text).matches(["kelvin"])) == 2
