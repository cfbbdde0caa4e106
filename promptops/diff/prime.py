"""Fill the diff's caches for one commit, so every later diff against it reads only the change.

A diff against a base is fast when two caches already know the base: the document index
(`index.DocIndex`, a summary per blob id) and the figure cache (`figure_cache`, each workload
member's priced figures keyed by its blob ids). A diff fills them only for what it touches, so
the first diff of a pull request whose workloads no earlier diff touched pays for reading and
pricing those workloads' other prompts. `promptops cache warm` fills both for every document of
a commit, once, off the pull request's critical path: in CI after each push to the default
branch, saved with actions/cache and restored by the pull requests based on it.

Both caches are keyed by content (blob ids, the pricing fingerprint), never by commit, so a
cache warmed at an older commit of the default branch still serves every document that has not
changed since; nothing stale can be served.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptops.config import Config
from promptops.diff.figure_cache import FigureCache
from promptops.diff.index import DocIndex, TreeView
from promptops.diff.loading import LoadedSides, SideDocs, summarize_blobs
from promptops.errors import UserError
from promptops.git import GitRepo
from promptops.pricing.table import PriceTable
from promptops.tokens.cache import cache_dir_of
from promptops.tokens.counting import TokenCounter


@dataclass(frozen=True)
class PrimeResult:
    """What `prime` found and did, for the command's summary line."""

    ref: str
    sha: str
    documents: int  # selected YAML files at the commit
    summarized: int  # of them, summaries that were not in the index yet
    workloads: int
    members: int  # prompts that belong to a workload (the ones a diff may need figures of)
    priced: int  # of them, figures that were not cached yet
    notes: tuple[str, ...]


def prime(config: Config, ref: str) -> PrimeResult:
    """Summarize every document at `ref` and price every prompt that belongs to a workload,
    against that commit's tools and charters, exactly as a diff with this base would."""
    from promptops.diff.compute import MemberFigures

    repo = GitRepo(config)
    if not repo.has_commits():
        raise UserError("this repository has no commits yet: commit, then warm the cache")
    side = repo.side(ref)
    sha = str(side.sha)
    cache_dir = cache_dir_of(config)
    index = DocIndex(cache_dir)
    blobs = {p: b for p, b in repo.blob_ids(sha).items() if repo.selected(p)}
    live = set(blobs.values())
    summaries = {b: s for b in live if (s := index.get(b)) is not None}
    texts = summarize_blobs(repo, index, sorted(live - set(summaries)), summaries)
    index.save(live)

    tree = TreeView(blobs, summaries)
    docs = SideDocs(side, tree)
    members = tree.prompts_in_any_workload()
    docs.members = sorted(path for path, _ in members)
    workloads = {str(summary.workload) for _, summary in members}
    loaded = LoadedSides(docs, docs, [], workloads, set(), set())
    loaded.parser.remember(docs, {p: texts[b] for p, b in blobs.items() if b in texts})

    counter = TokenCounter(config)
    table = PriceTable.from_config(config)
    notes: list[str] = []
    cache = FigureCache(cache_dir)
    try:
        MemberFigures(config, loaded, counter, table, notes, cache).figures(docs, docs)
    finally:
        counter.close()
    return PrimeResult(
        ref=ref,
        sha=sha,
        documents=len(blobs),
        summarized=len(texts),
        workloads=len(loaded.workloads),
        members=len(docs.members),
        priced=cache.misses,
        notes=tuple(dict.fromkeys(notes)),
    )
