"""Canary releases of prompt versions: bucketing, telemetry analysis, release edits.

Modules with one job each: `bucketing` (who gets the canary), `release` (the release document
as values), `telemetry` / `summaries` (cohort statistics from call records or warehouse
aggregates), `stats` (the tests), `analysis` (the verdict), `sql` (the aggregation for a
warehouse), `release_edit` (comment-preserving rewrite of the release YAML), `bundle` (the
deployable artifact that `promptops.runtime` loads).
"""
