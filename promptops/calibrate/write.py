"""`calibrate --write`: the measured assumptions written into the charters themselves.

Each charter is edited in place and atomically, keeping its comments and key order (the
release editor's round-trip edit), so a reviewer sees only the values that changed. Budgets
are never written: what production did is a measurement, what it may cost is a decision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from promptops.calibrate.compare import Calibration
from promptops.canary.release_edit import read_text_exact, set_values, write_atomically


def write_measured(
    root: Path, result: Calibration, on_change: Callable[[str], None] | None = None
) -> list[str]:
    """Write each workload's `writes` into its charter under `root`; the changes made, as
    "path: change" lines. `on_change` hears each one as soon as its charter is written, so a
    failure on a later charter still leaves the earlier edits reported."""
    made: list[str] = []
    for item in result.workloads:
        if not item.writes:
            continue
        path = root / item.path
        edited = set_values(read_text_exact(path), dict(item.writes), item.path)
        write_atomically(path, edited.text)
        for change in edited.changes:
            line = f"{item.path}: {change}"
            made.append(line)
            if on_change is not None:
                on_change(line)
    return made
