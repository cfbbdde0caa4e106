"""Parse results (values, source map, load findings) cached by content hash.

`workspace.build_workspace` asks `ParseCache.parse(rel, text, named)` instead of parsing: an
unchanged file costs a hash and a `marshal.loads`. The result depends only on the text, on
whether the user named the file, and on promptops's own code and schemas (the store's salt),
so it is valid at any path and in any command. Source spans stay packed until a finding
asks for a position: most documents of a big repo are only read for their values.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

from promptops.cache.content_store import ContentStore, cache_folder
from promptops.config import Config
from promptops.documents.model import Document
from promptops.findings import Finding
from promptops.parsing.yaml_source import SourceMap, Span

Parsed = tuple[list[Document], list[Finding]]
ParseOne = Callable[[str, str, bool, str], Parsed]
Item = tuple[str, str, bool, str]  # rel, text, named, content hash
PARALLEL_MIN_FILES = 300  # below this a second process costs more than it saves


def _key(named: bool, digest: str) -> str:
    return f"{int(named)}{digest}"


def _pack_source(source: SourceMap) -> bytes:
    def spans(table: dict) -> dict:
        return {path: tuple(span) for path, span in table.items()}

    return marshal.dumps((spans(source.values), spans(source.keys), dict(source.styles)))


class LazySourceMap(SourceMap):
    """A SourceMap whose spans are unpacked on first use."""

    def __init__(self, text: str, packed: bytes) -> None:  # no dataclass __init__ on purpose
        self.text = text
        self._packed = packed

    def __getattr__(self, name: str) -> Any:
        if name not in ("values", "keys", "styles") or "_packed" not in self.__dict__:
            raise AttributeError(name)
        values, keys, styles = marshal.loads(self.__dict__.pop("_packed"))
        self.values = {p: Span(*s) for p, s in values.items()}
        self.keys = {p: Span(*s) for p, s in keys.items()}
        self.styles = styles
        return getattr(self, name)


def _pack(parsed: Parsed) -> tuple:
    docs, findings = parsed
    return (
        [(d.data, _pack_source(d.source), d.valid) for d in docs],
        [
            (f.code, f.severity, f.message, f.line, f.column, f.end_line, f.end_column, f.extra)
            for f in findings
        ],
    )


def _unpack(rel: str, text: str, digest: str, packed: tuple) -> Parsed:
    packed_docs, packed_findings = packed
    docs = [
        Document(rel, data, LazySourceMap(text, source), digest, valid=valid)
        for data, source, valid in packed_docs
    ]
    findings = [
        Finding(code, severity, message, rel, line, column, end_line, end_column, dict(extra))
        for code, severity, message, line, column, end_line, end_column, extra in packed_findings
    ]
    return docs, findings


class ParseCache:
    """Parse (path, text) through `parse_one`, remembering results by content hash."""

    def __init__(self, config: Config, parse_one: ParseOne) -> None:
        self.store = ContentStore(cache_folder(config), "documents", str(config.root))
        self.parse_one = parse_one
        self.hits = 0
        self.misses = 0

    def parse(self, rel: str, text: str, named: bool, digest: str) -> Parsed:
        return self.parse_many([(rel, text, named, digest)])[0]

    def parse_many(self, items: list[Item]) -> list[Parsed]:
        """Parse (rel, text, named, digest) items, from the cache where possible. With many
        misses (a cold run over a big repo) a forked child parses half of them."""
        results: list[Parsed | None] = [None] * len(items)
        misses = []
        for i, (rel, text, named, digest) in enumerate(items):
            packed = self.store.get(_key(named, digest))
            if packed is not None:
                try:
                    results[i] = _unpack(rel, text, digest, packed)
                    continue
                except (TypeError, ValueError):  # an entry of an unexpected shape
                    pass
            misses.append(i)
        self.hits += len(items) - len(misses)
        self.misses += len(misses)
        mine, theirs, pending = misses, [], None
        if len(misses) >= PARALLEL_MIN_FILES:
            from promptops.forking import fork_call

            theirs = misses[len(misses) // 2 :]
            pending = fork_call(self._parse_packed, [items[i] for i in theirs])
            if pending is not None:
                mine = misses[: len(misses) // 2]
        for i in mine:
            rel, text, named, digest = items[i]
            results[i] = parsed = self.parse_one(rel, text, named, digest)
            self.store.put(_key(named, digest), _pack(parsed))
        if pending is not None:
            blobs = pending.result()
            if not isinstance(blobs, list) or len(blobs) != len(theirs):
                blobs = self._parse_packed([items[i] for i in theirs])  # the child failed
            for i, blob in zip(theirs, blobs, strict=True):
                rel, text, named, digest = items[i]
                self.store.put_blob(_key(named, digest), blob)
                results[i] = _unpack(rel, text, digest, marshal.loads(blob))
        return results  # type: ignore[return-value]

    def _parse_packed(self, items: list[Item]) -> list[bytes]:
        return [marshal.dumps(_pack(self.parse_one(*item))) for item in items]

    def save(self) -> None:
        self.store.save()
