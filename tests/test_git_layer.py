"""The one git layer (`promptops.git`, on GitPython): the only module that runs git, one
executable setting for every service, batched blob reads, clear errors instead of tracebacks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from promptops.config import Config
from promptops.errors import UserError
from promptops.git import EXECUTABLE_ENV, GitDir, GitRepo, export_tree
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.git_repo import GitRepo as TestRepo

PACKAGE = REPO_ROOT / "promptops"
GIT_MODULE = PACKAGE / "git.py"
PROMPT = "kind: prompt\nid: {id}\nversion: 1.0.0\nmodel: claude-haiku-4-5\nsystem: {text}\n"


def test_only_the_git_module_runs_git_through_subprocess() -> None:
    """Issue 15, acceptance 3: `grep -rn subprocess promptops | grep -i git` is empty outside
    the git module (a path with "git" in it counts, as in the grep), and that module runs git
    through GitPython."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path == GIT_MODULE:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            shown = f"{path.relative_to(REPO_ROOT)}:{number}:{line}"
            if "subprocess" in line and "git" in shown.lower():
                offenders.append(shown)
    assert offenders == []
    source = GIT_MODULE.read_text(encoding="utf-8")
    assert re.search(r"^\s+import git$", source, re.M), "GitPython is imported lazily there"
    assert not re.search(r"^(import git|from git\b)", source, re.M), "never at import time"
    assert "GitPython>=3.1.40" in (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_lint_never_imports_gitpython(tmp_path: Path) -> None:
    """GitPython's import costs more than a warm lint: lint's path must not load it."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "promptops", "lint", "examples/"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PROMPTOPS_CACHE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert "promptops.lint.run" in modules  # the import trace is there
    assert "git" not in modules and "gitdb" not in modules


def _two_commit_repo(root: Path) -> TestRepo:
    repo = TestRepo(root)
    repo.write("promptops.yaml", "default_branch: main\ntokenizer: cl100k_base\n")
    repo.write("prompts/a.yaml", PROMPT.format(id="a", text="Answer briefly."))
    repo.commit("base")
    repo.branch("feature")
    repo.write("prompts/a.yaml", PROMPT.format(id="a", text="Answer briefly and politely."))
    repo.commit("longer")
    return repo


def _logging_git(folder: Path) -> tuple[Path, Path]:
    """A git wrapper that writes its arguments to a log, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    log = folder / "git.log"
    wrapper = folder / "logged-git"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


def test_every_service_runs_the_configured_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIT_PYTHON_GIT_EXECUTABLE is the one setting: diff, the Action's merge-base, evals' base
    tree, the bill of materials' dates and the bundle's HEAD all run that program."""
    from promptops.canary.bundle import _head_commit
    from promptops.evals.suite_loader import checkout_ref
    from promptops.github.refs import commit_sha, merge_base
    from promptops.mbom.last_change import last_changes

    repo = _two_commit_repo(tmp_path / "repo")
    wrapper, log = _logging_git(tmp_path)

    result = run_cli(
        ["diff", "main", "feature", "--format", "json"],
        cwd=repo.root,
        env={EXECUTABLE_ENV: str(wrapper), "PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr
    assert '"prompts/a.yaml"' in result.stdout or "prompts/a.yaml" in result.stdout
    ran = log.read_text().splitlines()
    assert any(line.startswith("diff ") for line in ran), ran
    log.unlink()

    monkeypatch.setenv(EXECUTABLE_ENV, str(wrapper))
    head = repo.git("rev-parse", "feature")
    assert merge_base(repo.root, "main", "feature") == repo.git("rev-parse", "main")
    assert commit_sha(repo.root, "feature") == head
    copy = checkout_ref(repo.root, "main", tmp_path / "base")
    assert (copy / "prompts/a.yaml").read_text() == PROMPT.format(id="a", text="Answer briefly.")
    dates = last_changes(repo.root, ["prompts/a.yaml", "prompts/never.yaml"])
    assert dates["prompts/never.yaml"] == "unknown"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", dates["prompts/a.yaml"])
    assert _head_commit(repo.root) == head
    ran = log.read_text().splitlines()
    for command in ("merge-base", "rev-parse", "cat-file --batch", "log"):
        assert any(line.startswith(command) for line in ran), (command, ran)


def test_no_git_is_a_clear_error_never_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _two_commit_repo(tmp_path / "repo")
    missing = {EXECUTABLE_ENV: str(tmp_path / "no-such-git")}
    result = run_cli(["diff", "main", "feature"], cwd=repo.root, env=missing)
    assert result.returncode == 2
    assert "cannot run git" in result.stderr and EXECUTABLE_ENV in result.stderr
    assert "Traceback" not in result.stderr
    # The bill of materials is still produced, its dates unknown.
    from promptops.mbom.last_change import last_changes

    monkeypatch.setenv(EXECUTABLE_ENV, missing[EXECUTABLE_ENV])
    assert last_changes(repo.root, ["prompts/a.yaml"]) == {"prompts/a.yaml": "unknown"}
    with pytest.raises(UserError, match="cannot run git"):
        GitRepo(Config(root=repo.root)).resolve("main")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["diff", "main", "no-such-ref"], "unknown git ref 'no-such-ref'"),
        (["diff", "--", "-x"], "unknown git ref"),
    ],
)
def test_a_missing_ref_is_a_clear_error(tmp_path: Path, args: list[str], expected: str) -> None:
    repo = _two_commit_repo(tmp_path / "repo")
    result = run_cli(args, cwd=repo.root)
    assert result.returncode == 2, result.stdout
    assert expected in result.stderr and "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_bare_repository_and_no_repository(tmp_path: Path) -> None:
    repo = _two_commit_repo(tmp_path / "repo")
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.root), str(bare)], check=True)
    (bare / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    result = run_cli(["diff", "main", "feature"], cwd=bare)
    assert result.returncode == 2
    assert "bare git repository; run in a work tree" in result.stderr
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    result = run_cli(["diff"], cwd=outside)
    assert result.returncode == 2 and "is not inside a git repository" in result.stderr
    assert "Traceback" not in result.stderr


def test_shallow_clone_names_the_fix(tmp_path: Path) -> None:
    repo = _two_commit_repo(tmp_path / "repo")
    clone = tmp_path / "clone"
    source = f"file://{repo.root}"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--branch", "feature", source, str(clone)],
        check=True,
    )
    from promptops.github.refs import merge_base

    main = repo.git("rev-parse", "main")
    with pytest.raises(UserError, match=r"is not in this clone.*fetch-depth: 0"):
        merge_base(clone, main, "HEAD")
    assert GitRepo(Config(root=clone)).is_shallow()


def test_blob_reads_are_pipelined_in_one_persistent_process(tmp_path: Path) -> None:
    """More blobs than one request chunk, read twice: the same `cat-file --batch` serves both,
    every content comes back whole, and an unknown id is left out, not an error."""
    repo = TestRepo(tmp_path / "repo")
    texts = {f"p/{i}.yaml": f"id: {i}\nbody: {'x' * (i * 37 % 5000)}\n" for i in range(1200)}
    texts["p/binary.yaml"] = "\x00\x01 not text"
    for rel, text in texts.items():
        (repo.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / rel).write_text(text, encoding="utf-8")
    repo.commit("many")
    git = GitDir(repo.root)
    ids = {rel: blob for _, _, blob, rel in git.tree_entries("HEAD")}
    missing = "0123456789abcdef0123456789abcdef01234567"
    first = git.read_objects([*ids.values(), missing])
    process = git._cat
    second = git.read_objects(list(ids.values())[::-1])
    assert git._cat is process and process is not None  # one persistent process
    assert missing not in first and first == second
    assert {rel: first[blob][1].decode() for rel, blob in ids.items()} == texts
    with pytest.raises(ValueError):
        git.read_objects(["HEAD:p/1.yaml"])  # only object ids go into the batch protocol
    git.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_reads_blobs_without_disturbing_its_parent(tmp_path: Path) -> None:
    repo = TestRepo(tmp_path / "repo")
    for i in range(50):
        repo.write(f"p/{i}.yaml", f"id: {i}\n")
    repo.commit("some")
    git = GitDir(repo.root)
    ids = [blob for _, _, blob, _ in git.tree_entries("HEAD")]
    expected = git.read_objects(ids)
    pid = os.fork()
    if pid == 0:  # the child: its own cat-file, the parent's left running
        ok = git.read_objects(ids) == expected
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert git.read_objects(ids) == expected  # the parent's process still answers
    git.close()


def test_base_tree_export_skips_symlinks_and_keeps_modes(tmp_path: Path) -> None:
    repo = TestRepo(tmp_path / "repo")
    repo.write("sub/promptops.yaml", "tokenizer: cl100k_base\n")
    repo.write("sub/run.sh", "#!/bin/sh\n")
    (repo.root / "sub/run.sh").chmod(0o755)
    (repo.root / "sub/leak.yaml").symlink_to("/etc/passwd")
    repo.commit("with a link")
    copy = export_tree(repo.root / "sub", "HEAD", tmp_path / "out")
    assert copy == tmp_path / "out" / "sub"
    assert (copy / "promptops.yaml").read_text() == "tokenizer: cl100k_base\n"
    assert os.access(copy / "run.sh", os.X_OK)
    assert not (copy / "leak.yaml").exists() and not (copy / "leak.yaml").is_symlink()
    with pytest.raises(UserError, match="cannot read base ref 'nope'"):
        export_tree(repo.root, "nope", tmp_path / "other")
