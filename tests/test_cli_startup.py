"""`--help` paths stay fast: they must not import anthropic, git or deepdiff."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.cli import REPO_ROOT

PROBE = """
import sys
from promptops.cli import cli
try:
    cli.main({args!r}, prog_name="promptops", standalone_mode=False)
except SystemExit:
    pass
heavy = sorted(m for m in ("anthropic", "git", "deepdiff", "tiktoken", "jsonschema") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize("args", [["--help"], ["tokens", "--help"], ["validate", "--help"]])
def test_help_does_not_import_heavy_modules(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage:" in result.stdout
    heavy = result.stdout.strip().splitlines()[-1]
    assert heavy == "HEAVY=", f"{args} imported {heavy}"


def test_every_command_has_help() -> None:
    from promptops.cli import COMMANDS, SUMMARIES

    assert set(COMMANDS) == set(SUMMARIES)
    for name in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "promptops", name, "--help"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (name, result.stderr)
        assert "Usage:" in result.stdout
