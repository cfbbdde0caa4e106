"""`promptops.lock`: exact Anthropic token counts, committed, keyed by what was counted.

CI without an API key uses these exact counts for unchanged content and falls back to a
clearly labelled estimate for new content. Only `--update-lock` writes the file (atomically).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptops.errors import UserError
from promptops.tokens.cache import atomic_write, text_key

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

    def put(self, model: str, part: str, text: str, tokens: int, counted_at: str) -> None:
        key = lock_key(model, part, text)
        entry = {"tokens": tokens, "model": model, "part": part, "counted_at": counted_at}
        if self.counts.get(key) != entry:
            self.counts[key] = entry
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        body = {
            "lock_version": LOCK_VERSION,
            "tokenizer": "anthropic messages.count_tokens",
            "counts": dict(sorted(self.counts.items())),
        }
        atomic_write(self.path, json.dumps(body, indent=1, sort_keys=False) + "\n")
        self.dirty = False
