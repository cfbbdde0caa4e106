"""Every remote action this repository runs or scaffolds is pinned to a full commit SHA with its
version in a comment (`uses: owner/repo@<40 hex> # v1.2.3`): action.yml, .github/, the
workflow template and what `promptops init` writes. A tag can be moved to other code; a commit
cannot. zizmor checks the same in scripts/test.sh; this test says which line is wrong."""

from __future__ import annotations

import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.support.cli import REPO_ROOT, run_cli

USES_LINE = re.compile(
    r"""^\s*(?:-\s+)?uses:\s*(?P<q>["']?)(?P<ref>[^\s"'#]+)(?P=q)\s*(?:\#\s*(?P<comment>.*?))?\s*$"""
)
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+(?:/[^@\s]+)?)@(?P<sha>[0-9a-f]{40})")
DIGEST = re.compile(r"docker://[^@\s]+@sha256:[0-9a-f]{64}")
VERSION = re.compile(r"(?P<version>v\d+\.\d+\.\d+)\b")
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".hypothesis"}


def workflow_files() -> list[Path]:
    """action.yml files anywhere in the repository, everything YAML under .github/, and the
    workflow template."""
    found: set[Path] = set()
    for folder, dirs, files in os.walk(REPO_ROOT):
        dirs[:] = [d for d in dirs if d == ".github" or not (d in SKIP_DIRS or d.startswith("."))]
        here = Path(folder)
        in_github = ".github" in here.relative_to(REPO_ROOT).parts
        for name in files:
            if name in ("action.yml", "action.yaml") or (
                in_github and name.endswith((".yml", ".yaml"))
            ):
                found.add(here / name)
    found.add(REPO_ROOT / "templates" / "workflow.yml")
    return sorted(found)


def uses_values(node: object) -> list[str]:
    """Every `uses:` string in a parsed workflow or action (steps, reusable-workflow jobs)."""
    if isinstance(node, dict):
        return [
            found
            for key, value in node.items()
            for found in (
                [value] if key == "uses" and isinstance(value, str) else uses_values(value)
            )
        ]
    if isinstance(node, list):
        return [found for item in node for found in uses_values(item)]
    return []


def pins(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, ref, comment) of every `uses:` line."""
    return [
        (number, match["ref"], match["comment"])
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := USES_LINE.match(line))
    ]


def pin_problems(text: str) -> list[str]:
    """What is wrong with the `uses:` references of one workflow or action text."""
    lines = pins(text)
    problems = []
    parsed = sorted(uses_values(yaml.safe_load(text)))
    if parsed != sorted(ref for _, ref, _ in lines):
        problems.append(f"uses: not one per line as `uses: ref # comment`: {parsed}")
    for number, ref, comment in lines:
        if ref.startswith("./"):
            continue  # an action in the same repository, at the same commit
        if ref.startswith("docker://"):
            if not DIGEST.fullmatch(ref):
                problems.append(f"line {number}: {ref} is not pinned to a sha256 digest")
            continue
        if not PINNED.fullmatch(ref):
            problems.append(f"line {number}: {ref} is not pinned to a full commit SHA")
        elif not (comment and VERSION.match(comment)):
            problems.append(f"line {number}: {ref} has no `# vX.Y.Z` comment")
    return problems


def remote_pins(path: Path) -> list[tuple[str, str, str]]:
    """(owner/repo, sha, version) of every pinned remote action in a file."""
    result = []
    for _, ref, comment in pins(path.read_text(encoding="utf-8")):
        match = PINNED.fullmatch(ref)
        version = VERSION.match(comment or "")
        if match and version:
            repo = "/".join(match["action"].split("/")[:2])
            result.append((repo, match["sha"], version["version"]))
    return result


@pytest.fixture(scope="module")
def init_output(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The workflows `promptops init` writes."""
    repo = tmp_path_factory.mktemp("init")
    result = run_cli(["init"], cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    written = sorted((repo / ".github" / "workflows").glob("*.y*ml"))
    assert written, "promptops init wrote no workflow"
    return written


def test_the_repository_has_workflows_to_check():
    names = {path.relative_to(REPO_ROOT).as_posix() for path in workflow_files()}
    assert {"action.yml", ".github/workflows/promptops.yml", "templates/workflow.yml"} <= names


@pytest.mark.parametrize(
    "path", workflow_files(), ids=lambda path: path.relative_to(REPO_ROOT).as_posix()
)
def test_every_remote_action_is_pinned_to_a_commit_with_its_version(path: Path):
    assert pin_problems(path.read_text(encoding="utf-8")) == []


def test_the_workflow_init_writes_pins_every_action(init_output: list[Path]):
    for path in init_output:
        text = path.read_text(encoding="utf-8")
        assert pin_problems(text) == [], path.name
        assert len(remote_pins(path)) == len(pins(text)) >= 4  # checkout, us twice, SARIF


def test_one_commit_per_version_and_one_version_per_commit(init_output: list[Path]):
    versions: dict[tuple[str, str], set[str]] = defaultdict(set)
    commits: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in [*workflow_files(), *init_output]:
        for repo, sha, version in remote_pins(path):
            versions[repo, sha].add(version)
            commits[repo, version].add(sha)
    assert versions
    assert {key: found for key, found in versions.items() if len(found) > 1} == {}
    assert {key: found for key, found in commits.items() if len(found) > 1} == {}


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)


def test_the_pinned_promptops_commit_is_in_this_repository_at_that_version():
    """The scaffolded workflow runs this action at a commit of this repository; that commit
    must exist here, be an ancestor of HEAD and carry the version its comment names."""
    ours = {
        (sha, version)
        for repo, sha, version in remote_pins(REPO_ROOT / "templates" / "workflow.yml")
        if repo == "promptops/promptops"
    }
    assert ours, "the template does not use the promptops action"
    if not (REPO_ROOT / ".git").exists() or git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not a git checkout")
    if git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        pytest.skip("shallow clone: older commits are missing")
    for sha, version in ours:
        assert git("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0, f"{sha} is not a commit"
        assert git("merge-base", "--is-ancestor", sha, "HEAD").returncode == 0, sha
        assert git("cat-file", "-e", f"{sha}:action.yml").returncode == 0, sha
        pyproject = git("show", f"{sha}:pyproject.toml").stdout
        assert re.search(rf'^version = "{re.escape(version[1:])}"$', pyproject, re.M), (
            f"{sha} is not promptops {version}"
        )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("- uses: actions/checkout@v4", "not pinned to a full commit SHA"),
        ("- uses: actions/checkout@v4 # v4.2.2", "not pinned to a full commit SHA"),
        ("- uses: actions/checkout@11bd719", "not pinned to a full commit SHA"),
        ("- uses: actions/checkout@main", "not pinned to a full commit SHA"),
        ("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "no `# vX.Y.Z`"),
        ("- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4", "no `# vX.Y.Z`"),
        ("- uses: docker://alpine:3.20", "not pinned to a sha256 digest"),
        ("- {uses: actions/checkout@v4}", "not one per line"),
    ],
)
def test_the_check_finds_unpinned_references(line: str, problem: str):
    text = f"jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      {line}\n"
    problems = pin_problems(text)
    assert problems and problem in problems[0], problems


@pytest.mark.parametrize(
    "line",
    [
        "- uses: ./",
        "- uses: ./.github/actions/setup",
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
        "- uses: 'github/codeql-action/upload-sarif@cdf488f595d80d6e07e03d4674febd5ab45fa938'  # v4.37.9",
        "- uses: docker://alpine@sha256:" + "0" * 64,
    ],
)
def test_the_check_accepts_pinned_and_local_references(line: str):
    text = f"jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      {line}\n"
    assert pin_problems(text) == []


def test_the_readme_shows_the_pins_init_writes():
    readme = REPO_ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md is not in this checkout")
    section = readme.read_text(encoding="utf-8").split("## GitHub Action", 1)[1]
    snippet = section.split("```yaml", 1)[1].split("```", 1)[0]
    template = (REPO_ROOT / "templates" / "workflow.yml").read_text(encoding="utf-8")
    assert pin_problems(snippet) == []
    assert [(ref, comment) for _, ref, comment in pins(snippet)] == [
        (ref, comment) for _, ref, comment in pins(template)
    ]
