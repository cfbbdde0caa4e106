"""Price one prompt for the diff: the core estimate plus the layout facts the report shows.

The core cost model already bills the part of the cached prefix that follows a template
variable as written on every call (`PartTokens.written_*`); the diff surfaces those tokens
so a reviewer sees why moving a variable into the prefix costs money.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.estimate import estimate_prompt
from promptops.figures import PromptEstimate
from promptops.pricing.table import ModelPrices, PriceTable
from promptops.tokens.counting import TokenCounter


@dataclass(frozen=True)
class PricedPrompt:
    """A prompt's core estimate and the prefix tokens rewritten on every call."""

    estimate: PromptEstimate
    volatile_prefix_tokens: dict[tuple[str, str], int]  # (part, ttl) -> tokens written per call
    prices: ModelPrices

    @property
    def volatile_total(self) -> int:
        return sum(self.volatile_prefix_tokens.values())


def price_prompt(
    workspace: Workspace, doc: Document, counter: TokenCounter, table: PriceTable
) -> PricedPrompt:
    """The diff's price of one prompt (raises UnknownModelError like the core)."""
    estimate = estimate_prompt(workspace, doc, counter, table)
    prices = table.get(str(doc.data.get("model", "")))
    volatile: dict[tuple[str, str], int] = {}
    for part, t in estimate.tokens.parts.items():
        for ttl, count in (("5m", t.written_5m), ("1h", t.written_1h)):
            if count:
                volatile[(part, ttl)] = count
    return PricedPrompt(estimate, volatile, prices)
