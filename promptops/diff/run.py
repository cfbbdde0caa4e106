"""Glue for the commands: resolve the sides, compute the diff, load the head for lint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptops.config import Config
from promptops.diff.loading import LoadedSides
from promptops.diff.model import DiffReport
from promptops.documents.workspace import Workspace
from promptops.git import GitRepo, GitSide, open_sides
from promptops.pricing.table import PriceTable
from promptops.tokens.counting import TokenCounter

if TYPE_CHECKING:
    from promptops.diff.one_side import SideInputs


@dataclass
class DiffRun:
    report: DiffReport
    loaded: LoadedSides
    repo: GitRepo
    base: GitSide
    head: GitSide
    creep: SideInputs | None = None  # what check's creep warning read on the older commit


def diff_refs(config: Config, base: str | None, head: str | None) -> DiffRun:
    """Diff BASE (default: merge-base with the default branch) against HEAD (default: the
    working tree), priced with the head's config for both sides."""
    from promptops.diff.compute import run_diff

    repo, base_side, head_side = open_sides(config, base, head)
    changes = repo.changes(base_side, head_side)
    counter = TokenCounter(config)
    try:
        report, loaded = run_diff(config, base_side, head_side, changes, counter)
    finally:
        counter.close()
    return DiffRun(report, loaded, repo, base_side, head_side)


def head_workspace(config: Config, head: GitSide, targets: set[str] | None = None) -> Workspace:
    """Every document on the head side (the working tree, or a commit's blobs); `targets`
    narrows what lint reports (every document is still loaded for references)."""
    from promptops.documents.workspace import build_workspace, load_workspace

    if head.is_working_tree:
        return load_workspace(config, targets=targets, models=PriceTable.from_config(config))
    files = head.read_many(head.list_files())
    return build_workspace(
        config, sorted(files.items()), targets, models=PriceTable.from_config(config)
    )
