"""The rule pages as Markdown files (`docs/rules/CODE.md`, where each finding's `url` points).

    python -m promptops.lint.rule_docs docs/rules

writes one page per registered rule from its module docstring, the same text
`promptops rule CODE` prints; a test keeps the committed pages in sync.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from types import ModuleType

from promptops.lint import rules

PRODUCERS = {
    "lint": "`promptops lint` (and `promptops check`)",
    "load": "every command that loads documents (`validate`, `lint`, `check`)",
    "suppressions": "`promptops lint` (the suppression pass)",
    "diff": "`promptops diff` and `promptops check` (it needs a base ref)",
}


def rule_page(module: ModuleType) -> str:
    doc = textwrap.dedent(module.__doc__ or "").strip()
    return (
        f"# {module.CODE} {module.NAME}\n\n"
        f"Default severity: **{module.SEVERITY}** · Reported by {PRODUCERS[module.SOURCE]} · "
        f"Offline: `promptops rule {module.CODE}`\n\n{doc}\n\n"
        f"Configure in promptops.yaml: `lint.select`, `lint.ignore`, "
        f"`lint.severity.{module.CODE}`; suppress with `# promptops: disable={module.CODE}`.\n"
    )


def write_rule_docs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, module in rules.RULES.items():
        path = folder / f"{code}.md"
        path.write_text(rule_page(module), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    for page in write_rule_docs(target):
        print(page)
