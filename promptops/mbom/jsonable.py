"""The JSON view of the MBOM: the model serialised, plus the derived flags and totals."""

from __future__ import annotations

from typing import Any

from promptops.mbom.model import Mbom
from promptops.pricing.cost import SCENARIOS
from promptops.report.json_view import dumps, to_jsonable


def mbom_jsonable(mbom: Mbom) -> dict[str, Any]:
    data = to_jsonable(mbom)
    ordered: dict[str, Any] = {
        "schema_version": data.pop("schema_version"),
        "kind": data.pop("kind"),
        **data,
    }
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
