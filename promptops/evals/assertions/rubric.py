"""The model-graded `rubric` assertion and the grader behind it.

The grader is a provider plus a model, configured once per run (`--grader-model`, config
`eval.grader`); an assertion may name another `model`. Grading calls go through the same
response cache, keyed by the grader's full request (so by grader, rubric and answer), and
their tokens and dollars are reported apart from generation spend.
"""

from __future__ import annotations

import json
import re
from typing import Any

from promptops.errors import ProviderUnreachable
from promptops.evals.assertions.base import Check, CheckContext, Observation, Verdict, Where
from promptops.evals.providers.base import Provider, ProviderRequestError

GRADER_SYSTEM = (
    "You grade the output of another AI model against a rubric. Read the rubric and the "
    "output, then reply with only a JSON object: "
    '{"reason": "<one sentence>", "score": <number from 0 to 1>, "pass": <true|false>}.'
)
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def grading_request(rubric: str, observation: Observation, model: str, max_tokens: int) -> dict:
    return {
        "model": model,
        "max_tokens": max_tokens,
        "temperature": 0,
        "system": [{"type": "text", "text": GRADER_SYSTEM}],
        "messages": [
            {
                "role": "user",
                "content": (
                    f"<rubric>\n{rubric}\n</rubric>\n<output>\n{observation.text}\n</output>"
                ),
            }
        ],
    }


def parse_grade(text: str) -> tuple[bool, float | None, str]:
    found = JSON_OBJECT.search(text)
    if found is None:
        raise ValueError("grader reply holds no JSON object")
    data = json.loads(found.group(0))
    if not isinstance(data, dict) or "pass" not in data:
        raise ValueError("grader reply has no `pass`")
    score = data.get("score")
    return bool(data["pass"]), float(score) if score is not None else None, str(data.get("reason"))


class ModelGrader:
    """Grades answers with a model through any provider, via the response cache."""

    def __init__(
        self, provider: Provider, model: str, cache: Any = None, max_tokens: int = 512
    ) -> None:
        self.provider = provider
        self.model = model
        self.cache = cache
        self.max_tokens = max_tokens

    def grade(self, rubric: str, observation: Observation, model: str | None) -> Verdict:
        from promptops.evals.response_cache import cached_complete

        request = grading_request(rubric, observation, model or self.model, self.max_tokens)
        try:
            result = cached_complete(self.cache, self.provider, request)
        except ProviderUnreachable:
            raise
        except ProviderRequestError as exc:
            return Verdict(False, f"grader error: {exc}")
        spend: dict[str, Any] = {
            "grading_usage": result.usage,
            "grading_cost_usd": result.cost_usd,
            "grading_cached": result.cached,
        }
        try:
            passed, score, reason = parse_grade(result.text)
        except ValueError as exc:
            return Verdict(False, f"unusable grader reply ({exc}): {result.text[:120]!r}", **spend)
        return Verdict(passed, reason, score, **spend)


def build(spec: dict[str, Any], where: Where) -> Check:
    rubric = spec.get("value")
    if not isinstance(rubric, str) or not rubric.strip():
        raise where.error("rubric assertion needs the rubric text as `value`")
    model = spec.get("model")
    threshold = spec.get("threshold")

    def check(obs: Observation, ctx: CheckContext) -> Verdict:
        if ctx.grader is None:
            return Verdict(False, "no grader configured (set eval.grader or --grader-model)")
        verdict = ctx.grader.grade(rubric, obs, model)
        if threshold is not None and verdict.score is not None and verdict.score < threshold:
            return Verdict(
                False,
                f"score {verdict.score} below {threshold}: {verdict.message}",
                verdict.score,
                verdict.grading_usage,
                verdict.grading_cost_usd,
                verdict.grading_cached,
            )
        return verdict

    return check


BUILDERS = {"rubric": build}
