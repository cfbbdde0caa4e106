from __future__ import annotations

import pytest

from promptops.pricing.table import PriceTable


def price_table() -> PriceTable:
    """The price table the CLI uses without config (genai-prices + promptops facts).

    The tests' model is Claude Haiku 4.5: per million tokens input $1.00, output $5.00, 5m
    cache write $1.25, 1h write $2.00, cache read $0.10; batch rates are half of each."""
    return PriceTable.from_config(None)


@pytest.fixture
def fake_anthropic():
    from tests.support.fake_anthropic import FakeAnthropic

    with FakeAnthropic() as fake:
        yield fake
