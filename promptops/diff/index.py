"""What the diff needs to know about every document of a tree, without reading it again.

A workload's totals need every prompt of the workload, and a changed tool affects every prompt
that names it. Finding those means knowing each file's kind, id, workload and tools. That
summary depends only on the file's text, so it is remembered on disk by git blob id: after the
first run a diff reads only the blobs it has never seen (the changed ones) and one `ls-tree`.

A summary is what the document loader makes of the text (`workspace.parse_file`): the same
`kind:` line filter, the same YAML parse (`yaml_source.load_yaml`: duplicate keys and bad YAML
anywhere make it no document), the same kinds. No shortcut reads part of the text: one read
the top-level entries alone and saw no tools in `tools:\n- lookup` (the indentless list PyYAML
writes); fixed, it still saved too little to keep (summarizing 11,801 files: 2.7 s against
3.4 s; no clear win in `bench/diff_bench.py --switch` on cold diffs or `cache warm`) and it
cannot see a duplicate key or bad YAML outside its entries. tests/test_summary_styles.py
checks the agreement on YAML in every style.
The index file is an entry map of the one store, salted with a hash of promptops's own code
(`cache.salt`), so a change to this reader or to the loader never serves summaries read the
old way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from promptops.cache.store import EntryMap
from promptops.documents.model import KINDS
from promptops.documents.workspace import is_document_text
from promptops.parsing.yaml_source import YamlProblem, load_yaml

INDEX_FILE = "diff-index.json"


class Summary(NamedTuple):
    """A file's identity as a promptops document; kind None for anything else."""

    kind: str | None
    id: str
    workload: str | None
    tools: tuple[str, ...]

    def to_json(self) -> list[Any]:
        return [self.kind, self.id, self.workload, list(self.tools)]

    @classmethod
    def from_json(cls, value: list[Any]) -> Summary:
        return cls(value[0], value[1], value[2], tuple(value[3]))


NOT_A_DOCUMENT = Summary(None, "", None, ())


def _names(value: Any) -> tuple[str, ...]:
    """`tools` as the diff iterates it (`str(t) for t in value or []`)."""
    try:
        return tuple(str(t) for t in value or [])
    except TypeError:
        return ()


def summary_of(data: Any) -> Summary:
    """The summary of a file's parsed values, kept as `parse_file` keeps a document: a
    mapping whose `kind` is one of ours (anything else is no document)."""
    if not isinstance(data, dict) or "kind" not in data or str(data["kind"]) not in KINDS:
        return NOT_A_DOCUMENT
    kind = str(data["kind"])
    workload = data.get("workload")
    return Summary(
        kind,
        str(data.get("id", "")),
        None if workload is None else str(workload),
        _names(data.get("tools")) if kind == "prompt" else (),
    )


def summarize(text: str) -> Summary:
    """kind, id, workload and tools exactly as the document loader reads them."""
    if not is_document_text(text):
        return NOT_A_DOCUMENT  # the loader skips files without a promptops `kind:` line
    loaded = load_yaml(text)
    return NOT_A_DOCUMENT if isinstance(loaded, YamlProblem) else summary_of(loaded.data)


class DocIndex:
    """Summaries by blob id in one entry map under the cache folder (`cache.store.EntryMap`:
    each summary is checked on its own, so a damaged one is summarized again, never read)."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / INDEX_FILE if folder else None
        self._entries = EntryMap(self.path)
        self._entries.preload()  # a diff reads nearly every summary: check them in one batch
        self._dirty = False

    @property
    def empty(self) -> bool:
        """No summaries on disk: a first run, which will count tokens too."""
        return not self._entries

    def get(self, blob: str) -> Summary | None:
        value = self._entries.get(blob)
        if not isinstance(value, list) or len(value) != 4:
            return None
        return Summary.from_json(value)

    def search(self, key: str) -> list[str] | None:
        """Blob ids a tree search found before (`key` names the commit and the query)."""
        value = self._entries.get("search:" + key)
        return value if isinstance(value, list) and all(isinstance(b, str) for b in value) else None

    def put_search(self, key: str, blobs: list[str]) -> None:
        self._entries["search:" + key] = blobs
        self._dirty = True

    def put(self, blob: str, summary: Summary) -> None:
        self._entries[blob] = summary.to_json()
        self._dirty = True

    def save(self, live: set[str]) -> None:
        """Persist new summaries; entries of blobs no longer in `live` are dropped once they
        outnumber the live ones (the index follows the repo instead of growing forever)."""
        if not self._dirty or self.path is None:
            return
        if len(self._entries) > 2 * max(len(live), 1000):
            self._entries.retain(live)
        self._entries.save()  # never raises: a read-only cache never fails a diff
        self._dirty = False


class Lookup(Protocol):
    """Makes sure a tree's summaries include every document that could mention some ids."""

    def ensure(self, ids: set[str]) -> None: ...

    def ensure_kind(self, kind: str) -> None: ...


@dataclass
class TreeView:
    """One side's selected documents: path -> blob id and blob id -> summary.

    With a `lookup`, `summaries` covers only part of the tree (a cold index): the documents
    that could name an id are summarized on demand, before any question about that id."""

    blobs: dict[str, str]  # root-relative path -> blob id (None-free)
    summaries: dict[str, Summary]  # blob id -> summary
    lookup: Lookup | None = None
    _memo: tuple[int, dict[tuple[str, str], str], list[tuple[str, Summary]]] | None = None

    def need(self, ids: set[str]) -> None:
        """Summarize every document that could name one of `ids` (a no-op on a full tree)."""
        if self.lookup is not None and ids:
            self.lookup.ensure(ids)

    def summary(self, path: str) -> Summary:
        return self.summaries.get(self.blobs.get(path, ""), NOT_A_DOCUMENT)

    def need_tools(self) -> None:
        """Summarize every document that could be a tool (a no-op on a full tree)."""
        if self.lookup is not None:
            self.lookup.ensure_kind("tool")

    def first(self, kind: str, doc_id: str) -> str | None:
        """The path a workspace would resolve (kind, id) to: the first by path."""
        if kind == "tool":  # tools are few: all of them is one cheap search
            self.need_tools()
        else:
            self.need({doc_id})
        return self._views()[1].get((kind, doc_id))

    def prompts_using(self, tools: set[str]) -> list[tuple[str, Summary]]:
        """Every prompt (path, summary) that names one of `tools`, in no particular order."""
        self.need(tools)
        return [(p, s) for p, s in self._views()[2] if tools.intersection(s.tools)]

    def prompts_in(self, workloads: set[str]) -> list[tuple[str, Summary]]:
        """Every prompt (path, summary) of one of `workloads`, in no particular order."""
        self.need(workloads)
        return [(p, s) for p, s in self._views()[2] if s.workload in workloads]

    def prompts_in_any_workload(self) -> list[tuple[str, Summary]]:
        """Every prompt (path, summary) that names a workload (a full tree only)."""
        return [(p, s) for p, s in self._views()[2] if s.workload is not None]

    def _views(self) -> tuple[int, dict[tuple[str, str], str], list[tuple[str, Summary]]]:
        """(kind, id) -> first path, and the prompts; rebuilt when summaries grew."""
        if self._memo is not None and self._memo[0] == len(self.summaries):
            return self._memo
        by_id: dict[tuple[str, str], str] = {}
        prompts = []
        summaries = self.summaries
        for path, blob in self.blobs.items():  # no sort: the least path wins, as if sorted
            s = summaries.get(blob)
            if s is None or s.kind is None:
                continue
            if s.kind == "prompt":
                prompts.append((path, s))
            key = (s.kind, s.id)
            known = by_id.get(key)
            if known is None or path < known:
                by_id[key] = path
        self._memo = (len(summaries), by_id, prompts)
        return self._memo
