#!/usr/bin/env python3
"""Re-date a generated repo's history so its commits spread evenly over the last DAYS days.

bench/generate_repo.py dates commit i at 2026-01-01 + i hours, so from spring 2026 on every
commit is older than `check`'s creep window (`lint.limits.creep_days`, 90) and the creep warning
never runs. Trees and messages are kept (the hashes change); the current branch is moved to the
re-dated history, the working tree is left alone.

    python bench/generate_repo.py /tmp/r --prompts 1000 --commits 20
    python bench/spread_dates.py /tmp/r --days 150
    PROMPTOPS_CACHE_DIR=$(mktemp -d) promptops check --base HEAD~1    # run inside /tmp/r
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time


def git(root: str, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--days", type=float, default=150)
    args = parser.parse_args()
    shas = git(args.repo, "rev-list", "--reverse", "HEAD").split()
    now = int(time.time()) - 3600
    step = args.days * 86400 / max(len(shas) - 1, 1)
    parent = None
    for i, sha in enumerate(shas):
        stamp = f"@{int(now - args.days * 86400 + i * step)} +0000"
        env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        tree = git(args.repo, "rev-parse", f"{sha}^{{tree}}")
        message = git(args.repo, "log", "-1", "--format=%B", sha)
        cmd = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        parent = git(args.repo, *cmd, env=env)
    branch = git(args.repo, "symbolic-ref", "--short", "HEAD")
    git(args.repo, "update-ref", f"refs/heads/{branch}", str(parent))
    print(git(args.repo, "log", "--format=%h %cd %s", "--date=short"))


if __name__ == "__main__":
    main()
