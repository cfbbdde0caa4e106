#!/usr/bin/env python3
"""Time `promptops validate` and `promptops tokens` on a generated repo, cold and warm.

    python bench/tokens_bench.py [--prompts 1000] [--repeat 3] [--seed 1] [--json FILE]

Cold: an empty token cache (PROMPTOPS_CACHE_DIR points at a fresh tmp dir), so every block is
tokenized. Warm: the same cache again, so counts come from it. Each run is the real CLI in a
subprocess (interpreter start-up included, as a user or a CI job sees it), from this checkout,
offline and with no API key. Reports the median of --repeat runs, and the best.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_repo import generate  # noqa: E402


def _env(cache_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANTHROPIC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PROMPTOPS_CACHE_DIR"] = str(cache_dir)
    env["NO_COLOR"] = "1"
    return env


def run_once(args: list[str], repo: Path, cache_dir: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "promptops", *args],
        cwd=repo,
        env=_env(cache_dir),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: findings in the generated repo are expected
        sys.exit(f"promptops {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def measure(args: list[str], repo: Path, work: Path, repeat: int) -> dict[str, float]:
    """Cold runs each start from an empty cache; warm runs reuse the last cold run's cache."""
    cold, warm = [], []
    label = "-".join(args)
    cache_dir = work / f"cache-{label}"
    for i in range(repeat):
        cache_dir = work / f"cache-{label}-{i}"
        cold.append(run_once(args, repo, cache_dir))
    for _ in range(repeat):
        warm.append(run_once(args, repo, cache_dir))
    return {
        "cold_median_s": round(statistics.median(cold), 3),
        "cold_best_s": round(min(cold), 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "warm_best_s": round(min(warm), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="promptops-bench-") as tmp:
        work = Path(tmp)
        repo = work / "repo"
        summary = generate(repo, args.prompts, args.seed, 1, 0, force=False)
        files = sum(1 for _ in repo.rglob("*.yaml"))
        results = {
            "prompts": args.prompts,
            "yaml_files": files,
            "generate_s": summary["total_seconds"],
            "repeat": args.repeat,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        }
        for command in (["validate"], ["tokens"], ["tokens", "--format", "json"]):
            results[" ".join(command)] = measure(command, repo, work, args.repeat)

    print(f"promptops on {args.prompts} prompts ({results['yaml_files']} YAML files), ", end="")
    print(f"median/best of {args.repeat}, seconds (CLI start-up included):")
    print(
        f"{'command':<24} {'cold median':>12} {'cold best':>10} {'warm median':>12} {'warm best':>10}"
    )
    for key, value in results.items():
        if isinstance(value, dict):
            print(
                f"{key:<24} {value['cold_median_s']:>12.2f} {value['cold_best_s']:>10.2f} "
                f"{value['warm_median_s']:>12.2f} {value['warm_best_s']:>10.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
