"""The in-memory document: its data, kind, id and where everything stands in its file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptops.parsing.yaml_source import PathKey, SourceMap, Span

KINDS = ("prompt", "tool", "charter", "eval", "release")


@dataclass
class Document:
    """One YAML file holding one promptops document."""

    path: str  # relative to the repo root, POSIX separators
    data: dict[str, Any]
    source: SourceMap
    content_hash: str
    abspath: Path | None = None
    valid: bool = True  # False when the schema rejected it: checks that need structure skip it

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def version(self) -> str | None:
        value = self.data.get("version")
        return None if value is None else str(value)

    @property
    def text(self) -> str:
        return self.source.text

    def key_span(self, *path: Any) -> Span:
        return self.source.key(tuple(path))

    def value_span(self, *path: Any) -> Span:
        return self.source.value(tuple(path))

    def span(self, path: PathKey) -> Span:
        return self.source.key(path)

    def __repr__(self) -> str:
        return f"Document({self.kind}:{self.id} at {self.path})"
