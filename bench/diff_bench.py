"""Benchmark `promptops diff` between two commits of a generated repo: N prompts, M changed.

Usage: python bench/diff_bench.py [--sizes 1000 10000] [--changed 10] [--seed 7] [--keep DIR]

For each size, `bench/generate_repo.py` builds a repo (N prompts, N/50 workload charters, N/10
tools) with two commits, the second changing `--changed` prompts, and the bench times
`promptops diff HEAD~1 HEAD --format json` as a whole command (interpreter start and imports
included), each in a fresh process:

- cold: empty cache folder (no document summaries, no figures, no token counts);
- warm: the cache a previous run left. This is the realistic CI case: the cache folder is
  restored between runs (actions/cache), and a pull request's diff finds every unchanged
  document there; only the changed ones are read and priced.
- warm, other change: the cache left by a diff of *different* commits of the same repo (an
  earlier push), so the changed documents are new to the cache.

Every run's JSON must be byte-identical to the cold run's, or the bench fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def generate(root: Path, prompts: int, changed: int, seed: int) -> None:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate_repo.py"),
            str(root),
            "--prompts",
            str(prompts),
            "--seed",
            str(seed),
            "--commits",
            "3",
            "--change",
            str(changed),
            "--force",
            "--quiet",
        ],
        check=True,
        timeout=1200,
    )


def run_diff(root: Path, cache: Path, base: str, head: str) -> tuple[float, str]:
    env = {**os.environ, "PROMPTOPS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "promptops", "diff", base, head, "--format", "json"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return time.perf_counter() - start, result.stdout.decode()


def work_counts(root: Path, cache: Path) -> tuple[int, int, int]:
    """(prompts shown, workload members from the cache, members priced) of a warm run."""
    probe = (
        "import json, sys\n"
        "from promptops.config import load_config\n"
        "from promptops.diff.run import diff_refs\n"
        "run = diff_refs(load_config(sys.argv[1]), 'HEAD~1', 'HEAD')\n"
        "print(json.dumps([len(run.report.prompts), run.loaded.figures_cached,"
        " run.loaded.figures_priced]))\n"
    )
    env = {**os.environ, "PROMPTOPS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", probe, str(root)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    ).stdout
    shown, cached, priced = json.loads(out)
    return shown, cached, priced


def best(times: list[float]) -> float:
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per size (best shown)")
    parser.add_argument("--keep", type=Path, help="build repos here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="promptops-diff-bench-"))
    rows = []
    try:
        for size in args.sizes:
            root = work / f"repo-{size}"
            t0 = time.perf_counter()
            generate(root, size, args.changed, args.seed)
            built = time.perf_counter() - t0

            cold_cache = work / f"cache-{size}-cold"
            shutil.rmtree(cold_cache, ignore_errors=True)
            cold, expected = run_diff(root, cold_cache, "HEAD~1", "HEAD")
            warm_times = []
            for _ in range(args.repeat):
                seconds, out = run_diff(root, cold_cache, "HEAD~1", "HEAD")
                assert out == expected, "a warm run differs from the cold run"
                warm_times.append(seconds)
            shown, cached, priced = work_counts(root, cold_cache)
            assert priced == 0, f"a warm run priced {priced} workload members"

            other_cache = work / f"cache-{size}-other"
            shutil.rmtree(other_cache, ignore_errors=True)
            run_diff(root, other_cache, "HEAD~2", "HEAD~1")  # an earlier push warms the cache
            other, out = run_diff(root, other_cache, "HEAD~1", "HEAD")
            assert out == expected, "a run on another diff's cache differs from the cold run"
            rows.append((size, shown, cached, cold, other, best(warm_times), built))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(
        f"promptops diff HEAD~1 HEAD --format json ({args.changed} changed prompts; whole command)"
    )
    print(
        f"{'prompts':>8} {'shown':>6} {'members':>8} {'cold s':>7} "
        f"{'warm/other s':>13} {'warm s':>7}   (repo built in)"
    )
    for size, shown, cached, cold, other, warm, built in rows:
        print(
            f"{size:>8,} {shown:>6} {cached:>8} {cold:>7.3f} {other:>13.3f} {warm:>7.3f}"
            f"   ({built:.1f} s)"
        )
    print(
        "shown = prompts in the report; members = other prompts of the touched workloads, whose\n"
        "figures the workload totals need (from the cache when warm). cold = empty cache;\n"
        "warm/other = cache left by a diff of the previous commit pair (realistic CI);\n"
        f"warm = the same diff again (best of {args.repeat}). Every run's JSON is identical."
    )


if __name__ == "__main__":
    main()
