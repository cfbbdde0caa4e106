"""The Model Bill of Materials: one model of the repo's AI workloads, rendered many ways.

Frozen dataclasses filled once by `collect.py`; the markdown, JSON, CycloneDX and HTML views
only read them. Money is Decimal USD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promptops.cache_cliff import CacheCliff
from promptops.figures import Provenance, ScenarioCost
from promptops.subsidy import SubsidyExposure

# An integer, as in every promptops JSON report; 2 since it stopped being the string "1".
SCHEMA_VERSION = 2
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ToolRef:
    id: str
    version: str | None


@dataclass(frozen=True)
class ToolEntry:
    """A tool definition: what the model may call."""

    id: str
    version: str | None
    path: str
    description: str
    content_hash: str
    used_by: tuple[str, ...]  # prompt ids
    last_changed: str  # ISO 8601 commit date, or "unknown"


@dataclass(frozen=True)
class PromptEntry:
    """A prompt at its current version, priced at its charter's scenarios."""

    id: str
    version: str | None
    path: str
    model: str
    workload: str | None
    tools: tuple[ToolRef, ...]
    max_output_tokens: int | None
    thinking_budget_tokens: int | None
    agent: dict[str, Any]
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_per_call_usd: Decimal | None
    scenarios: tuple[ScenarioCost, ...]
    cache_cliff: tuple[CacheCliff, ...]
    content_hash: str
    last_changed: str
    error: str | None = None  # why it could not be priced (e.g. an unknown model)


@dataclass(frozen=True)
class ModelEntry:
    """A model some prompt uses or some charter allows, with its prices per million tokens."""

    id: str
    used_by: tuple[str, ...]  # prompt ids
    allowed_by: tuple[str, ...]  # workload ids
    prices: dict[str, Any] | None  # ModelPrices.to_dict(); None when the table lacks it
    effective: bool  # effective (discounted) prices configured
    retired: str | None


@dataclass(frozen=True)
class ReviewStatus:
    """The charter's last review against its transparency cadence."""

    cadence: str  # monthly | quarterly
    max_age_days: int
    last_reviewed: str | None
    age_days: int | None
    overdue: bool
    reason: str


@dataclass(frozen=True)
class WorkloadEntry:
    """A charter's workload with everything a platform lead and a finance partner ask about."""

    id: str
    path: str
    valid: bool
    owner: str | None
    signers: dict[str, str]
    purpose: str | None
    alpha: str | None
    tram: dict[str, str]
    models_allowed: tuple[str, ...]
    model_default: str | None
    models_used: tuple[str, ...]
    prompts: tuple[str, ...]
    tools: tuple[str, ...]
    agent: dict[str, Any]
    thinking: dict[str, Any]
    review: dict[str, Any]
    review_status: ReviewStatus
    kill_criteria: tuple[dict[str, Any], ...]
    transparency: dict[str, Any]
    budgets: dict[str, Any]
    scenarios: tuple[ScenarioCost, ...]  # totals; effective_monthly_usd at effective prices
    over_budget: tuple[str, ...]  # scenarios over their monthly budget at book price
    orphaned: tuple[str, ...]  # reasons: "no owner", "no prompts"
    charter_last_changed: str
    last_changed: str  # the latest of the charter and its prompts

    def scenario(self, name: str) -> ScenarioCost | None:
        return next((s for s in self.scenarios if s.name == name), None)


@dataclass(frozen=True)
class Mbom:
    """The bill of materials of one repository."""

    repository: str
    as_of: str  # the date review recency is judged at (YYYY-MM-DD)
    provenance: Provenance
    workloads: tuple[WorkloadEntry, ...]
    prompts: tuple[PromptEntry, ...]
    tools: tuple[ToolEntry, ...]
    models: tuple[ModelEntry, ...]
    subsidy: SubsidyExposure
    notes: tuple[str, ...] = field(default=())
    schema_version: int = SCHEMA_VERSION
    kind: str = "mbom"

    @property
    def unchartered_prompts(self) -> tuple[PromptEntry, ...]:
        chartered = {w.id for w in self.workloads}
        return tuple(p for p in self.prompts if p.workload not in chartered)

    @property
    def review_overdue(self) -> tuple[str, ...]:
        return tuple(w.id for w in self.workloads if w.review_status.overdue)

    @property
    def orphaned(self) -> tuple[str, ...]:
        return tuple(w.id for w in self.workloads if w.orphaned)

    @property
    def cache_cliff(self) -> tuple[CacheCliff, ...]:
        return tuple(row for p in self.prompts for row in p.cache_cliff)

    def monthly_total(self, scenario: str, effective: bool = False) -> Decimal:
        total = Decimal(0)
        for w in self.workloads:
            s = w.scenario(scenario)
            if s is None:
                continue
            value = s.effective_monthly_usd if effective else s.monthly_usd
            total += s.monthly_usd if value is None else value
        return total  # unchartered prompts have no traffic model, so no monthly figure

    @property
    def has_effective_prices(self) -> bool:
        return any(m.effective for m in self.models)
