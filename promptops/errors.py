"""The few exception types that cross module boundaries.

A user error (bad flag, missing path, bad config, unknown model) is one exception type that
carries a path and line; the CLI renders it uniformly and exits 2. Problems *inside* linted
documents are never exceptions: they are findings.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_PROVIDER = 3


class PromptopsError(Exception):
    """Base class: every error promptops raises on purpose."""

    exit_code = EXIT_USAGE


class UserError(PromptopsError):
    """Bad input from the user: a flag, a path, a config, a reference. Exit 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class NotPricedError(UserError):
    """One prompt cannot be priced (unknown model, undefined tool): a finding on that prompt,
    never a $0 figure, and never a reason to drop the rest of a report."""


class UnknownModelError(NotPricedError):
    """A model id that the price table does not know: never priced as $0."""


class ProviderUnreachable(PromptopsError):
    """A model provider (Anthropic API, local server) could not be reached. Exit 3."""

    exit_code = EXIT_PROVIDER
