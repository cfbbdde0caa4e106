"""What the benchmarks measure side by side: this checkout as is, each `--switch VAR=VALUE` (a
speed-up's off switch) and another source tree (`--compare-src`, before/after), each an
environment for the command; and the byte-compiling every measured tree gets first.

Imported by the `*_bench.py` scripts beside it (a script's folder is on `sys.path`).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def variants_of(
    switches: list[str] | None, compare_src: Path | None = None
) -> list[tuple[str, dict[str, str]]]:
    """(label, environment) of each variant: as is, each switch, the other source tree."""
    variants: list[tuple[str, dict[str, str]]] = [("as is", {})]
    for switch in switches or []:
        name, sep, value = switch.partition("=")
        if not sep or not name:
            raise SystemExit(f"--switch expects VAR=VALUE, not {switch!r}")
        variants.append((switch, {name: value}))
    if compare_src is not None:
        if not (compare_src / "promptops" / "__init__.py").is_file():
            raise SystemExit(f"--compare-src {compare_src}: no promptops package there")
        variants.append((f"src {compare_src}", {"PYTHONPATH": str(compare_src.resolve())}))
    return variants


def compile_sources(variants: list[tuple[str, dict[str, str]]]) -> None:
    """Byte-compile every measured source tree first, as an installed package is: without it,
    a module edited since its last import (or any module, under PYTHONDONTWRITEBYTECODE) is
    compiled from source in every run, which is not what pre-commit's venv does."""
    for _, setting in variants:
        src = Path(setting.get("PYTHONPATH", str(REPO)).split(os.pathsep)[0])
        if (src / "promptops").is_dir():
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(src / "promptops")],
                check=False,
                capture_output=True,
                timeout=600,
            )


def child_cpu() -> float:
    """CPU seconds (user + system) of the children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
