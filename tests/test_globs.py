"""`globs.matches` tests a path against all patterns with one combined regex; it must say
exactly what trying each pattern's own regex says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from promptops.globs import any_glob, glob_to_regex, matches

_PATTERN = st.text(alphabet="ab/.*?", max_size=8)
_PATH = st.text(alphabet="ab/.", max_size=10)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PATTERN, max_size=4), _PATH)
def test_one_regex_matches_what_each_pattern_matches(patterns: list[str], path: str) -> None:
    expected = any(glob_to_regex(p).match(path) for p in patterns)
    assert matches(path, patterns) is expected
    assert (any_glob(tuple(patterns)).match(path) is not None) is expected


def test_no_pattern_matches_nothing() -> None:
    assert not matches("prompts/a.yaml", [])
    assert matches("prompts/a.yaml", ["other/**", "prompts/**/*.yaml"])
    assert not matches("prompts/a.yml", ["prompts/**/*.yaml"])
