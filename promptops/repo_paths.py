"""Where a working-tree path really leads: inside the repository, or out of it by a symlink.

A pull request can add `prompts/p.yaml -> /etc/passwd` or `prompts/shared -> ../../secrets`.
Reading through such a link would put a file from outside the repository (the runner's, another
checkout's) into findings, reports and the PR comment, so promptops never follows one: the
loader reports it (PO005) and every working-tree reader goes through `read_inside`. A symlink
that stays inside the repository is an ordinary file.

Cheap on purpose (a diff reads thousands of files): one `lstat` per file, and a full
resolution only for a symlink or, once per folder, for the folders on the way.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path


def resolves_outside(path: Path, root: Path) -> bool:
    """Whether `path`, every symlink resolved, lies outside `root` (or points nowhere: where
    a dangling link leads is not the repository's to decide)."""
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(path))
    if target != base and base not in target.parents:
        return True
    return not target.exists()


@lru_cache(maxsize=4096)
def _folder_outside(root: str, folder: str) -> bool:
    return resolves_outside(Path(root) / folder, Path(root))


def leaves_root(root: Path, rel: str) -> bool:
    """Whether reading `root/rel` would leave `root` through a symlink (the file's own, or a
    folder's on the way). An absent path does not leave (reading it simply fails)."""
    full = root / rel
    try:
        mode = os.lstat(full).st_mode
    except OSError:
        return False
    if stat.S_ISLNK(mode):
        return resolves_outside(full, root)
    folder = os.path.dirname(rel)
    return bool(folder) and _folder_outside(str(root), folder)


def read_inside(root: Path, rel: str) -> bytes | None:
    """The bytes of `root/rel`; None when it is absent, unreadable or leads outside `root`."""
    if leaves_root(root, rel):
        return None
    try:
        return (root / rel).read_bytes()
    except OSError:
        return None
