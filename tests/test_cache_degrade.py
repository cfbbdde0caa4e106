"""A cache folder that cannot be written degrades to no caching with one warning (issue 14).

Through the CLI: `lint`, `tokens`, `diff`, `eval` (against a loopback OpenAI-compatible server)
and `cache clear`, each with its cache folder made unwritable in three ways, whoever runs the
test (root ignores permission bits):
- below a regular file (ENOTDIR), anywhere;
- read-only (EROFS): bind-mounted read-only in a user and mount namespace (`unshare -rm`), or
  by permission bits when not root;
- full (ENOSPC): a 64 KiB tmpfs filled to the last byte, in the same kind of namespace.
Each command must print the same report with the same exit code as on a writable cache, one
warning line on stderr and no traceback; `cache clear` on a read-only folder names what it
could not remove and exits 2.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.diff_fixtures import FAQ, base_repo, grow_triage_on_feature
from tests.support.cli import REPO_ROOT
from tests.support.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow

WARNING = "promptops: warning: cannot write the cache"
ROOT = os.geteuid() == 0


def _namespaces() -> bool:
    """Whether this machine lets us mount in a user namespace of our own."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


NAMESPACES = _namespaces()
MOUNT_READ_ONLY = 'mount --bind "$C" "$C" && mount -o remount,bind,ro "$C"'
MOUNT_FULL = (
    'mount -t tmpfs -o size=64k tmpfs "$C" && { head -c 1048576 /dev/zero >"$C/.fill"; true; }'
    ' 2>/dev/null && ! (echo x >"$C/.probe") 2>/dev/null'
)


class Folder:
    """An unwritable cache folder of one kind and how to run a command against it."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self.mount = ""
        if kind == "below-a-file":
            (tmp / "a-file").write_text("not a folder\n")
            self.path = tmp / "a-file" / "cache"
            return
        self.path = tmp / f"{kind}-cache"
        self.path.mkdir()
        if kind == "read-only" and not ROOT:
            self.path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        elif not NAMESPACES:
            pytest.skip(f"a {kind} folder needs `unshare -rm` (user namespaces) here")
        else:
            self.mount = MOUNT_READ_ONLY if kind == "read-only" else MOUNT_FULL

    def argv(self, args: list[str]) -> list[str]:
        command = [sys.executable, "-m", "promptops", *args]
        if not self.mount:
            return command
        script = f'C="$1"; shift; {self.mount} && exec "$@"'
        return ["unshare", "-rm", "sh", "-c", script, "sh", str(self.path), *command]


KINDS = ["below-a-file", "read-only", "full"]


@pytest.fixture(params=KINDS)
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> Folder:
    return Folder(request.param, tmp_path)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NO_COLOR": "1", **env}
    return subprocess.run(argv, cwd=cwd, env=full, capture_output=True, text=True, timeout=180)


def cli(args: list[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """On a writable cache folder: the reference."""
    argv = [sys.executable, "-m", "promptops", *args]
    return run(argv, cwd, {"PROMPTOPS_CACHE_DIR": str(cache)})


def assert_degraded(result: subprocess.CompletedProcess[str], folder: Folder) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith(WARNING)]
    assert len(warnings) == 1, f"{folder.kind}: {result.stderr}"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = base_repo(tmp_path_factory.mktemp("degrade") / "repo")
    repo.write("prompts/faq.yaml", FAQ)
    repo.commit("faq")
    grow_triage_on_feature(repo)
    return repo.root


@pytest.mark.parametrize(
    "args",
    [
        ["lint", "--format", "json"],
        ["tokens", "--format", "json"],
        ["diff", "main", "feature", "--format", "json"],
    ],
    ids=["lint", "tokens", "diff"],
)
def test_an_unwritable_cache_changes_nothing_but_one_warning(
    repo: Path, folder: Folder, args: list[str], tmp_path: Path
) -> None:
    expected = cli(args, repo, tmp_path / "writable")
    assert "Traceback" not in expected.stderr and WARNING not in expected.stderr
    result = run(folder.argv(args), repo, {"PROMPTOPS_CACHE_DIR": str(folder.path)})
    assert_degraded(result, folder)
    assert result.returncode == expected.returncode, result.stderr
    assert json.loads(result.stdout) == json.loads(expected.stdout)


ECHO_PROMPT = """\
kind: prompt
id: echo
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: Repeat the user.
messages:
  - role: user
    content: "Hello {{ name }}"
variables:
  name: {description: who}
"""
ECHO_SUITE = """\
kind: eval
id: echo-suite
prompt: echo
gate: {min_pass_rate: 1.0}
cases:
  - {id: ana, vars: {name: ana}}
  - {id: bo, vars: {name: bo}}
"""


def test_eval_with_an_unwritable_response_cache_asks_and_answers_the_same(
    folder: Folder, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    (root / "prompts").mkdir(parents=True)
    (root / "evals").mkdir()
    (root / "promptops.yaml").write_text("tokenizer: cl100k_base\n", encoding="utf-8")
    (root / "prompts" / "echo.yaml").write_text(ECHO_PROMPT, encoding="utf-8")
    (root / "evals" / "echo.yaml").write_text(ECHO_SUITE, encoding="utf-8")
    fake = FakeOpenAI()
    with fake:
        local = ["eval", "--quiet", "--target", "local", "--base-url", fake.base_url]
        writable = tmp_path / "writable"
        expected = cli([*local, "--cache-dir", str(writable / "responses")], root, writable)
        assert expected.returncode == 0, expected.stderr
        asked = len(fake.chat_requests())
        assert asked == 2 and list((writable / "responses").rglob("*.json"))
        args = [*local, "--cache-dir", str(folder.path / "responses")]
        result = run(folder.argv(args), root, {"PROMPTOPS_CACHE_DIR": str(folder.path)})
        assert len(fake.chat_requests()) == 2 * asked  # nothing cached: every case asked
    assert_degraded(result, folder)
    assert result.returncode == expected.returncode == 0, result.stderr
    assert untimed(result.stdout) == untimed(expected.stdout)


def untimed(text: str) -> str:
    """The report without its wall-clock seconds (`· 0.1s`)."""
    return re.sub(r"\b\d+(\.\d+)?s\b", "…s", text)


def test_cache_clear_on_a_read_only_folder_names_what_it_could_not_remove(
    repo: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    filled = cli(["lint"], repo, cache)
    assert "Traceback" not in filled.stderr
    before = sorted(p for p in cache.rglob("*") if p.is_file())
    assert before
    if ROOT:
        if not NAMESPACES:
            pytest.skip("a read-only folder for root needs `unshare -rm` (user namespaces)")
        script = f'C="$1"; shift; {MOUNT_READ_ONLY} && exec "$@"'
        prefix = ["unshare", "-rm", "sh", "-c", script, "sh", str(cache)]
    else:
        cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
        prefix = []
    argv = [*prefix, sys.executable, "-m", "promptops", "cache", "clear"]
    result = run(argv, repo, {"PROMPTOPS_CACHE_DIR": str(cache)})
    if not ROOT:
        cache.chmod(stat.S_IRWXU)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "removed 0 cache entries" in result.stdout
    named = [line for line in result.stderr.splitlines() if "could not remove" in line]
    assert {line.split("could not remove ")[1].split(":")[0] for line in named} == {
        p.name for p in before
    }
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == before
    cleared = cli(["cache", "clear"], repo, cache)  # writable again: everything goes
    assert cleared.returncode == 0, cleared.stderr
    assert not [p for p in cache.rglob("*") if p.is_file()]
