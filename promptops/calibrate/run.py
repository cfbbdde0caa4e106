"""`promptops calibrate` as services: the command parses options, calls one of these, renders.

`calibration_query` is `--sql` (the query a warehouse runs), `run_calibration` the comparison
itself (call records or a warehouse's rows, measured, set beside each charter, fingerprinted),
`write.write_measured` is `--write`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from promptops.calibrate.compare import Calibration, calibrate
from promptops.calibrate.embedded import not_computed_note
from promptops.calibrate.engine import measure
from promptops.calibrate.fingerprints import fingerprints
from promptops.calibrate.measure import DEFAULT_TRACE_KEYS, measure_summary
from promptops.calibrate.sql import charter_members, workspace_sql
from promptops.canary.rates import TelemetryPricing
from promptops.canary.telemetry import expand_paths, input_convention
from promptops.config import Config
from promptops.documents.workspace import Workspace, load_workspace
from promptops.errors import UserError
from promptops.estimate import provenance_of
from promptops.figures import Provenance
from promptops.pricing.table import PriceTable
from promptops.tokens.counting import TokenCounter


@dataclass
class CalibrationRun:
    """The comparison and where its numbers come from (the report's provenance line)."""

    result: Calibration
    provenance: Provenance


def since_epoch(value: str | None) -> float | None:
    """`--since` (a date or an ISO 8601 time, UTC unless it says) as epoch seconds."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise UserError(f"--since must be a date or ISO 8601 time, got {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _charters(config: Config, workloads: Sequence[str]) -> tuple[Workspace, PriceTable]:
    """The workspace and price table; a workload no charter has is a UserError (exit 2)."""
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    known = {c.id for c in workspace.of_kind("charter")}
    unknown = [w for w in workloads if w not in known]
    if unknown:
        raise UserError(
            f"no charter with id {', '.join(map(repr, unknown))}; charters: "
            + (", ".join(sorted(known)) or "none")
        )
    return workspace, PriceTable.from_config(config)


def calibration_query(
    config: Config,
    workloads: Sequence[str],
    dialect: str | None,
    table: str | None,
    input_tokens: str | None = None,
    trace_keys: Sequence[str] = (),
) -> str:
    """`calibrate --sql`: the aggregation query of `workloads` (every charter when empty)."""
    workspace, prices = _charters(config, workloads)
    convention = input_convention(config, input_tokens)
    if not dialect or not table:
        raise UserError("--sql needs --dialect and --table")
    return workspace_sql(workspace, prices, dialect, table, convention, trace_keys, set(workloads))


def run_calibration(
    config: Config,
    workloads: Sequence[str],
    telemetry: Sequence[str] = (),
    summaries: Sequence[str] = (),
    input_tokens: str | None = None,
    since: str | None = None,
    trace_keys: Sequence[str] = (),
    notify: Callable[[str], None] = lambda _: None,
) -> CalibrationRun:
    """Measure call records (`telemetry`; those at or after `since`, a date or ISO 8601
    time, when given) or a warehouse's rows of the query (`summaries`), then set each charter
    of `workloads` (every charter when empty) beside its measurement.

    `notify` hears what the user should know on the way ("note: ...", "warning: ..."), each
    as soon as it is known."""
    workspace, prices = _charters(config, workloads)
    convention = input_convention(config, input_tokens)
    if bool(telemetry) == bool(summaries):
        raise UserError(
            "give call records with --telemetry FILE or warehouse rows with --summary FILE "
            "(one of the two; --sql prints the query that makes the rows)"
        )
    if summaries:
        measurements = measure_summary(expand_paths(summaries))
    else:
        measurements = measure(
            expand_paths(telemetry),
            TelemetryPricing(prices),
            input_tokens=convention,
            since=since_epoch(since),
            trace_keys=tuple(trace_keys) or DEFAULT_TRACE_KEYS,
            members=charter_members(workspace),
        )
        if measurements.engine == "duckdb":
            notify(f"note: {not_computed_note()}")
    counter = TokenCounter(config)
    result = calibrate(workspace, measurements, counter, prices, set(workloads) or None)
    result.fingerprints = fingerprints(workspace, result)
    provenance = provenance_of(prices, counter, result.exactness)
    if measurements.counters.invalid:
        notify(
            f"warning: skipped {measurements.counters.invalid:,} invalid record(s); "
            "first: " + "; ".join(measurements.counters.examples[:3])
        )
    return CalibrationRun(result, provenance)
