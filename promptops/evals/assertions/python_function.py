"""The `python` assertion: a user function `module:function`, imported from the repo.

The function is called as `fn(output: str, context: dict)` where context holds `vars`,
`case_id`, `usage`, `cost_usd` (None when the model is not priced), `latency_ms`, `tool_calls`
and the assertion's `config`.
It returns a bool, a score in 0..1 (passes at `threshold`, default 0.5), or a mapping
`{pass, score, reason}`. An exception inside it fails the assertion; it never stops the run.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from typing import Any

from promptops.evals.assertions.base import Check, CheckContext, Observation, Verdict, Where

_IMPORT_LOCK = threading.Lock()


def load_function(reference: str, where: Where) -> Callable[..., Any]:
    module_name, _, function_name = reference.partition(":")
    if not module_name or not function_name:
        raise where.error(f"python assertion needs `value: module:function`, got {reference!r}")
    with _IMPORT_LOCK:
        root = str(where.base_dir.resolve())
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise where.error(f"cannot import {module_name!r} for python assertion: {exc}") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        raise where.error(f"{module_name!r} has no function {function_name!r}")
    return function


def _verdict(returned: Any, threshold: float) -> Verdict:
    if isinstance(returned, bool):
        return Verdict(returned, "returned True" if returned else "returned False")
    if isinstance(returned, int | float):
        return Verdict(returned >= threshold, f"score {returned} (threshold {threshold})", returned)
    if isinstance(returned, dict):
        score = returned.get("score")
        passed = returned.get("pass")
        if passed is None and isinstance(score, int | float):
            passed = score >= threshold
        return Verdict(bool(passed), str(returned.get("reason", "")), score)
    return Verdict(False, f"python assertion returned {type(returned).__name__}, not bool/score")


def build(spec: dict[str, Any], where: Where) -> Check:
    reference = spec.get("value")
    if not isinstance(reference, str):
        raise where.error("python assertion needs `value: module:function`")
    function = load_function(reference, where)
    threshold = float(spec.get("threshold", 0.5))
    config = spec.get("config") or {}

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        context = {
            "vars": obs.vars,
            "case_id": obs.case_id,
            "usage": obs.usage.to_dict(),
            "cost_usd": obs.cost_usd,
            "latency_ms": obs.latency_ms,
            "tool_calls": list(obs.tool_calls),
            "config": config,
        }
        try:
            returned = function(obs.text, context)
        except Exception as exc:
            return Verdict(False, f"{reference} raised {type(exc).__name__}: {exc}")
        return _verdict(returned, threshold)

    return check


BUILDERS = {"python": build}
