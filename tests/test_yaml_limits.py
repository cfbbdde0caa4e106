"""Hostile YAML is one finding, quickly and in little memory: an alias bomb, a self-referencing
alias and deep nesting, in documents (PO001 with line and column) and in the configuration
(exit 2 naming the file). Each run's own CPU time and peak memory are read from the kernel
(`wait4`), so a loaded machine cannot make the bound flaky and a regression cannot hide."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT

CONFIG = "tokenizer: cl100k_base\n"
CPU_SECONDS = 2.0
PEAK_BYTES = 200 * 1024 * 1024


def alias_bomb() -> str:
    """A billion-laughs document: ten levels of nine aliases, 9**10 values once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        aliases = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def merge_bomb() -> str:
    """The same with merge keys (`<<`), which PyYAML flattens in place."""
    lines = ["m0: &m0 {k: v}"]
    for level in range(1, 12):
        merges = ", ".join([f"*m{level - 1}"] * 9)
        lines.append(f"m{level}: &m{level} {{<<: [{merges}], k{level}: v}}")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "alias-bomb": (alias_bomb(), "alias bomb"),
    "merge-bomb": (merge_bomb(), "alias bomb"),
    "self-reference": ("x: &a [*a]\n", "self-referencing alias"),
    "self-reference-in-mapping": ("x: &a {y: *a}\n", "self-referencing alias"),
    "flow-nesting-10000": ("x: " + "[" * 10_000 + "]" * 10_000 + "\n", "nesting depth"),
    "block-nesting-10000": ("x:\n" + "- " * 10_000 + "a\n", "nesting depth"),
    "block-nesting-500": ("x:\n" + "- " * 500 + "a\n", "nested more than 100 levels"),
    "nesting-500": ("x: " + "[" * 500 + "]" * 500 + "\n", "nested more than 100 levels"),
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float
    peak_bytes: int


_MEASURE = """
import os, resource, subprocess, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "promptops", *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\n@usage {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss * 1024}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(args: list[str], cwd: Path) -> Run:
    """Run the CLI in a child whose CPU time and peak memory the kernel reports (wait4)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1")
    env["PROMPTOPS_CACHE_DIR"] = str(cwd / ".cache")
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    stderr, _, usage = result.stderr.rpartition("\n@usage ")
    cpu, peak = usage.split()
    return Run(result.returncode, result.stdout, stderr, float(cpu), int(peak))


def assert_bounded(run: Run) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.cpu_seconds < CPU_SECONDS, f"{run.cpu_seconds:.2f} s of CPU"
    assert run.peak_bytes < PEAK_BYTES, f"peak {run.peak_bytes / 2**20:.0f} MB"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_document_is_one_finding_quickly(tmp_path: Path, case: str) -> None:
    text, words = HOSTILE[case]
    (tmp_path / "promptops.yaml").write_text(CONFIG)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "hostile.yaml").write_text("kind: prompt\nid: hostile\n" + text)
    run = measured(["lint", "--format", "text"], tmp_path)
    assert_bounded(run)
    assert run.returncode == 1, run.stdout + run.stderr
    finding = next(line for line in run.stdout.splitlines() if "PO001" in line)
    assert words in finding
    line = int(finding.split()[0].split(":")[0])
    assert line >= 3, finding  # the hostile value's own line, not the top of the file


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_configuration_is_a_usage_error_quickly(tmp_path: Path, case: str) -> None:
    text, words = HOSTILE[case]
    (tmp_path / "promptops.yaml").write_text(CONFIG + text)
    run = measured(["lint"], tmp_path)
    assert_bounded(run)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "promptops.yaml" in run.stderr
    assert words in run.stderr


def test_deep_toml_configuration_is_a_usage_error(tmp_path: Path) -> None:
    nested = "[" * 10_000 + "]" * 10_000
    (tmp_path / "pyproject.toml").write_text(f"[tool.promptops]\nexclude = {nested}\n")
    run = measured(["lint"], tmp_path)
    assert_bounded(run)
    assert run.returncode == 2
    assert "nested too deep" in run.stderr


def test_a_huge_file_is_a_finding_not_a_parse(tmp_path: Path) -> None:
    (tmp_path / "promptops.yaml").write_text(CONFIG)
    (tmp_path / "prompts").mkdir()
    body = "kind: prompt\nid: huge\nsystem: |\n" + ("  " + "x" * 1023 + "\n") * 9 * 1024
    (tmp_path / "prompts" / "huge.yaml").write_text(body)
    run = measured(["lint"], tmp_path)
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert "promptops reads files of up to" in run.stdout


def test_aliases_within_the_limits_still_read(tmp_path: Path) -> None:
    """The limits stop bombs, not YAML: a shared anchor used a few times is a document."""
    (tmp_path / "promptops.yaml").write_text(CONFIG)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "ok.yaml").write_text(
        "kind: prompt\nid: ok\nversion: 1.0.0\nmodel: claude-sonnet-4-5\n"
        "labels: &labels [a, b]\n"
        "system:\n  - text: hello\n"
        "user: '{{ q }}'\n"
        "variables:\n  q: {max_tokens: 10, expected_tokens: 5}\n"
    )
    run = measured(["lint"], tmp_path)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), run.stderr
    assert "PO001" not in run.stdout, run.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &a {k: 1, j: 3}\nb: {<<: *a, k: 2}\n", {"k": 2, "j": 3}),
        ("a: &a {k: 1}\nb: {<<: [*a, *a]}\n", {"k": 1}),
        ("b: {<<: [{k: 1}, {k: 2}]}\n", {"k": 1}),
    ],
)
def test_merge_keys_follow_yaml_not_duplicate_key(text: str, expected: dict) -> None:
    """A mapping's own key overrides a merged one (YAML 1.1 merge), as PyYAML builds it."""
    import yaml

    from promptops.parsing.yaml_source import LoadedYaml, load_yaml

    loaded = load_yaml(text)
    assert isinstance(loaded, LoadedYaml), loaded
    assert loaded.data["b"] == expected == yaml.safe_load(text)["b"]


def test_an_own_key_twice_beside_a_merge_is_still_a_duplicate() -> None:
    from promptops.parsing.yaml_source import YamlProblem, load_yaml

    problem = load_yaml("b: {<<: {x: 1}, k: 1, k: 2}\n")
    assert isinstance(problem, YamlProblem) and problem.kind == "duplicate-key"
    assert (problem.line, problem.column) == (1, 23)
