"""Progress of a run: a bar redrawn in place on a terminal, a few plain lines in CI logs."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

BAR_WIDTH = 28
REDRAW_INTERVAL_S = 0.1


class Progress:
    """Thread-safe counter that draws itself. `enabled=False` draws nothing (JSON to stdout,
    --quiet); a non-TTY stream gets one line per 10% instead of a bar."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, enabled: bool = True
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.failed = 0
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._last_decile = 0
        self._started = time.perf_counter()

    def advance(self, passed: bool) -> None:
        with self._lock:
            self.done += 1
            self.failed += 0 if passed else 1
            if self.enabled:
                self._draw(final=self.done == self.total)

    def _draw(self, final: bool) -> None:
        if self.is_tty:
            now = time.perf_counter()
            if not final and now - self._last_draw < REDRAW_INTERVAL_S:
                return
            self._last_draw = now
            filled = int(BAR_WIDTH * self.done / self.total)
            bar = "█" * filled + "░" * (BAR_WIDTH - filled)
            self.stream.write(
                f"\r{self.label} {bar} {self.done}/{self.total} ({self.failed} failing)"
                + ("\n" if final else "")
            )
            self.stream.flush()
            return
        decile = self.done * 10 // self.total
        if decile > self._last_decile or final:
            self._last_decile = decile
            elapsed = time.perf_counter() - self._started
            self.stream.write(
                f"{self.label}: {self.done}/{self.total} calls, {self.failed} failing,"
                f" {elapsed:.1f}s\n"
            )
            self.stream.flush()
