"""Adapter onto the price table: the one place the eval engine asks for a model's prices."""

from __future__ import annotations

from promptops.errors import UserError
from promptops.evals.cost import Prices


def model_prices(model: str) -> Prices:
    """Per-MTok prices of a Claude model from `promptops.pricing.table` (never $0 by default)."""
    try:
        from promptops.pricing.table import get_model_prices
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise UserError(f"no price table available to price model {model!r}") from exc
    return get_model_prices(model)
