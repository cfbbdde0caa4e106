"""Files the user asked for (`-o`, `--sarif-output`, `--markdown-output`, bundles, the Action's
Markdown): written atomically, with the permissions any other tool would give them.

A report is often served or read by someone else (a web server publishing
`promptops-bundle.json`, a later CI step running as another user), so a new file gets
`0o666 & ~umask` like a shell redirect, not the 0600 of a temp file; a file that already exists
keeps its mode (a user who made a report private keeps it private). The text goes to a temp
file in the same folder that is renamed over the target, so a reader never sees half a report.
A target that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place:
renaming over it would replace a device with a file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask: from /proc on Linux (no side effect), else by setting it and putting
    it back at once (under a lock; another thread creating a file in that instant is the
    price on systems without /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_output_file(path: Path | str, content: str | bytes) -> None:
    """Write `content` to `path` atomically with the mode a new file gets (raises OSError)."""
    target = Path(path)
    if target.is_symlink():  # write where the link points, as a redirect would; keep the link
        target = Path(os.path.realpath(target))
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    except NotADirectoryError:
        existing = None  # a parent is a file: mkstemp below reports it
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(target, "wb") as handle:  # a device or a pipe: write through it
            handle.write(data)
        return
    mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~current_umask()
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
