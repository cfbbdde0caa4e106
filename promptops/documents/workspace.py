"""Discover, load, validate and cross-reference every document of a repo.

Loading is separate from where the text comes from: the working tree (`discover_files`) or a
git tree (the diff reads blobs without a checkout). Every problem is a finding with a path and
a line; nothing here raises on bad documents.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from promptops.config import Config
from promptops.documents.model import KINDS, Document
from promptops.documents.schema import validate_document
from promptops.documents.yaml_source import YamlProblem, load_yaml
from promptops.errors import UserError
from promptops.findings import Finding
from promptops.globs import matches

if TYPE_CHECKING:
    from promptops.documents.parse_cache import ParseCache

Parsed = tuple[list[Document], list[Finding]]

YAML_SUFFIXES = (".yaml", ".yml")
_KIND_LINE = re.compile(r"^kind:\s*[\"']?(" + "|".join(KINDS) + r")\b", re.MULTILINE)
_ANY_KIND_LINE = re.compile(r"^kind:", re.MULTILINE)


@dataclass
class Workspace:
    """All documents of a repo, indexed by kind and id, with the findings of loading them."""

    config: Config
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    targets: set[str] | None = None  # paths the user asked about; None = all

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str], Document] = {}
        for doc in self.documents:
            self._index.setdefault((doc.kind, doc.id), doc)

    def get(self, kind: str, doc_id: str) -> Document | None:
        return self._index.get((kind, doc_id))

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind and d.valid]

    def is_target(self, path: str) -> bool:
        return self.targets is None or path in self.targets

    def targeted(self, kind: str | None = None) -> list[Document]:
        return [
            d
            for d in self.documents
            if d.valid and self.is_target(d.path) and (kind is None or d.kind == kind)
        ]

    def tools_for(self, prompt: Document) -> dict[str, dict]:
        """The tool documents a prompt names, by id (missing ones are left out)."""
        tools = {}
        for tool_id in prompt.data.get("tools") or []:
            tool = self.get("tool", str(tool_id))
            if tool is not None and tool.valid:
                tools[str(tool_id)] = tool.data
        return tools

    def charter_for(self, prompt: Document) -> Document | None:
        workload = prompt.data.get("workload")
        if workload is None:
            return None
        charter = self.get("charter", str(workload))
        return charter if charter is not None and charter.valid else None


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def relative_path(path: Path, root: Path) -> str:
    """`path` relative to the repo root, POSIX separators (as given when outside it)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover_files(config: Config) -> list[str]:
    """Relative paths of YAML files under the root that the config's globs select."""
    root = config.root
    found = []
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and not matches(f"{rel_folder}{d}/x", config.exclude)
        )
        for name in sorted(files):
            if not name.endswith(YAML_SUFFIXES):
                continue
            rel = rel_folder + name
            if matches(rel, config.paths) and not matches(rel, config.exclude):
                found.append(rel)
    return found


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def is_document_text(text: str) -> bool:
    """Whether a file declares one of the promptops kinds on a top-level `kind:` line
    (a cheap filter before parsing: other YAML in the repo is never parsed)."""
    return _KIND_LINE.search(text) is not None


def parse_file(rel: str, text: str, named: bool = False, digest: str | None = None) -> Parsed:
    """Parse and validate one file: its document (none when it is not a promptops document)
    and its load findings (PO001 YAML, PO002 schema). A file the user `named` is always
    reported on, even if it has no known kind."""
    loaded = load_yaml(text)
    if isinstance(loaded, YamlProblem):
        message = f"invalid YAML: {loaded.message}"
        return [], [Finding("PO001", "error", message, rel, loaded.line, loaded.column)]
    if not isinstance(loaded.data, dict):
        return [], [Finding("PO002", "error", "a document must be a YAML mapping", rel, 1, 1)]
    if "kind" not in loaded.data:
        if named or _ANY_KIND_LINE.search(text):
            message = f"missing 'kind': expected one of {', '.join(KINDS)}"
            return [], [Finding("PO002", "error", message, rel, 1, 1)]
        return [], []
    doc = Document(rel, loaded.data, loaded.source, digest or content_hash(text))
    schema_findings = validate_document(doc)
    if doc.kind not in KINDS and not named:
        return [], []
    doc.valid = not schema_findings
    return [doc], schema_findings


def _parse_all(items: list[tuple[str, str, bool, str]]) -> list[Parsed]:
    return [parse_file(*item) for item in items]


def parse_documents(
    files: Iterable[tuple[str, str]],
    explicit: set[str] | None = None,
    cache: ParseCache | None = None,
) -> tuple[list[Document], list[Finding]]:
    """Parse (path, text) pairs into documents; files without a promptops kind are skipped.

    A file the user named explicitly is always reported on, even if it has no known kind.
    With a `cache`, unchanged files are served from it.
    """
    explicit = explicit or set()
    items = [
        (rel, text, named, content_hash(text))
        for rel, text in files
        if (named := rel in explicit) or _KIND_LINE.search(text)
    ]
    parse = cache.parse_many if cache is not None else _parse_all
    parsed = parse(items)
    documents: list[Document] = []
    findings: list[Finding] = []
    for docs, found in parsed:
        documents.extend(docs)
        findings.extend(found)
    return documents, findings


def _duplicate_ids(documents: list[Document]) -> list[Finding]:
    seen: dict[tuple[str, str], Document] = {}
    findings = []
    for doc in documents:
        if doc.kind not in KINDS or not doc.id:
            continue
        first = seen.setdefault((doc.kind, doc.id), doc)
        if first is not doc:
            span = doc.value_span("id")
            findings.append(
                Finding(
                    "PO002",
                    "error",
                    f"duplicate {doc.kind} id {doc.id!r}: also defined in {first.path}:"
                    f"{first.value_span('id').line}",
                    doc.path,
                    span.line,
                    span.column,
                )
            )
    return findings


def _ref_finding(doc: Document, path: tuple, message: str) -> Finding:
    span = doc.source.value(path)
    return Finding("PO003", "error", message, doc.path, span.line, span.column, span.end_line)


def resolve_references(workspace: Workspace) -> list[Finding]:
    """PO003 for every id that points nowhere: tools, workload charters, eval/release prompts,
    and models the price table does not know."""
    from promptops.pricing.table import PriceTable

    prices = PriceTable.from_config(workspace.config)
    findings = []
    for doc in workspace.documents:
        if not doc.valid:
            continue
        if doc.kind == "prompt":
            for i, tool_id in enumerate(doc.data.get("tools") or []):
                if workspace.get("tool", str(tool_id)) is None:
                    findings.append(
                        _ref_finding(doc, ("tools", i), f"tool {tool_id!r} is not defined")
                    )
            workload = doc.data.get("workload")
            if workload is not None and workspace.get("charter", str(workload)) is None:
                findings.append(
                    _ref_finding(doc, ("workload",), f"charter {workload!r} is not defined")
                )
            model = str(doc.data.get("model", ""))
            if not prices.knows(model):
                findings.append(_ref_finding(doc, ("model",), prices.unknown_message(model)))
        elif doc.kind in ("eval", "release"):
            prompt_id = doc.data.get("prompt")
            if workspace.get("prompt", str(prompt_id)) is None:
                findings.append(
                    _ref_finding(doc, ("prompt",), f"prompt {prompt_id!r} is not defined")
                )
        elif doc.kind == "charter":
            models = doc.data.get("models") or {}
            for i, model in enumerate(models.get("allowed") or []):
                if not prices.knows(str(model)):
                    findings.append(
                        _ref_finding(
                            doc, ("models", "allowed", i), prices.unknown_message(str(model))
                        )
                    )
    return findings


def _expand_targets(config: Config, paths: Iterable[str | Path]) -> set[str]:
    targets: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UserError(f"no such file or directory: {raw}")
        if path.is_dir():
            base = relative_path(path, config.root)
            prefix = "" if base in (".", "") else base.rstrip("/") + "/"
            targets.update(p for p in discover_files(config) if p.startswith(prefix))
        else:
            targets.add(relative_path(path, config.root))
    return targets


def load_workspace(
    config: Config, paths: Iterable[str | Path] | None = None, targets: set[str] | None = None
) -> Workspace:
    """Load every document under the config root; `paths` (files or folders, which must exist)
    or `targets` (root-relative paths, as a diff names them) narrows what gets reported."""
    paths = list(paths or [])
    if paths:
        targets = _expand_targets(config, paths)
    explicit_files = {relative_path(Path(p), config.root) for p in paths if Path(p).is_file()}
    rels = discover_files(config)
    rels.extend(sorted(explicit_files - set(rels)))
    files = []
    for rel in rels:
        text = read_text(config.root / rel)
        if text is None:
            if rel in explicit_files:
                raise UserError(f"cannot read {rel}: not a UTF-8 text file")
            continue
        files.append((rel, text))
    return build_workspace(config, files, targets, explicit_files)


def build_workspace(
    config: Config,
    files: Iterable[tuple[str, str]],
    targets: set[str] | None = None,
    explicit: set[str] | None = None,
) -> Workspace:
    """Parse, validate and cross-reference (path, text) pairs from any source.

    Parse results are cached by content hash (see `documents.parse_cache`), so unchanged
    files cost a lookup in every command; PROMPTOPS_NO_CACHE=1 turns that off.
    """
    from promptops.documents.parse_cache import ParseCache

    cache = ParseCache(config, parse_file)
    documents, findings = parse_documents(files, explicit, cache)
    cache.save()
    workspace = Workspace(config=config, documents=documents, targets=targets)
    findings.extend(_duplicate_ids(documents))
    findings.extend(resolve_references(workspace))
    workspace.findings = findings
    return workspace
