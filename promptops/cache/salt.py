"""The one salt of every cache entry: a hash of the code and data that produced it.

What promptops stores (parsed documents, lint results, summaries, priced figures, token counts,
eval responses) is a function of its input *and* of promptops itself: a changed message, rule,
loader or cost computation must never be served from an entry the old code wrote. Instead of
format constants someone has to remember to bump, every entry is sealed with this salt: a hash
of every source file of the installed package (`promptops/**/*.py` and its data files — the
pricing facts, packaged schemas), the schemas folder, PyYAML's version and the Python version.
Any edit to any of them, an upgrade or a local patch, makes every older entry a miss.

Computed once per process from the sources themselves: ~190 files, about 1 MB, read and
hashed in 5–8 ms on the idle 2-core machine (11–17 ms of CPU when it is loaded). A memo keyed by
the files' stat would still stat every file and read one more, to save a few milliseconds, and
could be fooled by a preserved mtime; `promptops lint` on one file pays it once.
`promptops cache key` prints it for the Action's actions/cache key.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the installed `promptops` folder
_SUFFIXES = (".py", ".json")  # code, and data it reads (pricing/facts.json, schemas in a wheel)


def _files(folder: str) -> list[str]:
    """Every source and data file below `folder` (no `__pycache__`), as full paths."""
    found: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                found += _files(entry.path)
        elif entry.name.endswith(_SUFFIXES):
            found.append(entry.path)
    return found


@functools.cache
def salt() -> str:
    """16 hex digits that change with any source or data file of promptops, the schemas,
    PyYAML's version and Python's."""
    import yaml

    from promptops.resources import schemas_dir

    digest = hashlib.sha256(
        f"python {sys.version_info[:3]} {sys.implementation.cache_tag}\0"
        f"pyyaml {getattr(yaml, '__version__', '?')}\0".encode()
    )
    roots = [PACKAGE]
    schemas = schemas_dir().resolve()
    if not schemas.is_relative_to(PACKAGE):  # a source checkout keeps them beside the package
        roots.append(schemas)
    for root in roots:
        for name in sorted(_files(str(root))):
            digest.update(os.path.relpath(name, root).encode("utf-8", "surrogateescape") + b"\0")
            try:
                with open(name, "rb") as handle:
                    digest.update(handle.read())
            except OSError:
                digest.update(b"\1unreadable")
            digest.update(b"\0")
    return digest.hexdigest()[:16]
