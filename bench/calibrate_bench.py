"""Benchmark `promptops calibrate` on ten million generated call records.

    python bench/calibrate_bench.py [--records 10000000] [--workdir /tmp/promptops-bench]

Generates a reproducible (seeded) JSONL file of OTel GenAI call records, streamed to disk:
four prompts in two charters plus one prompt no charter covers, agent tasks (one `trace_id`
each) of 1-10 steps, conversations of 1-12 turns (one task a turn, `gen_ai.conversation.id`),
about 70 % cache hits, Haiku-first tasks that sometimes escalate to Sonnet, and a tool span
now and then (no prompt id: `gen_ai.tool.name`). It then runs the real CLI
(`promptops calibrate --telemetry FILE --format json`) in a child process on a small
workspace it writes next to the data, and reports the wall time, the peak resident memory of
the whole process tree (sampled from /proc every 20 ms, worker processes and DuckDB threads
included), the largest single process's peak and its CPU seconds (getrusage of the child) and the load
average when the run started and ended (on a busy machine, CPU seconds / cores is the wall time
a quiet one would show). The data file is kept and reused when it exists for the same size and
seed.

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
START = 1_788_000_000.0  # 2026-08-29
SPAN_SECONDS = 7 * 86_400.0  # the records cover a week

CHARTERS = {
    "support": """\
kind: charter
id: support
owner: ana@example.com
scenarios:
  expected:
    calls_per_month: 20000000
    cache_hit_rate: 0.9
    output_tokens: 300
agent:
  max_steps: 8
budgets:
  monthly_usd: {expected: 50000, stretch: 90000, runaway: 200000}
""",
    "search": """\
kind: charter
id: search
owner: bo@example.com
scenarios:
  expected:
    calls_per_month: 10000000
    cache_hit_rate: 0.5
    output_tokens: 200
agent:
  max_steps: 6
budgets:
  monthly_usd: {expected: 20000, stretch: 40000, runaway: 100000}
""",
}
RULES = " ".join(f"Rule {i}: answer politely and cite policy section {i}." for i in range(120))
PROMPTS = {
    # prompt id: (workload, model, version, output tokens mean)
    "support/agent": ("support", "claude-haiku-4-5", "1.4.0", 320),
    "support/escalate": ("support", "claude-sonnet-4-5", "1.1.0", 500),
    "search/answer": ("search", "claude-haiku-4-5", "2.0.0", 220),
    "search/rerank": ("search", "claude-haiku-4-5", "2.0.1", 40),
}
ORPHAN = "labs/experiment"  # spend no charter covers


def _prompt_yaml(prompt_id: str, workload: str, model: str, version: str) -> str:
    return f"""\
kind: prompt
id: {prompt_id}
version: {version}
model: {model}
workload: {workload}
max_output_tokens: 2000
system:
  - text: "You are a helpful assistant. {RULES}"
    cache: true
messages:
  - role: user
    content: "{{{{ question }}}}"
variables:
  question: {{max_tokens: 2000, expected_tokens: 300}}
"""


def write_workspace(root: Path) -> None:
    """promptops.yaml, the charters and the prompts the records name (no git needed)."""
    (root / "charters").mkdir(parents=True, exist_ok=True)
    (root / "prompts").mkdir(exist_ok=True)
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\n", encoding="utf-8")
    for name, text in CHARTERS.items():
        (root / "charters" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for prompt_id, (workload, model, version, _) in PROMPTS.items():
        path = root / "prompts" / f"{prompt_id.replace('/', '-')}.yaml"
        path.write_text(_prompt_yaml(prompt_id, workload, model, version), encoding="utf-8")


def generate(path: Path, records: int, seed: int) -> None:
    """Write exactly ``records`` records; deterministic for a given seed.

    Tasks are written whole (their steps on consecutive lines, a few seconds apart), in time
    order, so a task rarely straddles the boundary of two byte ranges -- as in a real export."""
    from orjson import dumps

    rng = random.Random(seed)
    written = 0
    task = 0
    conversation = 0
    turns_left = 0
    conversation_id: str | None = None
    turn = 0
    temp = path.with_suffix(".partial")
    with temp.open("wb", buffering=8 * 1024 * 1024) as out:
        while written < records:
            if turns_left == 0:
                conversation += 1
                turns_left = rng.randint(1, 12)
                turn = 0
                conversation_id = f"conv-{seed:x}-{conversation:010x}"
            turns_left -= 1
            turn += 1
            task += 1
            trace_id = f"{rng.getrandbits(96):024x}{task:08x}"
            now = START + SPAN_SECONDS * written / records
            roll = rng.random()
            if roll < 0.55:
                prompts = ["support/agent"]
            elif roll < 0.9:
                prompts = ["search/answer", "search/rerank"]
            else:
                prompts = [ORPHAN]
            steps = min(10, 1 + int(rng.expovariate(1 / 2.2)))
            failed_task = rng.random() < 0.06
            for step in range(steps):
                if written >= records:
                    break
                prompt_id = prompts[step % len(prompts)]
                if prompt_id == "support/agent" and step >= 2 and rng.random() < 0.3:
                    prompt_id = "support/escalate"  # Haiku first, Sonnet when it is hard
                if prompt_id == ORPHAN:
                    model, version, output_mean = "claude-haiku-4-5", "0.1.0", 150
                else:
                    _, model, version, output_mean = PROMPTS[prompt_id]
                hit = rng.random() < 0.7
                prefix = 1800
                uncached = 300 + 120 * turn + int(rng.expovariate(1 / 200))
                errored = rng.random() < 0.01
                last = step == steps - 1
                record = {
                    "gen_ai.request.model": model,
                    "gen_ai.usage.input_tokens": prefix + uncached,
                    "gen_ai.usage.output_tokens": max(1, int(rng.gauss(output_mean, 80))),
                    "gen_ai.usage.cache_read.input_tokens": prefix if hit else 0,
                    "gen_ai.usage.cache_creation.input_tokens": 0 if hit else prefix,
                    "promptops.prompt.id": prompt_id,
                    "promptops.prompt.version": version,
                    "trace_id": trace_id,
                    "gen_ai.conversation.id": conversation_id,
                    "outcome": ("failure" if failed_task else "success") if last else None,
                    "latency_ms": round(rng.lognormvariate(6.7, 0.3), 1),
                    "error": "overloaded_error" if errored else None,
                    "timestamp": round(now + step * 2.5, 3),
                }
                out.write(dumps(record))
                out.write(b"\n")
                written += 1
                if written < records and rng.random() < 0.04:  # a tool span in the task
                    tool = {
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": "search_kb",
                        "gen_ai.tool.call.arguments": f'{{"q": "{rng.randint(0, 3)}"}}',
                        "trace_id": trace_id,
                        "timestamp": round(now + step * 2.5 + 1, 3),
                    }
                    out.write(dumps(tool))
                    out.write(b"\n")
                    written += 1
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


def run(workdir: Path, records: int, seed: int, extra: list[str]) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"calibrate-{records}-{seed}.jsonl"
    if not data.exists():
        started = time.perf_counter()
        print(f"generating {records:,} records into {data} ...", flush=True)
        generate(data, records, seed)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        os.sync()  # flush the new file now, so write-back does not compete with the timed run
    workspace = workdir / "calibrate-workspace"
    write_workspace(workspace)
    command = [sys.executable, "-m", "promptops", "calibrate", "--telemetry", str(data)]
    command += ["--format", "json", *extra]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    load = os.getloadavg()
    peak = 0
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
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
    if child.returncode != 0:
        raise SystemExit(f"calibrate failed ({child.returncode}): {stderr.decode()[-2000:]}")
    report = json.loads(stdout)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    single_peak = usage.ru_maxrss * 1024
    return {
        "records": records,
        "file_bytes": data.stat().st_size,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "wall_seconds": round(wall, 2),
        # CPU time of the child and its threads/workers: what a loaded machine cannot inflate
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "records_per_second": round(records / wall),
        "peak_rss_tree_mb": round(peak / 2**20, 1),
        "peak_rss_single_process_mb": round(single_peak / 2**20, 1),
        "report": _digest(report),
        "stderr": stderr.decode()[-600:],
        "target": {"wall_seconds": 60, "peak_rss_mb": 500},
    }


def _digest(report: dict) -> dict:
    """The calibrated figures, short enough to print: per workload its measured values."""
    out: dict = {}
    for item in report.get("workloads") or []:
        gaps = {g.get("metric"): g.get("measured") for g in item.get("gaps") or []}
        out[str(item.get("id"))] = gaps
    out["fingerprints"] = sorted(str(f.get("name")) for f in report.get("fingerprints") or [])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/promptops-bench"))
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    parser.add_argument(
        "extra", nargs="*", help="more calibrate arguments, after -- (e.g. -- --input-tokens …)"
    )
    args = parser.parse_args()
    if args.generate_only:
        args.workdir.mkdir(parents=True, exist_ok=True)
        data = args.workdir / f"calibrate-{args.records}-{args.seed}.jsonl"
        if not data.exists():
            generate(data, args.records, args.seed)
        print(data)
        return
    report = run(args.workdir, args.records, args.seed, args.extra)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    ok = report["wall_seconds"] < 60 and report["peak_rss_tree_mb"] < 500
    print("within target" if ok else "OUTSIDE TARGET")


if __name__ == "__main__":
    main()
