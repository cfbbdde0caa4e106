"""Classify every change to a charter as relaxing (it lets the workload spend or risk more, or
makes its estimate look cheaper) or tightening, so a relaxing change can require a signer.

A charter is signed before a workload is built; a pull request that raises a budget, allows a
bigger model, drops a kill criterion or relaxes its review (the Silent Downgrade) changes what
was signed. The classification is structural (field by field, base against head), with each
change's path, before and after; nothing here reads prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

RELAXING = "relaxing"
TIGHTENING = "tightening"

# A higher number allows more (spend, steps, thinking): raising it relaxes the charter.
CEILINGS = (
    ("budgets", "max_input_tokens_per_call"),
    ("budgets", "max_output_tokens_per_call"),
    ("budgets", "max_cost_per_call_usd"),
    ("budgets", "monthly_usd", "expected"),
    ("budgets", "monthly_usd", "stretch"),
    ("budgets", "monthly_usd", "runaway"),
    ("budgets", "max_increase", "usd_per_month"),
    ("budgets", "max_increase", "pct"),
    ("scenarios", "runaway", "kill_switch_usd"),
    ("agent", "max_steps"),
    ("agent", "max_depth"),
    ("agent", "max_fanout"),
    ("thinking", "max_budget_tokens"),
)
# Assumptions that make the estimate cheaper when they move this way: +1 when raising lowers
# the estimate (a higher hit rate), -1 when lowering does (fewer calls, shorter answers).
ASSUMPTIONS = (
    (("scenarios", "expected", "cache_hit_rate"), +1),
    (("scenarios", "expected", "calls_per_month"), -1),
    (("scenarios", "expected", "output_tokens"), -1),
    (("scenarios", "stretch", "multiplier"), -1),
    (("scenarios", "runaway", "multiplier"), -1),
)
# Review topology, strictest first: a move down the list relaxes the review.
REVIEW_ORDER = {
    ("review", "what"): ("every", "sample", "exceptions", "incidents"),
    ("review", "authority"): ("veto", "override", "advisory", "audit"),
}
SIGNER_ROLES = ("platform", "finance", "risk")
_HANDLE = re.compile(
    r"(?<![\w.@/-])@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?)"
)


@dataclass(frozen=True)
class CharterChange:
    kind: str  # relaxing | tightening
    path: tuple[str, ...]
    before: Any
    after: Any
    what: str  # a short code: raised, lowered, removed, added, model-allowed, ...


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (documents may hold anything)."""
    return value if isinstance(value, dict) else {}


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ceiling(path: tuple[str, ...], before: Any, after: Any) -> CharterChange | None:
    old, new = _number(before), _number(after)
    if before == after or (old is None and new is None):
        return None
    if new is None:
        return CharterChange(RELAXING, path, before, after, "removed")
    if old is None:
        return CharterChange(TIGHTENING, path, before, after, "added")
    if new > old:
        return CharterChange(RELAXING, path, before, after, "raised")
    return CharterChange(TIGHTENING, path, before, after, "lowered")


def _assumption(path: tuple[str, ...], sign: int, before: Any, after: Any) -> CharterChange | None:
    old, new = _number(before), _number(after)
    if old is None or new is None or old == new:
        return None
    cheaper = (new - old) * sign > 0
    what = "raised" if new > old else "lowered"
    return CharterChange(RELAXING if cheaper else TIGHTENING, path, before, after, what)


def signer_handles(charter: dict[str, Any]) -> dict[str, list[str]]:
    """GitHub handles (`@login`, `@org/team`) written in each signer's value, by role."""
    signers = charter.get("signers") or {}
    found: dict[str, list[str]] = {}
    if not isinstance(signers, dict):
        return found
    for role, value in signers.items():
        values = value if isinstance(value, list) else [value]
        handles = [m for v in values if isinstance(v, str) for m in _HANDLE.findall(v)]
        if handles:
            found[str(role)] = handles
    return found


def signer_names(charter: dict[str, Any]) -> list[str]:
    signers = charter.get("signers") or {}
    if not isinstance(signers, dict):
        return []
    return [f"{role}: {value}" for role, value in signers.items() if value]


def classify(base: dict[str, Any] | None, head: dict[str, Any] | None) -> list[CharterChange]:
    """Every relaxing or tightening change from `base` to `head` (None: added or deleted)."""
    if base is None or head is None:
        return []  # a new charter is signed as it is; a deleted one is the check's business
    changes: list[CharterChange] = []
    for path in CEILINGS:
        change = _ceiling(path, _at(base, path), _at(head, path))
        if change is not None:
            changes.append(change)
    for path, sign in ASSUMPTIONS:
        change = _assumption(path, sign, _at(base, path), _at(head, path))
        if change is not None:
            changes.append(change)
    changes.extend(_models(base, head))
    changes.extend(_thinking(base, head))
    changes.extend(_review(base, head))
    changes.extend(_signers(base, head))
    changes.extend(_listed(base, head, "waivers", "waiver", RELAXING, TIGHTENING))
    changes.extend(_listed(base, head, "kill_criteria", "kill-criterion", TIGHTENING, RELAXING))
    return changes


def _models(base: dict[str, Any], head: dict[str, Any]) -> list[CharterChange]:
    path = ("models", "allowed")
    old, new = _at(base, path), _at(head, path)
    old_set = {str(m) for m in old} if isinstance(old, list) else None
    new_set = {str(m) for m in new} if isinstance(new, list) else None
    if old_set == new_set:
        return []
    if new_set is None:
        return [CharterChange(RELAXING, path, old, new, "allow-list-removed")]
    if old_set is None:
        return [CharterChange(TIGHTENING, path, old, new, "allow-list-added")]
    return [
        *(
            CharterChange(RELAXING, path, None, m, "model-allowed")
            for m in sorted(new_set - old_set)
        ),
        *(
            CharterChange(TIGHTENING, path, m, None, "model-removed")
            for m in sorted(old_set - new_set)
        ),
    ]


def _thinking(base: dict[str, Any], head: dict[str, Any]) -> list[CharterChange]:
    path = ("thinking", "allowed")
    old, new = _at(base, path), _at(head, path)
    if bool(old) == bool(new):
        return []
    return [CharterChange(RELAXING if new else TIGHTENING, path, old, new, "thinking-allowed")]


def _review(base: dict[str, Any], head: dict[str, Any]) -> list[CharterChange]:
    changes = []
    for path, order in REVIEW_ORDER.items():
        old, new = _at(base, path), _at(head, path)
        if old == new:
            continue
        rank_old = order.index(old) if old in order else None
        rank_new = order.index(new) if new in order else None
        if rank_new is None and rank_old is not None:
            changes.append(CharterChange(RELAXING, path, old, new, "review-removed"))
        elif rank_old is None and rank_new is not None:
            changes.append(CharterChange(TIGHTENING, path, old, new, "review-added"))
        elif rank_old is not None and rank_new is not None:
            kind = RELAXING if rank_new > rank_old else TIGHTENING
            changes.append(
                CharterChange(
                    kind,
                    path,
                    old,
                    new,
                    "review-relaxed" if kind == RELAXING else "review-tightened",
                )
            )
    path = ("review", "sample_rate")
    old, new = _number(_at(base, path)), _number(_at(head, path))
    if old is not None and new is not None and old != new:
        kind = RELAXING if new < old else TIGHTENING
        changes.append(CharterChange(kind, path, old, new, "lowered" if new < old else "raised"))
    if _at(base, ("review",)) and not _at(head, ("review",)):
        changes.append(
            CharterChange(RELAXING, ("review",), _at(base, ("review",)), None, "removed")
        )
    return changes


def _signers(base: dict[str, Any], head: dict[str, Any]) -> list[CharterChange]:
    old = mapping(base.get("signers"))
    new = mapping(head.get("signers"))
    changes = []
    for role in sorted(set(old) | set(new)):
        path = ("signers", str(role))
        if old.get(role) and not new.get(role):
            changes.append(CharterChange(RELAXING, path, old.get(role), None, "signer-removed"))
        elif new.get(role) and not old.get(role):
            changes.append(CharterChange(TIGHTENING, path, None, new.get(role), "signer-added"))
        elif old.get(role) != new.get(role):
            changes.append(
                CharterChange(RELAXING, path, old.get(role), new.get(role), "signer-replaced")
            )
    return changes


def _listed(
    base: dict[str, Any], head: dict[str, Any], key: str, noun: str, added: str, removed: str
) -> list[CharterChange]:
    """Items added to or removed from a list (waivers: adding relaxes; kill criteria: removing
    relaxes). An edited item is one removal and one addition."""
    old = [i for i in base.get(key) or [] if isinstance(i, dict)]
    new = [i for i in head.get(key) or [] if isinstance(i, dict)]
    return [
        *(
            CharterChange(added, (key,), None, item, f"{noun}-added")
            for item in new
            if item not in old
        ),
        *(
            CharterChange(removed, (key,), item, None, f"{noun}-removed")
            for item in old
            if item not in new
        ),
    ]
