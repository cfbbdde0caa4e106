"""Write the release tag and its commit SHA into promptops/_release.py before `python -m build`.

Run by .github/workflows/release.yml only: the built wheel then lets `promptops init` pin the
Action to the full commit SHA of the installed version's tag. Refuses a tag that is not
v<version of the package> or a SHA that is not 40 hex digits.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "promptops" / "_release.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tag", required=True, help="the release tag, e.g. v0.1.0")
    parser.add_argument("--commit", required=True, help="the tag's commit SHA (40 hex digits)")
    args = parser.parse_args(argv)
    init = (ROOT / "promptops" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', init, re.M)
    if match is None:
        print("promptops/__init__.py has no __version__", file=sys.stderr)
        return 2
    if args.tag != f"v{match[1]}":
        print(f"tag {args.tag} is not v{match[1]}", file=sys.stderr)
        return 2
    if not re.fullmatch(r"[0-9a-f]{40}", args.commit):
        print(f"{args.commit!r} is not a full commit SHA", file=sys.stderr)
        return 2
    text = TARGET.read_text(encoding="utf-8")
    text = re.sub(r"^TAG: str \| None = .*$", f'TAG: str | None = "{args.tag}"', text, flags=re.M)
    text = re.sub(
        r"^COMMIT: str \| None = .*$", f'COMMIT: str | None = "{args.commit}"', text, flags=re.M
    )
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {args.tag} at {args.commit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
