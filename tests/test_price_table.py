"""The price table: dated built-ins, aliases, config overrides, effective prices, unknown models."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promptops.errors import UnknownModelError
from promptops.pricing.data import MODELS
from promptops.pricing.table import PriceTable


def test_every_model_has_every_field() -> None:
    table = PriceTable()
    for model in MODELS:
        prices = table.get(model)
        assert prices.input > 0 and prices.output > 0
        assert prices.cache_write_5m == prices.input * Decimal("1.25")
        assert prices.cache_write_1h == prices.input * 2
        assert prices.cache_read == prices.input / 10
        assert prices.batch_input == prices.input / 2
        assert prices.min_cacheable_tokens > 0 and prices.context_window > 0


@pytest.mark.parametrize(
    ("model", "inp", "out", "min_cache"),
    [
        ("claude-opus-4-6", "5", "25", 4096),
        ("claude-sonnet-4-6", "3", "15", 1024),
        ("claude-sonnet-5", "2", "10", 1024),
        ("claude-haiku-4-5", "1", "5", 4096),
        ("claude-opus-4-7", "5", "25", 2048),
        ("claude-opus-4-1", "15", "75", 1024),
    ],
)
def test_published_prices(model: str, inp: str, out: str, min_cache: int) -> None:
    prices = PriceTable().get(model)
    assert (prices.input, prices.output, prices.min_cacheable_tokens) == (
        Decimal(inp),
        Decimal(out),
        min_cache,
    )


def test_unknown_model_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(UnknownModelError, match="Did you mean 'claude-sonnet-4-6'"):
        PriceTable().get("claude-sonet-4-6")


def test_config_adds_a_model_and_derives_cache_prices() -> None:
    table = PriceTable({"acme-llm": {"input": 2, "output": 8}})
    prices = table.get("acme-llm")
    assert prices.cache_write_5m == Decimal("2.5") and prices.cache_read == Decimal("0.2")
    assert prices.source == "config"


def test_new_model_without_prices_is_rejected() -> None:
    with pytest.raises(UnknownModelError, match="needs output"):
        PriceTable({"acme-llm": {"input": 2}})


def test_effective_prices_sit_beside_book_prices() -> None:
    table = PriceTable({"claude-sonnet-4-6": {"discount_pct": 20}})
    prices = table.get("claude-sonnet-4-6")
    assert prices.input == Decimal(3)
    assert prices.effective is not None
    assert prices.effective.input == Decimal("2.4")
    assert prices.effective.output == Decimal(12)


def test_explicit_effective_override_wins_over_discount() -> None:
    table = PriceTable({"claude-haiku-4-5": {"discount_pct": 10, "effective": {"output": 4}}})
    effective = table.get("claude-haiku-4-5").effective
    assert effective.input == Decimal("0.9") and effective.output == Decimal(4)


def test_alias_override() -> None:
    table = PriceTable({"haiku": {"alias_of": "claude-haiku-4-5"}})
    assert table.get("haiku").model == "claude-haiku-4-5-20251001"
