"""Benchmark one real edit: `promptops lint FILE` and `promptops tokens FILE` after a prompt's
text changed, the rest of the repo cached (what pre-commit and a developer's terminal see).

Usage: python bench/edit_bench.py [--prompts 200] [--rounds 10] [--switch VAR=VALUE ...]
                                 [--compare-src DIR]

`lint_bench.py`'s "one file" edits a trailing comment, so every block's token count is still
cached and the tokenizer never loads; a real edit changes the text, so the command loads the
tokenizer and counts the edited block. Each round writes a new sentence into the system prompt
of one generated prompt (a text no cache has seen) and runs both commands once per variant
(this checkout as is, and each `--switch VAR=VALUE`, e.g. `PROMPTOPS_NO_RANK_CACHE=1`), the
variants in turn so each sees the same machine load; each variant has its own cache folder,
warmed once before the rounds. `--compare-src DIR` adds another source tree (e.g. a `git
archive` of an older commit) as a variant, for before/after. Every variant must print the
same for the same edit (checked). Prints the median and best wall and CPU seconds per command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from variants import child_cpu, compile_sources, variants_of

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall, CPU) seconds of one command, and what it printed; exit 0 or 1 (findings) only."""
    cpu = child_cpu()
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, child_cpu() - cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200, help="size of the generated repo")
    parser.add_argument("--rounds", type=int, default=10, help="edits measured per variant")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--switch",
        metavar="VAR=VALUE",
        action="append",
        default=[],
        help="also measure with this environment setting (repeatable: one variant each)",
    )
    parser.add_argument(
        "--compare-src",
        type=Path,
        metavar="DIR",
        help="also measure this source tree (a folder holding `promptops/`)",
    )
    args = parser.parse_args()
    variants = variants_of(args.switch, args.compare_src)
    compile_sources(variants)
    with tempfile.TemporaryDirectory(prefix="promptops-edit-bench-") as tmp:
        work = Path(tmp)
        repo = work / "repo"
        subprocess.run(
            [sys.executable, str(HERE / "generate_repo.py"), str(repo), "--prompts",
             str(args.prompts), "--seed", str(args.seed), "--quiet"],
            check=True,
            timeout=600,
        )  # fmt: skip
        target = sorted((repo / "prompts").rglob("*.yaml"))[0]
        original = target.read_text(encoding="utf-8")
        if "system: |\n" not in original:
            raise SystemExit(f"{target}: no block system prompt to edit")
        rel = str(target.relative_to(repo))
        cli = [sys.executable, "-m", "promptops"]
        envs = {}
        for n, (label, setting) in enumerate(variants):
            env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **setting}
            env["PROMPTOPS_CACHE_DIR"] = str(work / f"cache-{n}")
            run([*cli, "lint", "."], repo, env)  # warm: every other file cached
            run([*cli, "tokens", "."], repo, env)
            envs[label] = env
        times: dict[str, dict[str, list[tuple[float, float]]]] = {
            label: {"lint": [], "tokens": []} for label, _ in variants
        }
        edit = 0
        for i in range(args.rounds):
            order = variants[i % len(variants) :] + variants[: i % len(variants)]
            for command in ("lint", "tokens"):
                edit += 1  # one new text per round and command, seen by every variant
                sentence = f"  Edit {edit}: answer in at most {edit + 2} sentences.\n"
                target.write_text(
                    original.replace("system: |\n", "system: |\n" + sentence, 1),
                    encoding="utf-8",
                )
                printed = set()
                for label, _ in order:
                    wall, cpu, out = run([*cli, command, rel], repo, envs[label])
                    times[label][command].append((wall, cpu))
                    printed.add(out)
                if len(printed) != 1:
                    raise SystemExit(f"{command} {rel}: the variants printed different output")
        target.write_text(original, encoding="utf-8")

    print(
        f"one prompt's text edited, the rest of {args.prompts} prompts cached; "
        f"{args.rounds} rounds, seconds (wall / CPU)"
    )
    width = max(len(label) for label, _ in variants)
    print(
        f"  {'':{width}}  {'lint FILE median':>18} {'best':>14}  {'tokens FILE median':>20} {'best':>14}"
    )
    for label, _ in variants:
        cells = []
        for command in ("lint", "tokens"):
            runs = times[label][command]
            med = (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
            best = min(runs)
            cells.append(f"{med[0]:.3f} / {med[1]:.3f}  {best[0]:.3f} / {best[1]:.3f}")
        print(f"  {label:{width}}  {cells[0]:>34}  {cells[1]:>36}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
