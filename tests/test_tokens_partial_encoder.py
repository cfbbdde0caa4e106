"""The partial cl100k encoder (only the ranks that occur in the text) counts exactly what the
full encoder counts: on random Unicode, on texts built from cl100k's own tokens (long ones
included), on whitespace and digit runs, and on every block of the generated bench repo's
prompts; and `lint FILE` after an edit prints the same with it on and off."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptops.tokens import tokenizers
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranks")
    tokenizers._load("cl100k_base", path)  # writes the rank cache the partial path reads
    return path


@pytest.fixture(scope="module")
def full() -> object:
    return tokenizers._load("cl100k_base", None)  # tiktoken's own parse: the reference


def _partial(text: str, folder: Path) -> int | None:
    """The partial path as a fresh process takes it (nothing loaded, budget unused)."""
    loaded = dict(tokenizers._LOADED)
    tokenizers._LOADED.clear()
    tokenizers._partial_used[0] = 0
    try:
        return tokenizers.partial_count(text, folder)
    finally:
        tokenizers._LOADED.update(loaded)


def _full(encoding: object, text: str) -> int:
    return len(encoding.encode(text, disallowed_special=()))  # type: ignore[attr-defined]


def test_the_partial_path_applies_to_a_small_text(folder: Path, full: object) -> None:
    text = "You answer billing questions. Cite the invoice number; never guess.\n" * 3
    assert _partial(text, folder) == _full(full, text)


pieces = st.sampled_from(
    [" the", "The", " answer", "'s", "'ll", " 123", "4567", "\n\n", "   ", "\t", "!!", "```",
     "—", "é", "日本語", "😀", " \n ", "\r\n", "<|endoftext|>", "<|fim_prefix|>", " " * 40,
     "=" * 70, "-" * 33, "0" * 25, "abc" * 9, "ünïcödé", "\u200b", "ǅ", "İ"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400))
def test_random_unicode_counts_the_same(folder: Path, full: object, text: str) -> None:
    got = _partial(text, folder)
    if got is not None:
        assert got == _full(full, text)
    else:  # only text with surrogates (not UTF-8) is left to the full encoder
        with pytest.raises(UnicodeEncodeError):
            text.encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(pieces, st.text(max_size=12)), max_size=60))
def test_token_like_texts_count_the_same(folder: Path, full: object, parts: list[str]) -> None:
    text = "".join(parts)
    got = _partial(text, folder)
    assert got is None or got == _full(full, text)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_texts_of_long_tokens_count_the_same(
    folder: Path, full: object, data: st.DataObject
) -> None:
    payload = tokenizers._fast_payload(folder)
    assert payload is not None
    long_tokens = [t for t in payload[4] if len(t) <= 128]
    chosen = data.draw(st.lists(st.sampled_from(long_tokens), min_size=1, max_size=8))
    glue = data.draw(st.lists(st.sampled_from(["", " ", "\n", "x", "1"]), min_size=8, max_size=8))
    text = "".join(t.decode("utf-8", "replace") + g for t, g in zip(chosen, glue, strict=False))
    got = _partial(text, folder)
    assert got is not None and got == _full(full, text)


def _bench_blocks(repo: Path) -> Iterator[str]:
    import yaml

    for path in sorted(repo.rglob("*.yaml"))[:400]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            for value in data.values():
                if isinstance(value, str) and len(value) > 20:
                    yield value


def test_generated_prompts_count_the_same(folder: Path, full: object, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    generator = Path(__file__).resolve().parents[1] / "bench" / "generate_repo.py"
    subprocess.run(
        [sys.executable, str(generator), str(repo), "--prompts", "150", "--quiet"],
        check=True,
        timeout=300,
    )
    checked = 0
    for text in _bench_blocks(repo):
        got = _partial(text, folder)
        if got is not None:
            assert got == _full(full, text), text[:200]
            checked += 1
    assert checked > 50


def test_a_long_text_and_the_budget_fall_back_to_the_full_encoder(folder: Path) -> None:
    assert _partial("word " * tokenizers.PARTIAL_TEXT, folder) is None
    loaded = dict(tokenizers._LOADED)
    tokenizers._LOADED.clear()
    tokenizers._partial_used[0] = tokenizers.PARTIAL_BUDGET
    try:
        assert tokenizers.partial_count("a short text", folder) is None
    finally:
        tokenizers._LOADED.update(loaded)
        tokenizers._partial_used[0] = 0


def test_lint_file_after_an_edit_is_the_same_with_the_switch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "prompts").mkdir(parents=True)
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    for i in range(3):
        (root / f"prompts/p{i}.yaml").write_text(
            f"kind: prompt\nid: p{i}\nversion: 1.0.0\nmodel: claude-sonnet-4-6\n"
            f"max_output_tokens: 300\nsystem: |\n  You help with topic {i}. Be brief.\n"
        )
    outputs = []
    for extra in ({}, {"PROMPTOPS_NO_PARTIAL_ENCODER": "1"}):
        env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / f"cache{len(outputs)}"), **extra}
        assert run_cli(["tokens", "--format", "json"], cwd=root, env=env).returncode in (0, 1)
        target = root / "prompts/p1.yaml"
        original = target.read_text()
        target.write_text(original.replace("Be brief.", "Be brief and cite ÜNÏCÖDÉ 12345."))
        try:
            lint = run_cli(["lint", "--format", "json", "prompts/p1.yaml"], cwd=root, env=env)
            tokens = run_cli(["tokens", "--format", "json", "prompts/p1.yaml"], cwd=root, env=env)
        finally:
            target.write_text(original)
        assert lint.returncode in (0, 1), lint.stderr
        assert tokens.returncode in (0, 1), tokens.stderr
        outputs.append((lint.stdout, tokens.stdout))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][1])  # a real report was compared
