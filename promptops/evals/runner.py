"""Run one suite against one provider: bounded concurrency, repeats with a k-of-n rule,
shards, the response cache, Message Batches, progress.

The runner knows nothing about documents or rendering: it takes a `render(case)` callable
returning the Messages API request for a case (see `suite_loader.py`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promptops.errors import UserError
from promptops.evals.assertions import PreparedAssertion
from promptops.evals.assertions.base import CheckContext, Grader, Observation
from promptops.evals.progress import Progress
from promptops.evals.providers.base import Provider, ProviderRequestError, ProviderResult, Usage
from promptops.evals.response_cache import ResponseCache, cache_key, cached_complete
from promptops.evals.results import Attempt, CaseResult, GateSpec, SuiteResult

DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class EvalCase:
    id: str
    vars: dict[str, Any] = field(default_factory=dict)
    assertions: tuple[PreparedAssertion, ...] = ()


@dataclass(frozen=True)
class Suite:
    id: str
    prompt_id: str
    cases: tuple[EvalCase, ...]
    target: str = "assigned"
    gate: GateSpec = field(default_factory=GateSpec)
    path: str | None = None
    repeat: int | None = None  # the suite's own `repeat:`; `--repeat` wins over it
    ablate: tuple[str, ...] = ()  # variables the suite declares for `eval --ablate-declared`


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based): every count-th case, starting at index."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index_text, count_text = text.split("/")
            shard = cls(int(index_text), int(count_text))
        except ValueError:
            raise UserError(f"--shard must look like i/n (e.g. 2/4), got {text!r}") from None
        if not 1 <= shard.index <= shard.count:
            raise UserError(f"--shard {text}: need 1 ≤ i ≤ n")
        return shard

    def select(self, cases: Sequence[EvalCase]) -> tuple[EvalCase, ...]:
        return tuple(c for n, c in enumerate(cases) if n % self.count == self.index - 1)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = DEFAULT_CONCURRENCY
    repeat: int = 1
    min_passes: int | None = None  # k of n; default: every repeat must pass
    shard: Shard | None = None
    batch: bool = False
    show_progress: bool = True

    def required_passes(self) -> int:
        k = self.repeat if self.min_passes is None else self.min_passes
        if not 1 <= k <= self.repeat:
            raise UserError(f"--min-passes must be between 1 and --repeat ({self.repeat}), got {k}")
        return k


Render = Callable[[EvalCase], dict[str, Any]]
Answer = ProviderResult | ProviderRequestError


def _evaluate(case: EvalCase, index: int, answer: Answer, context: CheckContext) -> Attempt:
    if isinstance(answer, ProviderRequestError):
        return Attempt(
            index=index,
            passed=False,
            output="",
            usage=Usage(),
            cost_usd=Decimal(0),
            latency_ms=None,
            error=str(answer),
        )
    observation = Observation(
        text=answer.text,
        usage=answer.usage,
        cost_usd=answer.cost_usd,
        latency_ms=answer.latency_ms,
        case_id=case.id,
        vars=case.vars,
        tool_calls=answer.tool_calls,
    )
    outcomes = tuple(a.evaluate(observation, context) for a in case.assertions)
    return Attempt(
        index=index,
        passed=all(o.passed for o in outcomes),
        output=answer.text,
        usage=answer.usage,
        cost_usd=answer.cost_usd,
        latency_ms=answer.latency_ms,
        cached=answer.cached,
        assertions=outcomes,
    )


def _batch_answers(
    jobs: list[tuple[EvalCase, int, dict[str, Any]]],
    provider: Provider,
    cache: ResponseCache | None,
) -> list[Answer]:
    """Answers for every job: cached ones from the cache, the rest in one Message Batch."""
    complete_batch = getattr(provider, "complete_batch", None)
    if complete_batch is None:
        raise UserError(f"--batch needs the anthropic provider, not {provider.name!r}")
    answers: list[Answer | None] = [None] * len(jobs)
    missing: list[int] = []
    for position, (_case, index, request) in enumerate(jobs):
        stored = cache.get(cache_key(provider.identity(), request, index)) if cache else None
        if stored is not None:
            result = ProviderResult.from_dict(stored, cached=True)
            model = str(request.get("model", result.model))
            answers[position] = result.with_cost(provider.price(result.usage, True, model))
        else:
            missing.append(position)
    fresh = complete_batch([jobs[p][2] for p in missing])
    for position, answer in zip(missing, fresh, strict=True):
        answers[position] = answer
        if cache is not None and isinstance(answer, ProviderResult):
            _case, index, request = jobs[position]
            cache.put(cache_key(provider.identity(), request, index), answer.to_dict())
    return [a for a in answers if a is not None]


def run_suite(
    suite: Suite,
    render: Render,
    provider: Provider,
    *,
    options: RunOptions | None = None,
    cache: ResponseCache | None = None,
    grader: Grader | None = None,
    ref: str | None = None,
    label: str = "head",
    model: str = "",
    repeat_source: str = "default",
) -> SuiteResult:
    """Run every (selected) case `repeat` times and gather the results in case order."""
    options = options or RunOptions()
    required = options.required_passes()
    if options.concurrency < 1:
        raise UserError("--concurrency must be at least 1")
    cases = options.shard.select(suite.cases) if options.shard else suite.cases
    requests = {case.id: render(case) for case in cases}
    jobs = [(case, index, requests[case.id]) for case in cases for index in range(options.repeat)]
    context = CheckContext(grader=grader)
    progress = Progress(len(jobs), f"{suite.id} [{label}]", enabled=options.show_progress)
    attempts: list[Attempt | None] = [None] * len(jobs)
    stop = threading.Event()
    started = time.perf_counter()

    def run_job(position: int, answer: Answer | None) -> None:
        if stop.is_set():
            return
        case, index, request = jobs[position]
        if answer is None:
            try:
                answer = cached_complete(cache, provider, request, sample=index)
            except ProviderRequestError as exc:
                answer = exc
        attempt = _evaluate(case, index, answer, context)
        attempts[position] = attempt
        progress.advance(attempt.passed)

    answers: list[Answer | None] = [None] * len(jobs)
    if options.batch and jobs:
        answers = list(_batch_answers(jobs, provider, cache))
    with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
        futures = [pool.submit(run_job, p, answers[p]) for p in range(len(jobs))]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                stop.set()
                for other in futures:
                    other.cancel()
                raise future.exception()  # type: ignore[misc]
    wall_time_s = time.perf_counter() - started
    by_case: dict[str, list[Attempt]] = {case.id: [] for case in cases}
    for (case, _index, _request), attempt in zip(jobs, attempts, strict=True):
        assert attempt is not None
        by_case[case.id].append(attempt)
    first_model = next(iter(requests.values()), {}).get("model", "") if requests else ""
    return SuiteResult(
        suite_id=suite.id,
        prompt_id=suite.prompt_id,
        target=suite.target,
        provider=provider.name,
        model=model or getattr(provider, "model", "") or str(first_model),
        cases=tuple(
            CaseResult(case_id=case.id, attempts=tuple(by_case[case.id]), required_passes=required)
            for case in cases
        ),
        repeat=options.repeat,
        repeat_source=repeat_source,
        ref=ref,
        shards=(options.shard.index,) if options.shard else (1,),
        shard_count=options.shard.count if options.shard else 1,
        batch=options.batch,
        wall_time_s=wall_time_s,
    )
