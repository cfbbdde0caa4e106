"""The former home of the git layer, now `promptops.git` (the one git module, on GitPython).

Kept as names only, so the modules that still import from here (diff/, the PO310/PO311 rules)
move at their own pace; new code imports `promptops.git`. Nothing here runs git.
"""

from __future__ import annotations

from promptops.git import (
    FETCH_HINT,
    WORKING_TREE,
    YAML_PATHSPECS,
    Change,
    FileVersion,
    GitError,
    GitRepo,
    GitSide,
    environment_ok,
    open_sides,
)

__all__ = [
    "FETCH_HINT",
    "WORKING_TREE",
    "YAML_PATHSPECS",
    "Change",
    "FileVersion",
    "GitError",
    "GitRepo",
    "GitSide",
    "environment_ok",
    "open_sides",
]
