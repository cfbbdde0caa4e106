"""Benchmark `promptops diff` between two commits of a generated repo: N prompts, M changed.

Usage: python bench/diff_bench.py [--sizes 1000 10000] [--changed 10 100] [--repeat 3]
                                  [--seed 7] [--keep DIR] [--json FILE] [--switch VAR=VALUE]

For each size and number of changed prompts, `bench/generate_repo.py` builds a repo (N prompts,
N/50 workload charters, N/10 tools) with three commits, the last changing M prompts, and the
bench times `promptops diff HEAD~1 HEAD --format json` as a whole command (interpreter start
and imports included), each in a fresh process, in `--repeat` passes (each figure is the best
of its passes):

- cold: an empty cache folder (no document summaries, no figures, no token counts). The first
  run on a machine, or CI without a cache: it must find the touched workloads' other prompts
  in the repo and price them, so it grows with the repo.
- other: the cache a diff of the previous commit pair left (an earlier push with no warm job):
  the touched workloads may be new to it.
- primed: the first diff after `promptops cache warm HEAD~1` (each pass warms a new cache
  folder). This is the Action's steady state: the default branch runs `command: warm`
  and saves the cache, a pull request restores the one saved for its merge-base. Only the
  changed documents are read and priced, so it grows with the change, not the repo.
- warm: the same diff again on the cache the primed run left.

Every run's JSON must be byte-identical to the cold run's, and a primed diff must price no
workload member, or the bench fails.

`--switch VAR=VALUE` measures every row twice on the same repo, as is and with that
environment setting (a speed-up's off switch), passes alternating
so both see the same machine load, and prints the two side by side: a speed-up stays only
while this shows it winning in one run. Both must give the same JSON.
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

from variants import compile_sources, variants_of

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


def environ(cache: Path, extra: dict[str, str]) -> dict[str, str]:
    """The environment of one run: this checkout, the given cache, the switch if any."""
    return {**os.environ, "PROMPTOPS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO), **extra}


def run_diff(
    root: Path, cache: Path, base: str, head: str, extra: dict[str, str]
) -> tuple[float, str]:
    env = environ(cache, extra)
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


def work_counts(root: Path, cache: Path, extra: dict[str, str]) -> tuple[int, int, int]:
    """(prompts shown, workload members from the cache, members priced) of a warm run."""
    probe = (
        "import json, sys\n"
        "from promptops.config import load_config\n"
        "from promptops.diff.run import diff_refs\n"
        "run = diff_refs(load_config(sys.argv[1]), 'HEAD~1', 'HEAD')\n"
        "print(json.dumps([len(run.report.prompts), run.loaded.figures_cached,"
        " run.loaded.figures_priced]))\n"
    )
    env = environ(cache, extra)
    out = subprocess.run(
        [sys.executable, "-c", probe, str(root)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    ).stdout
    shown, cached, priced = json.loads(out)
    return shown, cached, priced


def warm_up(root: Path, cache: Path, ref: str, extra: dict[str, str]) -> float:
    """`promptops cache warm REF --no-lint`, what the Action runs on the default branch."""
    env = environ(cache, extra)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "promptops", "cache", "warm", ref, "--no-lint"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return time.perf_counter() - start


def measure(
    root: Path, work: Path, tag: str, extra: dict[str, str]
) -> tuple[dict[str, float], str]:
    """One pass over a repo with one environment: its figures and the cold run's JSON."""
    figures: dict[str, float] = {}
    cold_cache = work / f"cache-{tag}-cold"
    shutil.rmtree(cold_cache, ignore_errors=True)
    figures["cold"], expected = run_diff(root, cold_cache, "HEAD~1", "HEAD", extra)

    other_cache = work / f"cache-{tag}-other"
    shutil.rmtree(other_cache, ignore_errors=True)
    run_diff(root, other_cache, "HEAD~2", "HEAD~1", extra)  # an earlier push warms part of it
    figures["other"], out = run_diff(root, other_cache, "HEAD~1", "HEAD", extra)
    assert out == expected, "a run on another diff's cache differs from the cold run"

    primed = work / f"cache-{tag}-primed"
    shutil.rmtree(primed, ignore_errors=True)
    figures["warm-up"] = warm_up(root, primed, "HEAD~1", extra)
    figures["primed"], out = run_diff(root, primed, "HEAD~1", "HEAD", extra)
    assert out == expected, "a diff on a warmed cache differs from the cold run"
    shown, cached, priced = work_counts(root, primed, extra)
    if "PROMPTOPS_NO_FIGURE_CACHE" not in extra:
        assert priced == 0, f"a diff after warm priced {priced} workload members"

    figures["warm"], out = run_diff(root, primed, "HEAD~1", "HEAD", extra)
    assert out == expected, "a warm run differs from the cold run"
    figures.update(shown=shown, members=cached + priced)
    for cache in (cold_cache, other_cache, primed):
        shutil.rmtree(cache, ignore_errors=True)
    return figures, expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changed", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="passes (the best of each is shown)")
    parser.add_argument("--keep", type=Path, help="build repos here and keep them")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--switch",
        metavar="VAR=VALUE",
        action="append",
        default=[],
        help="also measure every row with this environment setting, side by side "
        "(repeatable: one variant each)",
    )
    args = parser.parse_args()
    variants = variants_of(args.switch)
    switch = len(variants) > 1

    compile_sources(variants)
    work = args.keep or Path(tempfile.mkdtemp(prefix="promptops-diff-bench-"))
    rows = []
    try:
        for size in args.sizes:
            for changed in args.changed:
                root = work / f"repo-{size}-{changed}"
                t0 = time.perf_counter()
                generate(root, size, changed, args.seed)
                built = time.perf_counter() - t0
                best: dict[str, dict[str, float]] = {label: {} for label, _ in variants}
                outputs = set()
                for i in range(args.repeat):  # passes alternate, so both see the same load
                    for n, (label, extra) in enumerate(variants[:: -1 if i % 2 else 1]):
                        figures, out = measure(root, work, f"{size}-{changed}-{n}", extra)
                        outputs.add(out)
                        for key, value in figures.items():
                            best[label][key] = min(value, best[label].get(key, value))
                assert len(outputs) == 1, f"one of {args.switch} changes the JSON"
                for label, _ in variants:
                    rows.append((size, changed, label, {"built": built, **best[label]}))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    label_width = max(len(label) for label, _ in variants) if switch else 0
    print("promptops diff HEAD~1 HEAD --format json (whole command, seconds)")
    print(
        f"{'prompts':>8} {'changed':>8} {'':{label_width}} {'shown':>6} {'members':>8} "
        f"{'cold':>7} {'other':>7} {'primed':>7} {'warm':>7}   (cache warm took)"
    )
    for size, changed, label, f in rows:
        print(
            f"{size:>8,} {changed:>8} {label if switch else '':{label_width}} "
            f"{int(f['shown']):>6} {int(f['members']):>8} "
            f"{f['cold']:>7.3f} {f['other']:>7.3f} {f['primed']:>7.3f} {f['warm']:>7.3f}"
            f"   ({f['warm-up']:.1f} s)"
        )
    print(
        "shown = prompts in the report; members = other prompts of the touched workloads, whose\n"
        "figures the workload totals need. cold = empty cache; other = the cache a diff of the\n"
        "previous commit pair left; primed = the first diff after `promptops cache warm HEAD~1`\n"
        "(the Action's steady state: the default branch warms, pull requests restore);\n"
        f"warm = the same diff again. Each figure: the best of {args.repeat} passes. Every run's "
        "JSON is identical."
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        data = [
            {"prompts": size, "changed": changed, **({"variant": label} if switch else {}), **f}
            for size, changed, label, f in rows
        ]
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
