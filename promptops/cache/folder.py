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
    return config.cache_dir or default_cache_dir()


def cache_folder(config: Config) -> Path | None:
    """The cache folder for parse and lint results; None with PROMPTOPS_NO_CACHE=1, which turns
    those off (not token counts)."""
    if os.environ.get("PROMPTOPS_NO_CACHE"):
        return None
    return cache_dir_of(config)
