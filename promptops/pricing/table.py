"""Model prices: genai-prices for money, promptops' sourced facts for the rest, config on top.

This is the one module that defines model prices. Where each figure comes from:

- input, output, cache read and cache write prices, their tiers and batch prices: the
  maintained `genai-prices` database (`pricing.source`), as in force today;
- what genai-prices does not carry (minimum cacheable length, tool-use system prompt size by
  `tool_choice`, context window, output ceiling, whether a model accepts a thinking budget) and
  the prices of the few models it lacks: `pricing/facts.json`, each figure with its source;
- the write (1.25x / 2x) and batch (0.5x) multipliers that derive prices genai-prices does not
  give come from the same data file; the read multiplier differs per model (0.025x–0.1x) and is
  never derived: a model added in config must state its read price;
- `prices:` in promptops.yaml overrides or adds any of it, including tiers and `effective`
  prices after discounts.

An unknown model is an error with a fix in its message, never a silent $0.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptops.errors import UnknownModelError

if TYPE_CHECKING:
    from promptops.config import Config

KINDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
MILLION = Decimal(1_000_000)
FACTS_FILE = Path(__file__).with_name("facts.json")
DATED_ID = re.compile(r"^(?P<base>.+)-\d{8}$")


@cache
def facts() -> dict[str, Any]:
    """promptops' sourced facts (`facts.json`)."""
    data: dict[str, Any] = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
    return data


def multiplier(name: str) -> Decimal:
    """A published multiplier from the facts data: cache_write_5m, cache_write_1h or batch."""
    return Decimal(facts()["multipliers"][name]["value"])


@dataclass(frozen=True)
class Rates:
    """USD per million tokens for each kind of billed token."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal

    def scaled(self, factor: Decimal) -> Rates:
        return Rates(*(getattr(self, kind) * factor for kind in KINDS))

    def cache_write(self, ttl: str) -> Decimal:
        return self.cache_write_1h if ttl == "1h" else self.cache_write_5m


@dataclass(frozen=True)
class Schedule:
    """Rates by the call's total input tokens (uncached + cache reads + writes): the base
    rates, or a tier's once the total exceeds its threshold — then for every token of the call,
    output included (how Anthropic bills Haiku 5.5 above 100K input tokens)."""

    base: Rates
    tiers: tuple[tuple[int, Rates], ...] = ()

    def at(self, total_input: Decimal | int) -> Rates:
        for above, rates in reversed(self.tiers):
            if total_input > above:
                return rates
        return self.base

    def scaled(self, factor: Decimal) -> Schedule:
        return Schedule(
            self.base.scaled(factor), tuple((a, r.scaled(factor)) for a, r in self.tiers)
        )


@dataclass(frozen=True)
class ModelPrices:
    """Everything that prices one model's calls: rates (standard and batch) and the limits
    that decide what gets cached, with where each figure came from."""

    model: str
    standard: Schedule
    batch: Schedule
    min_cacheable_tokens: int
    tool_overhead_tokens: int  # tool_choice auto / none
    tool_overhead_tokens_any: int  # tool_choice any / tool
    context_window: int
    max_output_tokens: int
    thinking_budget: bool  # accepts `thinking: {type: enabled, budget_tokens}`
    retired: str | None = None
    notes: str = ""
    source: str = "built-in"  # "built-in", "config" or "built-in+config"
    sources: tuple[tuple[str, str], ...] = ()  # figure -> where it came from
    assumed: tuple[tuple[str, str], ...] = ()  # figure -> why it is an assumption
    effective: ModelPrices | None = field(default=None, compare=False)

    # The base-tier standard rates, which is what most reports show.
    @property
    def input(self) -> Decimal:
        return self.standard.base.input

    @property
    def output(self) -> Decimal:
        return self.standard.base.output

    @property
    def cache_read(self) -> Decimal:
        return self.standard.base.cache_read

    @property
    def cache_write_5m(self) -> Decimal:
        return self.standard.base.cache_write_5m

    @property
    def cache_write_1h(self) -> Decimal:
        return self.standard.base.cache_write_1h

    def cache_write(self, ttl: str) -> Decimal:
        return self.standard.base.cache_write(ttl)

    def rates(self, total_input: Decimal | int = 0, batch: bool = False) -> Rates:
        """The rates one call pays, given its total input tokens."""
        return (self.batch if batch else self.standard).at(total_input)

    def tool_overhead(self, tool_choice: str | None = None) -> int:
        """Tokens of the tool-use system prompt Anthropic adds when tools are present."""
        if tool_choice in ("any", "tool"):
            return self.tool_overhead_tokens_any
        return self.tool_overhead_tokens

    def to_dict(self) -> dict[str, Any]:
        from promptops.text.json_view import decimal_str

        def rates(r: Rates) -> dict[str, str]:
            return {kind: decimal_str(getattr(r, kind)) for kind in KINDS}

        def schedule(s: Schedule) -> dict[str, Any]:
            data: dict[str, Any] = rates(s.base)
            if s.tiers:
                data["tiers"] = [{"above_input_tokens": a, **rates(r)} for a, r in s.tiers]
            return data

        data: dict[str, Any] = {"model": self.model, **schedule(self.standard)}
        data["batch"] = schedule(self.batch)
        data.update(
            min_cacheable_tokens=self.min_cacheable_tokens,
            tool_overhead_tokens=self.tool_overhead_tokens,
            tool_overhead_tokens_any=self.tool_overhead_tokens_any,
            context_window=self.context_window,
            max_output_tokens=self.max_output_tokens,
            thinking_budget=self.thinking_budget,
            retired=self.retired,
            source=self.source,
            sources=dict(self.sources),
            assumed=dict(self.assumed),
        )
        if self.effective is not None:
            data["effective"] = schedule(self.effective.standard)
        return data


def _dec(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise UnknownModelError(f"a price cannot be {value!r}")
    return Decimal(str(value))


def _schedule_from(rates: dict[str, Any]) -> dict[str, Any]:
    """A snapshot rates mapping (flat or tiered per kind) -> {"base": {...}, "tiers": {...}}."""
    base: dict[str, Decimal] = {}
    tiers: dict[int, dict[str, Decimal]] = {}
    for kind, value in rates.items():
        if isinstance(value, dict):
            base[kind] = _dec(value["base"])
            for above, price in value.get("tiers") or []:
                tiers.setdefault(int(above), {})[kind] = _dec(price)
        else:
            base[kind] = _dec(value)
    return {"base": base, "tiers": tiers}


def _complete(values: dict[str, Decimal], multipliers: dict[str, Decimal]) -> dict[str, Decimal]:
    """Fill missing cache prices from input and the given multipliers (per model)."""
    out = dict(values)
    for kind, factor in multipliers.items():
        if kind not in out and "input" in out:
            out[kind] = out["input"] * factor
    return out


class PriceTable:
    """Every model promptops can price, resolved for one run (config overrides included)."""

    def __init__(
        self,
        overrides: dict[str, dict[str, Any]] | None = None,
        cache_dir: Path | None = None,
        on: dt.date | None = None,
    ) -> None:
        from promptops.pricing.source import load_snapshot

        self.on = on or dt.date.today()
        self.facts = facts()
        self.snapshot = load_snapshot(cache_dir)
        self._rows: dict[str, dict[str, Any]] = {}
        self._aliases: dict[str, str] = {}
        self._problems: dict[str, str] = {}  # model -> why it cannot be priced
        self._load_builtin()
        self.overridden = bool(overrides)
        for model_id, values in (overrides or {}).items():
            self._apply_override(str(model_id), values or {})
        self._cache: dict[str, ModelPrices] = {}

    @classmethod
    def from_config(cls, config: Config | None) -> PriceTable:
        from promptops.cache.folder import cache_dir_of, default_cache_dir

        if config is None:
            return cls(None, default_cache_dir())
        return cls(config.prices, cache_dir_of(config))

    # -- provenance ---------------------------------------------------------------------------
    @property
    def date(self) -> str:
        """What the prices are, in one line (reports call it the price table date)."""
        return f"{self.snapshot.label} + promptops facts of {self.facts['date']}"

    # -- building rows --------------------------------------------------------------------------
    def _write_multipliers(self) -> dict[str, Decimal]:
        return {k: multiplier(k) for k in ("cache_write_5m", "cache_write_1h")}

    def _load_builtin(self) -> None:
        defaults = self.facts["new_model_defaults"]
        known_genai = set()
        for model_id, spec in self.facts["models"].items():
            row = self._facts_row(model_id, spec)
            genai_id = spec.get("genai_prices")
            if genai_id:
                known_genai.add(genai_id)
            self._rows[model_id] = row
            for alias in spec.get("aliases", []):
                self._aliases[alias] = model_id
        # Models genai-prices knows and the facts do not (new releases): priced, facts assumed.
        for genai_id in self.snapshot.models:
            if genai_id in known_genai or genai_id in self._rows:
                continue
            spec = {
                "genai_prices": genai_id,
                "min_cacheable_tokens": defaults["min_cacheable_tokens"],
                "tool_overhead": [
                    defaults["tool_overhead_tokens"],
                    defaults["tool_overhead_tokens_any"],
                ],
                "context_window": self.snapshot.models[genai_id].get("context_window")
                or defaults["context_window"],
                "max_output_tokens": defaults["max_output_tokens"],
                "thinking_budget": defaults["thinking_budget"],
                "assumed": {
                    name: "no promptops facts for this model"
                    for name in ("min_cacheable_tokens", "tool_overhead", "max_output_tokens")
                },
            }
            self._rows[genai_id] = self._facts_row(genai_id, spec)

    def _facts_row(self, model_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        source_keys = self.facts["sources"]
        facts_label = f"promptops facts {self.facts['date']}"

        def cite(key: str | None) -> str:
            if key is None:
                return facts_label
            return f"{facts_label}: {source_keys.get(key, key)}"

        sources = {
            name: cite(spec.get("sources", {}).get(name))
            for name in (
                "min_cacheable_tokens",
                "tool_overhead",
                "context_window",
                "max_output_tokens",
                "thinking_budget",
            )
        }
        row: dict[str, Any] = {
            "min_cacheable_tokens": int(spec["min_cacheable_tokens"]),
            "tool_overhead_tokens": int(spec["tool_overhead"][0]),
            "tool_overhead_tokens_any": int(spec["tool_overhead"][1]),
            "context_window": int(spec["context_window"]),
            "max_output_tokens": int(spec["max_output_tokens"]),
            "thinking_budget": bool(spec["thinking_budget"]),
            "retired": spec.get("retired"),
            "notes": spec.get("notes", ""),
            "assumed": dict(spec.get("assumed") or {}),
            "source": "built-in",
        }
        genai_id = spec.get("genai_prices")
        entry = self.snapshot.models.get(genai_id) if genai_id else None
        from promptops.pricing.source import active

        standard = active(entry["prices"], self.on) if entry else None
        if standard is not None and "cache_read" not in standard:
            self._problems[model_id] = (
                f"no cache-read price for {model_id!r} in {self.snapshot.label}; add its prices "
                "under `prices:` in promptops.yaml"
            )
        elif standard is not None:
            money = _schedule_from(standard)
            money["base"] = _complete(money["base"], self._write_multipliers())
            row["standard"] = money
            batch = active(entry["batch"], self.on) if entry else None
            row["batch"] = _schedule_from(batch) if batch else None
            label = f"{self.snapshot.label} ({genai_id})"
            sources["prices"] = label
            sources["batch"] = label if batch else self._batch_label()
        elif spec.get("prices"):
            base = {k: _dec(v) for k, v in spec["prices"].items()}
            row["standard"] = {
                "base": _complete(base, self._write_multipliers()),
                "tiers": {},
            }
            row["batch"] = None
            sources["prices"] = cite(spec.get("sources", {}).get("prices"))
            sources["batch"] = self._batch_label()
        else:
            self._problems[model_id] = (
                f"no price for {model_id!r}: {self.snapshot.label} does not carry "
                f"{genai_id!r}; upgrade genai-prices or add it under `prices:` in promptops.yaml"
            )
        row["sources"] = sources
        return row

    def _batch_label(self) -> str:
        spec = self.facts["multipliers"]["batch"]
        where = self.facts["sources"].get(spec["source"], spec["source"])
        return f"standard × {spec['value']} (promptops facts {self.facts['date']}: {where})"

    # -- config overrides -------------------------------------------------------------------------
    def _apply_override(self, model_id: str, values: dict[str, Any]) -> None:
        if "alias_of" in values:
            self._aliases[model_id] = self.canonical(str(values["alias_of"]))
            return
        target = self.canonical(model_id) if self.canonical(model_id) in self._rows else model_id
        row = self._rows.get(target)
        money = {k: _dec(values[k]) for k in KINDS if k in values}
        given_multipliers = {k: _dec(v) for k, v in (values.get("multipliers") or {}).items()}
        if row is None or "standard" not in row:
            missing = [k for k in ("input", "output") if k not in money]
            if "cache_read" not in money and "cache_read" not in given_multipliers:
                missing.append("cache_read (or multipliers.cache_read)")
            if missing:
                raise UnknownModelError(
                    f"price override for new model {model_id!r} needs {', '.join(missing)}: "
                    "Anthropic's cache-read price differs by model (0.025x-0.1x of input), so "
                    "promptops does not guess it"
                )
            defaults = self.facts["new_model_defaults"]
            row = row or {
                "min_cacheable_tokens": defaults["min_cacheable_tokens"],
                "tool_overhead_tokens": defaults["tool_overhead_tokens"],
                "tool_overhead_tokens_any": defaults["tool_overhead_tokens_any"],
                "context_window": defaults["context_window"],
                "max_output_tokens": defaults["max_output_tokens"],
                "thinking_budget": defaults["thinking_budget"],
                "retired": None,
                "notes": "added in config",
                "assumed": {
                    name: "not given in config: promptops' default for a new model"
                    for name in ("min_cacheable_tokens", "tool_overhead", "max_output_tokens")
                },
                "sources": {},
            }
            row["standard"] = {"base": {}, "tiers": {}}
            row["source"] = "config"
            self._problems.pop(target, None)
        else:
            row = copy.deepcopy(row)  # the built-in row stays as published
            row["source"] = "built-in+config"
        base = row["standard"]["base"]
        ratios = {  # the model's own multipliers, kept when only the input price changes
            k: base[k] / base["input"] for k in KINDS[2:] if k in base and base.get("input")
        }
        ratios.update(self._write_multipliers() if not ratios else {})
        ratios.update(given_multipliers)
        if "input" in money:
            base = {"input": money["input"], **{k: money["input"] * r for k, r in ratios.items()}}
            base["output"] = row["standard"]["base"].get("output", Decimal(0))
        elif given_multipliers and "input" in base:
            base = {**base, **{k: base["input"] * r for k, r in given_multipliers.items()}}
        base.update(money)
        row["standard"]["base"] = base
        if base.get("input"):  # the tiers keep this model's multipliers
            ratios = {k: base[k] / base["input"] for k in KINDS[2:] if k in base}
        for tier in values.get("tiers") or []:
            tier_money = {k: _dec(tier[k]) for k in KINDS if k in tier}
            if "input" in tier_money:
                tier_money = {
                    **{k: tier_money["input"] * r for k, r in ratios.items()},
                    **tier_money,
                }
            row["standard"]["tiers"][int(tier["above_input_tokens"])] = tier_money
        if money or given_multipliers or values.get("tiers"):
            row["batch"] = None  # re-derived from the overridden standard prices
            row.setdefault("sources", {})["prices"] = "promptops.yaml"
            row["sources"]["batch"] = self._batch_label()
        if "batch_input" in values or "batch_output" in values:
            batch = _scaled_schedule(row["standard"], multiplier("batch"))
            if "batch_input" in values:
                factor = _dec(values["batch_input"]) / base["input"] if base.get("input") else 0
                batch["base"].update({k: base[k] * factor for k in KINDS if k != "output"})
            if "batch_output" in values:
                batch["base"]["output"] = _dec(values["batch_output"])
            row["batch"] = batch
            row["sources"]["batch"] = "promptops.yaml"
        for name in (
            "min_cacheable_tokens",
            "tool_overhead_tokens",
            "tool_overhead_tokens_any",
            "context_window",
            "max_output_tokens",
            "thinking_budget",
        ):
            if name in values:
                row[name] = values[name]
                row.setdefault("sources", {})[name.replace("_tokens_any", "_tokens")] = (
                    "promptops.yaml"
                )
                row["assumed"].pop(name, None)
                if name.startswith("tool_overhead"):
                    row["assumed"].pop("tool_overhead", None)
        if "effective" in values or "discount_pct" in values:
            row["effective_overrides"] = {
                k: _dec(v) for k, v in (values.get("effective") or {}).items() if k in KINDS
            }
            row["discount_pct"] = values.get("discount_pct")
        self._rows[target] = row

    # -- lookup ---------------------------------------------------------------------------------
    def canonical(self, model: str) -> str:
        if model in self._aliases:
            return self._aliases[model]
        if model in self._rows:
            return model
        dated = DATED_ID.match(model)
        if dated and dated.group("base") in self._rows:
            return dated.group("base")
        if dated and dated.group("base") in self._aliases:
            return self._aliases[dated.group("base")]
        return model

    def knows(self, model: str) -> bool:
        canonical = self.canonical(model)
        return canonical in self._rows and canonical not in self._problems

    def unknown_message(self, model: str) -> str:
        canonical = self.canonical(model)
        if canonical in self._problems:
            return self._problems[canonical]
        names = sorted({*self._rows, *self._aliases})
        close = difflib.get_close_matches(model, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return (
            f"unknown model {model!r}: not in {self.date}.{hint} Add it under `prices:` in "
            "promptops.yaml with input, output and cache_read prices per million tokens."
        )

    def get(self, model: str) -> ModelPrices:
        """Prices for a model id or alias; UnknownModelError when nothing prices it."""
        if model in self._cache:
            return self._cache[model]
        canonical = self.canonical(model)
        row = self._rows.get(canonical)
        if row is None or canonical in self._problems or "standard" not in row:
            raise UnknownModelError(self.unknown_message(model))
        standard = _build_schedule(row["standard"])
        batch = (
            _build_schedule(row["batch"])
            if row.get("batch")
            else standard.scaled(multiplier("batch"))
        )
        book = ModelPrices(
            model=canonical,
            standard=standard,
            batch=batch,
            min_cacheable_tokens=int(row["min_cacheable_tokens"]),
            tool_overhead_tokens=int(row["tool_overhead_tokens"]),
            tool_overhead_tokens_any=int(row["tool_overhead_tokens_any"]),
            context_window=int(row["context_window"]),
            max_output_tokens=int(row["max_output_tokens"]),
            thinking_budget=bool(row["thinking_budget"]),
            retired=row.get("retired"),
            notes=row.get("notes", ""),
            source=row.get("source", "built-in"),
            sources=tuple(sorted((row.get("sources") or {}).items())),
            assumed=tuple(sorted((row.get("assumed") or {}).items())),
        )
        if "effective_overrides" in row:
            factor = Decimal(1)
            if row.get("discount_pct") is not None:
                factor = 1 - _dec(row["discount_pct"]) / 100
            eff_standard = standard.scaled(factor)
            eff_batch = batch.scaled(factor)
            if row["effective_overrides"]:
                eff_standard = replace(
                    eff_standard, base=replace(eff_standard.base, **row["effective_overrides"])
                )
            book = replace(
                book,
                effective=replace(book, standard=eff_standard, batch=eff_batch, source="effective"),
            )
        self._cache[model] = book
        return book

    def models(self) -> list[str]:
        return sorted(
            m for m in self._rows if m not in self._problems and "standard" in self._rows[m]
        )


def _scaled_schedule(data: dict[str, Any], factor: Decimal) -> dict[str, Any]:
    return {
        "base": {k: v * factor for k, v in data["base"].items()},
        "tiers": {a: {k: v * factor for k, v in r.items()} for a, r in data["tiers"].items()},
    }


def _build_schedule(data: dict[str, Any]) -> Schedule:
    base = data["base"]
    missing = [k for k in KINDS if k not in base]
    if missing:
        raise UnknownModelError(f"prices lack {', '.join(missing)}")
    tiers = []
    for above in sorted(data.get("tiers") or {}):
        values = {**base, **data["tiers"][above]}
        tiers.append((int(above), Rates(**{k: values[k] for k in KINDS})))
    return Schedule(Rates(**{k: base[k] for k in KINDS}), tuple(tiers))


def get_model_prices(model: str, config: Config | None = None) -> ModelPrices:
    """Convenience for callers outside a workspace (providers, canary analysis)."""
    return PriceTable.from_config(config).get(model)
