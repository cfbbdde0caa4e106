"""The cache cliff: per cached prompt, how far its traffic sits above the break-even rate.

Below the break-even request rate for a TTL, cache writes cost more than the reads save
(see `promptops.pricing.cache_economics`, at the model's own read and write multipliers). For
each TTL a prompt caches with (only breakpoints long enough to be cached count), this gives the
break-even calls per month, the charter's expected calls per month, and the margin between
them (traffic ÷ break-even). A prefix that holds a per-call value is written on every call and
never read (`pricing.cache_layout`): its row says so instead of weighing traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptops.figures import PromptEstimate
from promptops.pricing.cache_economics import Multipliers, cache_break_even

TTL_ORDER = ("5m", "1h")


@dataclass(frozen=True)
class CacheCliff:
    """One prompt's cache TTL against its traffic."""

    prompt: str
    ttl: str
    prefix_tokens: int  # the longest prefix cached with this TTL
    break_even_hit_rate: float
    break_even_calls_per_hour: float
    break_even_calls_per_month: float
    calls_per_month: float | None  # the charter's expected traffic; None without a charter
    hit_probability: float | None  # implied by that traffic (Poisson arrivals)
    assumed_hit_rate: float | None  # the charter's cache_hit_rate
    margin: float | None  # calls_per_month / break_even_calls_per_month
    verdict: str  # "pays", "below break-even", "no traffic model", "never read"


NEVER_READ = "never read (rewritten every call)"


def _verdict(margin: float | None) -> str:
    if margin is None:
        return "no traffic model"
    return "pays" if margin > 1 else "below break-even"


def _multipliers(prompt: PromptEstimate) -> Multipliers:
    m = prompt.cache_multipliers
    if not m:
        return Multipliers(1.0, 1.0, 1.0)
    return Multipliers(float(m["read"]), float(m["write_5m"]), float(m["write_1h"]))


def cache_cliffs_for(prompt: PromptEstimate) -> list[CacheCliff]:
    """One row per TTL the prompt caches with; empty when nothing is cached."""
    prefix_by_ttl: dict[str, int] = {}
    readable_ttls: set[str] = set()
    for bp in prompt.tokens.breakpoints:
        if bp.effective:
            prefix_by_ttl[bp.ttl] = max(prefix_by_ttl.get(bp.ttl, 0), bp.prefix_tokens)
            if bp.readable:
                readable_ttls.add(bp.ttl)
    expected = prompt.scenario("expected")
    rates = _multipliers(prompt)
    rows = []
    for ttl in TTL_ORDER:
        if ttl not in prefix_by_ttl:
            continue
        calls = None if expected is None else float(expected.calls_per_month)
        figures = cache_break_even(ttl, rates, calls)
        margin = None if calls is None else calls / figures.break_even_calls_per_month
        verdict = _verdict(margin) if ttl in readable_ttls else NEVER_READ
        rows.append(
            CacheCliff(
                prompt=prompt.id,
                ttl=ttl,
                prefix_tokens=prefix_by_ttl[ttl],
                break_even_hit_rate=figures.break_even_hit_rate,
                break_even_calls_per_hour=figures.break_even_calls_per_hour,
                break_even_calls_per_month=figures.break_even_calls_per_month,
                calls_per_month=calls,
                hit_probability=figures.hit_probability,
                assumed_hit_rate=None if expected is None else float(expected.cache_hit_rate),
                margin=margin,
                verdict=verdict,
            )
        )
    return rows


def cache_cliffs(prompts: tuple[PromptEstimate, ...] | list[PromptEstimate]) -> list[CacheCliff]:
    return [row for p in prompts for row in cache_cliffs_for(p)]


def margin_text(row: CacheCliff) -> str:
    if row.margin is None:
        return "—"
    return f"{row.margin:,.1f}×" if row.margin >= 0.1 else f"{row.margin:.3f}×"


def render_cache_cliff_text(prompts: tuple[PromptEstimate, ...] | list[PromptEstimate]) -> str:
    """The `Cache cliff` section for `promptops tokens` text output ("" when nothing caches)."""
    rows = cache_cliffs(prompts)
    if not rows:
        return ""
    from tabulate import tabulate

    table = [
        [
            r.prompt,
            r.ttl,
            f"{r.prefix_tokens:,}",
            f"{r.break_even_calls_per_month:,.0f}",
            "—" if r.calls_per_month is None else f"{r.calls_per_month:,.0f}",
            margin_text(r),
            r.verdict,
        ]
        for r in rows
    ]
    headers = ["prompt", "ttl", "prefix", "break-even/mo", "calls/mo", "margin", "verdict"]
    title = "Cache cliff (break-even request rate per TTL, Poisson arrivals, 730 h/month)"
    return title + "\n" + tabulate(table, headers=headers, tablefmt="simple", disable_numparse=True)


def cache_cliff_jsonable(
    prompts: tuple[PromptEstimate, ...] | list[PromptEstimate],
) -> list[dict[str, object]]:
    """The `cache_cliff` list for JSON reports."""
    from promptops.text.json_view import to_jsonable

    return [to_jsonable(r) for r in cache_cliffs(prompts)]
