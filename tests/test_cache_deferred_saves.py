"""A content store does not rewrite its (megabytes-large) file for new entries under
`DEFER_FRACTION` of its bytes: the next run computes them again. Whatever the sequence of
runs, a read gives the value put under that key or a miss, never another value, and with
PROMPTOPS_NO_DEFERRED_SAVES=1 every new entry is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promptops.cache.content_store import DEFER_FRACTION, ContentStore
from tests.support.cli import run_cli

BIG = 1 / DEFER_FRACTION  # entries of equal size: this many make one entry "small"


def _fill(folder: Path, count: int) -> None:
    store = ContentStore(folder, "ns", "repo")
    for i in range(count):
        store.put(f"k{i}", "x" * 1000)
    store.save()


def test_a_small_addition_is_left_to_a_later_run(tmp_path: Path) -> None:
    _fill(tmp_path, int(BIG) * 2)
    store = ContentStore(tmp_path, "ns", "repo")
    assert store.get("k0") == "x" * 1000
    store.put("new", "y" * 1000)
    assert store.deferred()
    store.save()
    assert ContentStore(tmp_path, "ns", "repo").get("new") is None  # not written
    assert ContentStore(tmp_path, "ns", "repo").get("k1") == "x" * 1000  # the rest intact


def test_additions_are_written_once_they_add_up(tmp_path: Path) -> None:
    _fill(tmp_path, 4)  # a small store: one new entry is a large share of it
    store = ContentStore(tmp_path, "ns", "repo")
    store.put("new", "y" * 1000)
    assert not store.deferred()
    store.save()
    assert ContentStore(tmp_path, "ns", "repo").get("new") == "y" * 1000


def test_the_off_switch_writes_every_new_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(tmp_path, int(BIG) * 2)
    monkeypatch.setenv("PROMPTOPS_NO_DEFERRED_SAVES", "1")
    store = ContentStore(tmp_path, "ns", "repo")
    store.put("new", "y" * 1000)
    assert not store.deferred()
    store.save()
    assert ContentStore(tmp_path, "ns", "repo").get("new") == "y" * 1000


runs = st.lists(  # each run: (key, size) pairs put, then save
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 3000)), max_size=12), max_size=8
)


@settings(max_examples=60, deadline=None)
@given(runs=runs, switch=st.booleans())
def test_a_read_is_the_value_put_or_a_miss(
    tmp_path_factory: pytest.TempPathFactory, runs: list[list[tuple[int, int]]], switch: bool
) -> None:
    folder = tmp_path_factory.mktemp("store")
    before = os.environ.pop("PROMPTOPS_NO_DEFERRED_SAVES", None)
    if switch:
        os.environ["PROMPTOPS_NO_DEFERRED_SAVES"] = "1"
    try:
        _fill(folder, 300)
        truth = {f"k{i}": "x" * 1000 for i in range(300)}
        for n, run in enumerate(runs):
            store = ContentStore(folder, "ns", "repo")
            for key, size in run:
                value = f"{n}:{key}:" + "z" * size
                cached = store.get(f"c{key}")
                assert cached is None or cached == truth[f"c{key}"]
                if cached is None:  # a miss is computed and put, as every caller does
                    store.put(f"c{key}", value)
                    truth[f"c{key}"] = value
            deferred = store.deferred()
            store.save()
            reread = ContentStore(folder, "ns", "repo")
            for key, _ in run:
                got = reread.get(f"c{key}")
                assert got is None or got == truth[f"c{key}"]
                if switch or not deferred:
                    assert got == truth[f"c{key}"]
    finally:
        os.environ.pop("PROMPTOPS_NO_DEFERRED_SAVES", None)
        if before is not None:
            os.environ["PROMPTOPS_NO_DEFERRED_SAVES"] = before


def test_lint_output_is_the_same_with_and_without_deferred_saves(tmp_path: Path) -> None:
    """Through the CLI: a repo big enough that one edited prompt is deferred; the lint after
    the edit, and the one after that (which parses the prompt again), print the same as with
    every entry written."""
    files = {"promptops.yaml": "tokenizer: cl100k_base\n"}
    for i in range(300):
        files[f"prompts/p{i}.yaml"] = (
            f"kind: prompt\nid: p{i}\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: |\n"
            f"  You answer questions about topic {i}. Be brief.\n"
        )
    root = tmp_path / "repo"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    outputs: dict[str, list[str]] = {}
    for label, extra in (("deferred", {}), ("all", {"PROMPTOPS_NO_DEFERRED_SAVES": "1"})):
        env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / f"cache-{label}"), **extra}
        assert run_cli(["lint", "--format", "json"], cwd=root, env=env).returncode in (0, 1)
        target = root / "prompts/p7.yaml"
        original = target.read_text()
        target.write_text(original.replace("Be brief.", "Be brief. Cite a source."))
        try:
            seen = []
            for _ in range(2):
                done = run_cli(["lint", "--format", "json", "prompts/p7.yaml"], cwd=root, env=env)
                assert done.returncode in (0, 1), done.stderr
                seen.append(done.stdout)
            whole = run_cli(["lint", "--format", "json"], cwd=root, env=env)
            seen.append(whole.stdout)
        finally:
            target.write_text(original)
        outputs[label] = seen
    assert outputs["deferred"] == outputs["all"]
    assert '"p7"' in outputs["all"][0] or "p7.yaml" in outputs["all"][0]
