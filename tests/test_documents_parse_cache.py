"""The core parse cache (content hash + schema/version salt), the compiled schema check,
and the two-process paths of a cold run over a big repo."""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from promptops.cache.content_store import cache_folder, store_path
from promptops.config import load_config
from promptops.documents import workspace as core
from promptops.documents.parse_cache import PARALLEL_MIN_FILES, ParseCache
from promptops.documents.schema import load_schema
from promptops.lint.duplicates import signature
from promptops.parsing.schema_check import compile_schema
from promptops.tokens.counting import PREFETCH_MIN_CHARS, TokenCounter
from promptops.tokens.tokenizers import count_tokens
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.lint_repo import CHARTER, TOOL, make_repo

PROMPT = """\
kind: prompt
id: triage
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 400
tools: [lookup_order]
system:
  - text: |
      You triage support tickets for {{ customer_name }}. Answer briefly and politely.
    cache: true
messages:
  - role: user
    content: '{{ question }}'
variables:
  customer_name: {expected_tokens: 4}
  question: {expected_tokens: 40}
"""
BROKEN_SCHEMA = "kind: prompt\nid: bad\nversion: 1.0.0\nmodel: claude-sonnet-4-6\nsystem: 3\n"
BROKEN_YAML = "kind: prompt\nid: [unclosed\n"


def _repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return make_repo(
        root,
        {
            "charters/support.yaml": CHARTER,
            "tools/lookup.yaml": TOOL,
            "prompts/triage.yaml": PROMPT,
            "prompts/bad.yaml": BROKEN_SCHEMA,
            "prompts/broken.yaml": BROKEN_YAML,
        },
    )


def _files(root: Path) -> list[tuple[str, str]]:
    config = load_config(root)
    return [(rel, (root / rel).read_text()) for rel in core.discover_files(config)]


def _parse(root: Path) -> tuple[ParseCache, list, list]:
    config = load_config(root)
    cache = ParseCache(config, core.parse_file)
    docs, findings = core.parse_documents(_files(root), None, cache)
    cache.save()
    return cache, docs, findings


def _snapshot(docs: list, findings: list) -> tuple:
    """Everything a command reads from a parsed document, positions included."""
    return (
        [(d.path, d.data, d.valid, d.content_hash, d.source.values, d.source.keys) for d in docs],
        [f.to_dict() for f in findings],
    )


def _store_file(root: Path) -> Path:
    config = load_config(root)
    return store_path(cache_folder(config), "documents", str(config.root))


def test_a_hit_gives_the_same_documents_spans_and_findings(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    first, docs, findings = _parse(root)
    assert (first.hits, first.misses) == (0, 5)
    assert _store_file(root).is_file()
    second, cached_docs, cached_findings = _parse(root)
    assert (second.hits, second.misses) == (5, 0)
    uncached = core.parse_documents(_files(root))
    assert _snapshot(cached_docs, cached_findings) == _snapshot(*uncached)
    assert _snapshot(docs, findings) == _snapshot(*uncached)
    assert {f.code for f in cached_findings} == {"PO001", "PO002"}


def test_cli_figures_and_findings_are_identical_from_the_cache(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for extra in ({"PROMPTOPS_NO_CACHE": "1"}, {}, {}):
        lint = run_cli(["lint", "--format", "json"], cwd=root, env={**env, **extra})
        tokens = run_cli(["tokens", "--format", "json"], cwd=root, env={**env, **extra})
        assert lint.returncode == 1, lint.stderr
        assert tokens.returncode in (0, 1), tokens.stderr
        outputs.append((lint.stdout, tokens.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert "PO101" in outputs[0][0]  # a real finding went through the cache
    assert len(list((tmp_path / "cache").glob("documents-*.bin"))) == 1


def test_a_changed_file_misses_and_is_reparsed(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _parse(root)
    (root / "prompts/bad.yaml").write_text(BROKEN_SCHEMA.replace("system: 3", "system: hi"))
    cache, docs, findings = _parse(root)
    assert (cache.hits, cache.misses) == (4, 1)
    assert not [f for f in findings if f.path == "prompts/bad.yaml"]
    assert next(d for d in docs if d.path == "prompts/bad.yaml").valid


def test_same_content_at_another_path_hits_and_reports_the_new_path(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _parse(root)
    (root / "prompts/bad.yaml").rename(root / "prompts/renamed.yaml")
    cache, _, findings = _parse(root)
    assert cache.misses == 0
    assert "prompts/renamed.yaml" in {f.path for f in findings if f.code == "PO002"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: b"",
        lambda blob: blob[: len(blob) // 2],
        lambda blob: blob[:-7] + bytes(7),
        lambda blob: blob[:30] + bytes([blob[30] ^ 0xFF]) + blob[31:],
        lambda blob: b"not a cache at all\n" * 50,
        lambda blob: blob.replace(b"promptops-cache/", b"promptops-cachE/", 1),  # the seal
    ],
)
def test_a_damaged_cache_file_is_ignored(tmp_path: Path, damage) -> None:
    root = _repo(tmp_path)
    _parse(root)
    store = _store_file(root)
    store.write_bytes(damage(store.read_bytes()))
    cache, docs, findings = _parse(root)
    assert cache.misses == 5  # nothing trusted from the damaged file
    assert _snapshot(docs, findings) == _snapshot(*core.parse_documents(_files(root)))
    result = run_cli(["validate", "--format", "json"], cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert _parse(root)[0].hits == 5  # and it was rewritten whole


def test_a_read_only_cache_folder_is_no_error(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run_cli(["lint"], cwd=root, env={"PROMPTOPS_CACHE_DIR": str(folder)})
    finally:
        folder.chmod(0o700)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "PO101" in result.stdout


def test_a_schema_change_invalidates_the_cache(tmp_path: Path) -> None:
    """A copy of this checkout whose tool schema caps descriptions: the cached "valid" must
    not survive the schema change."""
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO_ROOT / "promptops", checkout / "promptops", ignore=_pycache)
    shutil.copytree(REPO_ROOT / "schemas", checkout / "schemas")
    root = _repo(tmp_path / "repo")
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "PROMPTOPS_CACHE_DIR": str(tmp_path / "cache"),
    }

    def validate() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "promptops", "validate", "--format", "json"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    assert "tools/lookup.yaml" not in validate()
    schema_file = checkout / "schemas/tool.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["description"]["maxLength"] = 10
    schema_file.write_text(json.dumps(schema))
    assert "tools/lookup.yaml" in validate()


def _pycache(_: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


def test_no_cache_env_writes_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    cache = tmp_path / "cache"
    env = {"PROMPTOPS_CACHE_DIR": str(cache), "PROMPTOPS_NO_CACHE": "1"}
    assert run_cli(["validate"], cwd=root, env=env).returncode == 1
    assert not list(cache.glob("documents-*.bin"))


# -- the compiled schema check -------------------------------------------------------------

_VALUES = [None, True, False, 0, 1, -1, 1.0, 1.5, -0.5, "", "x", "5m", "1h", "user", [], {}, [1]]


def _paths(value: object, prefix: tuple = ()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _mutate(doc: dict, rng: random.Random) -> dict:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice([p for p in _paths(doc) if p])
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        roll = rng.random()
        if roll < 0.5:
            parent[path[-1]] = copy.deepcopy(rng.choice(_VALUES))
        elif roll < 0.7 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.85 and isinstance(parent, dict):
            parent[rng.choice(["extra", "cache", "type", "text"])] = rng.choice(_VALUES)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(rng.choice(parent + _VALUES)))
    return doc


def _corpus() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted((REPO_ROOT / "examples").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if isinstance(data, dict) and data.get("kind") in core.KINDS:
            docs.append((str(data["kind"]), data))
        elif path.name == "promptops.yaml" and isinstance(data, dict):
            docs.append(("config", data))
    for text in (CHARTER, TOOL, PROMPT):
        data = yaml.safe_load(text)
        docs.append((data["kind"], data))
    return docs


def test_compiled_check_never_accepts_what_jsonschema_rejects() -> None:
    rng = random.Random(7)
    corpus = _corpus()
    kinds = {kind for kind, _ in corpus}
    assert kinds >= {"prompt", "tool", "charter", "eval", "release", "config"}
    checks = {kind: compile_schema(load_schema(kind)) for kind in kinds}
    validators = {kind: jsonschema.Draft202012Validator(load_schema(kind)) for kind in kinds}
    for kind, data in corpus:  # every valid example takes the fast path
        assert validators[kind].is_valid(data), (kind, data.get("id"))
        assert checks[kind](data), (kind, data.get("id"))
    accepted = rejected = 0
    for _ in range(3000):
        kind, data = rng.choice(corpus)
        mutated = _mutate(data, rng)
        fast = checks[kind](mutated)
        if fast:
            assert validators[kind].is_valid(mutated), (kind, mutated)
            accepted += 1
        else:
            rejected += 1
    assert accepted > 300 and rejected > 300  # both answers were exercised


def test_schema_findings_still_come_from_jsonschema(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    _, findings = core.parse_documents(_files(root))
    bad = [f for f in findings if f.path == "prompts/bad.yaml"]
    assert [(f.code, f.line) for f in bad] == [("PO002", 5)]
    assert "system" in bad[0].message


# -- MinHash sketches and the two-process paths --------------------------------------------


def _reference_signature(hashes: list[int]) -> tuple:
    filled: dict[int, int] = {}
    for h in hashes:
        slot = h & 31
        filled[slot] = min(h, filled.get(slot, h))
    result = []
    for i in range(32):
        j = i
        while j % 32 not in filled:
            j += 1
        result.append(filled[i] if j == i else (filled[j % 32], j - i))
    return tuple(result)


def test_signature_is_the_per_bin_minimum_with_rotation() -> None:
    rng = random.Random(3)
    for size in [1, 2, 5, 31, 32, 70, 400]:
        hashes = [rng.getrandbits(64) - (1 << 63) for _ in range(size)]
        assert signature(hashes) == _reference_signature(hashes)


def test_parsing_in_two_processes_gives_the_same_workspace(tmp_path: Path) -> None:
    files = {"charters/support.yaml": CHARTER, "tools/lookup.yaml": TOOL}
    for i in range(PARALLEL_MIN_FILES + 20):
        text = PROMPT.replace("id: triage", f"id: p{i}")
        files[f"prompts/p{i:04d}.yaml"] = BROKEN_SCHEMA if i % 50 == 7 else text
    root = make_repo(tmp_path, files)
    cache, docs, findings = _parse(root)
    assert cache.misses == len(files)
    assert _snapshot(docs, findings) == _snapshot(*core.parse_documents(_files(root)))
    assert _parse(root)[0].hits == len(files)  # the child's results were stored too


def test_prefetched_token_counts_match_direct_counts(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    config = load_config(root)
    rng = random.Random(5)
    words = ["refund", "order", "naïve", "日本語", "policy", "{{ x }}", "\n\n", "<|endoftext|>"]
    texts = [" ".join(rng.choice(words) for _ in range(2000)) for _ in range(120)]
    assert sum(map(len, texts)) >= PREFETCH_MIN_CHARS
    counter = TokenCounter(config)
    counter.prefetch(texts)
    got = [counter.estimate(t) for t in texts]
    counter.close()
    assert got == [count_tokens("cl100k_base", t) for t in texts]
