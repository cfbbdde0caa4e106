"""Budget assertions on one answer: max-tokens (output), max-cost (USD), max-latency-ms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from promptops.evals.assertions.base import Check, CheckContext, Observation, Verdict, Where


def _number(spec: dict[str, Any], where: Where) -> Decimal:
    raw = spec.get("value", spec.get("threshold"))
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if raw is None or isinstance(raw, bool) or not number.is_finite() or number < 0:
        raise where.error(f"assertion {spec.get('type')!r} needs a non-negative number `value`")
    return number


def build_max_tokens(spec: dict[str, Any], where: Where) -> Check:
    limit = _number(spec, where)

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        used = obs.usage.output_tokens
        return Verdict(used <= limit, f"{used} output tokens (limit {limit})")

    return check


def build_max_cost(spec: dict[str, Any], where: Where) -> Check:
    limit = _number(spec, where)

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        cost = obs.cost_usd
        if cost is None:
            return Verdict(
                False,
                f"not priced (limit ${limit}): price the model under `prices:` in promptops.yaml",
                evaluable=False,
            )
        return Verdict(cost <= limit, f"${format(cost, 'f')} (limit ${limit})")

    return check


def build_max_latency_ms(spec: dict[str, Any], where: Where) -> Check:
    limit = float(_number(spec, where))

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        if obs.latency_ms is None:
            return Verdict(False, "latency was not measured (batch mode)")
        return Verdict(obs.latency_ms <= limit, f"{obs.latency_ms:.0f} ms (limit {limit:.0f} ms)")

    return check


BUILDERS = {
    "max-tokens": build_max_tokens,
    "max-cost": build_max_cost,
    "max-latency-ms": build_max_latency_ms,
}
