"""Benchmark `promptops diff` between two commits of a generated repo: N prompts, 10 changed.

Usage: python bench/diff_bench.py [--sizes 1000 10000] [--changed 10] [--seed 7] [--keep DIR]

For each size it builds a repo (with `bench/generate_repo.py` when present, else the small
generator below: 100 prompts per workload charter, 20 tools), commits it on `main`, changes
`--changed` prompts on a `feature` branch, and times `promptops diff main feature`:
cold (empty token cache), warm (the cache the cold run left), and the CLI end to end (interpreter
start included). The diff reads only changed documents and the workloads they belong to, so the
figures should be about the same at 1,000 and at 10,000 prompts.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

WORDS = [
    "answer",
    "customer",
    "account",
    "billing",
    "refund",
    "order",
    "shipment",
    "policy",
    "escalate",
    "politely",
    "concise",
    "summarize",
    "invoice",
    "ticket",
    "priority",
    "product",
    "warranty",
    "replacement",
    "region",
    "currency",
    "support",
    "agent",
    "review",
    "verify",
    "identity",
    "history",
    "payment",
    "method",
    "subscription",
    "cancel",
]
PROMPTS_PER_WORKLOAD = 100
TOOLS = 20


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=600)


def _sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _prompt(i: int, rng: random.Random, version: str = "1.0.0", extra: str = "") -> str:
    lines = "\n".join(f"      {_sentence(rng)}" for _ in range(6))
    tool = f"tools: [tool-{i % TOOLS:02d}]\nagent: {{max_steps: 5}}\n" if i % 3 == 0 else ""
    return (
        f"kind: prompt\nid: prompt-{i:05d}\nversion: {version}\nmodel: claude-haiku-4-5\n"
        f"workload: workload-{i // PROMPTS_PER_WORKLOAD:03d}\nmax_output_tokens: 512\n{tool}"
        f"system:\n  - text: |\n{lines}{extra}\n    cache: true\n"
        'messages:\n  - role: user\n    content: "{{ question }}"\n'
        "variables:\n  question: {expected_tokens: 120}\n"
    )


def generate(root: Path, prompts: int, seed: int) -> None:
    """A repo of `prompts` prompts, their charters and tools, committed on main."""
    generator = HERE / "generate_repo.py"
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "bench@example.invalid")
    _git(root, "config", "user.name", "bench")
    if generator.is_file():
        subprocess.run(
            [
                sys.executable,
                str(generator),
                str(root),
                "--prompts",
                str(prompts),
                "--seed",
                str(seed),
            ],
            check=True,
            timeout=1200,
        )
    else:
        rng = random.Random(seed)
        (root / "promptops.yaml").write_text("default_branch: main\n")
        for folder in ("prompts", "tools", "charters"):
            (root / folder).mkdir()
        for w in range((prompts + PROMPTS_PER_WORKLOAD - 1) // PROMPTS_PER_WORKLOAD):
            (root / "charters" / f"workload-{w:03d}.yaml").write_text(
                f"kind: charter\nid: workload-{w:03d}\nowner: team-{w}\nscenarios:\n"
                "  expected: {calls_per_month: 200000, cache_hit_rate: 0.7, output_tokens: 250}\n"
                "budgets:\n  monthly_usd: {expected: 50000, stretch: 150000}\n"
            )
        for t in range(TOOLS):
            (root / "tools" / f"tool-{t:02d}.yaml").write_text(
                f"kind: tool\nid: tool-{t:02d}\nversion: 1.0.0\ndescription: {_sentence(rng)}\n"
                "input_schema:\n  type: object\n  properties:\n    query: {type: string}\n"
            )
        for i in range(prompts):
            (root / "prompts" / f"p{i:05d}.yaml").write_text(_prompt(i, rng))
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "generated")


def change_prompts(root: Path, changed: int, seed: int) -> list[str]:
    """Edit `changed` prompt files on a `feature` branch (a sentence more, version bumped)."""
    _git(root, "checkout", "-q", "-b", "feature")
    files = sorted((root / "prompts").rglob("*.yaml"))
    rng = random.Random(seed + 1)
    picked = rng.sample(files, changed)
    for path in picked:
        text = path.read_text()
        text = text.replace("version: 1.0.0", "version: 1.1.0", 1)
        text = text.replace("\n    cache: true", f"\n      {_sentence(rng)}\n    cache: true", 1)
        path.write_text(text)
    _git(root, "commit", "-q", "-am", "change prompts")
    return [str(p.relative_to(root)) for p in picked]


def time_in_process(root: Path, cache: Path) -> tuple[float, int, int]:
    os.environ["PROMPTOPS_CACHE_DIR"] = str(cache)
    from promptops.config import load_config
    from promptops.diff.run import diff_refs

    start = time.perf_counter()
    run = diff_refs(load_config(root), "main", "feature")
    elapsed = time.perf_counter() - start
    priced = sum(1 for d in run.loaded.head.docs.values() if d.kind == "prompt")
    return elapsed, len(run.report.prompts), priced


def time_cli(root: Path, cache: Path) -> float:
    env = {**os.environ, "PROMPTOPS_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "promptops", "diff", "main", "feature", "--format", "json"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build repos here and keep them")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="promptops-diff-bench-"))
    rows = []
    try:
        for size in args.sizes:
            root = work / f"repo-{size}"
            cache = work / f"cache-{size}"
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            t0 = time.perf_counter()
            generate(root, size, args.seed)
            change_prompts(root, args.changed, args.seed)
            built = time.perf_counter() - t0
            cold, shown, priced = time_in_process(root, cache)
            warm, _, _ = time_in_process(root, cache)
            cli = time_cli(root, cache)
            rows.append((size, args.changed, shown, priced, cold, warm, cli, built))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"promptops diff main feature ({args.changed} changed prompts)")
    print(
        f"{'prompts':>8} {'changed':>8} {'shown':>6} {'priced':>7} "
        f"{'cold s':>7} {'warm s':>7} {'cli s':>7}   (repo built in)"
    )
    for size, changed, shown, priced, cold, warm, cli, built in rows:
        print(
            f"{size:>8,} {changed:>8} {shown:>6} {priced:>7} "
            f"{cold:>7.3f} {warm:>7.3f} {cli:>7.3f}   ({built:.1f} s)"
        )
    print(
        "priced = head prompts read and priced (the changed ones plus every prompt of their "
        "workloads,\nfor the workload totals); cold = empty token cache; cli = whole command."
    )


if __name__ == "__main__":
    main()
