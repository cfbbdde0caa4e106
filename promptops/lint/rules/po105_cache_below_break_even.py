"""Caching enabled while the charter's traffic is below the break-even rate for its TTL.

**What it catches.** A prompt with a cache breakpoint whose workload charter expects fewer
calls per month (times the prompt's traffic share under `scenarios.prompts`) than caching
needs to pay for itself at that breakpoint's TTL. Reported at the first breakpoint of each TTL.
Prompts without a charter or without `calls_per_month` are not judged.

**Why it costs money.** A cache write costs more than plain input (1.25x for the 5-minute
TTL, 2x for 1 hour) and only a read is cheaper (0.025x–0.1x of input, depending on the model).
A cache that expires before the next call comes is all writes: the prefix costs up to 25% (5m)
or 100% (1h) more than not caching. A breakpoint whose prefix holds a per-call value is never
read at any traffic: PO101 reports it, and this rule does not weigh it.

**The derivation.** Model the calls as a Poisson process with rate λ (calls per second, from
`calls_per_month` over a 730-hour month). A call finds the entry warm when the previous call
came within the TTL (every hit refreshes it), so the hit probability is

    hit = 1 − e^(−λ·TTL)

Relative to the input price, the cached prefix costs `hit·r + (1 − hit)·w` per call, where
`r` is the model's read multiplier and `w` its write multiplier (1.25 for 5m, 2.0 for 1h),
against 1 uncached. Caching pays when

    hit·r + (1 − hit)·w < 1   ⇔   hit > (w − 1)/(w − r)

With r = 0.1 (Haiku 4.5, Sonnet 4.6, Opus 4.6) that is hit > 21.7% for 5m and > 52.6% for 1h,
so λ > −ln(1 − hit*)/TTL:

* 5m (TTL 300 s): λ* = −ln(1 − 0.2174)/300 s ≈ 2.94 calls/hour ≈ 2,147 calls/month;
* 1h (TTL 3,600 s): λ* = −ln(1 − 0.5263)/3,600 s ≈ 0.75 calls/hour ≈ 545 calls/month.

Models with cheaper reads (Opus 5.5 at 0.05x, Fable 5.1 at 0.025x) break even slightly sooner.

The message shows the break-even rate for the TTL in use, the charter's rate and the hit
probability it implies. Bursty traffic caches better than Poisson traffic of the same average,
so this is a conservative (cost-safe) test; suppress it for a workload known to come in bursts.

**Fix.** Remove the breakpoint; or, when the 1h TTL pays at this traffic and 5m does not,
switch to `cache: 1h`; or correct the charter's `calls_per_month` if it understates traffic.

**Example.** (charter `expected.calls_per_month: 1000`, i.e. 1.4 calls/hour)

Before:

    system:
      - text: <4,000 tokens of policy>
        cache: true      # 5m: pays above ~2.9 calls/hour

After:

    system:
      - text: <4,000 tokens of policy>
        cache: 1h        # 1h: pays above ~0.75 calls/hour
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO105"
NAME = "cache-below-break-even"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})


def check(ctx: LintContext) -> Iterator[Finding]:
    from promptops.pricing.cache_economics import HOURS_PER_MONTH, Multipliers, cache_break_even
    from promptops.pricing.cost import scenarios_for

    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or not analysis.breakpoints or analysis.charter is None:
            continue
        charter = analysis.charter
        expected = (charter.data.get("scenarios") or {}).get("expected") or {}
        if expected.get("calls_per_month") is None:
            continue
        prices = ctx.model_prices(doc)
        tokens = ctx.input_tokens(doc)
        if prices is None or tokens is None:
            continue
        rates = Multipliers.of(prices)
        calls = float(scenarios_for(charter.data, doc.id, doc.data)[0].calls_per_month)
        seen: set[str] = set()
        for point in tokens.breakpoints:
            if not point.readable or point.ttl in seen:
                continue  # never cached (PO103) or never read (PO101): traffic is beside it
            seen.add(point.ttl)
            economics = cache_break_even(point.ttl, rates, calls)
            if economics.pays:
                continue
            hint = "remove the breakpoint"
            if point.ttl == "5m" and cache_break_even("1h", rates, calls).pays:
                hint = "use `cache: 1h` (it pays at this traffic) or remove the breakpoint"
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.breakpoint_span(point.block),
                f"caching with the {point.ttl} TTL pays above "
                f"{economics.break_even_calls_per_hour:,.2f} calls/hour "
                f"({economics.break_even_calls_per_month:,.0f}/month) on {prices.model}; charter "
                f"{charter.id!r} expects {calls:,.0f} calls/month "
                f"({calls / HOURS_PER_MONTH:,.2f}/hour) for this prompt, a "
                f"{economics.hit_probability:.0%} hit probability: the cached prefix costs "
                f"{economics.relative_cost:.2f}x the uncached price; {hint}",
                break_even_calls_per_month=round(economics.break_even_calls_per_month),
                calls_per_month=calls,
            )
