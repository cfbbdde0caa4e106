"""Discover, load, validate and cross-reference every document of a repo.

Loading is separate from where the text comes from: the working tree (`discover_files`) or a
git tree (the diff reads blobs without a checkout). Every problem is a finding with a path and
a line; nothing here raises on bad documents.

Which YAML files are promptops's (see `FileScope`): with `paths` set in the config, or for a
file named on the command line, every selected file. With the default paths (every YAML file
of the repo) a file is ours when it sits in a folder named after a kind (`prompts/`, `tools/`,
`charters/`, `evals/`, `releases/`) or when its text says so: a `kind:` naming one of the five
kinds anywhere, or a top-level `kind:` that is a near miss of one (`promt`, `Prompt`) or comes
with a top-level `id:` (and no `apiVersion:`, which marks a Kubernetes-style manifest). A file
of ours that is not exactly one promptops document is a finding, never silently skipped: PO001
when its text is not UTF-8 or not YAML (or repeats a key), PO005 when it is empty, not a
mapping, several documents, or has no or an unknown `kind`. Everything else (CI configs,
docker-compose, manifests) is not read past a regex. `# promptops: ignore` in the first five
lines opts a file out, unless it declares a promptops kind (use `exclude` for a document).
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from promptops.config import DEFAULT_PATHS, Config
from promptops.documents.model import KINDS, Document
from promptops.documents.schema import validate_document
from promptops.errors import UserError
from promptops.findings import Finding
from promptops.globs import matches
from promptops.parsing.yaml_source import Span, YamlProblem, decode_text, load_yaml

if TYPE_CHECKING:
    from promptops.documents.parse_cache import ParseCache

Parsed = tuple[list[Document], list[Finding]]


class ModelCatalog(Protocol):
    """The model ids a workspace may name (PO003 otherwise). The price table is one
    (`pricing.table.PriceTable`); it sits above this layer, so whoever loads a workspace hands
    it in — a required argument, so no caller skips the check by forgetting it."""

    def knows(self, model: str) -> bool: ...

    def unknown_message(self, model: str) -> str: ...


YAML_SUFFIXES = (".yaml", ".yml")
KIND_FOLDERS = frozenset(f"{kind}s" for kind in KINDS)
IGNORE_LINES = 5  # `# promptops: ignore` counts in this many first lines
_KIND_NAME = re.compile("|".join(KINDS))


# Patterns that judge a YAML file whose text names no kind, kept as text: `re` compiles each
# on its first use, and a repo whose YAML files are all documents never uses them.
_IGNORE = r"^[ \t]*#[ \t]*promptops:[ \t]*ignore[ \t]*$"
# a `kind:` naming one of the kinds anywhere: nested, in a list item, quoted, in a flow mapping
_KIND_MENTION = (
    r"""(?:^|[\s{,-])["']?kind["']?[ \t]*:[ \t]*["']?(?:""" + "|".join(KINDS) + r""")(?![\w./-])"""
)
_TOP_KIND = r"""^["']?kind["']?[ \t]*:[ \t]*["']?([^\s"'#,]*)"""
_TOP_ID = r"""^["']?id["']?[ \t]*:"""
_API_VERSION = r"""^["']?apiVersion["']?[ \t]*:"""


@dataclass
class Workspace:
    """All documents of a repo, indexed by kind and id, with the findings of loading them."""

    config: Config
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    targets: set[str] | None = None  # paths the user asked about; None = all
    files: list[str] = field(default_factory=list)  # every file read as ours (documents or not)
    models: ModelCatalog | None = None  # what model ids were checked against (PO003)

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
    """sha256 of the file's bytes (a text from `decode_text` gives back the bytes read)."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def relative_path(path: Path, root: Path) -> str:
    """`path` relative to the repo root, POSIX separators (as given when outside it)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover_files(config: Config) -> list[str]:
    """Relative paths of YAML files under the root that the config's globs select (a symlink
    that leaves the repository is never one of them: see `walk_repo`)."""
    return walk_repo(config)[0]


def walk_repo(config: Config) -> tuple[list[str], list[str]]:
    """(YAML files the globs select, symlinks of ours that lead outside the repository).

    Folders starting with `.` and excluded folders are skipped; a symlinked folder is never
    walked into (inside the repository its files are found where they really are). A symlink
    to a file inside the repository is read like the file. A symlink that leaves it (to
    `/etc/...`, `../other-checkout`, or nowhere) is never read: it is listed second when it is
    ours (`FileScope.owned`: a kind folder, or explicitly configured `paths`), to be reported
    (PO005), and otherwise ignored like any YAML that is not ours."""
    from promptops.repo_paths import resolves_outside

    root = config.root
    scope = FileScope.of(config)
    found: list[str] = []
    outside: list[str] = []
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        subfolders: list[tuple[Path, str]] = []
        for entry in entries:
            rel = rel_folder + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith(".") and not matches(f"{rel}/x", config.exclude):
                    subfolders.append((Path(entry.path), rel + "/"))
                continue
            if not entry.is_symlink():
                if _selected(rel, config):
                    found.append(rel)
                continue
            leads_out = resolves_outside(Path(entry.path), root)
            if _is_folder(entry):
                if leads_out and _folder_link_is_ours(rel, config, scope):
                    outside.append(rel)
                continue  # never walked into, like os.walk without followlinks
            if not _selected(rel, config):
                continue
            if not leads_out:
                found.append(rel)
            elif scope.owned(rel):
                outside.append(rel)
        stack.extend(reversed(subfolders))
    return found, outside


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows the link
    except OSError:
        return False


def _selected(rel: str, config: Config) -> bool:
    return (
        rel.endswith(YAML_SUFFIXES)
        and matches(rel, config.paths)
        and not matches(rel, config.exclude)
    )


def _folder_link_is_ours(rel: str, config: Config, scope: FileScope) -> bool:
    """A symlinked folder is ours when it is or sits in a kind folder, or when explicitly
    configured `paths` would select YAML files in it."""
    if matches(f"{rel}/x", config.exclude) or rel.rsplit("/", 1)[-1].startswith("."):
        return False
    if any(part in KIND_FOLDERS for part in rel.split("/")):
        return True
    return scope.explicit_paths and any(
        matches(f"{rel}/x{suffix}", config.paths) or matches(f"{rel}/x/x{suffix}", config.paths)
        for suffix in YAML_SUFFIXES
    )


def outside_link_finding(root: Path, rel: str) -> Finding:
    """PO005 for a symlink that leaves the repository, at line 1 of the link."""
    try:
        target = os.readlink(root / rel)
    except OSError:
        target = "?"
    shown = target if len(target) <= 120 else target[:117] + "..."
    full = root / rel
    where = (
        "a folder outside the repository"
        if full.is_dir()
        else "a file outside the repository"
        if full.exists()
        else "nothing (a dangling link)"
    )
    return Finding(
        "PO005",
        "error",
        f"symlink to {where} (-> {shown}): promptops does not follow it; commit the "
        "document itself, or link to a file inside the repository",
        rel,
        1,
        1,
    )


def read_text(path: str | Path) -> str | None:
    """A file's text (bytes that are not UTF-8 kept as `decode_text` does), None if unreadable.
    A `str` path is read without building a `Path` (loading a repo reads every file)."""
    try:
        with open(path, "rb") as handle:
            return decode_text(handle.read())
    except OSError:
        return None


def is_document_text(text: str) -> bool:
    """Whether a text could hold a promptops document: a cheap superset, the full parse
    decides. A document's `kind:` key and value are spelled verbatim in its text (through
    any YAML style, alias or merge key) unless a double-quoted escape spells them, hence the
    backslash. The loader parses every such file, and the diff's summaries use this same
    test, so both agree on which files are documents."""
    return "\\" in text or ("kind" in text and _KIND_NAME.search(text) is not None)


def near_kind(value: object) -> str | None:
    """The kind a `kind:` value most likely means (`promt`, `Prompt`, `prompts`), if any."""
    text = str(value).strip().lower()
    if text in KINDS:
        return text
    close = difflib.get_close_matches(text, KINDS, n=1, cutoff=0.8)
    return close[0] if close else None


def opted_out(text: str) -> bool:
    """`# promptops: ignore` in the first lines: a file that is not a document is not
    reported (a document stays one: `exclude` it in the reviewed config instead)."""
    head = "\n".join(text.split("\n", IGNORE_LINES)[:IGNORE_LINES])
    return re.search(_IGNORE, head, re.MULTILINE) is not None


def looks_like_a_document(text: str) -> bool:
    """The text says it means to be a promptops document (see the module doc): a `kind:`
    naming one of the kinds anywhere, or a top-level `kind:` that misspells one or comes
    with an `id:` outside a Kubernetes-style manifest. Only such a file (or an owned one)
    is reported when it is broken or not a document."""
    if re.search(_KIND_MENTION, text, re.MULTILINE):
        return True
    if re.search(_API_VERSION, text, re.MULTILINE):
        return False
    for match in re.finditer(_TOP_KIND, text, re.MULTILINE):
        if near_kind(match.group(1)) or re.search(_TOP_ID, text, re.MULTILINE):
            return True
    return False


@dataclass(frozen=True)
class FileScope:
    """Which YAML files are promptops's, and which must be documents whatever they hold.

    `owned` files (named by the user, selected by explicitly configured `paths`, or in a
    folder named after a kind) are all accounted for; other files are parsed when they could
    hold a document (`is_document_text`) or say they mean to be one (`looks_like_a_document`),
    and reported only in the second case."""

    explicit_paths: bool = False
    named: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config: Config | None, named: Iterable[str] = ()) -> FileScope:
        explicit = config is not None and list(config.paths) != list(DEFAULT_PATHS)
        return cls(explicit, frozenset(named))

    def owned(self, rel: str) -> bool:
        return (
            self.explicit_paths
            or rel in self.named
            or any(part in KIND_FOLDERS for part in rel.split("/")[:-1])
        )

    def claims(self, rel: str, text: str) -> bool | None:
        """Whether the file is parsed: True as owned, False for its text, None not at all."""
        if is_document_text(text):
            return self.owned(rel)
        if opted_out(text):
            return None
        if self.owned(rel):
            return True
        return False if looks_like_a_document(text) else None


def _kind_problem(kind: object, data: dict, owned: bool) -> str | None:
    """Why a mapping is not a promptops document, or None when it is (or is not ours)."""
    if kind is None and "kind" not in data:
        return f"missing 'kind': expected one of {', '.join(KINDS)}" if owned else None
    if str(kind) in KINDS:
        return None
    if kind in (None, ""):
        if owned or "id" in data:
            return f"empty 'kind': expected one of {', '.join(KINDS)}"
        return None
    meant = near_kind(kind)
    looks = meant is not None or ("id" in data and "apiVersion" not in data)
    if not (owned or looks):
        return None
    hint = f"did you mean {meant!r}?" if meant else f"expected one of {', '.join(KINDS)}"
    return f"unknown kind {kind!r}: {hint}"


def _not_a_document(rel: str, message: str, line: int = 1, column: int = 1) -> Parsed:
    return [], [Finding("PO005", "error", message, rel, line, column)]


def parse_file(rel: str, text: str, named: bool = False, digest: str | None = None) -> Parsed:
    """Parse and validate one file: its document (none when it is not a promptops document)
    and its load findings (PO001 text and YAML, PO005 not a document, PO002 schema).

    `named` means the file is owned (`FileScope.owned`): whatever it holds is reported.
    Another file is reported only when its text says it means to be a document
    (`looks_like_a_document`); a mapping of it without `kind`, or with a kind unlike ours,
    is someone else's YAML. `# promptops: ignore` silences a file that is not a document."""
    loaded = load_yaml(text)
    report = (named or looks_like_a_document(text)) and not opted_out(text)
    if isinstance(loaded, YamlProblem):
        if not report:
            return [], []
        if loaded.kind in ("empty", "several-documents"):
            message = loaded.message
            if loaded.kind == "empty":
                message = (
                    "the file is empty: a promptops document needs `kind:` and `id:` "
                    "(`# promptops: ignore` at the top opts a file out)"
                )
            return _not_a_document(rel, message, loaded.line, loaded.column)
        message = loaded.message
        if loaded.kind not in ("undecodable", "limit"):
            message = f"invalid YAML: {message}"
        return [], [Finding("PO001", "error", message, rel, loaded.line, loaded.column)]
    data = loaded.data
    if not isinstance(data, dict):
        if not report:
            return [], []
        what = "a list" if isinstance(data, list) else f"a {type(data).__name__} value"
        if data is None:
            what = "no value"
        return _not_a_document(
            rel, f"a document must be a YAML mapping with `kind:` and `id:`, this file holds {what}"
        )
    if str(data.get("kind")) not in KINDS:
        problem = _kind_problem(data.get("kind"), data, named) if report else None
        if problem is None:
            return [], []
        span = loaded.source.key(("kind",)) if "kind" in data else Span(1, 1, 1, 1)
        return _not_a_document(rel, problem, span.line, span.column)
    doc = Document(rel, data, loaded.source, digest or content_hash(text))
    schema_findings = validate_document(doc)
    doc.valid = not schema_findings
    return [doc], schema_findings


def _parse_all(items: list[tuple[str, str, bool, str]]) -> list[Parsed]:
    return [parse_file(*item) for item in items]


def claimed_files(
    files: Iterable[tuple[str, str]], scope: FileScope
) -> list[tuple[str, str, bool, str]]:
    """(path, text, owned, content hash) of the files that are ours (`FileScope.claims`)."""
    items = []
    for rel, text in files:
        owned = scope.claims(rel, text)
        if owned is not None:
            items.append((rel, text, owned, content_hash(text)))
    return items


def parse_documents(
    files: Iterable[tuple[str, str]],
    explicit: set[str] | None = None,
    cache: ParseCache | None = None,
    scope: FileScope | None = None,
    claimed: list[str] | None = None,
) -> tuple[list[Document], list[Finding]]:
    """Parse (path, text) pairs into documents and load findings; files that are not ours
    (see `FileScope`) are skipped, files the user named explicitly are always reported on.
    With a `cache`, unchanged files are served from it; `claimed` collects the paths read."""
    if scope is None:
        scope = FileScope(named=frozenset(explicit or ()))
    elif explicit:
        scope = FileScope(scope.explicit_paths, scope.named | frozenset(explicit))
    items = claimed_files(files, scope)
    if claimed is not None:
        claimed.extend(item[0] for item in items)
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


def resolve_references(workspace: Workspace, prices: ModelCatalog) -> list[Finding]:
    """PO003 for every id that points nowhere: tools, workload charters, eval/release prompts,
    and models the price table does not know."""
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


def _expand_targets(
    config: Config, paths: Iterable[str | Path], walked: tuple[list[str], list[str]]
) -> set[str]:
    targets: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not leaves_repo(config.root, path):
            raise UserError(f"no such file or directory: {raw}")
        if path.is_dir() and not leaves_repo(config.root, path):
            base = relative_path(path, config.root)
            prefix = "" if base in (".", "") else base.rstrip("/") + "/"
            targets.update(p for p in [*walked[0], *walked[1]] if p.startswith(prefix))
        else:
            targets.add(link_relative(path, config.root))
    return targets


def leaves_repo(root: Path, path: Path) -> bool:
    """A path named on the command line that is a symlink in the repository leading out of it
    (a pre-commit hook passes such a file by name): reported, never read."""
    from promptops.repo_paths import leaves_root

    rel = _lexical_relative(path, root)
    return rel is not None and leaves_root(root, rel)


def _lexical_relative(path: Path, root: Path) -> str | None:
    """`path` relative to the root without resolving symlinks, None when not under it."""
    absolute = Path(os.path.abspath(path))
    for base in (root, Path(os.path.realpath(root))):
        try:
            rel = absolute.relative_to(base).as_posix()
        except ValueError:
            continue
        return None if rel in ("", ".") else rel
    return None


def link_relative(path: Path, root: Path) -> str:
    """Like `relative_path`, but a symlink in the repository keeps its own path (resolving it
    would name its target, which may be outside)."""
    rel = _lexical_relative(path, root)
    if rel is not None and leaves_repo(root, path):
        return rel
    return relative_path(path, root)


def load_workspace(
    config: Config,
    paths: Iterable[str | Path] | None = None,
    targets: set[str] | None = None,
    named: bool = True,
    *,
    models: ModelCatalog,
) -> Workspace:
    """Load every document under the config root; `paths` (files or folders, which must exist)
    or `targets` (root-relative paths, as a diff names them) narrows what gets reported.

    Files in `paths` are `named` (reported whatever they hold) unless the caller already
    kept only the files that are ours (`lint --force-exclude`). A file that is not UTF-8 is
    read anyway: its text keeps the bad bytes, and loading reports them as PO001."""
    paths = list(paths or [])
    walked = walk_repo(config)
    if paths:
        targets = _expand_targets(config, paths, walked)
    named_links = {
        link_relative(Path(p), config.root) for p in paths if leaves_repo(config.root, Path(p))
    }
    explicit_files = {
        relative_path(Path(p), config.root)
        for p in paths
        if Path(p).is_file() and not leaves_repo(config.root, Path(p))
    }
    rels, outside = walked
    outside = sorted(set(outside) | named_links)
    rels = list(rels)
    rels.extend(sorted(explicit_files - set(rels)))
    files = []
    root = str(config.root)
    for rel in rels:
        text = read_text(os.path.join(root, rel))
        if text is None:
            if rel in explicit_files:
                raise UserError(f"cannot read {rel}")
            continue
        files.append((rel, text))
    workspace = build_workspace(
        config, files, targets, explicit_files if named else set(), models=models
    )
    if outside:  # symlinks that leave the repository: reported, never read
        workspace.findings.extend(outside_link_finding(config.root, rel) for rel in outside)
        workspace.files.extend(rel for rel in outside if rel not in workspace.files)
    return workspace


def build_workspace(
    config: Config,
    files: Iterable[tuple[str, str]],
    targets: set[str] | None = None,
    explicit: set[str] | None = None,
    *,
    models: ModelCatalog,
) -> Workspace:
    """Parse, validate and cross-reference (path, text) pairs from any source; model ids are
    checked against `models` (the price table).

    Parse results are cached by content hash (see `documents.parse_cache`), so unchanged
    files cost a lookup in every command; PROMPTOPS_NO_CACHE=1 turns that off.
    """
    from promptops.documents.parse_cache import ParseCache

    cache = ParseCache(config, parse_file)
    claimed: list[str] = []
    scope = FileScope.of(config, explicit or ())
    documents, findings = parse_documents(files, None, cache, scope, claimed)
    cache.save()
    workspace = Workspace(
        config=config, documents=documents, targets=targets, files=claimed, models=models
    )
    findings.extend(_duplicate_ids(documents))
    findings.extend(resolve_references(workspace, models))
    workspace.findings = findings
    return workspace
