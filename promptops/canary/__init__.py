"""Canary releases of prompt versions: telemetry analysis, release edits, the bundle.

Who gets the canary (the deterministic bucketing) lives in `promptops.runtime`, which
applications import without this package. Modules with one job each: `release` (the release
document as values), `telemetry` / `summaries` (cohort statistics from call records or
warehouse aggregates), `stats` (the tests), `analysis` (the verdict), `sql` (the aggregation for
a warehouse), `release_edit` (comment-preserving rewrite of the release YAML), `bundle` (the
deployable artifact that `promptops.runtime` loads, and `runtime_from_repo`).
"""
