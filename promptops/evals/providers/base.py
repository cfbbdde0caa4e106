"""What every provider returns, and the errors a provider may raise.

A provider takes an Anthropic Messages API request body (as promptops renders it) and returns
a `ProviderResult`: the answer's text, normalised token usage, its cost and its latency. Cost
comes from `promptops.pricing.cost.cost_of` on the price table's `ModelPrices`; a model nobody
priced (a local model without `prices:` in the config) has no cost, None, never $0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from promptops.pricing import cost

# More tokens than any model has ever been billed for in one call: a count above it is garbage.
MAX_TOKEN_COUNT = 10**12


def token_count(value: Any, name: str) -> int:
    """A usage count as a provider must send it: a non-negative integer (ValueError if not).

    Why strict: a negative count (-1e9) would pass a cost gate as a negative cost, a float or a
    string is a server bug that would be silently rounded."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"usage.{name} must be a non-negative integer, got {value!r:.60}")
    if not 0 <= value <= MAX_TOKEN_COUNT:
        raise ValueError(
            f"usage.{name} must be a non-negative integer (at most {MAX_TOKEN_COUNT:.0e}), "
            f"got {value}"
        )
    return value


@dataclass(frozen=True)
class Usage:
    """Token usage, normalised to Anthropic's split: `input_tokens` excludes cached tokens.
    Every count is a non-negative integer (checked on construction)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_write_5m_input_tokens: int = 0
    cache_write_1h_input_tokens: int = 0

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            token_count(getattr(self, name), name)

    @property
    def cache_write_input_tokens(self) -> int:
        return self.cache_write_5m_input_tokens + self.cache_write_1h_input_tokens

    @property
    def total_input_tokens(self) -> int:
        """Every input token, cached or not (what OpenAI calls `prompt_tokens`)."""
        return self.input_tokens + self.cache_read_input_tokens + self.cache_write_input_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            cache_write_5m_input_tokens=self.cache_write_5m_input_tokens
            + other.cache_write_5m_input_tokens,
            cache_write_1h_input_tokens=self.cache_write_1h_input_tokens
            + other.cache_write_1h_input_tokens,
        )

    def billed(self) -> cost.Usage:
        """The same counts as the cost model's `Usage` (the field names are Anthropic's)."""
        from promptops.pricing.cost import Usage as BilledUsage

        return BilledUsage(**self.to_dict())

    def to_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_write_5m_input_tokens": self.cache_write_5m_input_tokens,
            "cache_write_1h_input_tokens": self.cache_write_1h_input_tokens,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        """Counts from a stored report or cache entry; ValueError on anything but counts."""
        if not isinstance(data, dict):
            raise ValueError(f"usage must be a mapping, got {data!r:.60}")
        return cls(**{name: data.get(name, 0) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ProviderResult:
    """One model answer. `latency_ms` is None when it was not measured (batch mode);
    `cost_usd` is None when the model has no price (a local model nobody priced)."""

    text: str
    usage: Usage
    cost_usd: Decimal | None
    latency_ms: float | None
    model: str
    stop_reason: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = field(default=())
    cached: bool = False

    def with_cost(self, cost_usd: Decimal | None) -> ProviderResult:
        return replace(self, cost_usd=cost_usd)

    def redacted(self) -> ProviderResult:
        """The answer with known secrets removed from everything the server wrote, before it
        is cached, printed or put in a report."""
        from promptops.net.redact import redact, redact_data

        return replace(
            self,
            text=redact(self.text),
            model=redact(self.model),
            stop_reason=None if self.stop_reason is None else redact(self.stop_reason),
            tool_calls=tuple(redact_data(list(self.tool_calls))),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "usage": self.usage.to_dict(),
            "cost_usd": None if self.cost_usd is None else format(self.cost_usd, "f"),
            "latency_ms": self.latency_ms,
            "model": self.model,
            "stop_reason": self.stop_reason,
            "tool_calls": list(self.tool_calls),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], cached: bool = False) -> ProviderResult:
        """An answer from the response cache; ValueError/TypeError/KeyError if it is not one."""
        if not isinstance(data["text"], str):
            raise ValueError("cached answer text is not a string")
        return cls(
            text=data["text"],
            usage=Usage.from_dict(data["usage"]),
            cost_usd=None if data.get("cost_usd") is None else Decimal(data["cost_usd"]),
            latency_ms=data.get("latency_ms"),
            model=data.get("model", ""),
            stop_reason=data.get("stop_reason"),
            tool_calls=tuple(data.get("tool_calls") or ()),
            cached=cached,
        )


class ProviderRequestError(Exception):
    """The provider answered but refused this one request (e.g. HTTP 400): the case errors,
    the run goes on. Unreachable providers raise `promptops.errors.ProviderUnreachable`.
    The message is redacted of known secrets (it often quotes what the server sent)."""

    def __init__(self, message: str) -> None:
        from promptops.net.redact import redact

        super().__init__(redact(message))


class MalformedAnswer(ProviderRequestError):
    """A 2xx answer that is not a valid answer (not JSON, no choices, negative usage, …):
    one clear error for the case, never a traceback."""


class Provider(Protocol):
    """The one shape of every provider module."""

    name: str

    def identity(self) -> dict[str, Any]:
        """Everything about the provider that can change an answer (for the response cache)."""
        ...

    def complete(self, request: dict[str, Any]) -> ProviderResult:
        """Send one Messages API request body and return the answer."""
        ...

    def price(self, usage: Usage, batch: bool = False, model: str = "") -> Decimal | None:
        """Cost of a usage at this provider's prices (used to re-price cached answers), or
        None when the model has no price."""
        ...
