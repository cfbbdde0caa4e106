"""Every remote action this repository runs or scaffolds is pinned to a full commit SHA with its
version in a comment (`uses: owner/repo@<40 hex> # v1.2.3`): action.yml, .github/, the
workflow template and what `promptops init` writes. A tag can be moved to other code; a commit
cannot. zizmor checks the same in scripts/test.sh; this test says which line is wrong.

One exception, by design: promptops' own Action. Its tag's commit does not exist before the
release, so the template, the README and a development install's `init` name the tag of the
current version (`promptops/promptops@v{__version__}`), which the release workflow creates;
an installed release's `init` pins the tag's commit SHA (recorded in promptops/_release.py by
the release build). Every promptops pin (the Action and the pre-commit `rev:`) must name the
current version, and release.yml must create exactly those tags."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

import promptops
from tests.support.cli import REPO_ROOT, run_cli

USES_LINE = re.compile(
    r"""^\s*(?:-\s+)?uses:\s*(?P<q>["']?)(?P<ref>[^\s"'#]+)(?P=q)\s*(?:\#\s*(?P<comment>.*?))?\s*$"""
)
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+(?:/[^@\s]+)?)@(?P<sha>[0-9a-f]{40})")
DIGEST = re.compile(r"docker://[^@\s]+@sha256:[0-9a-f]{64}")
VERSION = re.compile(r"(?P<version>v\d+\.\d+\.\d+)\b")
OWN_ACTION = "promptops/promptops"
OWN_TAG = f"v{promptops.__version__}"
OWN_MAJOR = OWN_TAG.split(".")[0]
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
        if ref == f"{OWN_ACTION}@{OWN_TAG}" and comment and comment.startswith(OWN_TAG):
            continue  # our own Action before its release exists (see the module docstring)
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
        assert len(pins(text)) >= 4  # checkout, us twice, SARIF
        ours = [ref for _, ref, _ in pins(text) if ref.startswith(f"{OWN_ACTION}@")]
        assert ours == [f"{OWN_ACTION}@{OWN_TAG}"] * 2  # a development install names the tag
        assert len(remote_pins(path)) == len(pins(text)) - len(ours)


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


OWN_PRECOMMIT = re.compile(
    r"""repo:\s*["']?https://github\.com/promptops/promptops["']?\s*\n\s*rev:\s*["']?(?P<rev>[^\s"'#]+)"""
)
OWN_ACTION_REF = re.compile(r"promptops/promptops@(?P<ref>[^\s`'\")]+)(?:\s+#\s*(?P<comment>\S+))?")


def pinned_docs() -> list[Path]:
    """The files users copy pins from: the README and every template."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "templates").iterdir())]


def own_pins(text: str) -> tuple[list[str], list[str]]:
    """(tags the promptops Action pins name, pre-commit `rev:`s of the promptops hook)."""
    action = []
    for match in OWN_ACTION_REF.finditer(text):
        ref, comment = match["ref"], (match["comment"] or "").rstrip(":")
        action.append(comment if re.fullmatch(r"[0-9a-f]{40}", ref) else ref)
    return action, [match["rev"] for match in OWN_PRECOMMIT.finditer(text)]


def test_every_promptops_pin_in_the_readme_and_templates_names_the_current_version():
    action_tags: dict[str, list[str]] = {}
    revs: dict[str, list[str]] = {}
    for path in pinned_docs():
        if not path.is_file():
            continue
        action, rev = own_pins(path.read_text(encoding="utf-8"))
        name = path.relative_to(REPO_ROOT).as_posix()
        action_tags[name], revs[name] = action, rev
    assert action_tags.get("templates/workflow.yml") and action_tags.get("README.md")
    assert revs.get("templates/pre-commit-config.yaml") and revs.get("README.md")
    # The Action may be named by its version's tag or by the major tag release.yml moves.
    assert {n: t for n, t in action_tags.items() if set(t) - {OWN_TAG, OWN_MAJOR}} == {}
    assert {n: r for n, r in revs.items() if set(r) - {OWN_TAG}} == {}
    for path in pinned_docs():
        if path.is_file():  # a `uses:` line names the exact version, never the moving major
            for _, ref, _ in pins(path.read_text(encoding="utf-8")):
                assert ref != f"{OWN_ACTION}@{OWN_MAJOR}", path


def test_the_pin_check_sees_a_stale_version():
    stale = "uses: promptops/promptops@v0.0.9 # v0.0.9\n- repo: https://github.com/promptops/promptops\n  rev: v0.0.9\n"
    assert own_pins(stale) == (["v0.0.9"], ["v0.0.9"])
    sha = "uses: promptops/promptops@" + "a" * 40 + " # v0.0.9\n"
    assert own_pins(sha) == (["v0.0.9"], [])
    assert pin_problems(f"jobs:\n  j:\n    steps:\n      - uses: {OWN_ACTION}@v0.0.9 # v0.0.9\n")


def release_workflow() -> dict:
    return yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "release.yml").read_text("utf-8"))


def test_the_release_workflow_creates_the_tags_the_pins_name():
    """Pushing v{version} runs release.yml (which checks that tag against the version), and its
    last job moves the major tag to the release commit: the two tags the pins may name."""
    workflow = release_workflow()
    trigger = workflow.get("on", workflow.get(True))
    patterns = trigger["push"]["tags"]
    assert any(fnmatch.fnmatchcase(OWN_TAG, pattern) for pattern in patterns), patterns
    assert not any(fnmatch.fnmatchcase(OWN_MAJOR, pattern) for pattern in patterns)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert '"$TAG" != "v$version"' in build and "CHANGELOG.md" in build
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    mover = jobs["major-tag"]
    assert mover["needs"] == "publish" and mover["permissions"] == {"contents": "write"}
    (step,) = mover["steps"]
    assert step["env"]["TAG"] == "${{ github.ref_name }}"
    assert step["env"]["SHA"] == "${{ github.sha }}"
    script = step["run"]
    assert 'git/refs/tags/$major" -f sha="$SHA"' in script and 'ref="refs/tags/$major"' in script
    # the tag the job moves for this version, computed by the job's own shell line
    major_line = next(line for line in script.splitlines() if line.strip().startswith("major="))
    moved = subprocess.run(
        ["bash", "-c", f'{major_line.strip()}; printf %s "$major"'],
        env={"TAG": OWN_TAG, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert moved == OWN_MAJOR


def installed_copy(root: Path) -> Path:
    """promptops as an installed release sees itself: the package, its data and the script the
    release build runs, copied outside the checkout."""
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("promptops", "templates", "schemas"):
        shutil.copytree(REPO_ROOT / name, root / name, ignore=ignore)
    (root / "scripts").mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "write_release_info.py", root / "scripts")
    return root


def test_init_from_a_release_build_pins_the_action_to_the_tags_commit(tmp_path: Path):
    source = installed_copy(tmp_path / "src")
    script = source / "scripts" / "write_release_info.py"
    sha = "0123456789abcdef0123456789abcdef01234567"
    wrong = subprocess.run(
        [sys.executable, script, "--tag", "v9.9.9", "--commit", sha], capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "is not v" in wrong.stderr
    done = subprocess.run(
        [sys.executable, script, "--tag", OWN_TAG, "--commit", sha], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PYTHONPATH": str(source)}
    result = subprocess.run(
        [sys.executable, "-m", "promptops", "init"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    workflow = (repo / ".github" / "workflows" / "promptops.yml").read_text(encoding="utf-8")
    assert pin_problems(workflow) == []
    assert f"uses: {OWN_ACTION}@{sha} # {OWN_TAG}\n" in workflow
    assert own_pins(workflow) == ([OWN_TAG, OWN_TAG], [])
    precommit = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert own_pins(precommit) == ([], [OWN_TAG])


def test_the_repository_records_no_release_commit():
    """Only the release build fills promptops/_release.py: a committed SHA would pin every
    development install to whatever commit it names."""
    from promptops import _release

    assert (_release.TAG, _release.COMMIT) == (None, None)


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
