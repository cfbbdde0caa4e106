"""Prompts of one commit found by id and counted as the diff counts a side, without a diff.

`check`'s creep warning needs each touched prompt's input tokens as it stood `creep_days` ago.
A second diff (that commit → head) would load and price every prompt changed since then and
every member of their workloads, only to read a few numbers. A prompt's input tokens depend on
the prompt and the tools it names, nothing else (the charter sets traffic, never the layout),
so this reads just those: the prompt found by id wherever its file was then (a rename moves
the file, not the id), then its tools.

Nothing here is a parallel computation: files are found as the diff finds them (`TreeView` over
the commit's `ls-tree`, summaries from the diff's `DocIndex`, a `TreeSearch` for the ids when
some blobs were never summarized), parsed by the diff's `Parser` (full schema checks, as the diff
parses a changed file), priced by `pricing.price_prompt` with the same price table and token
counter (lock, calibration, token cache), and read through the diff's own `PromptSide`, so the
count is `PromptSide.input_tokens` of the row a diff from that commit would show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from promptops.config import Config
from promptops.diff.compute import prompt_side
from promptops.diff.index import DocIndex, TreeView
from promptops.diff.loading import Parser, SideDocs, TreeSearch, workspace_of
from promptops.diff.pricing import price_prompt
from promptops.documents.workspace import FileScope
from promptops.errors import UnknownModelError, UserError
from promptops.git import GitSide
from promptops.pricing.table import PriceTable
from promptops.tokens.cache import cache_dir_of
from promptops.tokens.counting import TokenCounter


@dataclass(frozen=True)
class SideInputs:
    """Input tokens of prompts on one commit by id, and what finding them cost."""

    tokens: dict[str, int]  # prompt id -> input tokens (ids absent, invalid or unpriced: left out)
    paths: dict[str, str]  # prompt id -> its file on that commit
    summarized: int  # files read only to learn their kind and id (a cold index's search hits)
    read: tuple[str, ...]  # files parsed: the prompts and the tools they name
    priced: tuple[str, ...]  # prompt files rendered and tokenized


def input_tokens_by_id(
    config: Config,
    side: GitSide,
    ids: Iterable[str],
    counter: TokenCounter,
    table: PriceTable | None = None,
    keep: Iterable[str] = (),
) -> SideInputs:
    """Each prompt of `ids` on the commit `side` (first by path when an id is shared, as a
    workspace resolves it), priced alone with its tools. `keep` names blob ids the caller's
    own diff uses, so saving the index never drops their summaries."""
    if side.sha is None:
        raise ValueError("input_tokens_by_id reads a commit, not the working tree")
    wanted = set(ids)
    repo, sha = side.repo, side.sha
    blobs = {p: b for p, b in repo.blob_ids(sha).items() if repo.selected(p)}
    index = DocIndex(cache_dir_of(config))
    summaries = {b: s for b in set(blobs.values()) if (s := index.get(b)) is not None}
    known = len(summaries)
    search = None
    if len(summaries) < len(set(blobs.values())):  # some never summarized: search, never scan
        search = TreeSearch(repo, sha, (blobs, blobs), summaries, index)
    tree = TreeView(blobs, summaries, search)
    tree.need(wanted)  # one search for all the ids
    paths = {i: p for i in sorted(wanted) if (p := tree.first("prompt", i)) is not None}
    docs = SideDocs(side, tree)
    parser = Parser(FileScope.of(config))
    parser.load(docs, sorted(set(paths.values())))
    prompts = {
        i: doc
        for i, path in paths.items()
        if (doc := docs.docs.get(path)) is not None and doc.kind == "prompt" and doc.valid
    }
    tool_ids = sorted({str(t) for doc in prompts.values() for t in doc.data.get("tools") or []})
    tool_paths = [p for t in tool_ids if (p := tree.first("tool", t)) is not None]
    parser.load(docs, tool_paths)
    tools = [d for p in tool_paths if (d := docs.docs.get(p)) is not None]

    table = table or PriceTable.from_config(config)
    tokens, priced_paths = {}, []
    for doc_id, doc in prompts.items():
        workspace = workspace_of(config, [doc, *tools])
        try:
            priced = price_prompt(workspace, doc, counter, table)
        except (UnknownModelError, UserError):  # the diff's side would be unpriced too
            continue
        tokens[doc_id] = prompt_side(priced, doc).input_tokens
        priced_paths.append(doc.path)
    index.save({*blobs.values(), *keep})
    return SideInputs(
        tokens=tokens,
        paths=paths,
        summarized=len(summaries) - known,
        read=tuple(sorted(docs.tried)),
        priced=tuple(sorted(set(priced_paths))),
    )
