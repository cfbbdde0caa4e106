"""Walk the commits that changed promptops documents and price each one.

Each commit is priced by the diff engine against the commit before it in the walk (the same
figures `promptops diff PREV COMMIT` prints, caches included); the first commit of the walk is
priced whole (its tokens report), so every later point only reads what its commit changed.
A series holds its last value until a commit changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from promptops.config import Config

if TYPE_CHECKING:
    from promptops.diff.model import DiffReport


@dataclass(frozen=True)
class PromptPoint:
    input_tokens: int | None  # None: removed at this commit, or not priced
    cost_per_call_usd: Decimal | None
    monthly_usd: Decimal | None  # expected scenario
    version: str | None = None


@dataclass(frozen=True)
class WorkloadPoint:
    monthly_usd: Decimal | None  # expected scenario total
    budget_usd: Decimal | None


@dataclass
class Point:
    commit: str
    author: str
    date: str  # ISO 8601, the author date
    subject: str
    prompts: dict[str, PromptPoint] = field(default_factory=dict)
    workloads: dict[str, WorkloadPoint] = field(default_factory=dict)


@dataclass
class History:
    points: list[Point]
    provenance: object | None = None

    def series(self, kind: str) -> dict[str, list[tuple[int, Decimal | int | None]]]:
        """id -> [(point index, value)] of the points that changed it (monthly USD for
        workloads, input tokens for prompts)."""
        out: dict[str, list[tuple[int, Decimal | int | None]]] = {}
        for index, point in enumerate(self.points):
            items = point.workloads if kind == "workloads" else point.prompts
            for name, value in items.items():
                figure = value.monthly_usd if kind == "workloads" else value.input_tokens  # type: ignore[union-attr]
                out.setdefault(name, []).append((index, figure))
        return out


def _from_diff(point: Point, report: DiffReport) -> None:
    for prompt in report.prompts:
        head = prompt.head
        if head is None or prompt.unpriced:
            point.prompts[prompt.id] = PromptPoint(None, None, None)
            continue
        point.prompts[prompt.id] = PromptPoint(
            head.input_tokens,
            head.cost_per_call_usd,
            head.monthly_usd.get("expected"),
            head.version,
        )
    for workload in report.workloads:
        expected = workload.scenario("expected")
        if expected is None:
            continue
        point.workloads[workload.id] = WorkloadPoint(expected.head_usd, expected.budget_usd)


def _whole(point: Point, config: Config, side: object, counter: object) -> None:
    """The first point: every prompt and workload at that commit (the tokens report)."""
    from promptops.diff.run import head_workspace
    from promptops.estimate import estimate_workspace

    workspace = head_workspace(config, side)  # type: ignore[arg-type]
    report = estimate_workspace(workspace, counter)  # type: ignore[arg-type]
    for prompt in report.prompts:
        expected = prompt.scenario("expected")
        point.prompts[prompt.id] = PromptPoint(
            prompt.tokens.total,
            prompt.call.total,
            None if expected is None else expected.monthly_usd,
            prompt.version,
        )
    for workload in report.workloads:
        if workload.unpriced:
            point.workloads[workload.id] = WorkloadPoint(None, None)
            continue
        expected = next(s for s in workload.scenarios if s.name == "expected")
        point.workloads[workload.id] = WorkloadPoint(expected.monthly_usd, expected.budget_usd)


def walk(config: Config, since: str | None = None, until: str = "HEAD") -> History:
    """Price every commit from `since` (a ref: commits after it; or a date) to `until` that
    changed a YAML file under the config's paths, oldest first."""
    from promptops.diff.compute import run_diff
    from promptops.git import GitRepo
    from promptops.tokens.counting import TokenCounter

    repo = GitRepo(config)
    commits = repo.commits(until, since)
    counter = TokenCounter(config)
    points: list[Point] = []
    try:
        # After a ref, the first commit is priced against it; otherwise the first is whole.
        previous = repo.git.commit(since) if since is not None else None
        for info in commits:
            point = Point(info.sha, info.author, info.date, info.subject)
            head = repo.side(info.sha, info.sha[:12])
            if previous is None:
                _whole(point, config, head, counter)
            else:
                base = repo.side(previous, previous[:12])
                report, _ = run_diff(config, base, head, repo.changes(base, head), counter)
                _from_diff(point, report)
            points.append(point)
            previous = info.sha
    finally:
        counter.close()
    return History(points)
