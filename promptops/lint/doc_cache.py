"""Load the workspace with parse and schema results cached on disk by content hash.

Linting reads the whole repo (references, duplicate ids, PO203 across prompts), and YAML
parsing with positions plus JSON Schema validation is most of the time of a run. A file whose
bytes did not change since the last run is not parsed again: its values, source map and load
findings come from one pickle under the token cache folder, keyed by the hash of its text, the
promptops version and the schemas. Stale entries are dropped whenever the cache is rewritten.

This is an adapter over the core's workspace loader (same Workspace, same findings); see
notes/lint.md for moving it into `documents.workspace.build_workspace`.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from promptops.config import Config
from promptops.documents import workspace as core
from promptops.documents.model import Document
from promptops.documents.yaml_source import SourceMap, Span
from promptops.errors import UserError
from promptops.findings import Finding
from promptops.lint.disk_cache import PickleStore, cache_folder


def _pack_source(source: SourceMap) -> bytes | tuple:
    """Spans as one marshal blob: unpickling it is a copy, and it is decoded only for the
    documents whose positions are asked for."""

    def spans(table: dict) -> dict:
        return {path: tuple(span.__dict__.values()) for path, span in table.items()}

    packed = (spans(source.values), spans(source.keys), dict(source.styles))
    try:
        return marshal.dumps(packed)
    except ValueError:  # an exotic key type: keep the plain tuple
        return packed


class _LazySourceMap(SourceMap):
    """A SourceMap whose spans are rebuilt on first use: most documents of a big repo are
    only read for their values (references, PO203), never for positions."""

    def __init__(self, text: str, packed: tuple) -> None:  # no dataclass __init__ on purpose
        self.text = text
        self._packed = packed

    def __getattr__(self, name: str) -> Any:
        if name not in ("values", "keys", "styles"):
            raise AttributeError(name)
        packed = self.__dict__.pop("_packed")
        values, keys, styles = marshal.loads(packed) if isinstance(packed, bytes) else packed
        self.values = {p: Span(*s) for p, s in values.items()}
        self.keys = {p: Span(*s) for p, s in keys.items()}
        self.styles = styles
        return getattr(self, name)


def _unpack_source(text: str, packed: tuple) -> SourceMap:
    return _LazySourceMap(text, packed)


def _pack_finding(f: Finding) -> tuple:
    return (f.code, f.severity, f.message, f.line, f.column, f.end_line, f.end_column)


class DocumentCache:
    """Parsed documents by content hash (values, source map, load findings)."""

    def __init__(self, folder: Path | None) -> None:
        self.store = PickleStore(folder, "documents")

    def parse(self, rel: str, text: str, named: bool) -> tuple[list[Document], list[Finding]]:
        key = f"{int(named)}{hashlib.sha1(text.encode('utf-8')).hexdigest()}"

        def compute() -> tuple:
            docs, findings = core.parse_documents([(rel, text)], {rel} if named else None)
            return (
                [(d.data, _pack_source(d.source), d.content_hash, d.valid) for d in docs],
                [_pack_finding(f) for f in findings],
            )

        packed_docs, packed_findings = self.store.get_or_compute(key, compute)
        docs = [
            Document(rel, data, _unpack_source(text, source), digest, valid=valid)
            for data, source, digest, valid in packed_docs
        ]
        findings = [
            Finding(c, s, m, rel, ln, col, el, ec) for c, s, m, ln, col, el, ec in packed_findings
        ]
        return docs, findings

    def save(self) -> None:
        self.store.save()


def build_workspace_cached(
    config: Config,
    files: Iterable[tuple[str, str]],
    targets: set[str] | None = None,
    explicit: set[str] | None = None,
) -> core.Workspace:
    """`core.build_workspace`, with parsing and validation served from the cache."""
    cache = DocumentCache(cache_folder(config))
    explicit = explicit or set()
    documents: list[Document] = []
    findings: list[Finding] = []
    for rel, text in files:
        named = rel in explicit
        if not named and not core._KIND_LINE.search(text):
            continue
        docs, found = cache.parse(rel, text, named)
        documents.extend(docs)
        findings.extend(found)
    cache.save()
    workspace = core.Workspace(config=config, documents=documents, targets=targets)
    findings.extend(core._duplicate_ids(documents))
    findings.extend(core.resolve_references(workspace))
    workspace.findings = findings
    return workspace


def load_workspace_cached(
    config: Config, paths: Iterable[str | Path] | None = None
) -> core.Workspace:
    """`core.load_workspace` (same targets and explicit-file rules) over the cached parser."""
    paths = list(paths or [])
    targets = core._expand_targets(config, paths) if paths else None
    explicit_files = {core._relative(Path(p), config.root) for p in paths if Path(p).is_file()}
    rels = core.discover_files(config)
    rels.extend(sorted(explicit_files - set(rels)))
    files = []
    for rel in rels:
        text = core.read_text(config.root / rel)
        if text is None:
            if rel in explicit_files:
                raise UserError(f"cannot read {rel}: not a UTF-8 text file")
            continue
        files.append((rel, text))
    return build_workspace_cached(config, files, targets, explicit_files)
