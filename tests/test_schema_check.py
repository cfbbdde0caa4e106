"""The compiled schema check (fastjsonschema): its "yes" is final, so it must never accept what
jsonschema rejects; the shipped generated modules must be current; PO002 findings still come,
all of them, from jsonschema."""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import pytest
import yaml

from promptops.documents.schema import load_schema
from promptops.parsing.schema_check import (
    UnsupportedSchema,
    _shipped,
    adapt,
    compile_schema,
    schema_digest,
)
from tests.support.cli import REPO_ROOT, run_cli

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from generate_schema_checks import KINDS, OUT, module_source


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((REPO_ROOT / "schemas" / f"{kind}.schema.json").read_text())


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_module_is_generated_from_the_current_schema(kind: str) -> None:
    """Run scripts/generate_schema_checks.py when this fails."""
    schema = _schema(kind)
    shipped = (OUT / f"{kind}.py").read_text(encoding="utf-8")
    assert shipped == module_source(kind, schema)
    assert _shipped(schema, schema_digest(schema)) is not None


def test_a_changed_schema_is_compiled_afresh_not_served_stale() -> None:
    schema = _schema("tool")
    schema["properties"]["description"]["maxLength"] = 10
    assert _shipped(schema, schema_digest(schema)) is None
    check = compile_schema(schema)
    doc = yaml.safe_load((REPO_ROOT / "templates" / "tool.yaml").read_text())
    assert len(doc["description"]) > 10
    assert compile_schema(_schema("tool"))(doc)
    assert not check(doc)


def test_ref_siblings_are_checked_as_draft_2020_12_does() -> None:
    """fastjsonschema alone ignores the keywords beside a `$ref`; adapt() must not."""
    schema = _schema("charter")
    doc = yaml.safe_load((REPO_ROOT / "templates" / "charter.yaml").read_text())
    doc["scenarios"]["expected"]["cache_hit_rate"] = "often"
    raw = fastjsonschema.compile(schema, use_default=False, use_formats=False)
    assert raw(doc) is doc  # the gap this module works around: it accepts a string
    assert not jsonschema.Draft202012Validator(schema).is_valid(doc)
    assert not compile_schema(schema)(doc)
    doc["scenarios"]["expected"]["cache_hit_rate"] = 1.5
    assert not compile_schema(schema)(doc)
    doc["scenarios"]["expected"]["cache_hit_rate"] = float("nan")
    assert not compile_schema(schema)(doc)


@pytest.mark.parametrize(
    "schema",
    [
        {"prefixItems": [{"type": "string"}]},
        {"type": "object", "properties": {"a": {"unevaluatedProperties": False}}},
        {"enum": [1, 2]},
        {"properties": {"flag": {"const": False}}},
    ],
    ids=["prefixItems", "unevaluated", "numeric-enum", "boolean-const"],
)
def test_what_fastjsonschema_would_get_wrong_always_answers_no(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        adapt(schema)
    check = compile_schema(schema)
    assert not check([1]) and not check({"flag": False}) and not check(1)


def test_checking_never_fills_defaults_into_the_document() -> None:
    schema = {
        "type": "object",
        "properties": {"ttl": {"type": "string", "default": "5m"}},
    }
    doc: dict[str, Any] = {}
    assert compile_schema(schema)(doc)
    assert doc == {}


# -- never a wrong "yes" ---------------------------------------------------------------------

_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    -0.5,
    10**400,
    float("nan"),
    float("inf"),
    "",
    "x",
    "5m",
    "1h",
    "1.0.0",
    "user",
    "a\n",
    [],
    {},
    [1],
    ["a", "a"],
]


def _corpus() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for folder in ("examples", "templates"):
        for path in sorted((REPO_ROOT / folder).rglob("*.yaml")):
            data = yaml.safe_load(path.read_text())
            if not isinstance(data, dict):
                continue
            if data.get("kind") in KINDS:
                docs.append((str(data["kind"]), data))
            elif path.name == "promptops.yaml":
                docs.append(("config", data))
    return docs


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Any:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
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
            parent[rng.choice(["extra", "cache", "type", "text", 1])] = rng.choice(_VALUES)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(rng.choice(parent + _VALUES)))
    return doc


def test_the_check_never_accepts_what_jsonschema_rejects() -> None:
    rng = random.Random(15)
    corpus = _corpus()
    kinds = {kind for kind, _ in corpus}
    assert kinds == set(KINDS)
    checks = {kind: compile_schema(load_schema(kind)) for kind in kinds}
    validators = {kind: jsonschema.Draft202012Validator(load_schema(kind)) for kind in kinds}
    for kind, data in corpus:  # every valid example takes the fast path
        assert validators[kind].is_valid(data), (kind, data.get("id"))
        assert checks[kind](data), (kind, data.get("id"))
    accepted = rejected = 0
    for _ in range(4000):
        kind, data = rng.choice(corpus)
        mutated = _mutate(data, rng)
        if checks[kind](mutated):
            assert validators[kind].is_valid(mutated), (kind, mutated)
            accepted += 1
        else:
            rejected += 1
    assert accepted > 300 and rejected > 300  # both answers were exercised


# -- the findings are jsonschema's, every one of them ----------------------------------------

PROMPT_WITH_TWO_ERRORS = """\
kind: prompt
id: triage
version: 1.0.0
model: claude-haiku-4-5
temperature: "warm"
cache_ttl: 2h
system:
  - text: You are a support triage assistant.
messages:
  - role: user
    content: hi
"""


def test_every_schema_error_of_a_document_is_a_po002_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "p.yaml").write_text(PROMPT_WITH_TWO_ERRORS)
    done = run_cli(["lint", "--format", "json", "prompts/p.yaml"], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    po002 = [f for f in json.loads(done.stdout)["findings"] if f["code"] == "PO002"]
    schema = load_schema("prompt")
    expected = len(
        list(
            jsonschema.Draft202012Validator(schema).iter_errors(
                yaml.safe_load(PROMPT_WITH_TWO_ERRORS)
            )
        )
    )
    assert len(po002) == expected >= 2
    lines = {f["line"] for f in po002}
    assert 5 in lines  # temperature
    assert 6 in lines  # the unknown field
    unknown = next(f for f in po002 if f["line"] == 6)
    assert unknown["message"].startswith("unknown field 'cache_ttl' (allowed here: ")
