"""Which engine measures the call records: the stream, or DuckDB for large local files.

`measure.measure_stream` folds every record in Python (exact, every trace kept: what the
fingerprints read); `embedded` loads large local JSONL files into DuckDB and runs the
`calibrate --sql` aggregation on them (the same figures, minutes and gigabytes less on 10^7
records). The choice lives here, above both, so neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from promptops.calibrate import embedded
from promptops.calibrate.measure import DEFAULT_TRACE_KEYS, Measurements, measure_stream
from promptops.calibrate.sql import Member
from promptops.canary.rates import TelemetryPricing
from promptops.canary.telemetry import AUTO, plan_sources


def measure(
    paths: Sequence[str | Path],
    pricing: TelemetryPricing,
    input_tokens: str = AUTO,
    since: float | None = None,
    trace_keys: Iterable[str] = DEFAULT_TRACE_KEYS,
    members: Sequence[Member] | None = None,
    engine: str = AUTO,
) -> Measurements:
    """Measure the call records of `paths` per (prompt id, version).

    With `members` ((prompt id, workload, step cap) of every charter), large local JSONL files
    are aggregated by DuckDB (`calibrate.embedded`: the same figures, minutes and gigabytes
    less on 10^7 records, per-trace fingerprints not computed); `engine` "stream" never does,
    "duckdb" does whatever the size. Files DuckDB cannot read the stream's way are streamed."""
    keys = tuple(trace_keys)
    plan = plan_sources(paths, input_tokens, parallel_min_bytes=2**62)
    if members is not None and engine != "stream":
        sources = list(plan.conventions)
        if embedded.suitable(sources, 0 if engine == "duckdb" else embedded.EMBEDDED_MIN_BYTES):
            try:
                versions, workloads, counters = embedded.measure_embedded(
                    plan, pricing, members, since, keys
                )
            except embedded.Unsupported:
                pass  # read the stream's way below
            else:
                return Measurements(
                    versions, counters, plan.conventions, {}, workloads, engine="duckdb"
                )
    return measure_stream(plan, pricing, since, keys)
