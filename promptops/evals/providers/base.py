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


@dataclass(frozen=True)
class Usage:
    """Token usage, normalised to Anthropic's split: `input_tokens` excludes cached tokens."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_write_5m_input_tokens: int = 0
    cache_write_1h_input_tokens: int = 0

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
        return cls(**{name: int(data.get(name, 0)) for name in cls.__dataclass_fields__})


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
    the run goes on. Unreachable providers raise `promptops.errors.ProviderUnreachable`."""


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
