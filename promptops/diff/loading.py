"""Load exactly the documents a diff needs, from both sides, without a checkout.

1. the changed documents (git's name-status, renames included);
2. prompts that use a changed tool (dependents);
3. every prompt of an affected workload (workload totals need them all), where a workload is
   affected when its charter changed or one of its prompts changed;
4. the tools and charters those prompts reference.

Steps 2-4 ask `git grep -F` for candidate files (a superset) and confirm by parsing, so unchanged
documents outside the affected workloads are never read. Unchanged files have the same text on
both sides and are parsed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from promptops.config import Config
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace, content_hash, parse_documents
from promptops.documents.yaml_source import SourceMap
from promptops.findings import Finding
from promptops.git_refs import Change, GitSide, ere_escape


@dataclass
class SideDocs:
    """The documents read from one side, by path."""

    side: GitSide
    docs: dict[str, Document] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)

    def prompts(self) -> list[Document]:
        return [d for d in self.docs.values() if d.kind == "prompt" and d.valid]

    def of_kind(self, kind: str) -> dict[str, Document]:
        return {d.id: d for d in self.docs.values() if d.kind == kind and d.valid}


@dataclass
class LoadedSides:
    base: SideDocs
    head: SideDocs
    changes: list[Change]
    workloads: set[str]  # affected workload (charter) ids
    changed_tools: set[str]
    changed_charters: set[str]


def quick_prompt(rel: str, text: str) -> Document | None:
    """A prompt parsed without source positions or schema validation, for an unchanged
    document that is only needed for its workload's totals; None when it is not a plain
    prompt (then the full parser handles it)."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or data.get("kind") != "prompt":
        return None
    if not all(k in data for k in ("id", "version", "model", "system")):
        return None
    return Document(rel, data, SourceMap(text), content_hash(text))


class _Parser:
    """Parse (path, text) once per distinct content, for both sides."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], tuple[list[Document], list[Finding]]] = {}

    def load(self, target: SideDocs, rels: list[str], quick: bool = False) -> None:
        """Read and parse `rels`; `quick` parses plain prompts leniently (see quick_prompt)."""
        wanted = [r for r in rels if r not in target.tried]
        target.tried.update(wanted)
        for rel, text in target.side.read_many(wanted).items():
            key = (rel, content_hash(text))
            if key not in self._memo:
                doc = quick_prompt(rel, text) if quick else None
                self._memo[key] = ([doc], []) if doc else parse_documents([(rel, text)])
            docs, findings = self._memo[key]
            target.findings.extend(findings)
            for doc in docs:
                target.docs[rel] = doc


def _workload_of(doc: Document) -> str | None:
    value = doc.data.get("workload")
    return None if value is None else str(value)


def load_sides(config: Config, base: GitSide, head: GitSide, changes: list[Change]) -> LoadedSides:
    parser = _Parser()
    base_docs, head_docs = SideDocs(base), SideDocs(head)
    parser.load(base_docs, [c.old_path for c in changes if c.old_path])
    parser.load(head_docs, [c.new_path for c in changes if c.new_path])
    changed = [*base_docs.docs.values(), *head_docs.docs.values()]
    tools = {d.id for d in changed if d.kind == "tool"}
    charters = {d.id for d in changed if d.kind == "charter"}
    workloads = set(charters)
    workloads.update(w for d in changed if d.kind == "prompt" and (w := _workload_of(d)))
    sides = (base_docs, head_docs)

    # Unchanged files are identical on both sides and changed ones are loaded already, so
    # asking git grep on the head side finds the candidates of both sides.
    if tools:  # prompts that use a changed tool
        candidates = head.grep(sorted(tools), fixed=True)
        for side in sides:
            parser.load(side, candidates, quick=True)
            for doc in side.prompts():
                uses = {str(t) for t in doc.data.get("tools") or []}
                if tools & uses and (workload := _workload_of(doc)):
                    workloads.add(workload)

    if workloads:  # every prompt of an affected workload
        candidates = head.grep(sorted(workloads), fixed=True)  # a superset; parsing confirms
        for side in sides:
            parser.load(side, candidates, quick=True)

    need: set[str] = set()  # the tools and charters the loaded prompts reference
    for side in sides:
        have_tools, have_charters = side.of_kind("tool"), side.of_kind("charter")
        uses = {str(t) for p in side.prompts() for t in p.data.get("tools") or []}
        need |= (uses - set(have_tools)) | (workloads - set(have_charters))
    if need:  # anchored on the top-level `id:` line, or every user of a tool would match
        patterns = [
            f"^id:[[:space:]]*[\"']?{ere_escape(i)}[\"']?[[:space:]]*(#.*)?$" for i in sorted(need)
        ]
        candidates = head.grep(patterns)
        for side in sides:
            parser.load(side, candidates)
    return LoadedSides(base_docs, head_docs, changes, workloads, tools, charters)


def workspace_of(config: Config, docs: list[Document]) -> Workspace:
    """A workspace over the given documents only (references were resolved by loading)."""
    return Workspace(config=config, documents=docs)
