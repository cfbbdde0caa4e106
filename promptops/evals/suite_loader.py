"""The one adapter between the eval engine and the rest of promptops.

Everything the runner needs from documents, config and rendering passes through here:
reading eval documents into `Suite`s, finding the prompt and tool documents they use, turning
a case into a Messages API request, reading the `eval:`/`gate:` config, and checking out the
base ref. It prefers the core modules (`promptops.config`, `promptops.render`) and falls back
to a minimal reader while they are not merged.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from promptops.errors import UserError
from promptops.evals.assertions import prepare
from promptops.evals.assertions.base import Where
from promptops.evals.results import GateSpec
from promptops.evals.runner import EvalCase, Render, Suite

SKIP_DIRS = {".git", "node_modules", ".venv", "venv", ".promptops-cache", "__pycache__"}
TARGETS = ("assigned", "local")
GIT_TIMEOUT_S = 60


@dataclass(frozen=True)
class LoadedSuite:
    suite: Suite
    prompt: dict[str, Any]
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)

    def renderer(self) -> Render:
        return make_renderer(self.prompt, self.tools)


@dataclass(frozen=True)
class EvalSettings:
    """The `eval:` and `gate:` sections of the config."""

    root: Path
    eval: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)


def load_settings(start: Path, config_file: str | None = None) -> EvalSettings:
    try:
        from promptops.config import load_config
    except ImportError:
        return _fallback_settings(start, config_file)
    config = load_config(start, config_file)
    return EvalSettings(root=config.root, eval=dict(config.eval), gate=dict(config.gate))


def _fallback_settings(start: Path, config_file: str | None) -> EvalSettings:
    path = Path(config_file) if config_file else start / "promptops.yaml"
    if not path.exists():
        if config_file:
            raise UserError("config file not found", path=str(path))
        return EvalSettings(root=start)
    data = _read_yaml(path) or {}
    return EvalSettings(root=path.parent, eval=data.get("eval") or {}, gate=data.get("gate") or {})


# -- documents --------------------------------------------------------------------------
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # a safe loader (C or Python)


def _read_yaml(path: Path) -> Any:
    try:
        return _parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise UserError(f"invalid YAML: {exc}", path=str(path), line=line) from exc


def _yaml_files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml") and not SKIP_DIRS.intersection(
            path.relative_to(root).parts
        ):
            yield path


def scan_documents(root: Path) -> dict[tuple[str, str], tuple[Path, dict[str, Any]]]:
    """(kind, id) -> (path, document) for every YAML document with a `kind` and an `id`."""
    found: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
    for path in _yaml_files(root):
        try:
            data = _parse_yaml(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            continue  # `promptops lint` reports broken files; eval only needs the good ones
        if isinstance(data, dict) and isinstance(data.get("kind"), str) and "id" in data:
            found.setdefault((data["kind"], str(data["id"])), (path, data))
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def parse_suite(document: Any, path: Path, root: Path) -> Suite:
    where_doc = _relative(path, root)
    if not isinstance(document, dict) or document.get("kind") != "eval":
        raise UserError("not an eval document (kind: eval)", path=where_doc)
    for key in ("id", "prompt", "cases"):
        if key not in document:
            raise UserError(f"eval document needs `{key}`", path=where_doc)
    target = document.get("target", "assigned")
    if target not in TARGETS:
        raise UserError(f"target must be one of {', '.join(TARGETS)}, got {target!r}", where_doc)
    if not isinstance(document["cases"], list) or not document["cases"]:
        raise UserError("`cases` must be a non-empty list", path=where_doc)
    where = Where(path=where_doc, base_dir=root)
    cases: list[EvalCase] = []
    seen: set[str] = set()
    for number, raw in enumerate(document["cases"], start=1):
        if not isinstance(raw, dict):
            raise UserError(f"case {number} must be a mapping", path=where_doc)
        case_id = str(raw.get("id", f"case-{number}"))
        if case_id in seen:
            raise UserError(f"duplicate case id {case_id!r}", path=where_doc)
        seen.add(case_id)
        variables = raw.get("vars") or {}
        if not isinstance(variables, dict):
            raise UserError(f"case {case_id!r}: `vars` must be a mapping", path=where_doc)
        asserts = raw.get("assert") or []
        if not isinstance(asserts, list):
            raise UserError(f"case {case_id!r}: `assert` must be a list", path=where_doc)
        cases.append(
            EvalCase(
                id=case_id,
                vars=variables,
                assertions=tuple(prepare(spec, where) for spec in asserts),
            )
        )
    gate = document.get("gate") or {}
    if not isinstance(gate, dict):
        raise UserError("`gate` must be a mapping", path=where_doc)
    try:
        gate_spec = GateSpec.from_dict(gate)
    except (ValueError, ArithmeticError) as exc:
        raise UserError(f"bad gate value: {exc}", path=where_doc) from exc
    return Suite(
        id=str(document["id"]),
        prompt_id=str(document["prompt"]),
        cases=tuple(cases),
        target=target,
        gate=gate_spec,
        path=where_doc,
    )


def load_suites(root: Path, paths: Iterable[str | Path] = ()) -> list[LoadedSuite]:
    """The given eval files (or every `kind: eval` document under root), with their prompt
    and tool documents from the same tree."""
    documents = scan_documents(root)
    suite_files: list[Path] = [Path(p) if Path(p).is_absolute() else root / p for p in paths]
    for path in suite_files:
        if not path.exists():
            raise UserError("eval suite not found", path=str(path))
    if not suite_files:
        suite_files = sorted(p for (kind, _), (p, _d) in documents.items() if kind == "eval")
    parsed = {path.resolve(): data for path, data in documents.values()}
    loaded = []
    for path in suite_files:
        document = parsed.get(path.resolve())
        suite = parse_suite(document if document is not None else _read_yaml(path), path, root)
        loaded.append(_with_prompt(suite, documents, root))
    return loaded


def _with_prompt(
    suite: Suite, documents: dict[tuple[str, str], tuple[Path, dict[str, Any]]], root: Path
) -> LoadedSuite:
    found = documents.get(("prompt", suite.prompt_id))
    if found is None:
        raise UserError(f"prompt {suite.prompt_id!r} not found", path=suite.path)
    prompt = found[1]
    tools: dict[str, dict[str, Any]] = {}
    for tool_id in prompt.get("tools") or []:
        tool = documents.get(("tool", str(tool_id)))
        if tool is None:
            raise UserError(f"tool {tool_id!r} not found", path=_relative(found[0], root))
        tools[str(tool_id)] = tool[1]
    return LoadedSuite(suite=suite, prompt=prompt, tools=tools)


def load_base_prompt(
    base_root: Path, suite: Suite
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """The suite's prompt (and tools) as they are at the base ref, or None if new there."""
    documents = scan_documents(base_root)
    try:
        loaded = _with_prompt(suite, documents, base_root)
    except UserError:
        return None
    return loaded.prompt, loaded.tools


# -- rendering --------------------------------------------------------------------------
def make_renderer(prompt: dict[str, Any], tools: dict[str, dict[str, Any]]) -> Render:
    try:
        from promptops.render import render_request
    except ImportError:
        render_request = _interim_render_request

    def render(case: EvalCase) -> dict[str, Any]:
        return render_request(prompt, tools, case.vars)

    return render


TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def _interim_render_request(
    prompt: dict[str, Any], tools: dict[str, dict[str, Any]], values: dict[str, Any] | None
) -> dict[str, Any]:  # pragma: no cover - replaced by promptops.render when merged
    values = values or {}

    def substitute(text: str) -> str:
        def value_of(match: re.Match[str]) -> str:
            current: Any = values
            for part in match.group(1).split("."):
                if not isinstance(current, dict) or part not in current:
                    raise UserError(f"no value for template variable {match.group(1)!r}")
                current = current[part]
            return str(current)

        return TEMPLATE.sub(value_of, text)

    def blocks(content: Any) -> list[dict[str, Any]]:
        items = [{"text": content}] if isinstance(content, str) else content
        out = []
        for item in items:
            block: dict[str, Any] = {"type": "text", "text": substitute(item["text"])}
            if item.get("cache"):
                ttl = item["cache"] if item["cache"] in ("5m", "1h") else None
                block["cache_control"] = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
            out.append(block)
        return out

    request: dict[str, Any] = {
        "model": prompt["model"],
        "max_tokens": int(prompt.get("max_output_tokens", 1024)),
    }
    if prompt.get("tools"):
        request["tools"] = [
            {"name": t["id"], "description": t["description"], "input_schema": t["input_schema"]}
            for t in (tools[str(i)] for i in prompt["tools"])
        ]
    request["system"] = blocks(prompt["system"])
    request["messages"] = [
        {"role": m["role"], "content": blocks(m["content"])} for m in prompt.get("messages") or []
    ]
    if "temperature" in prompt:
        request["temperature"] = prompt["temperature"]
    return request


# -- the base ref -----------------------------------------------------------------------
def checkout_ref(root: Path, ref: str, destination: Path) -> Path:
    """Write the tree of `ref` into `destination` (git archive; the worktree is untouched)."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout.strip()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref],
            cwd=top,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout
    except FileNotFoundError as exc:
        raise UserError("git is not installed; --base needs it") from exc
    except subprocess.CalledProcessError as exc:
        message = (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else exc.stderr
        raise UserError(f"cannot read base ref {ref!r}: {message.strip()}") from exc
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    relative = root.resolve().relative_to(Path(top).resolve())
    return destination / relative
