"""The priced figures every report carries: the one model renderers read (compute once,
render many).

Frozen dataclasses: report -> workloads -> prompts -> figures. `tokens`, `diff`, `check` and
`mbom` fill them; text, markdown, json, sarif and github views in `promptops.report` only read
them. It lives below the compute packages (above `pricing`, whose call costs it holds) so they
can build it without importing the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from promptops.pricing.cost import CallCost, InputTokens

# An integer, as in every promptops JSON report; 2 since it stopped being the string "1".
SCHEMA_VERSION = 2


COUNTS_WORDS = {
    "exact": "counts are exact",
    "estimate": "counts are estimates",
    "mixed": "counts are partly exact, partly estimated",
}


@dataclass(frozen=True)
class Provenance:
    """Where every number comes from: the price table's date, the tokenizer, exactness."""

    price_table_date: str
    tokenizer: str
    counts: str  # "exact" | "estimate" | "mixed"
    prices_overridden: bool
    promptops_version: str

    def sentence(self) -> str:
        overrides = " with config overrides" if self.prices_overridden else ""
        return (
            f"Prices: Anthropic list prices ({self.price_table_date}){overrides}. "
            f"Tokens: {self.tokenizer}; {COUNTS_WORDS.get(self.counts, self.counts)}. "
            f"promptops {self.promptops_version}."
        )


@dataclass(frozen=True)
class ScenarioCost:
    """One traffic scenario of one prompt (or a workload total)."""

    name: str  # expected | stretch | runaway | per-call
    calls_per_month: Decimal
    cache_hit_rate: Decimal
    output_tokens: int
    cost_per_call_usd: Decimal
    monthly_usd: Decimal
    effective_monthly_usd: Decimal | None = None
    budget_usd: Decimal | None = None
    headroom_usd: Decimal | None = None
    kill_switch_usd: Decimal | None = None
    batch_share: Decimal = Decimal(0)  # share of calls sent through the Message Batches API


@dataclass(frozen=True)
class Unpriced:
    """A prompt no figure could be computed for (unknown model, undefined tool): a finding,
    never a $0 row."""

    id: str
    path: str
    line: int
    reason: str
    workload: str | None = None


@dataclass(frozen=True)
class PromptEstimate:
    """Tokens and cost of one prompt at one version."""

    id: str
    version: str | None
    path: str
    model: str
    workload: str | None
    tokens: InputTokens
    output_tokens: int  # expected scenario's output tokens per call
    thinking_tokens: int
    call: CallCost  # at the expected scenario's hit rate
    scenarios: tuple[ScenarioCost, ...]
    assumptions: tuple[str, ...] = ()
    max_input_tokens: int | None = None  # the charter's per-call budget, if any
    max_cost_per_call_usd: Decimal | None = None
    content_hash: str = ""
    cache_multipliers: dict[str, Decimal] = field(default_factory=dict)  # read, write_5m, write_1h

    def scenario(self, name: str) -> ScenarioCost | None:
        return next((s for s in self.scenarios if s.name == name), None)


@dataclass(frozen=True)
class WorkloadEstimate:
    """A charter's workload: its prompts' monthly totals against its budgets."""

    id: str
    owner: str | None
    path: str
    prompts: tuple[str, ...]
    scenarios: tuple[ScenarioCost, ...]  # totals; cost_per_call_usd is the traffic-weighted mean
    unpriced: tuple[str, ...] = ()  # member prompts that could not be priced: totals incomplete

    def scenario(self, name: str) -> ScenarioCost | None:
        return next((s for s in self.scenarios if s.name == name), None)


@dataclass(frozen=True)
class TokensReport:
    """What `promptops tokens` shows, and the priced state of one ref for `diff`."""

    provenance: Provenance
    prompts: tuple[PromptEstimate, ...]
    workloads: tuple[WorkloadEstimate, ...]
    schema_version: int = SCHEMA_VERSION
    kind: str = "tokens"
    notes: tuple[str, ...] = field(default=())
    unpriced: tuple[Unpriced, ...] = ()
