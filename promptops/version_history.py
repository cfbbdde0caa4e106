"""Every content each version of a prompt or tool has had, in git history and the working tree.

A version names one content: costs, eval baselines, canary releases and bundles are keyed by
it, so "1.0.0" must mean the same request wherever it appears. Two things break that: a
release naming a version that never existed, and a version reused with other content (an
unbumped commit that was blocked, fixed by a later bump, and merged without squashing still
carries the old version with the new content). `lint` (PO310), `check` (PO311) and `bundle`
all ask this module, so they agree on what exists and what is ambiguous.

Content is the document without the fields that change neither what the model sees nor what
it costs — the same fields PO307 ignores (`diff.compute.METADATA_FIELDS`). History is the
document's file followed back across renames (`GitRepo.history`), filtered by kind and id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from promptops.config import Config
from promptops.git import FileVersion, GitRepo

# Keep in step with `diff.compute.METADATA_FIELDS` (a test holds them equal).
METADATA_FIELDS = {"prompt": ("version", "description", "labels"), "tool": ("version", "labels")}
VERSIONED_KINDS = ("prompt", "tool")


def parse_yaml(text: str) -> Any:
    """A document's values (libyaml when present); None for text that is not YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def content_digest(data: Mapping[str, Any]) -> str:
    """sha256 of the document's content: key order, comments, formatting and metadata aside."""
    skip = METADATA_FIELDS.get(str(data.get("kind")), ("version",))
    content = {str(k): v for k, v in data.items() if k not in skip}
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_text(value: Any) -> str:
    """Versions are strings; an unquoted YAML number (`2`, `1.5`) is read as its text."""
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Sighting:
    """One place a version of a document was seen: a commit, or the working tree."""

    version: str
    digest: str
    commit: str | None  # None: the working tree
    path: str
    data: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def where(self) -> str:
        place = f"commit {self.commit[:12]}" if self.commit else "the working tree"
        return f"{place} ({self.path})"


@dataclass(frozen=True)
class Ledger:
    """The sightings of one document (kind and id), newest first."""

    kind: str
    id: str
    sightings: tuple[Sighting, ...]

    def contents(self, version: str) -> dict[str, list[Sighting]]:
        """Content digest -> where `version` had it, newest first (the first key is newest)."""
        found: dict[str, list[Sighting]] = {}
        for sighting in self.sightings:
            if sighting.version == version:
                found.setdefault(sighting.digest, []).append(sighting)
        return found

    def versions(self) -> list[str]:
        return list(dict.fromkeys(s.version for s in self.sightings))


def sighting_of(
    kind: str, doc_id: str, text: str, commit: str | None, path: str
) -> Sighting | None:
    """The sighting of `kind`/`doc_id` a file's text holds, None when it holds another."""
    data = parse_yaml(text)
    if not isinstance(data, dict) or data.get("kind") != kind or str(data.get("id")) != doc_id:
        return None
    if data.get("version") is None:
        return None
    return Sighting(version_text(data["version"]), content_digest(data), commit, path, data)


def ledger(
    repo: GitRepo | None,
    kind: str,
    doc_id: str,
    paths: Iterable[str],
    revs: list[str],
    working: Mapping[str, str] | None = None,
    exclude: list[str] | tuple[str, ...] = (),
) -> Ledger:
    """Every version `kind`/`doc_id` had in the files `paths` (followed across renames) at
    the commits reachable from `revs`, plus `working` (path -> text of the working tree)."""
    sightings = [
        s
        for path, text in (working or {}).items()
        if (s := sighting_of(kind, doc_id, text, None, path)) is not None
    ]
    if repo is not None and revs:
        versions = repo.history(revs, sorted(set(paths)), exclude)
        sightings += sightings_in(repo, versions, kind, doc_id)
    return Ledger(kind, doc_id, tuple(sightings))


def ledgers(
    repo: GitRepo | None,
    kind: str,
    paths_by_id: Mapping[str, str],
    revs: list[str],
    working: Mapping[str, str] | None = None,
) -> dict[str, Ledger]:
    """`ledger` for many documents of one kind at once (id -> its file): one history walk
    and one blob batch for all of them."""
    found: dict[str, list[Sighting]] = {doc_id: [] for doc_id in paths_by_id}
    for doc_id, path in paths_by_id.items():
        text = (working or {}).get(path)
        sighting = sighting_of(kind, doc_id, text, None, path) if text is not None else None
        if sighting is not None:
            found[doc_id].append(sighting)
    if repo is not None and revs and paths_by_id:
        versions = repo.history(revs, sorted(set(paths_by_id.values())))
        for sighting in sightings_in(repo, versions, kind):
            doc_id = str(sighting.data.get("id"))
            if doc_id in found:
                found[doc_id].append(sighting)
    return {doc_id: Ledger(kind, doc_id, tuple(s)) for doc_id, s in found.items()}


def sightings_in(
    repo: GitRepo, versions: list[FileVersion], kind: str | None = None, doc_id: str | None = None
) -> list[Sighting]:
    """Sightings of the versioned documents in these file versions (one `cat-file` batch);
    only `kind`/`doc_id` when given."""
    texts = repo.read_blobs([v.blob for v in versions])
    parsed: dict[str, Any] = {}
    found = []
    for version in versions:
        if version.blob not in texts:
            continue
        if version.blob not in parsed:
            parsed[version.blob] = parse_yaml(texts[version.blob])
        data = parsed[version.blob]
        if not isinstance(data, dict) or data.get("version") is None:
            continue
        if str(data.get("kind")) not in VERSIONED_KINDS or not data.get("id"):
            continue
        if (kind is not None and data.get("kind") != kind) or (
            doc_id is not None and str(data.get("id")) != doc_id
        ):
            continue
        found.append(
            Sighting(
                version_text(data["version"]),
                content_digest(data),
                version.commit,
                version.path,
                data,
            )
        )
    return found


def open_repo(config: Config) -> GitRepo | None:
    """The git repository around the config root with at least one commit, else None (a
    folder outside git has only its working tree)."""
    from promptops.errors import UserError

    try:
        repo = GitRepo(config)
        return repo if repo.has_commits() else None
    except UserError:  # not a repository, or no git to read it with
        return None


def describe(contents: Mapping[str, list[Sighting]]) -> str:
    """Where each content is, e.g. `commit 1a2b… (path) and the working tree (path)`: its
    newest commit when it has one (a commit is what a bundle reads), else the working tree."""
    places = [
        next((s for s in sightings if s.commit), sightings[0]).where
        for sightings in contents.values()
    ]
    return ", ".join(places[:-1]) + f" and {places[-1]}" if len(places) > 1 else places[0]
