"""Benchmark `promptops canary analyze` on ten million generated call records.

    python bench/canary_bench.py [--records 10000000] [--workdir /tmp/promptops-bench]

Generates a reproducible (seeded) JSONL file of OTel GenAI call records, streamed to disk (95 %
stable, 5 % canary), then runs the real CLI on it in a child process and reports the wall time,
the peak resident memory of the whole process tree (sampled from /proc every 20 ms, worker
processes included) and the largest single process's peak (getrusage). The data file is kept
and reused when it already exists for the same size and seed.
Target: under 60 s and under 500 MB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROMPT = "support/triage"
MODEL = "claude-haiku-4-5"  # priced from the built-in price table
RELEASE = """\
kind: release
id: bench-rollout
prompt: support/triage
stable: 1.0.0
canary:
  version: 1.1.0
  steps:
    - {weight: 5, min_calls: 10000, min_minutes: 60}
    - {weight: 100, min_calls: 100000, min_minutes: 240}
  step: 0
"""


def generate(path: Path, records: int, seed: int) -> None:
    """Write ``records`` call records; deterministic for a given seed."""
    try:
        from orjson import dumps
    except ImportError:  # pragma: no cover

        def dumps(value: object) -> bytes:
            return json.dumps(value).encode()

    rng = random.Random(seed)
    start = 1_788_000_000.0
    span_seconds = 6 * 3600
    temp = path.with_suffix(".partial")
    with temp.open("wb", buffering=8 * 1024 * 1024) as out:
        for index in range(records):
            canary = rng.random() < 0.05
            hit = rng.random() < 0.8
            uncached = 400 + int(rng.expovariate(1 / 150))
            errored = rng.random() < 0.01
            record = {
                "gen_ai.request.model": MODEL,
                "gen_ai.usage.input_tokens": 5000 + uncached,
                "gen_ai.usage.output_tokens": max(1, int(rng.gauss(300, 75))),
                "gen_ai.usage.cache_read.input_tokens": 5000 if hit else 0,
                "gen_ai.usage.cache_creation.input_tokens": 0 if hit else 5000,
                "promptops.prompt.id": PROMPT,
                "promptops.prompt.version": "1.1.0" if canary else "1.0.0",
                "outcome": "failure" if errored or rng.random() < 0.04 else "success",
                "latency_ms": round(rng.lognormvariate(6.7, 0.3), 1),
                "error": "overloaded_error" if errored else None,
                "timestamp": start + span_seconds * index / records,
            }
            out.write(dumps(record))
            out.write(b"\n")
    os.replace(temp, path)


def tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(workdir: Path, records: int, seed: int, workers: int | None) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"calls-{records}-{seed}.jsonl"
    if not data.exists():
        started = time.perf_counter()
        print(f"generating {records:,} records into {data} ...", flush=True)
        generate(data, records, seed)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        os.sync()  # flush the new file now, so write-back does not compete with the timed run
    (workdir / "release.yaml").write_text(RELEASE, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "promptops",
        "canary",
        "analyze",
        "release.yaml",
        "--telemetry",
        str(data),
        "--format",
        "json",
    ]
    if workers:
        command += ["--workers", str(workers)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    peak = 0
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(child.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode not in (0, 1):
        raise SystemExit(f"analyze failed ({child.returncode}): {stderr.decode()}")
    verdict = json.loads(stdout)
    single_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {
        "records": records,
        "file_bytes": data.stat().st_size,
        "cpus": os.cpu_count(),
        "wall_seconds": round(wall, 2),
        "records_per_second": round(records / wall),
        "peak_rss_tree_mb": round(peak / 2**20, 1),
        "peak_rss_single_process_mb": round(single_peak / 2**20, 1),
        "verdict": verdict["verdict"],
        "calls": {k: v["calls"] for k, v in verdict["cohorts"].items()},
        "target": {"wall_seconds": 60, "peak_rss_mb": 500},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20260901)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/promptops-bench"))
    args = parser.parse_args()
    report = run(args.workdir, args.records, args.seed, args.workers)
    print(json.dumps(report, indent=2))
    ok = report["wall_seconds"] < 60 and report["peak_rss_tree_mb"] < 500
    print("within target" if ok else "OUTSIDE TARGET")


if __name__ == "__main__":
    main()
