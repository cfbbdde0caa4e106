"""Eval results: frozen values, JSON round-trip, and the merge of shards.

Money is Decimal, serialised as a decimal string. A cached answer keeps its cost (what the
call costs, used by the cost gate) and is flagged `cached`; `spent_*` figures count only the
calls made by this run. Derived figures (pass rate, cost per case) are properties, so a merged
or reloaded result computes them the same way.

A call on a model nobody priced (a local model without `prices:`) has no cost: None, `null` in
JSON, "not priced" in text. Any sum that includes such a call is None too, never a $0 that a
cost gate would pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from promptops.evals.providers.base import Usage

SCHEMA_VERSION = 1
ZERO = Decimal(0)


def money(value: Decimal) -> str:
    return format(value, "f")


def opt_money(value: Decimal | None) -> str | None:
    """A cost as JSON: a decimal string, or null when it is not priced."""
    return None if value is None else money(value)


def shown_money(value: Decimal | None) -> str:
    """A cost for people: `$0.0012`, or `not priced`."""
    return "not priced" if value is None else f"${money(value)}"


def priced_sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of costs, or None when any of them is not priced."""
    total = ZERO
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _opt_decimal(value: Any) -> Decimal | None:
    """A cost read back from JSON: null is not priced."""
    if value is None:
        return None
    return Decimal(str(value))


@dataclass(frozen=True)
class AssertionOutcome:
    type: str
    passed: bool
    message: str = ""
    score: float | None = None
    grading_usage: Usage | None = None
    grading_cost_usd: Decimal | None = ZERO  # None: the grader's model is not priced
    grading_cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "passed": self.passed, "message": self.message}
        if self.score is not None:
            data["score"] = self.score
        if self.grading_usage is not None:
            data["grading_usage"] = self.grading_usage.to_dict()
            data["grading_cost_usd"] = opt_money(self.grading_cost_usd)
            data["grading_cached"] = self.grading_cached
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssertionOutcome:
        usage = data.get("grading_usage")
        return cls(
            type=data["type"],
            passed=bool(data["passed"]),
            message=data.get("message", ""),
            score=data.get("score"),
            grading_usage=Usage.from_dict(usage) if usage is not None else None,
            grading_cost_usd=_opt_decimal(data.get("grading_cost_usd", "0")),
            grading_cached=bool(data.get("grading_cached", False)),
        )


@dataclass(frozen=True)
class Attempt:
    """One call of the model for one case (a case has `repeat` attempts)."""

    index: int
    passed: bool
    output: str
    usage: Usage
    cost_usd: Decimal | None  # None: the model is not priced
    latency_ms: float | None
    cached: bool = False
    error: str | None = None
    assertions: tuple[AssertionOutcome, ...] = ()

    @property
    def grading_cost_usd(self) -> Decimal | None:
        return priced_sum(a.grading_cost_usd for a in self.assertions)

    @property
    def spent_grading_usd(self) -> Decimal | None:
        return priced_sum(a.grading_cost_usd for a in self.assertions if not a.grading_cached)

    @property
    def grading_usage(self) -> Usage:
        return sum((a.grading_usage for a in self.assertions if a.grading_usage), Usage())

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "passed": self.passed,
            "output": self.output,
            "usage": self.usage.to_dict(),
            "cost_usd": opt_money(self.cost_usd),
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 3),
            "cached": self.cached,
            "error": self.error,
            "assertions": [a.to_dict() for a in self.assertions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attempt:
        return cls(
            index=int(data["index"]),
            passed=bool(data["passed"]),
            output=data.get("output", ""),
            usage=Usage.from_dict(data.get("usage", {})),
            cost_usd=_opt_decimal(data.get("cost_usd", "0")),
            latency_ms=data.get("latency_ms"),
            cached=bool(data.get("cached", False)),
            error=data.get("error"),
            assertions=tuple(AssertionOutcome.from_dict(a) for a in data.get("assertions", [])),
        )


@dataclass(frozen=True)
class CaseResult:
    """A case passes when at least `required_passes` of its attempts pass (k of n)."""

    case_id: str
    attempts: tuple[Attempt, ...]
    required_passes: int

    @property
    def passes(self) -> int:
        return sum(1 for a in self.attempts if a.passed)

    @property
    def passed(self) -> bool:
        return self.passes >= self.required_passes

    @property
    def errored(self) -> bool:
        return any(a.error for a in self.attempts)

    @property
    def cost_usd(self) -> Decimal | None:
        """Mean generation cost of one call of this case (None: not priced)."""
        total = priced_sum(a.cost_usd for a in self.attempts)
        return None if total is None else total / max(len(self.attempts), 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "passed": self.passed,
            "passes": self.passes,
            "required_passes": self.required_passes,
            "attempts": [a.to_dict() for a in self.attempts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        return cls(
            case_id=str(data["id"]),
            attempts=tuple(Attempt.from_dict(a) for a in data["attempts"]),
            required_passes=int(data["required_passes"]),
        )


@dataclass(frozen=True)
class SuiteResult:
    """One suite run once (on the head or on the base), possibly one shard of it."""

    suite_id: str
    prompt_id: str
    target: str
    provider: str
    model: str
    cases: tuple[CaseResult, ...]
    repeat: int = 1
    repeat_source: str = "default"  # "flag" (--repeat), "suite" (its `repeat:`) or "default"
    ref: str | None = None
    shards: tuple[int, ...] = ()  # which shards (1-based) these cases come from
    shard_count: int = 1
    batch: bool = False
    wall_time_s: float = 0.0

    @property
    def attempts(self) -> list[Attempt]:
        return [a for case in self.cases for a in case.attempts]

    @property
    def passed_cases(self) -> int:
        return sum(1 for c in self.cases if c.passed)

    @property
    def pass_rate(self) -> float:
        return self.passed_cases / len(self.cases) if self.cases else 1.0

    @property
    def usage(self) -> Usage:
        return sum((a.usage for a in self.attempts), Usage())

    @property
    def unpriced_calls(self) -> int:
        """Calls whose model has no price: their cost, and every total, is not priced."""
        return sum(1 for a in self.attempts if a.cost_usd is None)

    @property
    def generation_cost_usd(self) -> Decimal | None:
        return priced_sum(a.cost_usd for a in self.attempts)

    @property
    def spent_generation_usd(self) -> Decimal | None:
        return priced_sum(a.cost_usd for a in self.attempts if not a.cached)

    @property
    def grading_cost_usd(self) -> Decimal | None:
        return priced_sum(a.grading_cost_usd for a in self.attempts)

    @property
    def spent_grading_usd(self) -> Decimal | None:
        return priced_sum(a.spent_grading_usd for a in self.attempts)

    @property
    def grading_usage(self) -> Usage:
        return sum((a.grading_usage for a in self.attempts), Usage())

    @property
    def cost_per_case_usd(self) -> Decimal | None:
        """Mean generation cost of one call (grading excluded); None when not priced."""
        attempts = self.attempts
        total = self.generation_cost_usd
        if total is None:
            return None
        return total / len(attempts) if attempts else ZERO

    @property
    def cached_calls(self) -> int:
        return sum(1 for a in self.attempts if a.cached)

    def summary(self) -> dict[str, Any]:
        attempts = max(len(self.attempts), 1)
        usage = self.usage
        return {
            "cases": len(self.cases),
            "passed": self.passed_cases,
            "failed": len(self.cases) - self.passed_cases,
            "errored": sum(1 for c in self.cases if c.errored),
            "pass_rate": round(self.pass_rate, 6),
            "calls": len(self.attempts),
            "cached_calls": self.cached_calls,
            "usage": usage.to_dict(),
            "input_tokens_per_case": round(usage.total_input_tokens / attempts, 3),
            "output_tokens_per_case": round(usage.output_tokens / attempts, 3),
            "generation_cost_usd": opt_money(self.generation_cost_usd),
            "cost_per_case_usd": opt_money(self.cost_per_case_usd),
            "spent_generation_usd": opt_money(self.spent_generation_usd),
            "grading_cost_usd": opt_money(self.grading_cost_usd),
            "spent_grading_usd": opt_money(self.spent_grading_usd),
            "grading_usage": self.grading_usage.to_dict(),
            "wall_time_s": round(self.wall_time_s, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite_id,
            "prompt": self.prompt_id,
            "target": self.target,
            "provider": self.provider,
            "model": self.model,
            "ref": self.ref,
            "repeat": self.repeat,
            "repeat_source": self.repeat_source,
            "batch": self.batch,
            "shards": list(self.shards),
            "shard_count": self.shard_count,
            "summary": self.summary(),
            "cases": [c.to_dict() for c in self.cases],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteResult:
        return cls(
            suite_id=data["suite"],
            prompt_id=data.get("prompt", ""),
            target=data.get("target", ""),
            provider=data.get("provider", ""),
            model=data.get("model", ""),
            cases=tuple(CaseResult.from_dict(c) for c in data["cases"]),
            repeat=int(data.get("repeat", 1)),
            repeat_source=str(data.get("repeat_source", "default")),
            ref=data.get("ref"),
            shards=tuple(data.get("shards", ())),
            shard_count=int(data.get("shard_count", 1)),
            batch=bool(data.get("batch", False)),
            wall_time_s=float((data.get("summary") or {}).get("wall_time_s", 0.0)),
        )


@dataclass(frozen=True)
class GateSpec:
    """A suite's `gate:` (unset limits are not checked)."""

    min_pass_rate: float | None = None
    max_regressions: int | None = None
    max_cost_per_case_usd: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_pass_rate": self.min_pass_rate,
            "max_regressions": self.max_regressions,
            "max_cost_per_case_usd": None
            if self.max_cost_per_case_usd is None
            else money(self.max_cost_per_case_usd),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> GateSpec:
        data = data or {}
        cost = data.get("max_cost_per_case_usd")
        regressions = data.get("max_regressions")
        rate = data.get("min_pass_rate")
        return cls(
            min_pass_rate=None if rate is None else float(rate),
            max_regressions=None if regressions is None else int(regressions),
            max_cost_per_case_usd=None if cost is None else Decimal(str(cost)),
        )
