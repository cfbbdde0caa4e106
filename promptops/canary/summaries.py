"""Pre-aggregated cohort summaries: what a warehouse query returns, read back for analysis.

When telemetry lives in a warehouse, `promptops canary sql` prints the aggregation; its result
rows, exported as JSON, JSON Lines or CSV, are accepted by `canary analyze --summary FILE`.

Format (schema_version 1). A JSON document ``{"schema_version": 1, "kind":
"promptops.canary.summary", "rows": [...]}``, a bare JSON array of rows, JSON Lines (one row per
line) or CSV with a header. Each row has:

=============================  ============================================================
``prompt_id``, ``version``     the cohort (``promptops.prompt.id`` / ``.version``)
``model``                      ``gen_ai.request.model`` (prices are applied per model)
``histogram``                  empty for a totals row; ``latency_ms`` or ``cost_micro_usd``
                               for a histogram row
``bucket``                     histogram rows: ``floor(ln(1 + value) / ln(1.02))``
``calls``                      calls in the row (for a histogram row: in the bucket)
``successes``, ``failures``,   totals rows: counts of outcome success / failure, of calls
``errors``, ``cache_hit_calls``  with an error, of calls with cache read tokens > 0
``input_tokens`` …             totals rows: sums of ``input_tokens`` (cache-inclusive, as in
                               OTel), ``output_tokens``, ``cache_read_input_tokens``,
                               ``cache_creation_input_tokens``
``cache_write_5m_input_tokens``  totals rows, optional: the creation tokens the records split
``cache_write_1h_input_tokens``  by TTL (the rest is priced at ``analysis.cache_write_ttl``)
``input_tier``                 totals rows: the ``above_input_tokens`` threshold of the price
                               tier the row's calls paid (each call's total input picks it),
                               empty for base rates; a row without this column is base rates,
                               which only a model without tiers can be sure of
``cost_micro_usd_squares``     totals rows: sum over calls of (cost in micro-dollars)²
``latency_ms_sum``,            totals rows: sum and count of ``latency_ms``
``latency_calls``
``first_seen``, ``last_seen``  totals rows: epoch seconds or ISO 8601
=============================  ============================================================

Costs are recomputed exactly (Decimal) from the token sums and the price table, tier by tier;
only the sum of squares, which needs per-call costs, comes from the warehouse.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from promptops.canary.cohort import CohortStats, ModelTokens
from promptops.canary.rates import TelemetryPricing
from promptops.canary.telemetry import epoch_seconds
from promptops.errors import UserError

SCHEMA_VERSION = 1
SUMMARY_KIND = "promptops.canary.summary"
TOTAL_COLUMNS = (
    "calls",
    "successes",
    "failures",
    "errors",
    "cache_hit_calls",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "cache_write_5m_input_tokens",
    "cache_write_1h_input_tokens",
    "latency_calls",
)
COLUMNS = (
    "prompt_id",
    "version",
    "model",
    "histogram",
    "bucket",
    "input_tier",
    *TOTAL_COLUMNS,
    "cost_micro_usd_sum",
    "cost_micro_usd_squares",
    "latency_ms_sum",
    "first_seen",
    "last_seen",
)
HISTOGRAMS = ("latency_ms", "cost_micro_usd")


def read_summaries(
    paths: Sequence[str | Path], prices: TelemetryPricing, prompt_id: str | None = None
) -> dict[tuple[str, str], CohortStats]:
    """Cohort aggregates from summary files."""
    cohorts: dict[tuple[str, str], CohortStats] = {}
    for raw in paths:
        path = str(raw)
        for number, row in enumerate(_rows(Path(path)), start=1):
            try:
                _add_row(cohorts, row, prices, prompt_id)
            except (TypeError, ValueError, KeyError) as exc:
                raise UserError(f"summary row {number}: {exc}", path=path) from exc
    return cohorts


def cohorts_to_summary(cohorts: Iterable[CohortStats]) -> dict[str, Any]:
    """The JSON summary document of cohorts (the reverse of `read_summaries`).

    One totals row per model and price tier. Outcome counters and the float sums are not split
    by model: the cohort's first row carries them and the other rows carry only their token sums.
    """
    rows: list[dict[str, Any]] = []
    for cohort in cohorts:
        parts = [
            (model, tier, tokens)
            for model, all_tokens in sorted(cohort.tokens_by_model.items())
            for tier, tokens in all_tokens.by_tier() or [(None, all_tokens)]
        ]
        for index, (model, tier, tokens) in enumerate(parts):
            first = index == 0
            rows.append(
                {
                    "prompt_id": cohort.prompt_id,
                    "version": cohort.version,
                    "model": model,
                    "histogram": None,
                    "bucket": None,
                    "input_tier": tier,
                    "calls": tokens.calls,
                    "successes": cohort.successes if first else 0,
                    "failures": cohort.failures if first else 0,
                    "errors": cohort.errors if first else 0,
                    "cache_hit_calls": cohort.cache_hit_calls if first else 0,
                    "input_tokens": tokens.input_tokens,
                    "output_tokens": tokens.output_tokens,
                    "cache_read_input_tokens": tokens.cache_read_input_tokens,
                    "cache_creation_input_tokens": tokens.cache_creation_input_tokens,
                    "cache_write_5m_input_tokens": tokens.cache_write_5m_input_tokens,
                    "cache_write_1h_input_tokens": tokens.cache_write_1h_input_tokens,
                    "latency_calls": cohort.latency_calls if first else 0,
                    "cost_micro_usd_sum": cohort.cost_micro_sum if first else 0,
                    "cost_micro_usd_squares": cohort.cost_micro_squares if first else 0,
                    "latency_ms_sum": cohort.latency_ms_sum if first else 0,
                    "first_seen": cohort.first_seen if first else None,
                    "last_seen": cohort.last_seen if first else None,
                }
            )
        for name, histogram in (
            ("latency_ms", cohort.latency_histogram),
            ("cost_micro_usd", cohort.cost_histogram),
        ):
            rows.extend(
                {
                    "prompt_id": cohort.prompt_id,
                    "version": cohort.version,
                    "histogram": name,
                    "bucket": bucket,
                    "calls": count,
                }
                for bucket, count in sorted(histogram.items())
            )
    return {"schema_version": SCHEMA_VERSION, "kind": SUMMARY_KIND, "rows": rows}


def _rows(path: Path) -> Iterable[Mapping[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read summary: {exc.strerror or exc}", path=str(path)) from exc
    stripped = text.lstrip()
    if path.suffix.lower() == ".csv":
        return [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in csv.DictReader(text.splitlines())
        ]
    try:
        if stripped.startswith("{") and "\n{" not in stripped.strip():
            document = json.loads(text)
            if document.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
                raise UserError(
                    f"summary schema_version {document.get('schema_version')} is not supported",
                    path=str(path),
                )
            return document["rows"]
        if stripped.startswith("["):
            return json.loads(text)
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, KeyError, AttributeError) as exc:
        raise UserError(
            f"not a cohort summary (JSON, JSON Lines or CSV): {exc}", path=str(path)
        ) from exc


read_rows = _rows  # the summary reader `calibrate --summary` shares


def _add_row(
    cohorts: dict[tuple[str, str], CohortStats],
    row: Mapping[str, Any],
    prices: TelemetryPricing,
    prompt_id: str | None,
) -> None:
    if not isinstance(row, Mapping):
        raise TypeError("a row must be an object")
    pid = str(row["prompt_id"])
    if prompt_id is not None and pid != prompt_id:
        return
    version = str(row["version"])
    cohort = cohorts.setdefault((pid, version), CohortStats(pid, version))
    histogram = row.get("histogram")
    if histogram:
        if histogram not in HISTOGRAMS:
            raise ValueError(f"histogram must be one of {', '.join(HISTOGRAMS)}")
        target = cohort.latency_histogram if histogram == "latency_ms" else cohort.cost_histogram
        bucket = int(row["bucket"])
        target[bucket] = target.get(bucket, 0) + _int(row["calls"])
        return
    part = CohortStats(pid, version)
    values = {name: _int(row.get(name)) for name in TOTAL_COLUMNS}
    model = row.get("model") or "(unknown)"
    tokens = ModelTokens(
        calls=values["calls"],
        input_tokens=values["input_tokens"],
        output_tokens=values["output_tokens"],
        cache_read_input_tokens=values["cache_read_input_tokens"],
        cache_creation_input_tokens=values["cache_creation_input_tokens"],
        cache_write_5m_input_tokens=values["cache_write_5m_input_tokens"],
        cache_write_1h_input_tokens=values["cache_write_1h_input_tokens"],
    )
    if tokens.unsplit_cache_creation < 0:
        raise ValueError("the 5m and 1h cache writes exceed the cache creation tokens")
    part.calls = values["calls"]
    part.successes = values["successes"]
    part.failures = values["failures"]
    part.errors = values["errors"]
    part.cache_hit_calls = values["cache_hit_calls"]
    part.latency_calls = values["latency_calls"]
    part.tokens_by_model[str(model)] = tokens
    part.latency_ms_sum = float(row.get("latency_ms_sum") or 0)
    model_prices = prices.get(row.get("model"))
    if model_prices is None:
        part.unpriced_calls = part.calls
        part.unpriced_models = {str(row.get("model") or "(no model)")}
    else:
        tier = _tier_of_row(row, tokens, prices.thresholds(model_prices))
        if tier is not None:
            tokens.tiers[tier] = tokens.minus(ModelTokens())
        part.cost_usd = prices.cost_usd(tokens, model_prices)
        part.cost_micro_sum = float(part.cost_usd * 1_000_000)
        part.cost_micro_squares = float(row.get("cost_micro_usd_squares") or 0)
    for name in ("first_seen", "last_seen"):
        value = row.get(name)
        if value not in (None, ""):
            setattr(part, name, epoch_seconds(_number_or_text(value)))
    cohort.merge(part)


def _tier_of_row(
    row: Mapping[str, Any], tokens: ModelTokens, thresholds: frozenset[int]
) -> int | None:
    """The price tier a totals row's calls paid (None: base rates).

    A row without `input_tier` (a query made before tiers) is base rates only when no single
    call can have crossed a tier: when its summed input tokens are at most the lowest threshold.
    """
    model = row.get("model")
    if "input_tier" not in row:
        if thresholds and tokens.input_tokens > min(thresholds):
            raise ValueError(
                f"{model} has price tiers (calls above {min(thresholds):,} input tokens pay "
                "more) and the row has no input_tier column: regenerate the query with "
                "`promptops canary sql`"
            )
        return None
    value = row.get("input_tier")
    if value in (None, ""):
        return None
    tier = _int(value)
    if tier not in thresholds:
        raise ValueError(
            f"input_tier {tier} is not a price tier of {model} in the price table "
            f"(tiers: {', '.join(map(str, sorted(thresholds))) or 'none'}); regenerate the "
            "query with `promptops canary sql`"
        )
    return tier


def _int(value: Any) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(value)


def _number_or_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value.replace(" ", "T", 1) if "T" not in value and " " in value else value
    return value


def write_summary(path: Path, cohorts: Iterable[CohortStats]) -> None:
    path.write_text(json.dumps(cohorts_to_summary(cohorts), indent=1) + "\n", encoding="utf-8")
