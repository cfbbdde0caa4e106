"""A forked child is always reaped: a parent that raises before reading the result kills and
waits for its child on exit, so no child outlives the command."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.support.cli import REPO_ROOT

PARENT = """
import os, sys, time
from promptops.forking import fork_call
pending = fork_call(time.sleep, 60)
if pending is None:
    print("nofork")
    sys.exit(0)
print(pending.pid, flush=True)
raise RuntimeError("the parent fails before it reads the result")
"""


def test_a_child_is_reaped_when_the_parent_raises() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PROMPTOPS_NO_FORK", None)
    done = subprocess.run(
        [sys.executable, "-c", PARENT], env=env, capture_output=True, text=True, timeout=30
    )
    out = done.stdout.strip()
    if out == "nofork":  # one core: nothing forks, nothing to reap
        return
    assert done.returncode == 1 and "the parent fails" in done.stderr
    pid = int(out)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # gone
        time.sleep(0.05)
    raise AssertionError(f"child {pid} still running after its parent exited")
