"""Run one pure function in a forked child while the parent keeps working (2+ cores).

Cold runs over a big repo have two independent heavy phases (e.g. tokenizing and PO203
sketching, or parsing two halves of the repo). A forked child sees the parent's memory, so
there is nothing to send in; it sends its (marshal-able) result back through a pipe. Any
failure in the child (or no `os.fork`, or one core) means `result()` returns None and the
caller does the work itself, so the fork is only ever an optimisation.
"""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import sys
from collections.abc import Callable
from typing import Any


def can_fork() -> bool:
    """Forking pays off only with a second core, and is safe only with no other thread (a
    lock held by another thread at fork time stays held forever in the child).
    PROMPTOPS_NO_FORK=1 turns it off."""
    if os.environ.get("PROMPTOPS_NO_FORK") or not hasattr(os, "fork"):
        return False
    import threading

    if threading.active_count() > 1:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) > 1


class Pending:
    """A result being computed in a child process."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid = pid
        self.read_fd = read_fd
        self._done = False
        # A parent that raises before asking for the result still reaps its child on exit.
        atexit.register(self.cancel)

    def cancel(self) -> None:
        """Stop and reap the child if its result was never read."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self.read_fd)
        with contextlib.suppress(OSError):
            os.kill(self.pid, 9)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)

    def result(self) -> Any | None:
        """The child's return value, or None when it failed (call once)."""
        if self._done:
            return None
        self._done = True
        atexit.unregister(self.cancel)
        chunks = []
        try:
            with os.fdopen(self.read_fd, "rb") as pipe:
                while chunk := pipe.read(1 << 20):
                    chunks.append(chunk)
        except OSError:
            chunks = []
        _, status = os.waitpid(self.pid, 0)
        if status != 0 or not chunks:
            return None
        try:
            return marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None


def fork_call(fn: Callable[..., Any], *args: Any) -> Pending | None:
    """Start `fn(*args)` in a child; None when forking is not possible here."""
    if not can_fork():
        return None
    with contextlib.suppress(ValueError, OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        code = 1
        try:
            os.close(read_fd)
            payload = marshal.dumps(fn(*args))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    return Pending(pid, read_fd)
