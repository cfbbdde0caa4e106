"""Where promptops keeps its cache: one folder per machine (or per CI job), shared by repos."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptops.config import Config


def default_cache_dir() -> Path:
    """$PROMPTOPS_CACHE_DIR, else $XDG_CACHE_HOME/promptops (~/.cache/promptops)."""
    if os.environ.get("PROMPTOPS_CACHE_DIR"):
        return Path(os.environ["PROMPTOPS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "promptops"


def cache_dir_of(config: Config) -> Path:
    """The cache folder of a run: $PROMPTOPS_CACHE_DIR, else `cache_dir` in the config, else
    the XDG default. The environment wins because it is the runner's (the Action sets it to
    the folder actions/cache restores and saves), while the config is the repository's, which a
    pull request may edit: a PR must not move the cache the gate reads."""
    if os.environ.get("PROMPTOPS_CACHE_DIR"):
        return Path(os.environ["PROMPTOPS_CACHE_DIR"])
    if config.cache_dir is None:
        return default_cache_dir()
    if _holds_committed_files(config.cache_dir, config.root):
        return default_cache_dir()
    return config.cache_dir


_COMMITTED: dict[Path, bool] = {}


def _holds_committed_files(folder: Path, root: Path) -> bool:
    """Whether a configured cache folder inside the repository holds files git tracks: then
    they may come from the pull request under test (a seal is no secret), so the folder is
    not used (one warning per process)."""
    if folder in _COMMITTED:
        return _COMMITTED[folder]
    found = False
    try:
        inside = folder.resolve().is_relative_to(root.resolve()) and folder.is_dir()
    except OSError:
        inside = False
    if inside:
        from promptops.git import committed_files

        found = committed_files(folder) > 0
    if found:
        import sys

        print(
            f"promptops: warning: cache_dir {folder} holds files committed to the repository: "
            f"not used (a pull request could plant cached figures); using {default_cache_dir()}",
            file=sys.stderr,
        )
    _COMMITTED[folder] = found
    return found


def cache_folder(config: Config) -> Path | None:
    """The cache folder for parse and lint results; None with PROMPTOPS_NO_CACHE=1, which turns
    those off (not token counts)."""
    if os.environ.get("PROMPTOPS_NO_CACHE"):
        return None
    return cache_dir_of(config)
