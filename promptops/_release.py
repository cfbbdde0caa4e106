"""The commit a release was built from, so `promptops init` can pin the Action to it.

A tag's commit SHA is unknowable before the tag exists, so the repository keeps None here and
the release workflow (.github/workflows/release.yml, scripts/write_release_info.py) rewrites this
file in the build that goes to PyPI. A development install therefore pins the tag instead.
"""

from __future__ import annotations

TAG: str | None = None
COMMIT: str | None = None
