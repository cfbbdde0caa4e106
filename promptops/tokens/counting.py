"""Count the tokens of each block of a rendered prompt, with provenance.

Three sources, best first: the lock file's exact Anthropic counts (under `auto` when
promptops.lock exists, and under `anthropic`), a live `messages.count_tokens` call (only with
`--update-lock`, which then records it), and the offline tiktoken estimate (cached on disk by
content hash, always as the raw count). Under `auto` and `anthropic` a Claude model's estimate
is the raw cl100k count scaled at use by its tokenizer family's calibration
(`tokens/calibration.py`), so a new factor never needs a cache flush; an explicit
`cl100k_base` or `o200k_base` means raw counts.
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
from promptops.tokens.calibration import (
    UNKNOWN,
    Calibration,
    calibrations,
    family_of,
)
from promptops.tokens.lockfile import LockFile
from promptops.tokens.tokenizers import ESTIMATE_TOKENIZERS, count_tokens

ESTIMATE_FALLBACK = "cl100k_base"
ANTHROPIC_DEFAULT_URL = "https://api.anthropic.com"
PREFETCH_MIN_CHARS = 1_000_000  # below this, counting in a second process does not pay off
_FRAME_TEXT = "x"
_SAME = -1  # BlockCount's low/high default: the same as `tokens`


def _count_all(encoding: str, texts: list[str], folder: Path | None) -> list[int]:
    return [count_tokens(encoding, text, folder) for text in texts]


@dataclass(frozen=True)
class BlockCount:
    """Tokens of one block: central figure, exactness and the p10–p90 band of an estimate
    (`low` and `high` equal `tokens` for exact or raw counts, and when not given)."""

    tokens: int
    exact: bool
    low: int = _SAME
    high: int = _SAME

    def __post_init__(self) -> None:
        if self.low == _SAME:
            object.__setattr__(self, "low", self.tokens)
        if self.high == _SAME:
            object.__setattr__(self, "high", self.tokens)


class TokenCounter:
    """Counts blocks for one run; call `close()` to persist caches (and the lock, if asked)."""

    def __init__(
        self,
        config: Config,
        update_lock: bool = False,
        timeout_s: float = 30.0,
        anthropic_base_url: str | None = None,
    ) -> None:
        self.config = config
        self.tokenizer = config.tokenizer
        raw = self.tokenizer in ESTIMATE_TOKENIZERS
        self.estimator = self.tokenizer if raw else ESTIMATE_FALLBACK
        self.calibrated = not raw  # `auto` and `anthropic` scale Claude estimates
        self.update_lock = update_lock
        self.timeout_s = timeout_s
        # the command line or the environment, never the repository (a PR could send the key
        # anywhere); the SDK's own default otherwise
        self.anthropic_base_url = anthropic_base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
        cache_dir = cache_dir_of(config)
        self.cache = TokenCache(cache_dir, self.estimator)
        self.folder = cache_dir  # also keeps the parsed encoding (`tokenizers.fast_cl100k`)
        self.lock: LockFile | None = None
        if (
            self.tokenizer == "anthropic"
            or update_lock
            or (self.tokenizer == "auto" and config.lock_path.is_file())
        ):
            self.lock = LockFile.load(config.lock_path)
        self._client: Any = None
        self._frames: dict[tuple[str, str], int] = {}
        self._calibrations: dict[str, Calibration] | None = None
        self.used_exact = False
        self.used_estimate = False
        self._pending: tuple[list[str], Any] | None = None

    # -- calibration ------------------------------------------------------------------------
    def calibration(self, model: str) -> Calibration | None:
        """How this run scales `model`'s cl100k estimate; None means raw counts (an explicit
        cl100k_base/o200k_base tokenizer, or a model that is not Claude)."""
        family = family_of(model)
        if not self.calibrated or family == UNKNOWN:
            return None
        return self._active_calibrations()[family]

    def _active_calibrations(self) -> dict[str, Calibration]:
        if self._calibrations is None:
            samples = self.lock.samples() if self.lock is not None else []
            self._calibrations = calibrations(samples, self.config.lock_path.name)
        return self._calibrations

    # -- provenance -------------------------------------------------------------------------
    # The label depends only on the config, the lock and whether exact counts or estimates were
    # used, never on which prompts were counted in this process: `diff` takes most figures from
    # its cache or a forked child, and a warm report must read the same as a cold one. So it
    # names every Claude family's calibration, which covers any mix of models in the run.
    @property
    def label(self) -> str:
        lock_name = self.config.lock_path.name
        exact = f"anthropic count_tokens (exact, from {lock_name})"
        estimate = self._estimate_label()
        if self.used_exact and self.used_estimate:
            kind = "calibrated" if self.calibrated else "raw"
            return f"{exact} + {kind} estimate for new content: {estimate}"
        if self.used_exact:
            return exact
        if self.tokenizer == "anthropic":
            return f"{estimate} (no exact counts in {lock_name} yet)"
        return estimate

    def _estimate_label(self) -> str:
        if not self.calibrated:
            return f"{self.estimator} (raw, uncalibrated)"
        active = self._active_calibrations()
        claude = " and for ".join(active[family].describe() for family in sorted(active))
        text = f"{self.estimator} estimate, calibrated for {claude}"
        # Models the config prices beyond the built-in (Claude) table may not be Claude.
        others = sorted(m for m in self.config.prices if family_of(m) == UNKNOWN)
        if others:
            text += f"; raw {self.estimator} for {', '.join(others)}"
        return text

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
        """The raw offline count of `text` (never calibrated: the cache keeps raw counts)."""
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
        exact = self._exact(model, block, tool_overhead)
        if exact is not None:
            self.used_exact = True
            return BlockCount(exact, True)
        raw = self.estimate(block.text)
        calibration = self.calibration(model)
        self.used_estimate = True
        if calibration is None:
            return BlockCount(raw, False)
        tokens, low, high = calibration.scale(raw, block.placeholder_tokens)
        return BlockCount(tokens, False, low, high)

    def _exact(self, model: str, block: Block, tool_overhead: int) -> int | None:
        """The lock's exact count; with `--update-lock`, a new one from the API (recorded with
        the text's cl100k count, which teaches the calibration this repo's own ratio)."""
        if self.lock is None:
            return None
        exact = self.lock.get(model, block.part, block.text)
        if not self.update_lock:
            return exact
        # Placeholder text says nothing about how Claude tokenizes the prompt's own words.
        cl100k = None if block.placeholder_tokens else self._cl100k(block.text)
        if exact is None:
            exact = self._count_remote(model, block, tool_overhead)
            today = dt.date.today().isoformat()
            self.lock.put(model, block.part, block.text, exact, today, cl100k)
        elif cl100k is not None:
            self.lock.add_cl100k(model, block.part, block.text, cl100k)
        return exact

    def _cl100k(self, text: str) -> int:
        if self.estimator == "cl100k_base":
            return self.estimate(text)
        return count_tokens("cl100k_base", text, self.folder)

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
    # Each call runs under a total deadline (connect, the SDK's retries and the whole answer:
    # a per-read timeout restarts with every byte a dripping server sends), through an httpx
    # client that never follows a redirect to another origin (`promptops.net.http`).
    @property
    def anthropic_endpoint(self) -> str:
        return (self.anthropic_base_url or ANTHROPIC_DEFAULT_URL).rstrip("/")

    def _client_or_fail(self) -> Any:
        if self._client is None:
            api_key = os.environ.get("ANTHROPIC_API_KEY")
            if not api_key:
                raise UserError(
                    "--update-lock needs ANTHROPIC_API_KEY to count tokens with the Anthropic API"
                )
            import anthropic

            from promptops.net.http import sdk_http_client, validate_base_url

            base_url = self.anthropic_base_url
            if base_url:
                base_url = validate_base_url(base_url, "ANTHROPIC_BASE_URL")
            self._client = anthropic.Anthropic(
                api_key=api_key,
                base_url=base_url,
                timeout=self.timeout_s,
                max_retries=3,
                http_client=sdk_http_client(self.anthropic_endpoint, self.timeout_s, anthropic),
            )
        return self._client

    def _api_count(self, **kwargs: Any) -> int:
        import anthropic

        from promptops.net.http import HttpError, run_with_deadline
        from promptops.net.redact import redact

        client = self._client_or_fail()
        url = f"{self.anthropic_endpoint}/v1/messages/count_tokens"
        try:
            answer = run_with_deadline(
                lambda: client.messages.count_tokens(**kwargs), self.timeout_s, url
            )
        except HttpError as exc:
            raise ProviderUnreachable(f"Anthropic API at {exc.url}: {exc.reason}") from None
        except anthropic.APIStatusError as exc:
            raise _status_error(exc, url) from None
        except anthropic.APIConnectionError as exc:
            cause = _http_error_in(exc)
            if cause is not None:
                raise ProviderUnreachable(f"Anthropic API at {cause.url}: {cause.reason}") from None
            raise ProviderUnreachable(
                f"Anthropic API unreachable at {url}: {redact(str(exc))}"
            ) from None
        except anthropic.AnthropicError as exc:
            raise ProviderUnreachable(
                f"Anthropic API at {url}: {redact(str(exc)) or type(exc).__name__}"
            ) from None
        tokens = getattr(answer, "input_tokens", None)
        if type(tokens) is not int or tokens < 0:
            raise ProviderUnreachable(
                f"Anthropic API at {url} answered without a token count (input_tokens: "
                f"{redact(repr(tokens))[:80]})"
            )
        return tokens

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


def _http_error_in(exc: BaseException) -> Any:
    """The `HttpError` (deadline, refused redirect, oversized answer) behind an SDK error."""
    from promptops.net.http import HttpError

    cause = exc.__cause__ or exc.__context__
    for _ in range(10):
        if cause is None or isinstance(cause, HttpError):
            return cause
        cause = cause.__cause__ or cause.__context__
    return None


def _status_error(exc: Any, url: str) -> Exception:
    """An HTTP error status as promptops' exit codes: bad credentials or a bad request are the
    user's to fix (2); rate limits, server errors and unfollowed redirects are the provider's (3)."""
    from promptops.net.redact import redact

    status = int(getattr(exc, "status_code", 0) or 0)
    detail = redact(str(getattr(exc, "message", "") or exc))[:300]
    if status in (401, 403):
        return UserError(f"Anthropic API rejected the credentials ({status}): {detail}")
    if status == 429 or status >= 500 or 300 <= status < 400:
        return ProviderUnreachable(f"Anthropic API at {url} failed ({status}): {detail}")
    return UserError(f"Anthropic count_tokens failed ({status}): {detail}")
