"""Stream call records (JSONL, gzip JSONL, Parquet) into per-cohort aggregates.

One record is one model call, flat, with OpenTelemetry GenAI attribute names::

    {"gen_ai.request.model": "claude-haiku-4-5",
     "gen_ai.usage.input_tokens": 5200, "gen_ai.usage.output_tokens": 310,
     "gen_ai.usage.cache_read.input_tokens": 4800,
     "gen_ai.usage.cache_creation.input_tokens": 0,
     "promptops.prompt.id": "support/triage", "promptops.prompt.version": "1.3.0",
     "outcome": "success", "latency_ms": 812, "error": null,
     "timestamp": "2026-09-01T12:00:00Z"}

An OTel span export with the same keys under ``attributes`` is accepted too. As in the OTel
conventions, ``input_tokens`` includes cache reads and cache creation: the uncached part is
``input - read - creation`` (Anthropic's own ``input_tokens`` already excludes them), and it is
the call's total input that picks a price tier. Records that pass Anthropic's exclusive
``input_tokens`` through are recognised per source (``read_telemetry(input_tokens=...)``) and
read the same way. ``…cache_write.input_tokens`` is accepted for ``…cache_creation…``. Creation tokens may be split by TTL with
``gen_ai.usage.cache_creation.ephemeral_5m_input_tokens`` and ``…ephemeral_1h_input_tokens``
(Anthropic's ``usage.cache_creation``); what is not split is priced at the release's
``analysis.cache_write_ttl``.

Scale: the reader never holds more than one block of one file; records are folded into
running sums and log histograms keyed by (prompt, version, model). Large JSONL files are split
at line boundaries into byte ranges folded by worker processes in parallel and merged after,
which is what keeps ten million records within a minute on two cores. orjson is used when it is
installed (several times faster than the stdlib parser); Parquet needs pyarrow, imported only
for Parquet files.
"""

from __future__ import annotations

import gzip
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from promptops.canary.cohort import LN_HISTOGRAM_BASE, CohortStats, ModelTokens
from promptops.canary.rates import TelemetryPricing
from promptops.errors import UserError

if TYPE_CHECKING:
    from promptops.config import Config

_JSONDecodeError: type[ValueError]  # both parsers' errors are ValueErrors
_loads: Callable[[bytes], Any]
try:  # orjson parses several times faster; the stdlib parser is the fallback
    from orjson import JSONDecodeError as _JSONDecodeError
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    from json import JSONDecodeError as _JSONDecodeError
    from json import loads as _loads

ATTR_PROMPT_ID = "promptops.prompt.id"
ATTR_PROMPT_VERSION = "promptops.prompt.version"
ATTR_REQUEST_MODEL = "gen_ai.request.model"
ATTR_RESPONSE_MODEL = "gen_ai.response.model"
ATTR_INPUT_TOKENS = "gen_ai.usage.input_tokens"
ATTR_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
ATTR_CACHE_READ = "gen_ai.usage.cache_read.input_tokens"
ATTR_CACHE_CREATION = "gen_ai.usage.cache_creation.input_tokens"
ATTR_CACHE_WRITE = "gen_ai.usage.cache_write.input_tokens"  # another spelling seen in exporters
ATTR_CACHE_WRITE_5M = "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens"
ATTR_CACHE_WRITE_1H = "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens"
FIELD_OUTCOME = "outcome"
FIELD_LATENCY = "latency_ms"
FIELD_ERROR = "error"
ATTR_ERROR_TYPE = "error.type"
FIELD_TIMESTAMP = "timestamp"
FIELD_START_NANOS = "start_time_unix_nano"

INCLUSIVE = "inclusive"  # OTel: input_tokens counts cache reads and writes too
EXCLUSIVE = "exclusive"  # Anthropic's API field passed through: input_tokens is the uncached part
AUTO = "auto"
CONVENTIONS = (AUTO, INCLUSIVE, EXCLUSIVE)
SAMPLE_BYTES = 4 * 1024 * 1024  # how much of each source `auto` reads to tell the convention


def input_convention(config: Config, given: str | None) -> str:
    """The records' input-token convention: as given (`--input-tokens`), else
    `telemetry.input_tokens` in the config, else `auto` (told per source). One rule for
    `canary analyze`, `calibrate` and `check --telemetry`."""
    return given or str(config.telemetry.get("input_tokens", AUTO))


PARALLEL_MIN_BYTES = 32 * 1024 * 1024
CHUNK_TARGET_BYTES = 128 * 1024 * 1024
BLOCK_BYTES = 4 * 1024 * 1024
MAX_EXAMPLES = 5
MAX_COHORTS = 10_000

# Accumulator slots: a list per (prompt, version, model) is the fastest mutable record here.
(
    _CALLS,
    _SUCCESSES,
    _FAILURES,
    _ERRORS,
    _INPUT,
    _OUTPUT,
    _CACHE_READ,
    _CACHE_CREATION,
    _CACHE_WRITE_5M,
    _CACHE_WRITE_1H,
    _CACHE_HITS,
    _COST_SUM,
    _COST_SQUARES,
    _LATENCY_SUM,
    _LATENCY_CALLS,
    _FIRST_SEEN,
    _LAST_SEEN,
    _LATENCY_HIST,
    _COST_HIST,
    _RATES,
    _TIERS,
) = range(21)
# _TIERS: {threshold: [calls, input, output, read, creation, 5m, 1h]} of calls paying a tier


@dataclass
class ReadCounters:
    """What the reader saw besides the records it aggregated."""

    lines: int = 0
    records: int = 0
    invalid: int = 0
    other_prompts: int = 0
    missing_prompt: int = 0
    examples: list[str] = field(default_factory=list)

    def merge(self, other: ReadCounters) -> None:
        self.lines += other.lines
        self.records += other.records
        self.invalid += other.invalid
        self.other_prompts += other.other_prompts
        self.missing_prompt += other.missing_prompt
        room = MAX_EXAMPLES - len(self.examples)
        self.examples.extend(other.examples[: max(room, 0)])

    def note(self, example: str) -> None:
        self.invalid += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "records": self.records,
            "invalid": self.invalid,
            "other_prompts": self.other_prompts,
            "missing_prompt": self.missing_prompt,
            "examples": list(self.examples),
        }


Task = tuple[str, str, int, int, str]  # path, kind, start byte, end byte, input convention


@dataclass
class TelemetryResult:
    cohorts: dict[tuple[str, str], CohortStats]
    counters: ReadCounters
    conventions: dict[str, str] = field(default_factory=dict)  # source -> input convention


def expand_paths(patterns: Sequence[str]) -> list[str]:
    """Telemetry arguments as files: globs expanded (sorted; one that matches nothing is a
    UserError), `-` (stdin) and plain paths as given."""
    import glob

    paths: list[str] = []
    for pattern in patterns:
        if pattern != "-" and any(ch in pattern for ch in "*?["):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise UserError(f"no file matches {pattern!r}")
            paths.extend(matches)
        else:
            paths.append(pattern)
    return paths


@dataclass
class SourcePlan:
    """What to read: tasks (files or byte ranges of them) with each source's convention."""

    tasks: list[Task]
    conventions: dict[str, str]  # source -> input convention
    stdin_head: bytes = b""  # what `auto` already read from stdin (served first again)


def plan_sources(
    paths: Sequence[str | Path],
    input_tokens: str = AUTO,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    chunk_bytes: int = CHUNK_TARGET_BYTES,
) -> SourcePlan:
    """Check every source exists, tell its input convention, split large JSONL files."""
    if input_tokens not in CONVENTIONS:
        raise UserError(
            f"telemetry input_tokens must be one of {', '.join(CONVENTIONS)}, got {input_tokens!r}"
        )
    plan = SourcePlan([], {})
    for raw in paths:
        path = str(raw)
        kind = _file_kind(path)
        if path != "-":
            try:
                size = os.path.getsize(path)
            except OSError as exc:
                raise UserError(f"cannot read telemetry: {exc.strerror}", path=path) from exc
        else:
            size = 0
        convention = input_tokens
        if convention == AUTO:
            if path == "-":
                plan.stdin_head = sys.stdin.buffer.read(SAMPLE_BYTES)
            convention = _detect_convention(_sample_records(path, kind, plan.stdin_head))
        plan.conventions[path] = convention
        if kind == "jsonl" and size >= parallel_min_bytes:
            plan.tasks.extend(
                (path, kind, start, end, convention)
                for start, end in _byte_ranges(size, chunk_bytes)
            )
        else:
            plan.tasks.append((path, kind, 0, size, convention))
    return plan


def check_readable(counters: ReadCounters) -> None:
    """UserError (exit 2) when most records could not be read: a report on the few left
    would rest on no evidence."""
    if counters.invalid > counters.records:
        raise UserError(
            f"{counters.invalid:,} of {counters.invalid + counters.records:,} call records "
            "could not be read, so no verdict can rest on the rest; first: "
            + "; ".join(counters.examples[:3])
        )


def read_telemetry(
    paths: Sequence[str | Path],
    prices: TelemetryPricing,
    prompt_id: str | None = None,
    workers: int | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    chunk_bytes: int = CHUNK_TARGET_BYTES,
    input_tokens: str = AUTO,
) -> TelemetryResult:
    """Aggregate every call record of ``prompt_id`` (all prompts when None) in ``paths``.

    JSONL files of at least ``parallel_min_bytes`` are split into ranges of about
    ``chunk_bytes`` folded by ``workers`` processes (default: the CPU count).
    ``input_tokens`` says whether ``gen_ai.usage.input_tokens`` includes cache reads and writes
    (`inclusive`, the OTel convention) or not (`exclusive`, Anthropic's own field passed through
    by many instrumentations); `auto` tells it per source from its first records.
    Raises UserError (exit 2) when most records cannot be read: a report on the few that
    could would say HOLD on no evidence.
    """
    plan = plan_sources(paths, input_tokens, parallel_min_bytes, chunk_bytes)
    tasks, conventions, stdin_head = plan.tasks, plan.conventions, plan.stdin_head
    workers = workers if workers is not None else (os.cpu_count() or 1)
    parallel = [t for t in tasks if t[1] == "jsonl" and t[3] > t[2] and _is_split(t, tasks)]
    accs: dict[tuple[Any, Any, Any], list[Any]] = {}
    counters = ReadCounters()
    if workers > 1 and len(parallel) > 1:
        _run_parallel(parallel, prices, prompt_id, workers, accs, counters)
        tasks = [t for t in tasks if t not in parallel]
    for task in tasks:
        part_accs, part_counters = _scan_task(task, prices, prompt_id, stdin_head)
        _merge_accs(accs, part_accs)
        counters.merge(part_counters)
    check_readable(counters)
    return TelemetryResult(
        cohorts=_finalize(accs, prices), counters=counters, conventions=conventions
    )


def sample_records(path: str) -> list[Any]:
    """The records at the head of a file (what `auto` reads to tell its convention)."""
    return _sample_records(path, _file_kind(path), b"")


def _sample_records(path: str, kind: str, stdin_head: bytes) -> list[Any]:
    """The records in the first `SAMPLE_BYTES` of a source (whole lines only)."""
    if kind == "parquet":
        try:
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
                return list(batch.to_pylist())
        except Exception:  # unreadable: the scan itself reports it, with its message
            return []
        return []
    try:
        if path == "-":
            head = stdin_head
        elif kind == "jsonl.gz":
            with gzip.open(path, "rb") as stream:
                head = stream.read(SAMPLE_BYTES)
        else:
            with open(path, "rb") as stream:
                head = stream.read(SAMPLE_BYTES)
    except (OSError, EOFError):
        return []
    lines = head.split(b"\n")
    if len(head) >= SAMPLE_BYTES:
        lines.pop()  # cut mid-line
    records = []
    for line in lines:
        try:
            records.append(_loads(line))
        except (_JSONDecodeError, ValueError):
            continue
    return records


def _detect_convention(records: Iterable[Any]) -> str:
    """`exclusive` when any record's cache tokens exceed its input tokens (impossible when
    input includes them), else `inclusive`. Records without cache tokens read the same
    either way, so a source that never caches is inclusive harmlessly."""
    for record in records:
        if record.__class__ is not dict:
            continue
        if ATTR_INPUT_TOKENS not in record and record.get("attributes").__class__ is dict:
            record = record["attributes"]
        try:
            cached = int(record.get(ATTR_CACHE_READ) or 0) + int(
                record.get(ATTR_CACHE_CREATION) or record.get(ATTR_CACHE_WRITE) or 0
            )
            if cached > int(record.get(ATTR_INPUT_TOKENS) or 0):
                return EXCLUSIVE
        except (TypeError, ValueError):
            continue
    return INCLUSIVE


# ----- one task: a file or a byte range of one -------------------------------------------------
def _scan_task(
    task: Task, prices: TelemetryPricing, prompt_id: str | None, stdin_head: bytes = b""
) -> tuple[dict, ReadCounters]:
    counters = ReadCounters()
    accs: dict[tuple[Any, Any, Any], list[Any]] = {}
    exclusive = task[4] == EXCLUSIVE
    _fold(task_records(task, counters, stdin_head), prompt_id, prices, accs, counters, exclusive)
    return accs, counters


def task_records(task: Task, counters: ReadCounters, stdin_head: bytes = b"") -> Iterator[Any]:
    """The raw records of one task (a file, a byte range of one, or stdin), as parsed.

    The one place telemetry is opened: canary's fold and `calibrate` both read through it.
    Unreadable input is a UserError naming the file."""
    path, kind, start, end, _convention = task
    try:
        if kind == "parquet":
            yield from _iter_parquet(path, counters)
        elif path == "-":
            stream = _Prefixed(stdin_head, sys.stdin.buffer)
            yield from _iter_jsonl(stream, path, 0, math.inf, counters)
        elif kind == "jsonl.gz":
            with gzip.open(path, "rb") as packed:
                yield from _iter_jsonl(packed, path, 0, math.inf, counters)
        else:
            with open(path, "rb") as plain:
                if start > 0:
                    plain.seek(start - 1)
                    plain.readline()  # the line holding byte start-1 belongs to the range before
                    start = plain.tell()
                yield from _iter_jsonl(plain, path, start, end or math.inf, counters)
    except OSError as exc:
        raise UserError(f"cannot read telemetry: {exc.strerror or exc}", path=path) from exc
    except EOFError as exc:
        raise UserError(f"truncated compressed file: {exc}", path=path) from exc


class _Prefixed:
    """A stream that first serves bytes already read from it (the `auto` sample of stdin)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.head:
            head, self.head = self.head, b""
            return head
        return self.rest.read(size)


def _iter_jsonl(
    stream: BinaryIO | gzip.GzipFile | _Prefixed,
    path: str,
    start: int,
    end: float,
    counters: ReadCounters,
) -> Iterator[Any]:
    """Parsed records of the lines that start in [start, end); bad lines are counted."""
    offset = start
    carry = b""
    loads = _loads
    while offset < end:
        block = stream.read(BLOCK_BYTES)
        if not block:
            if carry:
                lines = [carry]
                carry = b""
            else:
                break
        else:
            lines = (carry + block).split(b"\n")
            carry = lines.pop()
        for line in lines:
            if offset >= end:
                return
            line_offset = offset
            offset += len(line) + 1
            counters.lines += 1
            if not line or line.isspace():
                counters.lines -= 1
                continue
            try:
                yield loads(line)
            except (_JSONDecodeError, ValueError) as exc:
                counters.note(f"{path}: byte {line_offset}: not JSON ({_short(exc)})")
        if not block:
            break


def _iter_parquet(path: str, counters: ReadCounters) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise UserError(
            "reading Parquet telemetry needs pyarrow: pip install 'promptops-ci[parquet]'",
            path=path,
        ) from exc
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=65_536):
            rows = batch.to_pylist()
            counters.lines += len(rows)
            yield from rows
    except OSError:
        raise
    except Exception as exc:  # pyarrow raises its own ArrowInvalid for corrupt files
        raise UserError(f"cannot read Parquet telemetry: {exc}", path=path) from exc


CallFigures = tuple[int, int, int, int, int, int, float | None, float | None]


def call_figures(record: dict[str, Any], exclusive: bool = False) -> CallFigures:
    """A call record's figures, checked: (input tokens inclusive of cache reads and writes,
    output, cache read, cache creation, 5m and 1h cache writes, latency ms, time as epoch
    seconds); the last two None when the record does not say.

    The one reading of a record's numbers: canary's fold and calibrate's calls both take it,
    so they accept and reject the same records with the same figures. With `exclusive`,
    input_tokens is the uncached part (Anthropic's field) and is made inclusive here. A
    missing, null, empty or false count is 0; `true`, fractions, negative counts, impossible
    cache figures, a negative latency and an unparseable time raise TypeError/ValueError/
    OverflowError (the caller counts the record invalid). Ints throughout take no conversion."""
    input_tokens = record.get(ATTR_INPUT_TOKENS) or 0
    output_tokens = record.get(ATTR_OUTPUT_TOKENS) or 0
    cache_read = record.get(ATTR_CACHE_READ) or 0
    cache_creation = record.get(ATTR_CACHE_CREATION) or record.get(ATTR_CACHE_WRITE) or 0
    if (
        input_tokens.__class__ is not int
        or output_tokens.__class__ is not int
        or cache_read.__class__ is not int
        or cache_creation.__class__ is not int
    ):
        input_tokens, output_tokens, cache_read, cache_creation = _as_ints(
            input_tokens, output_tokens, cache_read, cache_creation
        )
    write_5m = record.get(ATTR_CACHE_WRITE_5M)
    write_1h = record.get(ATTR_CACHE_WRITE_1H)
    if write_5m is not None or write_1h is not None:
        write_5m, write_1h = _as_ints(write_5m or 0, write_1h or 0)
        if cache_creation == 0:
            cache_creation = write_5m + write_1h
        if min(write_5m, write_1h) < 0 or write_5m + write_1h > cache_creation:
            raise ValueError("the 5m and 1h cache writes exceed the cache creation tokens")
    else:
        write_5m = write_1h = 0
    if exclusive:
        input_tokens += cache_read + cache_creation
    if (
        input_tokens < cache_read + cache_creation
        or min(input_tokens, output_tokens, cache_read, cache_creation) < 0
    ):
        raise ValueError("input_tokens must include cache read and creation tokens")
    latency = record.get(FIELD_LATENCY)
    if latency is not None:
        latency = float(latency)
        if latency < 0 or latency != latency:
            raise ValueError("negative latency")
    stamp = record.get(FIELD_TIMESTAMP)
    if stamp is None:
        nanos = record.get(FIELD_START_NANOS)
        seen = None if nanos is None else int(nanos) / 1e9
    else:
        seen = epoch_seconds(stamp)
    return (
        input_tokens,
        output_tokens,
        cache_read,
        cache_creation,
        write_5m,
        write_1h,
        latency,
        seen,
    )


# ----- the hot loop ----------------------------------------------------------------------------
def _fold(
    records: Iterable[Any],
    prompt_id: str | None,
    prices: TelemetryPricing,
    accs: dict[tuple[Any, Any, Any], list[Any]],
    counters: ReadCounters,
    exclusive: bool = False,
) -> None:
    """Fold records into accumulators. Kept in one function with local names: it runs 10^7 times.
    A record's numbers are read by `call_figures`, the one reading `calibrate` shares.

    With `exclusive`, a record's input_tokens is the uncached part (Anthropic's field) and is
    made inclusive here, so everything below reads one convention."""
    log1p = math.log1p
    inv_ln = 1.0 / LN_HISTOGRAM_BASE
    figures_of = call_figures
    n_records = 0
    for record in records:
        if record.__class__ is not dict:
            counters.note(f"record is not a JSON object: {_short(record)}")
            continue
        pid = record.get(ATTR_PROMPT_ID)
        if pid is None:
            attributes = record.get("attributes")
            if attributes.__class__ is dict:
                record = {**record, **attributes}
                pid = record.get(ATTR_PROMPT_ID)
            if pid is None:
                counters.missing_prompt += 1
                continue
        if prompt_id is not None and pid != prompt_id:
            counters.other_prompts += 1
            continue
        version = record.get(ATTR_PROMPT_VERSION)
        if version is None:
            counters.missing_prompt += 1
            continue
        model = record.get(ATTR_REQUEST_MODEL) or record.get(ATTR_RESPONSE_MODEL)
        try:
            (
                input_tokens,
                output_tokens,
                cache_read,
                cache_creation,
                write_5m,
                write_1h,
                latency,
                seen,
            ) = figures_of(record, exclusive)
        except (TypeError, ValueError, OverflowError) as exc:
            counters.note(f"{pid}@{version}: bad field value ({_short(exc)})")
            continue
        key = (pid, version, model)
        try:
            acc = accs.get(key)
        except TypeError:  # a list or object as id, version or model: calibrate rejects it too
            counters.note(f"{_short(key)}: prompt id, version and model must be scalars")
            continue
        if acc is None:
            if len(accs) >= MAX_COHORTS:
                raise UserError(f"more than {MAX_COHORTS} prompt versions x models in telemetry")
            acc = accs[key] = _new_acc(prices.rates(model))
        outcome = record.get(FIELD_OUTCOME)
        acc[_CALLS] += 1
        if outcome == "success":
            acc[_SUCCESSES] += 1
        elif outcome == "failure":
            acc[_FAILURES] += 1
        if record.get(FIELD_ERROR) or record.get(ATTR_ERROR_TYPE):
            acc[_ERRORS] += 1
        acc[_INPUT] += input_tokens
        acc[_OUTPUT] += output_tokens
        acc[_CACHE_READ] += cache_read
        acc[_CACHE_CREATION] += cache_creation
        if write_5m or write_1h:
            acc[_CACHE_WRITE_5M] += write_5m
            acc[_CACHE_WRITE_1H] += write_1h
        if cache_read:
            acc[_CACHE_HITS] += 1
        model_rates = acc[_RATES]
        if model_rates is not None:
            rates = model_rates.base
            if model_rates.tiers:  # the call's total input picks the tier for all its tokens
                for above, tier_rates in model_rates.tiers:
                    if input_tokens > above:
                        rates = tier_rates
                        sums = acc[_TIERS].get(above)
                        if sums is None:
                            sums = acc[_TIERS][above] = [0, 0, 0, 0, 0, 0, 0]
                        sums[0] += 1
                        sums[1] += input_tokens
                        sums[2] += output_tokens
                        sums[3] += cache_read
                        sums[4] += cache_creation
                        sums[5] += write_5m
                        sums[6] += write_1h
                        break
            cost = (
                (input_tokens - cache_read - cache_creation) * rates.input
                + output_tokens * rates.output
                + (cache_creation - write_5m - write_1h) * rates.cache_write
                + cache_read * rates.cache_read
            )
            if write_5m or write_1h:  # split writes at their own TTL's rate
                cost += write_5m * rates.cache_write_5m + write_1h * rates.cache_write_1h
            acc[_COST_SUM] += cost
            acc[_COST_SQUARES] += cost * cost
            histogram = acc[_COST_HIST]
            bucket = int(log1p(cost) * inv_ln) if cost > 0 else 0
            histogram[bucket] = histogram.get(bucket, 0) + 1
        if latency is not None:
            acc[_LATENCY_SUM] += latency
            acc[_LATENCY_CALLS] += 1
            histogram = acc[_LATENCY_HIST]
            bucket = int(log1p(latency) * inv_ln) if latency > 0 else 0
            histogram[bucket] = histogram.get(bucket, 0) + 1
        if seen is not None:
            if acc[_FIRST_SEEN] is None or seen < acc[_FIRST_SEEN]:
                acc[_FIRST_SEEN] = seen
            if acc[_LAST_SEEN] is None or seen > acc[_LAST_SEEN]:
                acc[_LAST_SEEN] = seen
        n_records += 1
    counters.records += n_records


def _new_acc(rates: Any) -> list[Any]:
    return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0, None, None, {}, {}, rates, {}]


def _as_ints(*values: Any) -> tuple[int, ...]:
    out = []
    for value in values:
        if isinstance(value, bool):
            raise TypeError("token count is a boolean")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append(int(value) if isinstance(value, str) else value)
        if out[-1].__class__ is not int:
            raise TypeError(f"token count {value!r} is not an integer")
    return tuple(out)


_TIME_CACHE: dict[str, float] = {}


def epoch_seconds(stamp: Any) -> float:
    """Epoch seconds from a number (s, ms or ns by magnitude) or an ISO 8601 string."""
    if stamp.__class__ is str:
        cached = _TIME_CACHE.get(stamp)
        if cached is not None:
            return cached
        parsed = datetime.fromisoformat(stamp)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        value = parsed.timestamp()
        if len(_TIME_CACHE) > 4096:
            _TIME_CACHE.clear()
        _TIME_CACHE[stamp] = value
        return value
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise TypeError(f"timestamp {stamp!r} is neither a number nor an ISO 8601 string")
    value = float(stamp)
    if value > 1e17:
        return value / 1e9
    if value > 1e11:
        return value / 1e3
    return value


# ----- parallel plumbing -----------------------------------------------------------------------
def _is_split(task: Task, tasks: list[Task]) -> bool:
    """True for a byte range of a file that was split (worth a worker process)."""
    return sum(1 for other in tasks if other[0] == task[0]) > 1


def _byte_ranges(size: int, chunk_bytes: int) -> list[tuple[int, int]]:
    count = max(2, math.ceil(size / chunk_bytes))
    step = math.ceil(size / count)
    return [(start, min(start + step, size)) for start in range(0, size, step)]


def _run_parallel(
    tasks: list[Task],
    prices: TelemetryPricing,
    prompt_id: str | None,
    workers: int,
    accs: dict[tuple[Any, Any, Any], list[Any]],
    counters: ReadCounters,
) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = [pool.submit(_scan_task, task, prices, prompt_id) for task in tasks]
        for future in futures:  # in order, so examples and errors are deterministic
            part_accs, part_counters = future.result()
            _merge_accs(accs, part_accs)
            counters.merge(part_counters)


def _merge_accs(into: dict[tuple[Any, Any, Any], list[Any]], other: dict) -> None:
    for key, acc in other.items():
        mine = into.get(key)
        if mine is None:
            into[key] = acc
            continue
        for slot in range(_CALLS, _LATENCY_CALLS + 1):
            mine[slot] += acc[slot]
        for slot, pick in ((_FIRST_SEEN, min), (_LAST_SEEN, max)):
            if acc[slot] is not None:
                mine[slot] = acc[slot] if mine[slot] is None else pick(mine[slot], acc[slot])
        for slot in (_LATENCY_HIST, _COST_HIST):
            histogram = mine[slot]
            for bucket, count in acc[slot].items():
                histogram[bucket] = histogram.get(bucket, 0) + count
        for above, sums in acc[_TIERS].items():
            into_sums = mine[_TIERS].setdefault(above, [0] * len(sums))
            for index, value in enumerate(sums):
                into_sums[index] += value


def _finalize(
    accs: dict[tuple[Any, Any, Any], list[Any]], prices: TelemetryPricing
) -> dict[tuple[str, str], CohortStats]:
    cohorts: dict[tuple[str, str], CohortStats] = {}
    for (pid, version, model), acc in accs.items():
        key = (str(pid), _version_text(version))
        part = CohortStats(prompt_id=key[0], version=key[1])
        part.calls = acc[_CALLS]
        part.successes = acc[_SUCCESSES]
        part.failures = acc[_FAILURES]
        part.errors = acc[_ERRORS]
        part.cache_hit_calls = acc[_CACHE_HITS]
        tokens = ModelTokens(
            calls=acc[_CALLS],
            input_tokens=acc[_INPUT],
            output_tokens=acc[_OUTPUT],
            cache_read_input_tokens=acc[_CACHE_READ],
            cache_creation_input_tokens=acc[_CACHE_CREATION],
            cache_write_5m_input_tokens=acc[_CACHE_WRITE_5M],
            cache_write_1h_input_tokens=acc[_CACHE_WRITE_1H],
            tiers={above: ModelTokens(*sums) for above, sums in acc[_TIERS].items()},
        )
        part.tokens_by_model[str(model) if model else "(unknown)"] = tokens
        model_prices = prices.get(model) if acc[_RATES] is not None else None
        if model_prices is None:
            part.unpriced_calls = acc[_CALLS]
            part.unpriced_models = {str(model) if model else "(no model attribute)"}
        else:
            part.cost_usd = prices.cost_usd(tokens, model_prices)
            part.cost_micro_sum = acc[_COST_SUM]
            part.cost_micro_squares = acc[_COST_SQUARES]
            part.cost_histogram = acc[_COST_HIST]
        part.latency_ms_sum = acc[_LATENCY_SUM]
        part.latency_calls = acc[_LATENCY_CALLS]
        part.first_seen = acc[_FIRST_SEEN]
        part.last_seen = acc[_LAST_SEEN]
        part.latency_histogram = acc[_LATENCY_HIST]
        if key in cohorts:
            cohorts[key].merge(part)
        else:
            cohorts[key] = part
    return cohorts


def _version_text(version: Any) -> str:
    return version if isinstance(version, str) else str(version)


def _file_kind(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith((".parquet", ".pq")):
        return "parquet"
    if lowered.endswith(".gz"):
        return "jsonl.gz"
    return "jsonl"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
