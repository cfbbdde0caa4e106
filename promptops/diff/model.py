"""The diff and check report model: frozen values every renderer reads (compute once).

Money is Decimal USD. The JSON view (`promptops.report.diff_json`) is this model serialised
with a `schema_version`; the markdown and text views read that JSON dict, so a stored report can
be rendered again (the PR comment does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from promptops.figures import Provenance

# An integer, as in every promptops JSON report; 2 since it stopped being the string "1".
DIFF_SCHEMA_VERSION = 2
SCENARIO_NAMES = ("expected", "stretch", "runaway")


@dataclass(frozen=True)
class RefInfo:
    """One side of the comparison: what the user named, and the commit (None: working tree)."""

    label: str
    sha: str | None


@dataclass(frozen=True)
class DocumentChange:
    """A changed promptops document of any kind (or a changed file of ours that is no
    document on a side: `problem` says why, and `kind` is "" when neither side tells)."""

    kind: str
    id: str
    status: str  # added | removed | modified | renamed
    path: str
    old_path: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class Unpriced:
    """A document whose figures cannot be computed on one side (it does not parse, is not a
    document, fails its schema, or cannot be priced): its rows and every total it feeds say
    so, never a $0 or a -100%."""

    path: str
    side: str  # base | head
    reason: str
    kind: str = ""
    id: str = ""
    workload: str | None = None


@dataclass(frozen=True)
class PartFigures:
    cached: int
    uncached: int

    @property
    def total(self) -> int:
        return self.cached + self.uncached


@dataclass(frozen=True)
class PromptSide:
    """The priced state of one prompt on one side."""

    version: str | None
    path: str
    model: str
    workload: str | None
    parts: dict[str, PartFigures]  # tools (incl. tool-use overhead), system, messages
    output_tokens: int
    thinking_tokens: int
    cost_per_call_usd: Decimal  # expected scenario (or per-call without a charter)
    cache_hit_rate: Decimal
    monthly_usd: dict[str, Decimal]  # scenario -> monthly; empty without a charter
    cached_prefix_hash: str | None
    volatile_prefix_tokens: int  # prefix tokens written on every call (a variable in the prefix)
    max_output_tokens: int | None = None

    @property
    def input_tokens(self) -> int:
        return sum(p.total for p in self.parts.values())

    @property
    def cached_tokens(self) -> int:
        return sum(p.cached for p in self.parts.values())


@dataclass(frozen=True)
class Hunk:
    """One hunk of the prompt's text diff, with the tokens it adds and removes."""

    section: str
    lines: tuple[str, ...]  # prefixed with ' ', '-', '+'
    tokens_added: int
    tokens_removed: int

    @property
    def tokens_delta(self) -> int:
        return self.tokens_added - self.tokens_removed


@dataclass(frozen=True)
class ToolChange:
    """One structural change of a tool definition."""

    change: str  # parameter-added | parameter-removed | parameter-changed | description | required
    name: str
    detail: str
    tokens_delta: int


@dataclass(frozen=True)
class ToolDiff:
    id: str
    status: str
    path: str
    old_path: str | None
    base_version: str | None
    head_version: str | None
    base_tokens: int
    head_tokens: int
    changes: tuple[ToolChange, ...]
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class PromptDiff:
    """One prompt whose figures or text changed (own edit, or a tool it uses changed)."""

    id: str
    status: str  # added | removed | modified | renamed | tools-changed
    path: str
    old_path: str | None
    base: PromptSide | None
    head: PromptSide | None
    cached_prefix_changed: bool = False
    rewarm_usd: Decimal | None = None  # one-time cost of re-writing the changed prefix
    hunks: tuple[Hunk, ...] = ()
    settings: tuple[str, ...] = ()  # "model: a → b", "max_output_tokens: 512 → 1024"
    changed_tools: tuple[str, ...] = ()
    content_changed: bool = False
    version_bumped: bool = True
    unpriced: tuple[Unpriced, ...] = ()  # a side with no figures: no delta either

    @property
    def priced(self) -> bool:
        return not self.unpriced

    @property
    def input_tokens_delta(self) -> int | None:
        if self.unpriced:
            return None
        return (self.head.input_tokens if self.head else 0) - (
            self.base.input_tokens if self.base else 0
        )

    @property
    def cost_per_call_delta_usd(self) -> Decimal | None:
        if self.unpriced:
            return None
        return (self.head.cost_per_call_usd if self.head else Decimal(0)) - (
            self.base.cost_per_call_usd if self.base else Decimal(0)
        )

    def monthly_delta_usd(self, scenario: str) -> Decimal | None:
        if self.unpriced:
            return None
        base = self.base.monthly_usd.get(scenario) if self.base else Decimal(0)
        head = self.head.monthly_usd.get(scenario) if self.head else Decimal(0)
        if base is None and head is None:
            return None
        return (head or Decimal(0)) - (base or Decimal(0))

    @property
    def growth_pct(self) -> Decimal | None:
        delta = self.input_tokens_delta
        if not self.base or not self.head or not self.base.input_tokens or delta is None:
            return None
        return Decimal(delta * 100) / Decimal(self.base.input_tokens)


@dataclass(frozen=True)
class ScenarioDelta:
    """A workload's monthly total in one scenario, base → head, split by cause. A side with
    an unpriced document has no total (None), and neither has anything computed from it."""

    name: str
    base_usd: Decimal | None
    head_usd: Decimal | None
    prompt_change_usd: Decimal | None  # what the prompt/tool edits cost, at the base traffic
    traffic_change_usd: Decimal | None  # what the charter's traffic change costs
    budget_usd: Decimal | None
    base_budget_usd: Decimal | None = None
    calls_per_month_base: Decimal = Decimal(0)
    calls_per_month_head: Decimal = Decimal(0)

    @property
    def delta_usd(self) -> Decimal | None:
        if self.head_usd is None or self.base_usd is None:
            return None
        return self.head_usd - self.base_usd

    @property
    def headroom_usd(self) -> Decimal | None:
        if self.budget_usd is None or self.head_usd is None:
            return None
        return self.budget_usd - self.head_usd


@dataclass(frozen=True)
class WorkloadDiff:
    id: str
    path: str
    owner: str | None
    status: str  # modified | added | removed | unchanged (only prompts of it changed)
    charter_changed: bool
    traffic_changed: bool
    scenarios: tuple[ScenarioDelta, ...]
    changed_prompts: tuple[str, ...]
    kill_switch_usd: Decimal | None = None
    unpriced: tuple[Unpriced, ...] = ()  # documents its totals lack, on either side

    def scenario(self, name: str) -> ScenarioDelta | None:
        return next((s for s in self.scenarios if s.name == name), None)

    def complete(self, side: str) -> bool:
        return not any(u.side == side for u in self.unpriced)


@dataclass(frozen=True)
class DiffReport:
    base: RefInfo
    head: RefInfo
    provenance: Provenance
    documents: tuple[DocumentChange, ...]
    prompts: tuple[PromptDiff, ...]
    tools: tuple[ToolDiff, ...]
    workloads: tuple[WorkloadDiff, ...]
    notes: tuple[str, ...] = ()
    schema_version: int = DIFF_SCHEMA_VERSION
    kind: str = "diff"
    unpriced: tuple[Unpriced, ...] = ()  # every document of the change with a side unpriced

    @property
    def changed(self) -> bool:
        return bool(self.documents)

    @property
    def incomplete(self) -> bool:
        """Some figure of this change cannot be computed: `diff` exits 1."""
        return bool(self.unpriced)

    def total(self, scenario: str, attr: str = "delta_usd") -> Decimal | None:
        """A sum over the workloads; None when a side it needs has an unpriced document
        (anywhere in the change: a broken new file may belong to any workload)."""
        sides = {"base_usd": {"base"}, "head_usd": {"head"}}.get(attr, {"base", "head"})
        if any(u.side in sides for u in self.unpriced):
            return None
        total = Decimal(0)
        for w in self.workloads:
            s = w.scenario(scenario)
            value = getattr(s, attr) if s is not None else Decimal(0)
            if value is None:
                return None
            total += value
        return total


@dataclass(frozen=True)
class Waiver:
    """A charter waiver: turns a block into a warning until it expires."""

    key: str  # "rule:PO307" or "budget:monthly_usd.stretch"
    reason: str
    approver: str
    expires: str  # YYYY-MM-DD, inclusive
    charter: str
    path: str
    line: int


@dataclass(frozen=True)
class Breach:
    """A broken budget or a blocking rule, and whether this change introduced it."""

    budget: str  # the budget's name, as waivers spell it (see promptops.check)
    workload: str | None
    prompt: str | None
    path: str
    line: int
    introduced: bool
    limit: str = ""
    value: str = ""
    waiver: Waiver | None = None
    expired_waiver: Waiver | None = None
    base_value: str | None = None  # the same figure on the base, when it has one

    @property
    def blocking(self) -> bool:
        return self.introduced and self.waiver is None


@dataclass(frozen=True)
class CheckReport:
    diff: DiffReport
    findings: tuple = ()  # Finding
    breaches: tuple[Breach, ...] = ()
    # each a dict: a stable `code` and its figures (`promptops.report.reasons` words them)
    blocking_reasons: tuple[dict, ...] = ()
    warnings: tuple[dict, ...] = ()
    notes: tuple[str, ...] = field(default=())
    subsidy: dict | None = None  # exposure at book price, when effective prices are configured
    charter_reviews: tuple = ()  # governance.gate.CharterReview: relaxed charters, approvals
    drift: tuple = ()  # calibrate.drift.Drift: assumptions production contradicts

    @property
    def blocking(self) -> bool:
        return bool(self.blocking_reasons)
