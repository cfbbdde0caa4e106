"""`promptops.lock`: exact Anthropic token counts, committed, keyed by what was counted.

CI without an API key uses these exact counts for unchanged content and falls back to a
clearly labelled estimate for new content. Only `--update-lock` writes the file (atomically).
Each entry also records the cl100k_base count of the same text (`cl100k`), so the lock teaches
the offline estimate this repo's own Claude/cl100k ratio (`calibration.calibrations`); entries
written before that have no `cl100k` and still load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptops.errors import UserError
from promptops.tokens.cache import text_key

LOCK_VERSION = 1


def lock_key(model: str, part: str, text: str) -> str:
    return text_key(f"anthropic:{model}:{part}", text)


@dataclass
class LockFile:
    path: Path
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, path: Path) -> LockFile:
        if not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UserError(f"unreadable lock file: {exc}", str(path)) from None
        if not isinstance(data, dict) or data.get("lock_version") != LOCK_VERSION:
            raise UserError(
                f"unsupported lock file (expected lock_version {LOCK_VERSION})", str(path)
            )
        return cls(path, dict(data.get("counts") or {}))

    def get(self, model: str, part: str, text: str) -> int | None:
        entry = self.counts.get(lock_key(model, part, text))
        return None if entry is None else int(entry["tokens"])

    def put(
        self,
        model: str,
        part: str,
        text: str,
        tokens: int,
        counted_at: str,
        cl100k: int | None = None,
    ) -> None:
        key = lock_key(model, part, text)
        entry: dict[str, Any] = {
            "tokens": tokens,
            "model": model,
            "part": part,
            "counted_at": counted_at,
        }
        if cl100k is not None:
            entry["cl100k"] = cl100k
        if self.counts.get(key) != entry:
            self.counts[key] = entry
            self.dirty = True

    def add_cl100k(self, model: str, part: str, text: str, cl100k: int) -> None:
        """Record the cl100k count beside an exact count written before locks had it."""
        entry = self.counts.get(lock_key(model, part, text))
        if entry is not None and entry.get("cl100k") != cl100k:
            entry["cl100k"] = cl100k
            self.dirty = True

    def samples(self) -> list[tuple[str, int, int]]:
        """(model, exact tokens, cl100k tokens) of every entry that has both counts."""
        result = []
        for entry in self.counts.values():
            try:
                result.append((str(entry["model"]), int(entry["tokens"]), int(entry["cl100k"])))
            except (KeyError, TypeError, ValueError):
                continue  # an entry from before `cl100k` was recorded, or hand-edited
        return result

    def save(self) -> None:
        if not self.dirty:
            return
        body = {
            "lock_version": LOCK_VERSION,
            "tokenizer": "anthropic messages.count_tokens",
            "counts": dict(sorted(self.counts.items())),
        }
        text = json.dumps(body, indent=1, sort_keys=False) + "\n"
        try:  # a file the user commits: the umask's mode, like any file they create
            from promptops.output_file import write_output_file  # only --update-lock writes

            write_output_file(self.path, text)
        except OSError as exc:  # the lock is what --update-lock is for: an error, not a warning
            raise UserError(
                f"cannot write the lock file: {exc.strerror or exc}", path=str(self.path)
            ) from None
        self.dirty = False
