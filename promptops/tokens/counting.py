"""Count the tokens of each block of a rendered prompt, with provenance.

Three sources, best first: the lock file's exact Anthropic counts (when the tokenizer is
`anthropic`), a live `messages.count_tokens` call (only with `--update-lock`, which then records
it), and the offline tiktoken estimate (cached on disk by content hash).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptops.config import Config
from promptops.errors import ProviderUnreachable, UserError
from promptops.render import Block
from promptops.tokens.cache import TokenCache, cache_dir_of
from promptops.tokens.lockfile import LockFile
from promptops.tokens.tokenizers import count_tokens

ESTIMATE_FALLBACK = "cl100k_base"
PREFETCH_MIN_CHARS = 1_000_000  # below this, counting in a second process does not pay off
_FRAME_TEXT = "x"


def _count_all(encoding: str, texts: list[str], folder: Path | None) -> list[int]:
    return [count_tokens(encoding, text, folder) for text in texts]


@dataclass(frozen=True)
class BlockCount:
    tokens: int
    exact: bool


class TokenCounter:
    """Counts blocks for one run; call `close()` to persist caches (and the lock, if asked)."""

    def __init__(self, config: Config, update_lock: bool = False, timeout_s: float = 30.0) -> None:
        self.config = config
        self.tokenizer = config.tokenizer
        self.estimator = self.tokenizer if self.tokenizer != "anthropic" else ESTIMATE_FALLBACK
        self.update_lock = update_lock
        self.timeout_s = timeout_s
        cache_dir = cache_dir_of(config)
        self.cache = TokenCache(cache_dir, self.estimator)
        self.folder = cache_dir  # also keeps the parsed encoding (`tokenizers.fast_cl100k`)
        self.lock: LockFile | None = None
        if self.tokenizer == "anthropic" or update_lock:
            self.lock = LockFile.load(config.lock_path)
        self._client: Any = None
        self._frames: dict[tuple[str, str], int] = {}
        self.used_exact = False
        self.used_estimate = False
        self._pending: tuple[list[str], Any] | None = None

    # -- provenance -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        if self.tokenizer != "anthropic":
            return f"{self.tokenizer} (estimate; Claude's tokenizer is not public)"
        if self.used_exact and self.used_estimate:
            return f"anthropic count_tokens (exact, from {self.config.lock_path.name}) + {self.estimator} estimate for new content"
        if self.used_exact:
            return f"anthropic count_tokens (exact, from {self.config.lock_path.name})"
        return f"{self.estimator} estimate (no exact counts in {self.config.lock_path.name} yet)"

    # -- counting ---------------------------------------------------------------------------
    def prefetch(self, texts: Iterable[str]) -> None:
        """Start estimating, in a forked child, the texts that are not cached yet, so the
        caller can do other work meanwhile (a cold run over a big repo: tokenizing is the
        largest single cost). Small batches, one core, or no fork: nothing happens here and
        `estimate` counts as usual."""
        if self._pending is not None:
            return
        missing = list(dict.fromkeys(t for t in texts if self.cache.get(t) is None))
        if sum(map(len, missing)) < PREFETCH_MIN_CHARS:
            return
        from promptops.forking import fork_call

        pending = fork_call(_count_all, self.estimator, missing, self.folder)
        if pending is not None:
            self._pending = (missing, pending)

    def _collect(self) -> None:
        if self._pending is None:
            return
        texts, pending = self._pending
        self._pending = None
        counts = pending.result()
        if isinstance(counts, list) and len(counts) == len(texts):
            for text, count in zip(texts, counts, strict=True):
                self.cache.put(text, count)

    def estimate(self, text: str) -> int:
        cached = self.cache.get(text)
        if cached is None and self._pending is not None:
            self._collect()
            cached = self.cache.get(text)
        if cached is not None:
            return cached
        tokens = count_tokens(self.estimator, text, self.folder)
        self.cache.put(text, tokens)
        return tokens

    def count_block(self, model: str, block: Block, tool_overhead: int = 0) -> BlockCount:
        if self.lock is not None and (self.tokenizer == "anthropic" or self.update_lock):
            exact = self.lock.get(model, block.part, block.text)
            if exact is None and self.update_lock:
                exact = self._count_remote(model, block, tool_overhead)
                self.lock.put(model, block.part, block.text, exact, dt.date.today().isoformat())
            if exact is not None:
                self.used_exact = True
                return BlockCount(exact, True)
        self.used_estimate = True
        return BlockCount(self.estimate(block.text), False)

    def count_blocks(
        self, model: str, blocks: list[Block], tool_overhead: int = 0
    ) -> list[BlockCount]:
        return [self.count_block(model, block, tool_overhead) for block in blocks]

    def close(self) -> None:
        self._collect()
        self.cache.save()
        if self.lock is not None and self.update_lock:
            self.lock.save()

    # -- Anthropic count_tokens -------------------------------------------------------------
    def _client_or_fail(self) -> Any:
        if self._client is None:
            if not os.environ.get("ANTHROPIC_API_KEY"):
                raise UserError(
                    "--update-lock needs ANTHROPIC_API_KEY to count tokens with the Anthropic API"
                )
            import anthropic

            self._client = anthropic.Anthropic(timeout=self.timeout_s, max_retries=3)
        return self._client

    def _api_count(self, **kwargs: Any) -> int:
        import anthropic

        client = self._client_or_fail()
        try:
            return int(client.messages.count_tokens(**kwargs).input_tokens)
        except anthropic.APIConnectionError as exc:
            raise ProviderUnreachable(f"Anthropic API unreachable: {exc}") from None
        except anthropic.APIStatusError as exc:
            raise UserError(f"Anthropic count_tokens failed ({exc.status_code}): {exc}") from None

    def _frame(self, model: str, kind: str) -> int:
        """What a one-character user message costs, to subtract the request framing."""
        key = (model, kind)
        if key not in self._frames:
            self._frames[key] = self._api_count(
                model=model, messages=[{"role": "user", "content": _FRAME_TEXT}]
            )
        return self._frames[key]

    def _count_remote(self, model: str, block: Block, tool_overhead: int) -> int:
        import json

        frame = self._frame(model, "message")
        if block.part == "tools":
            total = self._api_count(
                model=model,
                tools=[json.loads(block.text)],
                messages=[{"role": "user", "content": _FRAME_TEXT}],
            )
            return max(total - frame - tool_overhead, 0)
        total = self._api_count(model=model, messages=[{"role": "user", "content": block.text}])
        return max(total - frame + 1, 0)
