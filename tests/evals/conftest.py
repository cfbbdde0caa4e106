from __future__ import annotations

from decimal import Decimal

import pytest

from promptops.evals.cost import FlatPrices

# Claude Haiku 4.5, per million tokens (price table of 2026-08).
HAIKU_PRICES = FlatPrices(
    input=Decimal("1.00"),
    output=Decimal("5.00"),
    cache_write_5m=Decimal("1.25"),
    cache_write_1h=Decimal("2.00"),
    cache_read=Decimal("0.10"),
    batch_input=Decimal("0.50"),
    batch_output=Decimal("2.50"),
)


def haiku_prices(model: str) -> FlatPrices:
    return HAIKU_PRICES


@pytest.fixture
def fake_anthropic():
    from tests.support.fake_anthropic import FakeAnthropic

    with FakeAnthropic() as fake:
        yield fake
