"""A charter's cache hit rate that its own traffic cannot deliver.

**What it catches.** A prompt whose workload charter assumes `cache_hit_rate` in its expected
scenario above what the prompt's traffic can give under the Poisson model the cost model uses
elsewhere (PO105, the cache cliff). Reported at the charter's `cache_hit_rate`, naming the
prompt. Only the expected scenario is weighed; stretch and runaway traffic is higher, so it
warms the cache more. A difference of up to 5 percentage points is tolerated. A prompt whose
prefix can never be read is priced at 0% hits whatever the charter says (PO101 and PO103 report
why), so it is not weighed here.

**Why it costs money.** The monthly figure you sign is computed at the charter's hit rate. With
calls arriving at rate λ, an entry is warm only when the previous call came within the TTL
(every hit refreshes it), so at most `1 − e^(−λ·TTL)` of calls can hit. A charter assuming 80%
hits on traffic that gives 43% understates the cached prefix's cost by the difference times
(write − read) price on every call.

**Fix.** Lower `cache_hit_rate` to what the traffic gives (the message has the figure), raise
the TTL to `1h` if the traffic pays for it (PO105), or correct `calls_per_month`. Bursty traffic
caches better than Poisson traffic of the same average: if you measured the hit rate in
production, suppress this finding on the charter line and say so.

**Example.** (1,000 calls/month, 5m TTL: 1.37 calls/hour, about 10% warm)

Before:

    scenarios:
      expected: {calls_per_month: 1000, cache_hit_rate: 0.8}

After:

    scenarios:
      expected: {calls_per_month: 1000, cache_hit_rate: 0.1}
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO107"
NAME = "hit-rate-above-traffic"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})
TOLERANCE = 0.05


def check(ctx: LintContext) -> Iterator[Finding]:
    from promptops.pricing.cache_economics import hit_probability
    from promptops.pricing.cost import scenarios_for

    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        if analysis is None or analysis.charter is None:
            continue
        charter = analysis.charter
        expected = (charter.data.get("scenarios") or {}).get("expected") or {}
        assumed = expected.get("cache_hit_rate")
        if not isinstance(assumed, int | float) or assumed <= 0:
            continue
        tokens = ctx.input_tokens(doc)
        if tokens is None:
            continue
        where = charter.value_span("scenarios", "expected", "cache_hit_rate")
        readable = [bp for bp in tokens.breakpoints if bp.readable]
        if not readable:
            continue  # nothing of this prompt is ever read: priced at 0% (PO101, PO103 say why)
        calls = expected.get("calls_per_month")
        if not isinstance(calls, int | float):
            continue
        share_calls = float(scenarios_for(charter.data, doc.id, doc.data)[0].calls_per_month)
        ttl = readable[-1].ttl
        reachable = hit_probability(share_calls, ttl)
        if assumed <= reachable + TOLERANCE:
            continue
        yield make_finding(
            CODE,
            SEVERITY,
            charter,
            where,
            f"charter assumes {assumed:.0%} cache hits for prompt {doc.id!r}, but its "
            f"{share_calls:,.0f} calls/month keep a {ttl} cache warm for only {reachable:.0%} "
            "of calls (Poisson arrivals): lower cache_hit_rate, or use a longer TTL if it pays",
            prompt=doc.id,
            assumed_hit_rate=assumed,
            traffic_hit_rate=round(reachable, 4),
        )
