"""Build small promptops repos in tmp dirs and lint them in-process (the real code path)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from promptops.config import load_config
from promptops.documents.workspace import load_workspace
from promptops.findings import Finding
from promptops.lint.run import lint_workspace
from promptops.pricing.table import PriceTable

CHARTER = """\
kind: charter
id: support
owner: jane.doe@example.com
models:
  allowed: [claude-haiku-4-5, claude-sonnet-4-6]
agent:
  max_steps: 6
scenarios:
  expected:
    calls_per_month: 1000000
    cache_hit_rate: 0.8
    output_tokens: 300
"""

TOOL = """\
kind: tool
id: lookup_order
version: 1.0.0
description: Look up an order by id. Returns status, items and the shipping date.
input_schema:
  type: object
  properties:
    order_id: {type: string}
"""


def make_repo(root: Path, files: dict[str, str], config: str = "") -> Path:
    """Write `files` (dedented) under `root` with a promptops.yaml, and return root."""
    (root / "promptops.yaml").write_text(config or "lint: {}\n")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def lint(root: Path, paths: list[str] | None = None, **lint_config: object) -> list[Finding]:
    config = load_config(root)
    config.lint = {**config.lint, **lint_config}
    workspace = load_workspace(
        config,
        [root / p for p in paths] if paths else None,
        models=PriceTable.from_config(config),
    )
    return lint_workspace(workspace)


def where(findings: list[Finding], code: str) -> list[tuple[str, int, int]]:
    """(path, line, column) of every finding of `code`."""
    return [(f.path, f.line, f.column) for f in findings if f.code == code]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, matching
    return matching[0]
