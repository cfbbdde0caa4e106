"""promptops.runtime: bundle loading, sticky resolution, rendering, threads, import weight."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from promptops.canary.bundle import build_bundle, runtime_from_repo
from promptops.runtime import (
    BundleError,
    RenderError,
    Runtime,
    UnknownPromptError,
    content_hash,
    in_canary,
)
from tests.support.cli import REPO_ROOT, run_cli

PROMPT = "support/triage"


def _request(version: str) -> dict:
    return {
        "model": "claude-haiku-4-5",
        "max_tokens": 512,
        "tools": [
            {
                "name": "lookup",
                "description": "Find an order.",
                "input_schema": {"type": "object"},
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "system": [
            {
                "type": "text",
                "text": f"Triage rules v{version}.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "Tier {{ customer.tier }}: {{ ticket }}"}],
            }
        ],
    }


def _bundle(weight: float = 25) -> dict:
    versions = {}
    for version in ("1.0.0", "1.1.0"):
        request = _request(version)
        versions[version] = {
            "commit": "c" * 40,
            "path": "prompts/triage.yaml",
            "content_hash": content_hash(request),
            "request": request,
        }
    return {
        "schema_version": 1,
        "kind": "promptops.bundle",
        "source": {"commit": "c" * 40, "dirty": False},
        "prompts": {PROMPT: {"default_version": "1.0.0", "versions": versions}},
        "releases": [
            {
                "id": "triage-rollout",
                "prompt": PROMPT,
                "salt": "triage-rollout",
                "stable": "1.0.0",
                "canary": {"version": "1.1.0", "weight": weight},
            }
        ],
    }


def test_resolve_is_sticky_and_follows_bucketing(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_bundle(25)))
    runtime = Runtime.from_bundle(path)
    canary = 0
    for i in range(10_000):
        key = f"user-{i}"
        got = runtime.resolve(PROMPT, key)
        expected_canary = in_canary("triage-rollout", key, 25)
        assert got.cohort == ("canary" if expected_canary else "stable")
        assert got.version == ("1.1.0" if expected_canary else "1.0.0")
        assert runtime.resolve(PROMPT, key).version == got.version
        canary += expected_canary
    assert 2300 < canary < 2700
    assert runtime.resolve(PROMPT, None).cohort == "stable"


def test_render_substitutes_dotted_variables_and_keeps_cache_control() -> None:
    runtime = Runtime(_bundle(100))
    version = runtime.resolve(PROMPT, "anyone")
    assert version.variables == ("customer.tier", "ticket")
    request = version.render({"customer": {"tier": "gold"}, "ticket": "Where is {{ x }}?"})
    assert request["messages"][0]["content"][0]["text"] == "Tier gold: Where is {{ x }}?"
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert request["tools"][0]["name"] == "lookup"
    assert request["model"] == "claude-haiku-4-5"
    json.dumps(request)  # a plain, serialisable dict
    request["messages"].clear()  # callers may mutate their copy ...
    assert version.render({"customer.tier": "x", "ticket": "y"})["messages"]  # ... not ours


def test_missing_variable_is_a_clear_error() -> None:
    version = Runtime(_bundle()).resolve(PROMPT, "k")
    with pytest.raises(RenderError, match=r"customer\.tier"):
        version.render({"ticket": "t"})


def test_bad_bundles_are_rejected() -> None:
    tampered = _bundle()
    tampered["prompts"][PROMPT]["versions"]["1.1.0"]["request"]["max_tokens"] = 9999
    with pytest.raises(BundleError, match="hash"):
        Runtime(tampered)
    with pytest.raises(BundleError, match="schema_version"):
        Runtime({"schema_version": 99, "kind": "promptops.bundle"})
    missing = _bundle()
    missing["releases"][0]["canary"]["version"] = "9.9.9"
    with pytest.raises(BundleError, match=r"9\.9\.9"):
        Runtime(missing)
    with pytest.raises(UnknownPromptError):
        Runtime(_bundle()).resolve("nope", "k")


def test_threads_resolve_and_render_consistently_during_reload() -> None:
    runtime = Runtime(_bundle(25))
    keys = [f"user-{i}" for i in range(3000)]
    expected = {k: in_canary("triage-rollout", k, 25) for k in keys}
    errors: list[str] = []

    def worker() -> None:
        for key in keys:
            version = runtime.resolve(PROMPT, key)
            text = version.render({"customer": {"tier": key}, "ticket": "t"})
            if text["messages"][0]["content"][0]["text"] != f"Tier {key}: t":
                errors.append(f"render mixed up {key}")
            if version.cohort == "canary" and not expected[key]:
                errors.append(f"{key} in canary at <= 25%")

    def reloader() -> None:
        for weight in (5, 25, 5, 25):
            runtime.reload(_bundle(weight))

    threads = [threading.Thread(target=worker) for _ in range(6)] + [
        threading.Thread(target=reloader)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _modules_after_importing_runtime() -> list[str]:
    """Every module a fresh interpreter holds after `import promptops.runtime`."""
    script = "import json, sys, promptops.runtime\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_runtime_import_is_stdlib_only() -> None:
    heavy = {"yaml", "click", "numpy", "orjson", "anthropic", "git", "pyarrow", "jsonschema"}
    modules = _modules_after_importing_runtime()
    assert [m for m in modules if m.split(".")[0] in heavy] == []


def test_runtime_imports_no_promptops_module_but_the_template_grammar() -> None:
    """What applications import pulls in none of the release tooling (issue 15): the package
    itself (Python imports it for any submodule), the runtime and the grammar it shares with
    `promptops.render` — no canary, render, git or documents."""
    modules = _modules_after_importing_runtime()
    assert {m for m in modules if m.startswith("promptops")} == {
        "promptops",
        "promptops.runtime",
        "promptops.template",
    }


# ----- bundles built from git history ----------------------------------------------------------
def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()


def _prompt_yaml(version: str, rule: str) -> str:
    return (
        f"kind: prompt\nid: {PROMPT}\nversion: {version}\nmodel: claude-haiku-4-5\n"
        "tools: [lookup]\n"
        f"system:\n  - text: '{rule}'\n    cache: true\n"
        "messages:\n  - role: user\n    content: 'Tier {{ customer.tier }}: {{ ticket }}'\n"
    )


def _history_repo(root: Path) -> tuple[Path, str, str]:
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    (root / "prompts").mkdir()
    (root / "tools").mkdir()
    (root / "releases").mkdir()
    (root / "tools" / "lookup.yaml").write_text(
        "kind: tool\nid: lookup\nversion: 1.0.0\ndescription: Find an order.\n"
        "input_schema: {type: object}\n"
    )
    (root / "prompts" / "triage.yaml").write_text(_prompt_yaml("1.0.0", "Old rules."))
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v1.0.0")
    first = _git(root, "rev-parse", "HEAD")
    _git(root, "mv", "prompts/triage.yaml", "prompts/support-triage.yaml")  # a rename
    (root / "prompts" / "support-triage.yaml").write_text(_prompt_yaml("1.1.0", "New rules."))
    (root / "releases" / "triage.yaml").write_text(
        f"kind: release\nid: triage-rollout\nprompt: {PROMPT}\nstable: 1.0.0\n"
        "canary:\n  version: 1.1.0\n  steps:\n    - {weight: 10, min_calls: 100}\n  step: 0\n"
    )
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v1.1.0 and its release")
    return root, first, _git(root, "rev-parse", "HEAD")


def _simple_renderer(prompt: dict, tools: dict) -> dict:
    """A stand-in renderer for the history test (the real one is promptops.render)."""
    return {
        "model": prompt["model"],
        "max_tokens": 256,
        "tools": [{"name": t} for t in tools],
        "system": [{"type": "text", "text": prompt["system"][0]["text"]}],
        "messages": [{"role": "user", "content": prompt["messages"][0]["content"]}],
    }


def test_bundle_resolves_versions_from_git_history(tmp_path: Path) -> None:
    repo, first, second = _history_repo(tmp_path)
    bundle = build_bundle(repo, render=_simple_renderer)
    versions = bundle["prompts"][PROMPT]["versions"]
    assert versions["1.0.0"]["commit"] == first
    assert versions["1.0.0"]["path"] == "prompts/triage.yaml"
    assert versions["1.0.0"]["request"]["system"][0]["text"] == "Old rules."
    assert versions["1.1.0"]["commit"] == second
    assert versions["1.1.0"]["request"]["system"][0]["text"] == "New rules."
    assert bundle["source"] == {"commit": second, "dirty": False}
    runtime = Runtime(json.loads(json.dumps(bundle)))
    in_canary_key = next(
        k for k in (f"u{i}" for i in range(1000)) if in_canary("triage-rollout", k, 10)
    )
    assert runtime.resolve(PROMPT, in_canary_key).version == "1.1.0"
    rendered = runtime.resolve(PROMPT, in_canary_key).render(
        {"customer": {"tier": "gold"}, "ticket": "late parcel"}
    )
    assert rendered["messages"][0]["content"] == "Tier gold: late parcel"


def test_bundle_command_with_the_real_renderer(tmp_path: Path) -> None:
    pytest.importorskip("promptops.render")
    repo, _, _ = _history_repo(tmp_path)
    result = run_cli(["bundle", "--repo", str(repo), "-o", str(tmp_path / "b.json")])
    assert result.returncode == 0, result.stderr
    runtime = Runtime.from_bundle(tmp_path / "b.json")
    request = runtime.resolve(PROMPT, "someone").render(
        {"customer": {"tier": "gold"}, "ticket": "hi"}
    )
    assert request["tools"][0]["name"] == "lookup"
    assert request["system"][0]["cache_control"]["type"] == "ephemeral"
    assert "Tier gold: hi" in json.dumps(request)
    # Built in memory from the repository, the same requests as from the bundle file.
    from_repo = runtime_from_repo(repo).resolve(PROMPT, "someone")
    assert from_repo.content_hash == runtime.resolve(PROMPT, "someone").content_hash
    assert from_repo.render({"customer": {"tier": "gold"}, "ticket": "hi"}) == request


def test_bundle_of_unknown_version_is_refused(tmp_path: Path) -> None:
    """A release naming a version that never existed is a finding (exit 1), like PO310."""
    repo, _, _ = _history_repo(tmp_path)
    release = repo / "releases" / "triage.yaml"
    release.write_text(release.read_text().replace("stable: 1.0.0", "stable: 0.9.0"))
    result = run_cli(["bundle", "--repo", str(repo)])
    assert result.returncode == 1
    assert "never had version 0.9.0" in result.stderr and "Traceback" not in result.stderr
