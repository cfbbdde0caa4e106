"""The JSON view of the MBOM: the model serialised, plus the derived flags and totals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from promptops.mbom.model import Mbom
from promptops.pricing.cost import SCENARIOS
from promptops.text.json_view import decimal_str, dumps, to_jsonable

_MONEY_KEYS = ("usd_per_month",)  # money whose name does not end in _usd


def _money_as_decimals(value: Any, money: bool = False) -> Any:
    """The charter's budgets as written hold YAML numbers; in the report, money is a decimal
    string like every other money field (schemas/report-mbom.schema.json), never a float."""
    if isinstance(value, dict):
        return {
            key: _money_as_decimals(item, money or key.endswith("_usd") or key in _MONEY_KEYS)
            for key, item in value.items()
        }
    if money and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return decimal_str(amount) if amount.is_finite() else None
    return value


def mbom_jsonable(mbom: Mbom) -> dict[str, Any]:
    data = to_jsonable(mbom)
    ordered: dict[str, Any] = {
        "schema_version": data.pop("schema_version"),
        "kind": data.pop("kind"),
        **data,
    }
    for workload in ordered["workloads"]:
        workload["budgets"] = _money_as_decimals(workload["budgets"])
    ordered["subsidy"]["share"] = to_jsonable(mbom.subsidy.share)
    ordered["totals"] = {
        name: {
            "monthly_usd": to_jsonable(mbom.monthly_total(name)),
            "effective_monthly_usd": to_jsonable(mbom.monthly_total(name, effective=True))
            if mbom.has_effective_prices
            else None,
        }
        for name in SCENARIOS
    }
    ordered["flags"] = {
        "orphaned": list(mbom.orphaned),
        "review_overdue": list(mbom.review_overdue),
        "over_budget": {w.id: list(w.over_budget) for w in mbom.workloads if w.over_budget},
        "subsidy_exposed": list(mbom.subsidy.exposed_workloads),
        "unchartered_prompts": [p.id for p in mbom.unchartered_prompts],
    }
    return ordered


def render_mbom_json(mbom: Mbom) -> str:
    return dumps(mbom_jsonable(mbom))
