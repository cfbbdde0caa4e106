"""Load exactly the documents a diff needs, from both sides, without a checkout.

1. the changed documents (git's `diff --raw`, renames included), parsed in full;
2. prompts that use a changed tool (they are shown as changed too);
3. the charters of affected workloads (a workload is affected when its charter changed or one of
   its prompts changed) and the tools the loaded prompts reference;
4. the *members* of affected workloads — every prompt of the workload, because its totals need
   them all. Members are only named here (path and blob id); the diff takes their figures from
   `figure_cache` and reads and prices a member only on a cache miss.

Which file is which document comes from `index.DocIndex` (summaries by blob id) over one
`ls-tree` of the base; the head's tree is the base's with git's changes applied. So after the
first run nothing outside the change is read, and no command scans every file. On a cold index
(more than `SCAN_LIMIT` unknown blobs) the changed files are summarized and `TreeSearch` finds
the rest with `git grep` at the base commit: the files that could name a touched workload,
charter or tool id, and the files that could be tool definitions; only those are read.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from promptops.config import Config
from promptops.diff.index import NOT_A_DOCUMENT, DocIndex, Summary, TreeView, summarize
from promptops.documents.model import Document
from promptops.documents.workspace import (
    FileScope,
    Workspace,
    content_hash,
    outside_link_finding,
    parse_documents,
)
from promptops.findings import Finding
from promptops.git import Change, GitRepo, GitSide
from promptops.parsing.yaml_source import YamlProblem, decode_text, load_yaml
from promptops.repo_paths import leaves_root


@dataclass
class SideDocs:
    """The documents read from one side, by path, and the side's tree of summaries."""

    side: GitSide
    tree: TreeView
    docs: dict[str, Document] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)
    members: list[str] = field(default_factory=list)  # affected workloads' other prompts

    def prompts(self) -> list[Document]:
        return [d for d in self.docs.values() if d.kind == "prompt" and d.valid]

    def of_kind(self, kind: str) -> dict[str, Document]:
        return {d.id: d for d in self.docs.values() if d.kind == kind and d.valid}

    def problem(self, path: str) -> str | None:
        """Why the file at `path` gives no valid document on this side (its first error from
        loading: not UTF-8, bad YAML, not a document, schema), None if nothing was found."""
        for f in self.findings:
            if f.path == path and f.severity == "error":
                return f"{f.code} at line {f.line}: {f.message}"
        return None


@dataclass
class LoadedSides:
    base: SideDocs
    head: SideDocs
    changes: list[Change]
    workloads: set[str]  # affected workload (charter) ids
    changed_tools: set[str]
    changed_charters: set[str]
    parser: Parser = field(default_factory=lambda: Parser())
    figures_cached: int = 0  # members whose figures came from the figure cache
    figures_priced: int = 0  # members read and priced (cache misses)


def quick_prompt(rel: str, text: str) -> Document | None:
    """A prompt parsed without source positions or schema validation, for an unchanged
    document that is only needed for its workload's totals; None when it is not a plain
    prompt (then the full parser handles it)."""
    loaded = load_yaml(text)  # the one reader, with its limits
    if isinstance(loaded, YamlProblem):
        return None
    data = loaded.data
    if not isinstance(data, dict) or data.get("kind") != "prompt":
        return None
    if not all(k in data for k in ("id", "version", "model", "system")):
        return None
    return Document(rel, data, loaded.source, content_hash(text))


def read_side(side: GitSide, tree: TreeView, rels: list[str]) -> dict[str, str]:
    """Texts of `rels`: from disk for the working tree, else by blob id in one batch."""
    if side.sha is None:
        return side.read_many(rels)
    blobs = {rel: tree.blobs[rel] for rel in rels if rel in tree.blobs}
    texts = side.repo.read_blobs(list(blobs.values()))
    return {rel: texts[blob] for rel, blob in blobs.items() if blob in texts}


def read_undecodable(side: GitSide, rels: list[str]) -> dict[str, str]:
    """Texts of files `read_side` left out because they are not UTF-8, bad bytes kept (see
    `decode_text`): a changed file that cannot be decoded is reported, never lost."""
    found = {}
    for rel in rels:
        data = side.repo.read_raw(side.sha, rel)
        if data is not None:
            found[rel] = decode_text(data)
    return found


class Parser:
    """Parse (path, text) once per distinct content, for both sides; `scope` says which
    files are ours, as for the workspace (`FileScope`)."""

    def __init__(self, scope: FileScope | None = None) -> None:
        self.scope = scope or FileScope()
        self._memo: dict[tuple[str, str], tuple[list[Document], list[Finding]]] = {}
        self._texts: dict[tuple[int, str], str] = {}  # prefetched (side, path) -> text

    def parse(self, rel: str, text: str, quick: bool) -> tuple[list[Document], list[Finding]]:
        key = (rel, content_hash(text))
        if key not in self._memo:
            doc = quick_prompt(rel, text) if quick else None
            self._memo[key] = (
                ([doc], []) if doc else parse_documents([(rel, text)], scope=self.scope)
            )
        return self._memo[key]

    def load(self, target: SideDocs, rels: list[str], quick: bool = False) -> None:
        """Read and parse `rels` into the side; `quick` parses plain prompts leniently."""
        wanted = [r for r in rels if r not in target.tried]
        target.tried.update(wanted)
        texts = read_side(target.side, target.tree, wanted)
        texts.update(read_undecodable(target.side, [r for r in wanted if r not in texts]))
        if target.side.sha is None:  # a symlink out of the repository: reported, never read
            root = target.side.repo.config.root
            for rel in wanted:
                if rel not in texts and leaves_root(root, rel):
                    target.findings.append(outside_link_finding(root, rel))
        for rel, text in texts.items():
            docs, findings = self.parse(rel, text, quick)
            target.findings.extend(findings)
            for doc in docs:
                target.docs[rel] = doc

    def remember(self, target: SideDocs, texts: dict[str, str]) -> None:
        """Texts of a side already read by the caller, for later `extra` calls."""
        for rel, text in texts.items():
            self._texts[(id(target), rel)] = text

    def prefetch(self, target: SideDocs, rels: list[str]) -> None:
        """Read many files of a side at once for later `extra` calls."""
        wanted = [r for r in rels if r not in target.docs and (id(target), r) not in self._texts]
        for rel, text in read_side(target.side, target.tree, wanted).items():
            self._texts[(id(target), rel)] = text

    def extra(self, target: SideDocs, rels: list[str], quick: bool = False) -> list[Document]:
        """Documents parsed for pricing only: not part of what the diff reports."""
        found = [target.docs[r] for r in rels if r in target.docs]
        wanted = [r for r in rels if r not in target.docs]
        self.prefetch(target, wanted)
        for rel in wanted:
            text = self._texts.get((id(target), rel))
            if text is not None:
                found.extend(self.parse(rel, text, quick)[0])
        return found


# Below this many unknown blobs, reading them all is cheaper than searching the tree.
# PROMPTOPS_NO_TREE_SEARCH=1 summarizes every file instead (bench/ measures the search with it).
SCAN_LIMIT = 300
_GREPPABLE = re.compile(r"[A-Za-z0-9._/-]+")
_NOT_A_STRING = {"inf", "-inf", "nan", "true", "false", "none"}


def greppable(doc_id: str) -> bool:
    """Whether every document whose summary names `doc_id` contains it verbatim or a
    backslash. YAML spells a string's characters literally except for escapes in double
    quotes (hence the backslash) and `''` in single quotes (hence no quotes), and an id
    without spaces cannot be folded across lines; a non-string scalar (number, bool, date)
    whose `str()` is the id would not be verbatim, so ids that `str()` of one could produce
    (no letter but e, or inf/nan/True/False/None) are refused."""
    return (
        _GREPPABLE.fullmatch(doc_id) is not None
        and any(c.isalpha() and c not in "eE" for c in doc_id)
        and doc_id.lower() not in _NOT_A_STRING
    )


class TreeSearch:
    """Summaries on demand for a cold index: `git grep` the base tree for the ids, read and
    summarize only the hits (the head differs from the base only in changed files, which are
    summarized up front). An id it cannot search for safely summarizes the whole tree."""

    def __init__(
        self,
        repo: GitRepo,
        sha: str,
        trees: tuple[dict[str, str], dict[str, str]],
        summaries: dict[str, Summary],
        index: DocIndex,
    ) -> None:
        self.repo, self.sha, self.trees = repo, sha, trees
        self.summaries, self.index = summaries, index
        self.covered: set[str] = set()
        self.kinds: set[str] = set()
        self.everything = False

    def _read(self, blobs: set[str]) -> None:
        missing = [b for b in blobs if b not in self.summaries]
        summarize_blobs(self.repo, self.index, missing, self.summaries)
        for blob in missing:  # unreadable (binary, not UTF-8): not a document, as in full mode
            self.summaries.setdefault(blob, NOT_A_DOCUMENT)

    def ensure(self, ids: set[str]) -> None:
        new = ids - self.covered
        if self.everything or not new:
            return
        if not all(greppable(i) for i in new):
            self.everything = True
            self._read({b for tree in self.trees for b in tree.values()})
            return
        self._read(self._search("ids:" + "\0".join(sorted(new)), sorted(new), None))
        self.covered |= new

    def _search(self, query: str, ids: list[str], kind: str | None) -> set[str]:
        """Blob ids of the base tree that a search finds, remembered in the index by commit,
        file selection and query (a commit's blobs never change), so the same diff again
        runs no search."""
        scope = json.dumps([self.repo.prefix, self.repo.config.paths, self.repo.config.exclude])
        digest = hashlib.sha256(f"{scope}\0{query}".encode()).hexdigest()[:24]
        key = f"{self.sha}:{digest}"
        known = self.index.search(key)
        if known is not None:
            return set(known)
        base = self.trees[0]
        if kind is None:
            hits = self.repo.grep_fixed(self.sha, [*ids, "\\"])
        else:
            hits = self.repo.grep_word(self.sha, kind)
        blobs = sorted({base[rel] for rel in hits if rel in base})
        self.index.put_search(key, blobs)
        return set(blobs)

    def ensure_kind(self, kind: str) -> None:
        """Summarize every document whose kind could be `kind`: its value is a whole scalar
        somewhere in the text, spelled verbatim unless escaped."""
        if self.everything or kind in self.kinds:
            return
        self._read(self._search("kind:" + kind, [], kind))
        self.kinds.add(kind)


def trees(
    repo: GitRepo, base: GitSide, changes: list[Change], index: DocIndex
) -> tuple[TreeView, TreeView]:
    """Both sides' selected files by blob id, with summaries (new blobs are read once)."""
    base_blobs = {p: b for p, b in repo.blob_ids(str(base.sha)).items() if repo.selected(p)}
    head_blobs = dict(base_blobs)
    for change in changes:
        if change.old_path:
            head_blobs.pop(change.old_path, None)
    unknown: dict[str, str] = {}  # head path -> text, for changes git gave no blob id
    for change in changes:
        if change.new_path and change.new_blob:
            head_blobs[change.new_path] = change.new_blob
        elif change.new_path:
            unknown[change.new_path] = ""
    if unknown:
        texts = read_side(GitSide(repo, "", None), TreeView({}, {}), sorted(unknown))
        for rel, text in texts.items():
            head_blobs[rel] = "text:" + content_hash(text)
            index.put(head_blobs[rel], summarize(text))
    summaries: dict[str, Summary] = {}
    missing = []
    for blob in {*base_blobs.values(), *head_blobs.values()}:
        found = index.get(blob)
        if found is None:
            missing.append(blob)
        else:
            summaries[blob] = found
    search = None
    # a cold index: summarize the changed files, search the rest
    if len(missing) > SCAN_LIMIT and not os.environ.get("PROMPTOPS_NO_TREE_SEARCH"):
        search = TreeSearch(repo, str(base.sha), (base_blobs, head_blobs), summaries, index)
        changed = set()
        for change in changes:
            if change.old_path and change.old_path in base_blobs:
                changed.add(base_blobs[change.old_path])
            if change.new_path and change.new_path in head_blobs:
                changed.add(head_blobs[change.new_path])
        missing = [b for b in missing if b in changed]
    summarize_blobs(repo, index, missing, summaries)
    return TreeView(base_blobs, summaries, search), TreeView(head_blobs, summaries, search)


def summarize_blobs(
    repo: GitRepo, index: DocIndex, blobs: list[str], summaries: dict[str, Summary]
) -> dict[str, str]:
    """Read `blobs` in one batch and summarize each into `summaries` and the index; their
    texts by blob id (unreadable ones are left out)."""
    texts = repo.read_blobs(blobs)
    for blob, text in texts.items():
        summaries[blob] = summarize(text)
        index.put(blob, summaries[blob])
    return texts


def _workload_of(doc: Document) -> str | None:
    value = doc.data.get("workload")
    return None if value is None else str(value)


def load_sides(
    config: Config, base: GitSide, head: GitSide, changes: list[Change], index: DocIndex
) -> LoadedSides:
    base_tree, head_tree = trees(base.repo, base, changes, index)
    parser = Parser(FileScope.of(config))
    base_docs, head_docs = SideDocs(base, base_tree), SideDocs(head, head_tree)
    sides = (base_docs, head_docs)
    parser.load(base_docs, [c.old_path for c in changes if c.old_path])
    parser.load(head_docs, [c.new_path for c in changes if c.new_path])
    changed = [*base_docs.docs.values(), *head_docs.docs.values()]
    tools = {d.id for d in changed if d.kind == "tool"}
    charters = {d.id for d in changed if d.kind == "charter"}
    workloads = set(charters)
    workloads.update(w for d in changed if d.kind == "prompt" and (w := _workload_of(d)))

    base_tree.need(tools | workloads)  # one search on a cold index
    if tools:  # prompts that use a changed tool are shown, so they are read
        for side in sides:
            users = sorted(p for p, _ in side.tree.prompts_using(tools))
            parser.load(side, users, quick=True)
            for doc in side.prompts():
                uses = {str(t) for t in doc.data.get("tools") or []}
                if tools & uses and (workload := _workload_of(doc)):
                    workloads.add(workload)

    for side in sides:  # charters of affected workloads, tools of the loaded prompts
        side.members = sorted(
            path for path, _ in side.tree.prompts_in(workloads) if path not in side.docs
        )
        side.tree.need_tools()  # tools a loaded prompt or a member names
        charter_paths = [side.tree.first("charter", w) for w in sorted(workloads)]
        tool_ids = sorted({str(t) for p in side.prompts() for t in p.data.get("tools") or []})
        tool_paths = [side.tree.first("tool", t) for t in tool_ids]
        parser.load(side, [p for p in (*charter_paths, *tool_paths) if p])
    return LoadedSides(base_docs, head_docs, changes, workloads, tools, charters, parser)


def workspace_of(config: Config, docs: list[Document]) -> Workspace:
    """A workspace over the given documents only (references were resolved by loading);
    sorted by path, so an id two files share resolves as it does in the whole repo."""
    return Workspace(config=config, documents=sorted(docs, key=lambda d: d.path))
