"""The shapes shared by every assertion family.

A family module exposes `BUILDERS: dict[type, build]`; `build(spec, where)` validates the
assertion once, before any model call (a bad regex or a missing python function is a user
error, exit 2), and returns a `Check`: a function of one observed answer to a `Verdict`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from promptops.errors import UserError
from promptops.evals.providers.base import Usage


@dataclass(frozen=True)
class Observation:
    """One model answer as the assertions see it."""

    text: str
    usage: Usage
    cost_usd: Decimal | None  # None: the model is not priced
    latency_ms: float | None
    case_id: str
    vars: dict[str, Any] = field(default_factory=dict)
    tool_calls: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Verdict:
    """A check's answer. Grading spend (rubric) is carried apart from generation spend.

    `evaluable` False: the check could not look (e.g. max-cost on a model with no price), so
    it fails negated or not."""

    passed: bool
    message: str = ""
    score: float | None = None
    grading_usage: Usage | None = None
    grading_cost_usd: Decimal | None = Decimal(0)
    grading_cached: bool = False
    evaluable: bool = True


class Grader(Protocol):
    """Grades an answer against a rubric with a model (see `assertions/rubric.py`)."""

    def grade(self, rubric: str, observation: Observation, model: str | None) -> Verdict: ...


@dataclass(frozen=True)
class CheckContext:
    """What a check may use besides the answer: the configured grader, if any."""

    grader: Grader | None = None


Check = Callable[[Observation, CheckContext], Verdict]


@dataclass(frozen=True)
class Where:
    """Where an assertion was written, for error messages, and the directory user code
    (`python` assertions) is imported from."""

    path: str | None = None
    line: int | None = None
    base_dir: Path = field(default_factory=Path.cwd)

    def error(self, message: str) -> UserError:
        return UserError(message, path=self.path, line=self.line)


class Builder(Protocol):
    def __call__(self, spec: dict[str, Any], where: Where) -> Check: ...


def require_value(spec: dict[str, Any], where: Where, kind: type | tuple[type, ...]) -> Any:
    value = spec.get("value")
    if value is None or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise where.error(f"assertion {spec.get('type')!r} needs a `value` ({names})")
    return value
