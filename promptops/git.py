"""The one git layer: every git command promptops runs goes through here.

`GitDir` runs git in one folder of a work tree; `GitRepo` is a repository seen from a promptops
config root (which may be a subfolder), with the two *sides* a diff compares: a commit (blobs
read from the object store) or the working tree (files on disk, untracked non-ignored files
included, never followed through a symlink out of the repository).

- One git executable: ``GIT_PYTHON_GIT_EXECUTABLE`` (GitPython's own setting) or ``git`` on
  PATH, read when a repository is opened, for both halves below; promptops has no config key
  of its own for it.
- Two halves, split by what a command can afford. GitPython's import costs ~0.1 s and runs
  `git version` twice, more than a whole warm `lint` and a tenth of a warm diff on 10,000
  prompts, so the hot paths (lint's history rules, diff, check, cache warm: `GitDir`,
  `GitRepo`) run git processes themselves and never load it. The services that run once per
  command and are slow anyway (evals' base tree, the Action's merge-base, the bundle's HEAD,
  the bill of materials' dates) use GitPython's repository and object model, imported lazily.
- Blob reads go through one persistent ``git cat-file --batch`` per repository (as GitPython's
  `GitCmdObjectDB` keeps one), requests pipelined in chunks, so reading 10,000 blobs is one
  process and no per-blob round trip.
- Every failure is a `UserError` (exit 2) that says what to do: not a repository, a bare
  repository, no commits, an unknown ref, a shallow clone, no git at all.

Changes come from git itself (`git diff --raw -M`), so renames are git's rename detection. For
the working tree a throw-away copy of the index (`GIT_INDEX_FILE`, keeping the index's mtime so
git's racy-clean check still re-reads files edited in the second of a checkout) lets git see
untracked files too, without touching the user's index. Only what changed is read: `git diff
--raw` names the changed files and their blob ids, one `ls-tree` gives every other blob id.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

from promptops.config import Config
from promptops.errors import UserError
from promptops.globs import any_glob
from promptops.repo_paths import read_inside

EXECUTABLE_ENV = "GIT_PYTHON_GIT_EXECUTABLE"
TIMEOUT_S = 300.0
YAML_PATHSPECS = ("*.yaml", "*.yml")
WORKING_TREE = "working tree"
FETCH_HINT = (
    "fetch it first (`git fetch origin <branch>`); in GitHub Actions check out with "
    "`actions/checkout` and `fetch-depth: 0` so the base commit is present"
)
_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "T": "modified"}
_OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_REGULAR = (0o100644, 0o100755)
_BATCH = 512  # cat-file requests per write: 21 KB, well inside a pipe, so git never blocks us
_gitpython: ModuleType | None = None


def executable() -> str:
    """The git program: GIT_PYTHON_GIT_EXECUTABLE, else `git` on PATH."""
    return os.environ.get(EXECUTABLE_ENV) or "git"


def no_git_message() -> str:
    return (
        f"cannot run git ({executable()!r}): install git, or set {EXECUTABLE_ENV} to the path "
        "of a git executable"
    )


def environment_ok() -> bool:
    """Whether the git executable is there (without importing GitPython)."""
    return shutil.which(executable()) is not None


def _load() -> ModuleType:
    """GitPython, imported once, on first use. Its import-time check of git stays quiet: a
    missing git is reported by the first command, as our error, with what to do."""
    global _gitpython
    if _gitpython is None:
        saved = os.environ.get("GIT_PYTHON_REFRESH")
        os.environ["GIT_PYTHON_REFRESH"] = "quiet"
        try:
            import git
        except ImportError as exc:  # a broken install: GitPython is a declared dependency
            message = f"promptops needs GitPython (pip install 'GitPython>=3.1.40'): {exc}"
            raise UserError(message) from None
        finally:
            if saved is None:
                os.environ.pop("GIT_PYTHON_REFRESH", None)
            else:
                os.environ["GIT_PYTHON_REFRESH"] = saved
        _gitpython = git
    # The one setting, read now (it may have changed since the import), and never replaced
    # by GitPython's fallback to `git` when it names no program: that is reported instead.
    _gitpython.Git.GIT_PYTHON_GIT_EXECUTABLE = executable()
    return _gitpython


class GitError(Exception):
    """A git command failed; `status` is its exit code. Callers turn it into a UserError."""

    def __init__(self, args: Iterable[str], status: int, stderr: str, stdout: bytes = b"") -> None:
        self.command = " ".join(args)
        super().__init__(f"git {self.command} failed ({status}): {stderr.strip()}")
        self.status = status
        self.stderr = stderr.strip()
        self.stdout = stdout


class GitDir:
    """git run in one folder of a work tree (`cwd`: `folder`, or the top with `at_top`).

    The hot paths (lint's history rules, diff, check, cache warm) run here: each command is
    one git process, and blob reads go through one persistent `git cat-file --batch`, its
    requests pipelined in chunks. GitPython is not loaded for these: its import alone costs
    more than a warm lint (see `gitpython_repo` for where it is used)."""

    def __init__(self, folder: Path | str, *, bare_ok: bool = False, at_top: bool = False) -> None:
        self._exe = executable()
        self.cwd = Path(folder)
        self._cat: subprocess.Popen[bytes] | None = None
        self._cat_pid = 0
        if not self.cwd.is_dir():
            raise UserError(f"{folder} is not inside a git repository")
        try:
            lines = self.run("rev-parse", "--is-bare-repository", "--show-toplevel").splitlines()
        except GitError as exc:  # a bare repository prints "true", then fails --show-toplevel
            lines = exc.stdout.decode("utf-8", "surrogateescape").splitlines()
            if not lines and "not a git repository" in exc.stderr:
                raise UserError(f"{folder} is not inside a git repository") from None
            if not lines:  # e.g. "detected dubious ownership": git says what to do
                raise UserError(f"git cannot read {folder}: {exc.stderr}") from None
        bare = lines[0].strip() == "true"
        if bare and not bare_ok:
            raise UserError(f"{folder} is a bare git repository; run in a work tree")
        if len(lines) > 1:
            self.toplevel = Path(lines[1].strip()).resolve()
        else:  # a bare repository: no work tree, its folder stands for the top
            self.toplevel = Path(self.run("rev-parse", "--absolute-git-dir").strip()).resolve()
        if at_top:
            self.cwd = self.toplevel

    # -- commands ----------------------------------------------------------------------------
    def run_bytes(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: bytes | None = None,
        ok: tuple[int, ...] = (0,),
        timeout: float = TIMEOUT_S,
    ) -> bytes:
        """stdout of `git ARGS` run in `cwd`; GitError when the exit code is not in `ok`,
        UserError when there is no git to run or it does not finish in `timeout` seconds."""
        try:
            done = subprocess.run(
                [self._exe, *args],
                cwd=self.cwd,
                env={**os.environ, **env} if env else None,
                input=input,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            raise UserError(no_git_message()) from None
        except subprocess.TimeoutExpired:
            raise UserError(f"git {args[0]} took more than {timeout:g}s in {self.cwd}") from None
        if done.returncode not in ok:
            stderr = done.stderr.decode("utf-8", "replace")
            raise GitError(args, done.returncode, stderr, done.stdout)
        return done.stdout

    def run(self, *args: str, **kwargs: Any) -> str:
        """`run_bytes` decoded (UTF-8, undecodable bytes kept as surrogates)."""
        return self.run_bytes(*args, **kwargs).decode("utf-8", "surrogateescape")

    # -- refs --------------------------------------------------------------------------------
    def commit(self, ref: str) -> str | None:
        """The commit sha `ref` names, None when it names none here."""
        if not ref or ref.startswith("-"):
            return None
        try:
            return self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except GitError as exc:
            if exc.stderr:  # not "no such commit" (quiet): git refuses this repository
                raise UserError(f"git cannot read {self.toplevel}: {exc.stderr}") from None
            return None

    def merge_base(self, left: str, right: str) -> str | None:
        """The first merge-base of two commits; None on unrelated or shallow history."""
        try:
            out = self.run("merge-base", left, right).split()
        except GitError:
            return None
        return out[0] if out else None

    def is_shallow(self) -> bool:
        """Whether this clone lacks older history (`fetch-depth: 1`)."""
        try:
            return self.run("rev-parse", "--is-shallow-repository").strip() == "true"
        except GitError:
            return False

    # -- objects -----------------------------------------------------------------------------
    def tree_entries(self, sha: str, *scope: str) -> list[tuple[str, str, str, str]]:
        """(mode, type, object id, top-level path) of every entry of a commit's tree, recursed
        (one `ls-tree`), limited to the top-level paths in `scope` when given."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", sha, "--", *scope)
        entries = []
        for entry in out.split("\0"):
            if entry:
                meta, path = entry.split("\t", 1)
                mode, kind, object_id = meta.split()
                entries.append((mode, kind, object_id, path))
        return entries

    def read_objects(self, object_ids: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """{id: (type, bytes)} of objects by full id through the persistent `cat-file
        --batch`, requests pipelined in chunks; an id git does not have is left out."""
        wanted = list(dict.fromkeys(object_ids))
        for object_id in wanted:
            if not _OBJECT_ID.fullmatch(object_id):
                raise ValueError(f"not a full object id: {object_id!r}")
        found: dict[str, tuple[str, bytes]] = {}
        if not wanted:
            return found
        cat = self._cat_file()
        assert cat.stdin is not None and cat.stdout is not None
        try:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                cat.stdin.write("".join(f"{i}\n" for i in chunk).encode())
                cat.stdin.flush()
                for object_id in chunk:
                    header = cat.stdout.readline().split()
                    if not header:
                        raise EOFError("git cat-file stopped")
                    if len(header) != 3:  # "<id> missing"
                        continue
                    size = int(header[2])
                    data = cat.stdout.read(size + 1)  # the content, then a newline
                    if len(data) != size + 1:
                        raise EOFError("git cat-file stopped mid-object")
                    found[object_id] = (header[1].decode(), data[:size])
        except (OSError, EOFError, ValueError) as exc:
            self.close()
            raise UserError(f"git cat-file --batch failed in {self.toplevel}: {exc}") from None
        return found

    def _cat_file(self) -> subprocess.Popen[bytes]:
        """The persistent `git cat-file --batch` (one per process: a forked child starts its
        own rather than interleave with its parent's, and leaves the parent's running)."""
        if self._cat is not None and self._cat_pid != os.getpid():
            self._cat = None
        if self._cat is None:
            try:
                self._cat = subprocess.Popen(
                    [self._exe, "cat-file", "--batch"],
                    cwd=self.toplevel,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            except (FileNotFoundError, PermissionError):
                raise UserError(no_git_message()) from None
            self._cat_pid = os.getpid()
        return self._cat

    def close(self) -> None:
        """Stop the persistent `cat-file`: end of input makes it exit."""
        cat, self._cat = self._cat, None
        if cat is not None and self._cat_pid == os.getpid():
            assert cat.stdin is not None and cat.stdout is not None
            cat.stdin.close()
            cat.stdout.close()
            try:
                cat.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cat.kill()
                cat.wait()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at shutdown there is no one to tell
            self.close()


@dataclass(frozen=True)
class Change:
    """One changed file between two sides; paths are relative to the config root."""

    status: str  # added | removed | modified | renamed
    old_path: str | None
    new_path: str | None
    similarity: int | None = None  # git's rename score, 0..100
    old_blob: str | None = None  # blob ids from `git diff --raw` (None: not known)
    new_blob: str | None = None

    @property
    def path(self) -> str:
        return str(self.new_path or self.old_path)


@dataclass(frozen=True)
class FileVersion:
    """The content one commit gave a file: commit, config-root relative path, blob id."""

    commit: str
    path: str
    blob: str


@dataclass(frozen=True)
class CommitInfo:
    """One commit of a history walk: sha, author name, author date (ISO 8601), subject."""

    sha: str
    author: str
    date: str
    subject: str


class GitSide:
    """One side of a diff: a commit, or the working tree when `sha` is None."""

    def __init__(self, repo: GitRepo, label: str, sha: str | None) -> None:
        self.repo = repo
        self.label = label
        self.sha = sha

    @property
    def is_working_tree(self) -> bool:
        return self.sha is None

    @property
    def short(self) -> str:
        return self.sha[:12] if self.sha else WORKING_TREE

    def read(self, rel: str) -> str | None:
        """Text of a file (config-root relative) on this side, None when absent or binary."""
        return self.repo.read(self.sha, rel)

    def read_many(self, rels: list[str]) -> dict[str, str]:
        """Texts of many files at once (one batch of blob reads for a commit)."""
        if self.sha is None or len(rels) < 8:
            found = {}
            for rel in rels:
                text = self.read(rel)
                if text is not None:
                    found[rel] = text
            return found
        return self.repo.read_batch(self.sha, rels)

    def grep(self, patterns: list[str], fixed: bool = False) -> list[str]:
        """Config-root relative YAML paths on this side whose text matches any pattern."""
        return self.repo.grep(self.sha, patterns, fixed)

    def list_files(self) -> list[str]:
        """Every YAML file of this commit selected by the config's globs (a commit side only:
        the working tree's files are `documents.workspace.discover_files`)."""
        if self.sha is None:
            raise ValueError("list_files reads a commit; the working tree is the workspace's")
        return self.repo.list_files(self.sha)


class GitRepo:
    """A git repository seen from a promptops config root (which may be a subfolder)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.git = GitDir(config.root, at_top=True)  # pathspecs are top-level relative
        self.toplevel = self.git.toplevel
        prefix = config.root.resolve().relative_to(self.toplevel).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"
        self._trees: dict[str, dict[str, str]] = {}
        self._globs: tuple[re.Pattern[str], re.Pattern[str]] | None = None

    def _run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: bytes | None = None,
        ok: tuple[int, ...] = (0,),
    ) -> str:
        return self.git.run(*args, env=env, input=input, ok=ok)

    # -- paths -------------------------------------------------------------------------------
    def _to_rel(self, top_path: str) -> str | None:
        if not top_path.startswith(self.prefix):
            return None
        return top_path[len(self.prefix) :]

    def selected(self, rel: str | None) -> bool:
        """Whether the config's `paths`/`exclude` globs select this root-relative path."""
        if not rel or not rel.endswith((".yaml", ".yml")):
            return False
        if self._globs is None:  # one regex per list: this runs for every file of a tree
            self._globs = (any_glob(tuple(self.config.paths)), any_glob(tuple(self.config.exclude)))
        wanted, excluded = self._globs
        return bool(wanted.match(rel)) and not excluded.match(rel)

    def _pathspecs(self) -> list[str]:
        return [f"{self.prefix}{spec}" if self.prefix else spec for spec in YAML_PATHSPECS]

    # -- refs --------------------------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """The commit sha a ref names; a clear UserError when it is not there."""
        sha = self.git.commit(ref)
        if not sha:
            raise UserError(f"unknown git ref {ref!r}: {FETCH_HINT}")
        return sha

    def has_commits(self) -> bool:
        return self.git.commit("HEAD") is not None

    def default_branch(self) -> str:
        """config `default_branch`, else origin/HEAD's target, else main, else master."""
        candidates = []
        if self.config.default_branch:
            candidates = [self.config.default_branch, f"origin/{self.config.default_branch}"]
        else:
            try:
                target = self._run("symbolic-ref", "refs/remotes/origin/HEAD", "--short")
                candidates.append(target.strip())
            except GitError:
                pass
            candidates += ["main", "origin/main", "master", "origin/master"]
        for name in candidates:
            if self.git.commit(name) is not None:
                return name
        wanted = self.config.default_branch or "main or master"
        raise UserError(
            f"cannot find the default branch ({wanted}) to diff against: pass a base ref "
            f"explicitly, set `default_branch` in promptops.yaml, or {FETCH_HINT}"
        )

    def merge_base(self, ref: str, other: str = "HEAD") -> str:
        """The merge-base of `ref` and `other`; a clear error on unrelated or shallow history."""
        base = self.git.merge_base(self.resolve(ref), self.resolve(other))
        if not base:
            raise UserError(
                f"no merge-base between {ref!r} and {other!r} (shallow clone?): {FETCH_HINT}"
            )
        return base

    def side(self, ref: str | None, label: str | None = None) -> GitSide:
        """A commit side for a ref, or the working tree for None."""
        if ref is None:
            return GitSide(self, WORKING_TREE, None)
        return GitSide(self, label or ref, self.resolve(ref))

    # -- reading -----------------------------------------------------------------------------
    def read(self, sha: str | None, rel: str) -> str | None:
        if sha is None:
            raw = read_inside(self.config.root, rel)  # never through a symlink out of the repo
            try:
                text = None if raw is None else raw.decode("utf-8")
            except UnicodeDecodeError:
                return None
            # as Path.read_text gave it (universal newlines)
            return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")
        return self.read_batch(sha, [rel]).get(rel)

    def read_raw(self, sha: str | None, rel: str) -> bytes | None:
        """The bytes of a file on a side, None when absent: for a file `read` left out because
        it is not UTF-8, which the loader still reports (PO001) instead of losing it."""
        if sha is None:
            return read_inside(self.config.root, rel)
        blob = self.blob_ids(sha).get(rel)
        if blob is None:
            return None
        found = self.git.read_objects([blob]).get(blob)
        return None if found is None or found[0] != "blob" else found[1]

    def blob_ids(self, sha: str) -> dict[str, str]:
        """Root-relative path -> blob id of every file at commit `sha` (one `ls-tree`)."""
        if sha not in self._trees:
            scope = [self.prefix] if self.prefix else []
            tree = {}
            try:
                entries = self.git.tree_entries(sha, *scope)
            except GitError as exc:
                raise UserError(f"git ls-tree failed for {sha[:12]}: {exc.stderr}") from None
            for _, kind, object_id, path in entries:
                rel = self._to_rel(path)
                if rel is not None and kind == "blob":
                    tree[rel] = object_id
            self._trees[sha] = tree
        return self._trees[sha]

    def read_blobs(self, blobs: list[str]) -> dict[str, str]:
        """Texts of blobs by id, one pipelined batch (binary or missing: left out).

        Blobs are named by id, not `sha:path`: resolving a path walks its tree object, which
        costs O(entries) per file in a folder of thousands of prompts."""
        found = {}
        for blob, (kind, data) in self.git.read_objects(blobs).items():
            if kind != "blob":
                continue
            try:
                found[blob] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
        return found

    def read_batch(self, sha: str, rels: list[str]) -> dict[str, str]:
        """Blob texts of `rels` at commit `sha` (one `ls-tree`, one batch of blob reads)."""
        tree = self.blob_ids(sha)
        rels = [rel for rel in rels if rel in tree]
        texts = self.read_blobs([tree[rel] for rel in rels])
        return {rel: texts[tree[rel]] for rel in rels if tree[rel] in texts}

    def list_files(self, sha: str) -> list[str]:
        """Selected YAML files of commit `sha` (the working tree's are the workspace's to find:
        `documents.workspace.discover_files`, above this layer)."""
        return sorted(r for r in self.blob_ids(sha) if self.selected(r))

    def grep(self, sha: str | None, patterns: list[str], fixed: bool = False) -> list[str]:
        if not patterns:
            return []
        args = ["grep", "-l", "-I", "-F" if fixed else "-E"]
        for pattern in patterns:
            args += ["-e", pattern]
        if sha is None:
            args = [args[0], "--untracked", *args[1:]]
        else:
            args.append(sha)
        try:
            out = self._run(*args, "--", *self._pathspecs(), ok=(0, 1))  # 1: nothing matched
        except GitError as exc:
            raise UserError(f"git grep failed: {exc.stderr}") from None
        rels = []
        for line in out.splitlines():
            path = line.split(":", 1)[1] if sha is not None and ":" in line else line
            rel = self._to_rel(path)
            if self.selected(rel):
                rels.append(str(rel))
        return sorted(set(rels))

    def grep_fixed(self, sha: str, strings: list[str]) -> list[str]:
        """Selected root-relative paths at commit `sha` whose text contains any of the strings
        (none spanning lines). Many strings make one ERE alternation (git tries `-F -e`
        patterns one by one, several times slower with hundreds); each character is literal
        or a one-character bracket expression, so no escape's meaning depends on the regex
        library."""
        if len(strings) <= 16:  # a few fixed strings beat the regex engine
            return self._grep_tree(sha, ["-F", *(a for s in strings for a in ("-e", s))])
        pattern = "|".join("".join(_literal(c) for c in s) for s in strings)
        return self._grep_tree(sha, ["-E", "-e", pattern])

    def grep_word(self, sha: str, word: str) -> list[str]:
        """Selected paths at `sha` with `word` not followed by a character that could continue
        a YAML scalar or a name ([A-Za-z0-9_./-]), or with a backslash: every file in which
        `word` is a whole scalar. PCRE (a fast literal scan) when git has it, else ERE."""
        if not word.isalnum():
            raise ValueError(word)
        try:
            return self._grep_tree(sha, ["-P", "-e", word + r"(?![A-Za-z0-9_./-])|\\"])
        except UserError:
            return self._grep_tree(sha, ["-E", "-e", word + r"([^A-Za-z0-9_./-]|$)|[\]"])

    def _grep_tree(self, sha: str, pattern_args: list[str]) -> list[str]:
        """`git grep -l` at a commit, as bytes (C locale), case-sensitive, no binary skipping,
        no path quoting: a file it leaves out does not contain the pattern."""
        args = ["grep", "-l", "-z", "--no-textconv", *pattern_args, sha]
        env = {"LC_ALL": "C"}
        try:
            out = self._run(*args, "--", *self._pathspecs(), env=env, ok=(0, 1))
        except GitError as exc:
            raise UserError(f"git grep failed: {exc.stderr}") from None
        rels = set()
        for entry in out.split("\0"):
            if entry.startswith(sha + ":"):
                rel = self._to_rel(entry[len(sha) + 1 :])
                if self.selected(rel):
                    rels.add(str(rel))
        return sorted(rels)

    # -- history -----------------------------------------------------------------------------
    def is_shallow(self) -> bool:
        """Whether this clone lacks older history (`fetch-depth: 1`): absent is not "never"."""
        return self.git.is_shallow()

    def commits(self, until: str = "HEAD", since: str | None = None) -> list[CommitInfo]:
        """The first-parent commits up to `until` that changed a YAML file under the config
        root, oldest first. `since` is a ref (the commits after it) or a date (YYYY-MM-DD: the
        commits from that day on). A merge is one step: its change against its first parent."""
        import datetime as dt

        args = ["log", "--first-parent", "--reverse", "--format=%H%x1f%an%x1f%aI%x1f%s"]
        until_sha = self.resolve(until)
        if since is None:
            args.append(until_sha)
        elif self.git.commit(since) is not None:
            args.append(f"{self.resolve(since)}..{until_sha}")
        else:
            try:
                dt.date.fromisoformat(since)
            except ValueError:
                raise UserError(
                    f"--since {since!r} is neither a git ref nor a date (YYYY-MM-DD)"
                ) from None
            args += [f"--since={since}T00:00:00", until_sha]
        out = self._run(*args, "--", *self._pathspecs())
        found = []
        for line in out.splitlines():
            fields = line.split("\x1f")
            if len(fields) == 4:
                found.append(CommitInfo(*fields))
        return found

    def history(
        self, revs: list[str], rels: list[str], exclude: list[str] | tuple[str, ...] = ()
    ) -> list[FileVersion]:
        """Every content the files `rels` had in the commits reachable from `revs` but not
        from `exclude`, newest first, each file followed back across renames as `git log
        --follow` does, but for many files at once: one `git log` per generation of renames
        and one `git diff-tree --stdin` to find where the created files came from. Merge
        commits' own resolutions are not read (git shows no diff for a merge by default)."""
        found: dict[tuple[str, str], FileVersion] = {}
        tops = sorted({self.prefix + rel for rel in rels})
        starts = list(revs)
        followed: set[tuple[str, str]] = set()
        for _ in range(64):  # generations of renames; a cycle stops at `followed`
            if not tops or not starts:
                break
            created: list[tuple[str, str]] = []
            for commit, status, top, blob in self._log_raw(starts, tops, exclude):
                rel = self._to_rel(top)
                if status == "A":
                    created.append((commit, top))
                if rel is not None and blob is not None and (commit, rel) not in found:
                    found[(commit, rel)] = FileVersion(commit, rel, blob)
            sources = self._rename_sources(sorted({commit for commit, _ in created}))
            next_tops, next_starts = set(), set()
            for commit, top in created:
                source = sources.get((commit, top))
                if source is not None and (commit, source) not in followed:
                    followed.add((commit, source))
                    next_tops.add(source)
                    next_starts.add(f"{commit}^")
            tops, starts = sorted(next_tops), sorted(next_starts)
        return list(found.values())

    def changed_in(self, revs: list[str], exclude: list[str]) -> list[FileVersion]:
        """The selected YAML files' contents written by the commits reachable from `revs` but
        not from `exclude` (what a branch brings in), newest first."""
        found = []
        for commit, _, top, blob in self._log_raw(revs, self._pathspecs(), exclude):
            rel = self._to_rel(top)
            if blob is not None and self.selected(rel):
                found.append(FileVersion(commit, str(rel), blob))
        return found

    def _log_raw(
        self, revs: list[str], pathspecs: list[str], exclude: list[str] | tuple[str, ...]
    ) -> list[tuple[str, str, str, str | None]]:
        """(commit, status letter, top-level path, new blob or None) per file per commit."""
        args = ["-c", "log.follow=false", "log", "--format=commit %H", "--raw", "--no-abbrev"]
        args += ["-z", "--no-renames"]
        args += ["--full-history", *revs, *(f"^{sha}" for sha in exclude)]
        try:
            out = self._run(*args, "--", *pathspecs)
        except GitError as exc:
            raise UserError(f"git log failed: {exc.stderr}") from None
        fields = out.split("\0")
        records, commit, i = [], "", 0
        while i < len(fields):
            field = fields[i].lstrip("\n")
            i += 1
            if field.startswith("commit "):
                commit = field[len("commit ") :].strip()
            elif field.startswith(":") and i < len(fields):
                meta = field[1:].split()
                i += 2 if meta[4][0] in "RC" else 1  # R/C name the old path, then the new
                records.append((commit, meta[4][0], fields[i - 1], _blob(meta[3])))
        return records

    def _rename_sources(self, commits: list[str]) -> dict[tuple[str, str], str]:
        """(commit, created top-level path) -> the path it was renamed from in that commit."""
        if not commits:
            return {}
        args = ["diff-tree", "--stdin", "-r", "-M", "--raw", "--no-abbrev", "-z"]
        args += ["--diff-filter=R", "--", *self._pathspecs()]
        try:
            out = self._run(*args, input="".join(f"{c}\n" for c in commits).encode())
        except GitError as exc:
            raise UserError(f"git diff-tree failed: {exc.stderr}") from None
        fields = out.split("\0")
        sources, commit, i = {}, "", 0
        while i < len(fields):
            field = fields[i].lstrip("\n")
            i += 1
            if field.startswith(":") and i + 1 < len(fields):
                sources[(commit, fields[i + 1])] = fields[i]
                i += 2
            elif field:
                commit = field.strip()
        return sources

    # -- changes -----------------------------------------------------------------------------
    def changes(self, base: GitSide, head: GitSide) -> list[Change]:
        """Added, removed, modified and renamed YAML documents from base to head, with the blob
        ids of both sides (for the working tree: of a throw-away index)."""
        args = ["--raw", "--no-abbrev", "-M", "-z"]
        try:
            if head.sha is not None:
                raw = self._run("diff", *args, str(base.sha), head.sha, "--", *self._pathspecs())
            else:
                raw = self._working_tree_diff(args, str(base.sha))
        except GitError as exc:
            raise UserError(f"git {exc.command.split()[0]} failed: {exc.stderr}") from None
        return self._parse_raw(raw)

    def _working_tree_diff(self, args: list[str], base_sha: str) -> str:
        """Diff base against the working tree, untracked non-ignored files included.

        The index is copied with its mtime (`copy2`): git trusts an entry's stat data unless
        the entry is racily clean, i.e. written in the same second as the index itself, and
        it tells by the index file's mtime. A copy stamped "now" made a same-size edit made in
        the second of a checkout look clean, so the diff missed it."""
        index = Path(self._run("rev-parse", "--git-path", "index").strip())
        if not index.is_absolute():
            index = self.toplevel / index
        with tempfile.TemporaryDirectory(prefix="promptops-index-") as tmp:
            temp_index = Path(tmp) / "index"
            if index.is_file():
                shutil.copy2(index, temp_index)
            env = {"GIT_INDEX_FILE": str(temp_index)}
            self._run("add", "--update", env=env)
            untracked = self._run(
                "ls-files", "--others", "--exclude-standard", "-z", "--", *self._pathspecs()
            )
            new_files = [p for p in untracked.split("\0") if p]
            for start in range(0, len(new_files), 500):
                self._run("add", "--", *new_files[start : start + 500], env=env)
            return self._run("diff", "--cached", *args, base_sha, "--", *self._pathspecs(), env=env)

    def _parse_raw(self, raw: str) -> list[Change]:
        fields = raw.split("\0")
        changes: list[Change] = []
        i = 0
        while i < len(fields) and fields[i]:
            meta = fields[i].lstrip(":").split()
            old_blob, new_blob, code = _blob(meta[2]), _blob(meta[3]), meta[4]
            letter = code[0]
            if letter in ("R", "C"):
                old, new = self._to_rel(fields[i + 1]), self._to_rel(fields[i + 2])
                i += 3
                score = int(code[1:]) if code[1:].isdigit() else None
                if letter == "C":  # a copy is an addition for our purposes
                    if self.selected(new):
                        changes.append(Change("added", None, new, new_blob=new_blob))
                    continue
                old_ok, new_ok = self.selected(old), self.selected(new)
                if old_ok and new_ok:
                    changes.append(Change("renamed", old, new, score, old_blob, new_blob))
                elif old_ok:
                    changes.append(Change("removed", old, None, old_blob=old_blob))
                elif new_ok:
                    changes.append(Change("added", None, new, new_blob=new_blob))
                continue
            rel = self._to_rel(fields[i + 1])
            i += 2
            status = _STATUS.get(letter)
            if status is None or not self.selected(rel):
                continue
            if status == "added":
                changes.append(Change(status, None, rel, new_blob=new_blob))
            elif status == "removed":
                changes.append(Change(status, rel, None, old_blob=old_blob))
            else:
                changes.append(Change(status, rel, rel, None, old_blob, new_blob))
        return sorted(changes, key=lambda c: c.path)


def _literal(char: str) -> str:
    """One character as an ERE matching exactly it: ordinary characters stand for themselves,
    a special one goes in brackets (where only `^`, `]` and `-` are special, none alone)."""
    if char not in _ERE_META:
        return char
    return "\\^" if char == "^" else f"[{char}]"


_ERE_META = set(".[]\\()*+?{}|^$")


def _blob(sha: str) -> str | None:
    """A blob id from `--raw` output; None for git's all-zero "no blob"."""
    return None if not sha.strip("0") else sha


def open_sides(
    config: Config, base: str | None, head: str | None
) -> tuple[GitRepo, GitSide, GitSide]:
    """Resolve BASE and HEAD: head defaults to the working tree, base to the merge-base of
    HEAD with the default branch."""
    repo = GitRepo(config)
    if not repo.has_commits():
        raise UserError("the repository has no commits yet: commit something to diff against")
    head_side = repo.side(head)
    if base is None:
        branch = repo.default_branch()
        sha = repo.merge_base(branch, head or "HEAD")
        base_side = GitSide(repo, f"merge-base with {branch}", sha)
    else:
        base_side = repo.side(base)
    return repo, base_side, head_side


def committed_files(folder: Path) -> int:
    """How many files git tracks under `folder` (0 outside a repository or when git cannot
    say). A cache folder holding tracked files may hold what the pull request under test put
    there, and a cache entry's seal is no secret: such a folder is never read."""
    try:
        git = GitDir(folder if folder.is_dir() else folder.parent)
        listed = git.run("ls-files", "-z", "--", str(folder.resolve()))
    except (UserError, GitError, OSError):
        return 0
    return len([name for name in listed.split("\0") if name])


# -- the services that run once per command, on GitPython ------------------------------------
# Evals' base tree, the Action's merge-base, the bundle's HEAD and the bill of materials' dates
# use GitPython's repository and object model: a command that does one of these is slow anyway,
# and pays GitPython's import (~0.1 s and two `git version` runs) once. Its git is `executable()`.


def gitpython_repo(folder: Path | str) -> Any:
    """GitPython's `Repo` for the repository holding `folder`; a UserError outside git."""
    git = _load()
    try:
        return git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UserError(f"{folder} is not inside a git repository") from None
    except OSError as exc:
        raise UserError(f"cannot open the git repository at {folder}: {exc}") from None


def _gitpython_failure(exc: Exception, what: str) -> UserError:
    """A GitPython exception as our error: no git, or what git said."""
    git = _load()
    if isinstance(exc, git.GitCommandNotFound | PermissionError):
        return UserError(no_git_message())
    if isinstance(exc, git.GitCommandError):
        stderr = str(exc.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
        return UserError(f"{what}: {stderr or exc}")
    return UserError(f"{what}: {exc}")


def commit_sha(folder: Path | str, ref: str = "HEAD") -> str | None:
    """The full sha `ref` names in the repository holding `folder`; None when there is none
    (no commits yet, not a repository, an unknown ref). No git at all is a UserError."""
    git = _load()
    try:
        repo = gitpython_repo(folder)
        out = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except UserError:
        return None
    except git.GitCommandError:
        return None
    except (git.GitCommandNotFound, PermissionError):
        raise UserError(no_git_message()) from None
    return str(out).strip() or None


def merge_base_of(folder: Path | str, left: str, right: str) -> str | None:
    """The first merge-base of two commits (GitPython's `Repo.merge_base`); None on unrelated
    or shallow history."""
    git = _load()
    repo = gitpython_repo(folder)
    try:
        bases = repo.merge_base(left, right)
    except git.GitCommandError:
        return None
    except (git.GitCommandNotFound, PermissionError):
        raise UserError(no_git_message()) from None
    return str(bases[0].hexsha) if bases else None


def toplevel_of(folder: Path | str) -> Path | None:
    """The top of the work tree holding `folder` (the nearest folder with a `.git` entry, as
    config discovery finds it), None outside git. No git is run and GitPython is not loaded:
    report renderers ask this on lint's path."""
    start = Path(os.path.realpath(folder))
    for candidate in (start, *start.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def safe_tree_path(name: str) -> PurePosixPath | None:
    """A tree path that stays inside a destination folder, or None (absolute, `..`, `.git`)."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts:
        return None
    if any(part in ("", ".", "..", ".git") for part in path.parts):
        return None
    return path


def export_tree(folder: Path, ref: str, destination: Path) -> Path:
    """Write the regular files of `ref`'s tree into `destination`, read from git objects
    (GitPython's tree walk; contents through its persistent `cat-file --batch`); return where
    `folder` is in that copy.

    Only blobs with a regular-file mode are written: symbolic links (which may point anywhere,
    `/etc/passwd` or `../../..`) and submodules are skipped, and so are names that would leave
    `destination`, so nothing outside it is read or written, whatever the commit holds. The
    work tree and the index are untouched."""
    git = _load()
    sha = commit_sha(folder, ref)
    if sha is None:
        raise UserError(f"cannot read base ref {ref!r}: it names no commit here; {FETCH_HINT}")
    repo = gitpython_repo(folder)
    if repo.bare:
        raise UserError(f"{folder} is a bare git repository; run in a work tree")
    base = destination.resolve()
    try:
        for item in repo.commit(sha).tree.traverse():
            relative = safe_tree_path(item.path)
            if item.type != "blob" or item.mode not in _REGULAR or relative is None:
                continue  # trees, symlinks (0o120000), submodules and unsafe names
            target = base.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data_stream.read())
            if item.mode == 0o100755:
                target.chmod(0o755)
    except (git.GitError, ValueError) as exc:
        raise _gitpython_failure(exc, f"cannot read base ref {ref!r}") from None
    finally:
        repo.close()
    top = Path(str(repo.working_tree_dir or repo.git_dir)).resolve()
    return destination / Path(folder).resolve().relative_to(top)


def last_commit_dates(
    folder: Path, paths: Iterable[str], timeout_s: float = 30.0
) -> dict[str, str]:
    """{path: committer date (ISO 8601) of the newest commit touching it} for paths relative
    to `folder`, from one `git log` walk; a path never committed is left out, and so is every
    path when there is no repository or no git (the caller says "unknown")."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    git = _load()
    try:
        out = git.Git(folder).log(
            "--format=%x1e%cI", "--name-only", "--relative", "--", *wanted,
            kill_after_timeout=timeout_s,
        )  # fmt: skip
    except (git.GitError, OSError):
        return {}
    dates: dict[str, str] = {}
    date = ""
    remaining = set(wanted)
    for line in str(out).split("\n"):  # not splitlines(): it splits on \x1e
        if line.startswith("\x1e"):
            date = line[1:].strip()
        elif line in remaining:
            dates[line] = date
            remaining.discard(line)
    return dates
