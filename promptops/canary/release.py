"""The `kind: release` document and the charter limits a canary analysis needs, as values.

Contract fields (DESIGN.md): `id`, `prompt`, `stable`, `canary: {version, steps: [{weight,
min_calls, min_minutes}], step}`, `analysis: {max_cost_per_call_increase_pct, min_success_rate,
max_error_rate, max_p95_latency_increase_pct}`. Optional extensions: `salt` (re-randomises the
cohorts; default the release id), `analysis.confidence` (default 0.95),
`analysis.early_confidence` (stricter level for a rollback before the step's minimums are met;
default 0.99), `analysis.max_success_rate_drop_pts` and `analysis.max_error_rate_increase_pts`
(tolerated worsening against stable, in percentage points; default 1),
`analysis.cache_write_ttl` (`5m`|`1h`, how cache creation tokens are priced).

States: *active* (a canary version different from stable with a non-zero step weight),
*rolled_back* (the current step's weight set to 0 by `canary rollback`), *complete* (the canary
version is the stable one, after the final `canary promote`), *none* (no canary).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from promptops.errors import UserError

STATE_ACTIVE = "active"
STATE_ROLLED_BACK = "rolled_back"
STATE_COMPLETE = "complete"
STATE_NONE = "none"

DEFAULT_RUNAWAY_MULTIPLIER = 15.0


@dataclass(frozen=True)
class Step:
    weight: float
    min_calls: int = 0
    min_minutes: float = 0.0


@dataclass(frozen=True)
class Release:
    id: str
    prompt: str
    stable: str
    canary_version: str | None = None
    steps: tuple[Step, ...] = ()
    step: int = 0
    analysis: Mapping[str, Any] = field(default_factory=dict)
    salt: str = ""
    path: str | None = None

    @property
    def current_step(self) -> Step | None:
        return self.steps[self.step] if self.steps and 0 <= self.step < len(self.steps) else None

    @property
    def state(self) -> str:
        if self.canary_version is None or not self.steps:
            return STATE_NONE
        if self.canary_version == self.stable:
            return STATE_COMPLETE
        step = self.current_step
        if step is None or step.weight == 0:
            return STATE_ROLLED_BACK
        return STATE_ACTIVE

    @property
    def weight(self) -> float:
        """The canary's current traffic share in percent (0 unless active)."""
        step = self.current_step
        return step.weight if self.state == STATE_ACTIVE and step else 0.0

    @property
    def is_last_step(self) -> bool:
        return self.step >= len(self.steps) - 1


def parse_release(data: Any, path: str | None = None) -> Release:
    """Validate a release document's values; raises UserError naming the bad field."""
    if not isinstance(data, Mapping):
        raise UserError("a release document must be a mapping", path=path)
    if data.get("kind", "release") != "release":
        raise UserError(f"expected kind: release, found kind: {data.get('kind')}", path=path)
    for required in ("id", "prompt", "stable"):
        if data.get(required) in (None, ""):
            raise UserError(f"release needs `{required}`", path=path)
    canary = data.get("canary") or {}
    if not isinstance(canary, Mapping):
        raise UserError("`canary` must be a mapping {version, steps, step}", path=path)
    steps = tuple(_parse_step(raw, i, path) for i, raw in enumerate(canary.get("steps") or []))
    step = canary.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise UserError("`canary.step` must be a non-negative integer", path=path)
    if steps and step >= len(steps):
        raise UserError(f"`canary.step` is {step} but there are {len(steps)} steps", path=path)
    version = canary.get("version")
    if version is not None and not steps:
        raise UserError(
            "`canary.steps` needs at least one {weight, min_calls, min_minutes}", path=path
        )
    analysis = data.get("analysis") or {}
    if not isinstance(analysis, Mapping):
        raise UserError("`analysis` must be a mapping of thresholds", path=path)
    return Release(
        id=str(data["id"]),
        prompt=str(data["prompt"]),
        stable=version_text(data["stable"]),
        canary_version=None if version is None else version_text(version),
        steps=steps,
        step=step,
        analysis=dict(analysis),
        salt=str(data.get("salt") or data["id"]),
        path=path,
    )


def _parse_step(raw: Any, index: int, path: str | None) -> Step:
    where = f"`canary.steps[{index}]`"
    if not isinstance(raw, Mapping):
        raise UserError(f"{where} must be a mapping {{weight, min_calls, min_minutes}}", path=path)
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 100:
        raise UserError(f"{where}.weight must be a number from 1 to 100", path=path)
    min_calls = raw.get("min_calls", 0)
    min_minutes = raw.get("min_minutes", 0)
    if isinstance(min_calls, bool) or not isinstance(min_calls, int) or min_calls < 0:
        raise UserError(f"{where}.min_calls must be a non-negative integer", path=path)
    if isinstance(min_minutes, bool) or not isinstance(min_minutes, int | float) or min_minutes < 0:
        raise UserError(f"{where}.min_minutes must be a non-negative number", path=path)
    return Step(weight=float(weight), min_calls=min_calls, min_minutes=float(min_minutes))


def version_text(value: Any) -> str:
    """Versions are strings; an unquoted YAML number (e.g. `2`) is read as its text."""
    return value if isinstance(value, str) else str(value)


# ----- the charter, as far as a canary needs it -----------------------------------------------
@dataclass(frozen=True)
class KillCriterion:
    metric: str
    op: str
    value: float
    action: str = "rollback"


@dataclass(frozen=True)
class CharterLimits:
    """Traffic, the runaway kill switch and kill criteria of the workload's charter."""

    id: str
    calls_per_month: float | None = None
    runaway_multiplier: float = DEFAULT_RUNAWAY_MULTIPLIER
    kill_switch_usd: Decimal | None = None
    prompt_share: float = 1.0
    kill_criteria: tuple[KillCriterion, ...] = ()

    @property
    def runaway_calls_per_month(self) -> float | None:
        if self.calls_per_month is None:
            return None
        return self.calls_per_month * self.runaway_multiplier * self.prompt_share


OPS = {
    ">": ">",
    "gt": ">",
    ">=": ">=",
    "ge": ">=",
    "gte": ">=",
    "<": "<",
    "lt": "<",
    "<=": "<=",
    "le": "<=",
    "lte": "<=",
}
ACTIONS = ("pause", "rollback", "retire")


def parse_charter_limits(data: Any, prompt_id: str, path: str | None = None) -> CharterLimits:
    """Read the parts of a charter a canary uses; raises UserError on malformed values."""
    if not isinstance(data, Mapping):
        raise UserError("a charter document must be a mapping", path=path)
    scenarios = data.get("scenarios") or {}
    if not isinstance(scenarios, Mapping):
        raise UserError("`scenarios` must be a mapping", path=path)
    expected = scenarios.get("expected") or {}
    runaway = scenarios.get("runaway") or {}
    calls = expected.get("calls_per_month") if isinstance(expected, Mapping) else None
    multiplier = (
        runaway.get("multiplier", DEFAULT_RUNAWAY_MULTIPLIER)
        if isinstance(runaway, Mapping)
        else DEFAULT_RUNAWAY_MULTIPLIER
    )
    kill_switch = runaway.get("kill_switch_usd") if isinstance(runaway, Mapping) else None
    try:
        calls_value = None if calls is None else float(calls)
        multiplier_value = float(multiplier)
        kill_switch_value = None if kill_switch is None else Decimal(str(kill_switch))
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise UserError(f"charter scenarios have a non-numeric value: {exc}", path=path) from exc
    return CharterLimits(
        id=str(data.get("id", "")),
        calls_per_month=calls_value,
        runaway_multiplier=multiplier_value,
        kill_switch_usd=kill_switch_value,
        prompt_share=_prompt_share(scenarios.get("prompts"), prompt_id, path),
        kill_criteria=tuple(_parse_criteria(data.get("kill_criteria") or [], path)),
    )


def _prompt_share(weights: Any, prompt_id: str, path: str | None) -> float:
    if not weights:
        return 1.0
    if not isinstance(weights, Mapping):
        raise UserError("`scenarios.prompts` must map prompt ids to traffic weights", path=path)
    try:
        values = {str(k): float(v) for k, v in weights.items()}
    except (TypeError, ValueError) as exc:
        raise UserError("`scenarios.prompts` weights must be numbers", path=path) from exc
    total = sum(values.values())
    if prompt_id not in values or total <= 0:
        return 1.0
    return values[prompt_id] / total if total > 1 else values[prompt_id]


def _parse_criteria(raw: Any, path: str | None) -> list[KillCriterion]:
    if not isinstance(raw, list):
        raise UserError("`kill_criteria` must be a list of {metric, op, value, action}", path=path)
    out = []
    for index, item in enumerate(raw):
        where = f"`kill_criteria[{index}]`"
        if not isinstance(item, Mapping) or "metric" not in item or "value" not in item:
            raise UserError(f"{where} needs metric, op, value and action", path=path)
        op = OPS.get(str(item.get("op", ">")).strip())
        action = str(item.get("action", "rollback"))
        if op is None or action not in ACTIONS:
            raise UserError(
                f"{where}: op must be one of > >= < <=, action one of {', '.join(ACTIONS)}",
                path=path,
            )
        try:
            value = float(item["value"])
        except (TypeError, ValueError) as exc:
            raise UserError(f"{where}.value must be a number", path=path) from exc
        out.append(KillCriterion(str(item["metric"]), op, value, action))
    return out
