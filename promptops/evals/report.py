"""One `promptops eval` run as a whole: each suite's head and base runs with their gate, the
comparison and gate outcomes derived from them, and the merge of shard files.

Above `results` (the per-case records), `comparison` and `gates`, which it combines, so none
of those needs to import back up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from promptops.errors import UserError
from promptops.evals.comparison import compare
from promptops.evals.gates import evaluate_gates
from promptops.evals.results import SCHEMA_VERSION, CaseResult, GateSpec, SuiteResult


@dataclass(frozen=True)
class SuiteEval:
    """One suite's head run, its base run (when there is a base), and its gate."""

    suite_id: str
    path: str | None
    gate: GateSpec
    head: SuiteResult
    base: SuiteResult | None = None

    def to_dict(self, with_derived: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "suite": self.suite_id,
            "path": self.path,
            "gate": self.gate.to_dict(),
            "head": self.head.to_dict(),
            "base": self.base.to_dict() if self.base else None,
        }
        if with_derived:
            comparison = compare(self.base, self.head)
            data["comparison"] = comparison.to_dict()
            data["gates"] = [o.to_dict() for o in evaluate_gates(self.gate, self.head, comparison)]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteEval:
        return cls(
            suite_id=data["suite"],
            path=data.get("path"),
            gate=GateSpec.from_dict(data.get("gate")),
            head=SuiteResult.from_dict(data["head"]),
            base=SuiteResult.from_dict(data["base"]) if data.get("base") else None,
        )


@dataclass(frozen=True)
class EvalReport:
    """Everything one `promptops eval` run produced; the JSON file is this, serialised."""

    suites: tuple[SuiteEval, ...]
    shard: str | None = None  # "i/n" when this file holds one shard
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "eval-results",
            "shard": self.shard,
            "suites": [s.to_dict(with_derived=self.shard is None) for s in self.suites],
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "<results>") -> EvalReport:
        if not isinstance(data, dict) or data.get("kind") != "eval-results":
            raise UserError("not a promptops eval results file", path=source)
        if data.get("schema_version") != SCHEMA_VERSION:
            raise UserError(
                f"unsupported eval results schema_version {data.get('schema_version')!r}",
                path=source,
            )
        try:
            suites = tuple(SuiteEval.from_dict(s) for s in data["suites"])
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise UserError(f"malformed eval results: {exc!r}", path=source) from exc
        return cls(suites=suites, shard=data.get("shard"))


def _merge_runs(runs: list[SuiteResult], suite_id: str) -> SuiteResult:
    counts = {r.shard_count for r in runs}
    if len(counts) != 1:
        raise UserError(f"suite {suite_id!r}: shards disagree on the shard count {sorted(counts)}")
    shards = sorted(s for r in runs for s in r.shards)
    if len(set(shards)) != len(shards):
        raise UserError(f"suite {suite_id!r}: shard given twice ({shards})")
    seen: set[str] = set()
    cases: list[CaseResult] = []
    for run in runs:
        for case in run.cases:
            if case.case_id in seen:
                raise UserError(f"suite {suite_id!r}: case {case.case_id!r} appears in two shards")
            seen.add(case.case_id)
            cases.append(case)
    return replace(
        runs[0],
        cases=tuple(cases),
        shards=tuple(shards),
        wall_time_s=max(r.wall_time_s for r in runs),
    )


def merge_reports(reports: list[EvalReport]) -> EvalReport:
    """Merge shard files into one report; every shard 1..n must be present exactly once."""
    if not reports:
        raise UserError("no results files to merge")
    by_suite: dict[str, list[SuiteEval]] = {}
    for report in reports:
        for suite in report.suites:
            by_suite.setdefault(suite.suite_id, []).append(suite)
    merged: list[SuiteEval] = []
    for suite_id, parts in by_suite.items():
        head = _merge_runs([p.head for p in parts], suite_id)
        if sorted(head.shards) != list(range(1, head.shard_count + 1)):
            missing = sorted(set(range(1, head.shard_count + 1)) - set(head.shards))
            raise UserError(f"suite {suite_id!r}: missing shard(s) {missing} of {head.shard_count}")
        bases = [p.base for p in parts if p.base is not None]
        if bases and len(bases) != len(parts):
            raise UserError(f"suite {suite_id!r}: some shards ran the base ref and some did not")
        base = _merge_runs(bases, suite_id) if bases else None
        merged.append(replace(parts[0], head=head, base=base))
    return EvalReport(suites=tuple(merged))
