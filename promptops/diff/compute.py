"""Compute the DiffReport between two sides: per document, per prompt, per workload.

Base and head are priced with the same price table and token counter (the head's config), so a
price-table change never shows up as a prompt change. Changed prompts (and users of changed
tools) are priced in full; the other prompts of affected workloads only feed the workload totals,
so their figures come from `figure_cache` and are priced only on a miss. A workload whose charter changed its
traffic is priced a third time — head prompts at the base charter's traffic — which splits its
delta into what the prompt edits cost and what the traffic change costs.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from promptops.config import Config
from promptops.diff.figure_cache import FigureCache, Figures, figures_key, pricing_fingerprint
from promptops.diff.index import DocIndex
from promptops.diff.loading import LoadedSides, SideDocs, load_sides, workspace_of
from promptops.diff.model import (
    SCENARIO_NAMES,
    DiffReport,
    DocumentChange,
    PartFigures,
    PromptDiff,
    PromptSide,
    RefInfo,
    ScenarioDelta,
    ToolDiff,
    Unpriced,
    WorkloadDiff,
)
from promptops.diff.pricing import PricedPrompt, price_prompt
from promptops.diff.text_hunks import settings_changes, text_hunks
from promptops.diff.tool_schema import definition_text, tool_changes
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import UnknownModelError, UserError
from promptops.estimate import provenance_of
from promptops.figures import PromptEstimate
from promptops.git import Change, GitSide
from promptops.pricing.cost import PARTS
from promptops.pricing.table import PriceTable
from promptops.tokens.cache import cache_dir_of
from promptops.tokens.counting import TokenCounter

# Fields that do not change what the model sees or what it costs.
METADATA_FIELDS = {"prompt": ("version", "description", "labels"), "tool": ("version", "labels")}


def content_of(doc: Document) -> dict[str, Any]:
    skip = METADATA_FIELDS.get(doc.kind, ("version",))
    return {k: v for k, v in doc.data.items() if k not in skip}


def _workload_of(doc: Document) -> str | None:
    value = doc.data.get("workload")
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class _Pricer:
    """Price prompts of one workspace, remembering failures as notes."""

    def __init__(self, counter: TokenCounter, table: PriceTable, notes: list[str]) -> None:
        self.counter, self.table, self.notes = counter, table, notes
        self._memo: dict[tuple, PricedPrompt] = {}

    def price(
        self, ws: Workspace, docs: Iterable[Document], failed: dict[str, str] | None = None
    ) -> dict[str, PricedPrompt]:
        """Price each prompt; an unchanged prompt with unchanged tools and charter is priced
        once for both sides. `failed` collects why a prompt could not be priced, by path."""
        failed = {} if failed is None else failed
        priced = {}
        for doc in docs:
            charter = ws.charter_for(doc)
            tools = [ws.get("tool", str(t)) for t in doc.data.get("tools") or []]
            key = (
                doc.path,
                doc.content_hash,
                charter.content_hash if charter else None,
                tuple(t.content_hash if t else None for t in tools),
            )
            if key in self._memo:
                priced[doc.path] = self._memo[key]
                continue
            try:
                priced[doc.path] = self._memo[key] = price_prompt(ws, doc, self.counter, self.table)
            except (UnknownModelError, UserError) as exc:
                self.notes.append(f"{doc.path}: not priced: {exc.message}")
                failed[doc.path] = exc.message
        return priced


def prompt_side(priced: PricedPrompt, doc: Document) -> PromptSide:
    est = priced.estimate
    parts = {
        part: PartFigures(est.tokens.parts[part].cached, est.tokens.parts[part].uncached)
        for part in PARTS
    }
    first = est.scenarios[0] if est.scenarios else None
    max_output = doc.data.get("max_output_tokens")
    return PromptSide(
        version=est.version,
        path=est.path,
        model=est.model,
        workload=est.workload,
        parts=parts,
        output_tokens=est.output_tokens,
        thinking_tokens=est.thinking_tokens,
        cost_per_call_usd=first.cost_per_call_usd if first else est.call.total,
        cache_hit_rate=first.cache_hit_rate if first else Decimal(0),
        monthly_usd={s.name: s.monthly_usd for s in est.scenarios if s.name in SCENARIO_NAMES},
        cached_prefix_hash=est.tokens.cached_prefix_hash,
        volatile_prefix_tokens=priced.volatile_total,
        max_output_tokens=int(max_output) if max_output is not None else None,
    )


# (path, figure-cache key, tool paths, charter path) of a member to price
_Plan = tuple[str, str, list[str | None], str | None]


class MemberFigures:
    """Figures of the affected workloads' other prompts: from the figure cache when their
    prompt, tools, charter and pricing inputs are unchanged, else read and priced (and cached)."""

    def __init__(
        self,
        config: Config,
        loaded: LoadedSides,
        counter: TokenCounter,
        table: PriceTable,
        notes: list[str],
        cache: FigureCache,
    ) -> None:
        self.config, self.loaded, self.counter, self.table = config, loaded, counter, table
        self.notes, self.cache = notes, cache
        self.fingerprint = pricing_fingerprint(config, table, counter)
        self._memo: dict[str, Figures] = {}

    def figures(
        self, side: SideDocs, charters: SideDocs, only: set[str] | None = None
    ) -> dict[str, Figures]:
        """Each member of `side` priced against the charters of `charters` (the base side's
        for the traffic split); `only` narrows to those workloads."""
        planned: list[_Plan] = []
        for path in side.members:
            summary = side.tree.summary(path)
            workload = summary.workload
            if only is not None and workload not in only:
                continue
            tool_paths = [side.tree.first("tool", t) for t in summary.tools]
            charter_path = charters.tree.first("charter", workload) if workload else None
            key = figures_key(
                self.fingerprint,
                side.tree.blobs[path],
                [side.tree.blobs[p] if p else None for p in tool_paths],
                charters.tree.blobs.get(charter_path) if charter_path else None,
            )
            planned.append((path, key, tool_paths, charter_path))
            if key not in self._memo and (figures := self.cache.get(key)) is not None:
                self._memo[key] = figures
                self._note_exactness(figures)

        misses = {plan[1]: plan for plan in planned if plan[1] not in self._memo}
        wanted = {rel for path, _, tools, _ in misses.values() for rel in (path, *tools) if rel}
        self.loaded.parser.prefetch(side, sorted(wanted))  # one batch read for all misses
        self._price_all(side, charters, list(misses.values()))
        result = {}
        for path, key, _, _ in planned:
            figures = self._memo[key]
            if figures.skipped not in (None, "invalid"):
                self.notes.append(f"{path}: not priced: {figures.skipped}")
            result[path] = figures
        return result

    def _note_exactness(self, figures: Figures) -> None:
        """Figures not counted in this process still decide the counter's provenance label."""
        if figures.skipped is None:
            self.counter.used_exact |= figures.exact in ("exact", "mixed")
            self.counter.used_estimate |= figures.exact in ("estimate", "mixed")

    def _price_all(self, side: SideDocs, charters: SideDocs, plans: list[_Plan]) -> None:
        """Price the cache misses and cache them. (Half of them went to a forked child until
        bench/ showed no win on 2 cores: bench/README.md, "Every kept speed-up".)"""
        for key, figures in self._priced(side, charters, plans):
            self._memo[key] = figures
            self.cache.put(key, figures)

    def _priced(
        self, side: SideDocs, charters: SideDocs, plans: list[_Plan]
    ) -> list[tuple[str, Figures]]:
        return [
            (key, self._price(side, path, tool_paths, charters, charter_path))
            for path, key, tool_paths, charter_path in plans
        ]

    def _price(
        self,
        side: SideDocs,
        path: str,
        tool_paths: list[str | None],
        charters: SideDocs,
        charter_path: str | None,
    ) -> Figures:
        parser = self.loaded.parser
        prompts = parser.extra(side, [path], quick=True)
        doc = prompts[0] if prompts else None
        if doc is None or doc.kind != "prompt" or not doc.valid:
            return Figures(None, (), "estimate", skipped="invalid")
        docs = [doc, *parser.extra(side, [p for p in tool_paths if p])]
        if charter_path:
            docs += parser.extra(charters, [charter_path])
        try:
            priced = price_prompt(workspace_of(self.config, docs), doc, self.counter, self.table)
        except (UnknownModelError, UserError) as exc:
            return Figures(str(doc.data.get("workload")), (), "estimate", skipped=exc.message)
        return figures_of(priced.estimate)


def _rewarm_usd(priced: PricedPrompt) -> Decimal:
    """One-time cost of writing the new readable prefix where a read would have served, per
    cache entry (a prefix rewritten on every call is never warm, so it has nothing to re-warm)."""
    from promptops.pricing.cost import Usage, cost_of

    tokens = priced.estimate.tokens
    five = sum(p.cached_5m for p in tokens.parts.values())
    hour = sum(p.cached_1h for p in tokens.parts.values())
    written = Usage(cache_write_5m_input_tokens=five, cache_write_1h_input_tokens=hour)
    read = Usage(cache_read_input_tokens=five + hour)
    prices = priced.prices
    return (
        cost_of(written, prices, total_input=tokens.total).total
        - cost_of(read, prices, total_input=tokens.total).total
    )


def _pairs(loaded: LoadedSides) -> list[tuple[str, str | None, str | None]]:
    """(status, base path, head path) of changed documents, removed+added of one id paired."""
    pairs = [(c.status, c.old_path, c.new_path) for c in loaded.changes]
    removed = {}
    for i, (status, old, _) in enumerate(pairs):
        doc = loaded.base.docs.get(old or "")
        if status == "removed" and doc is not None:
            removed[(doc.kind, doc.id)] = i
    for i, (status, _, new) in enumerate(pairs):
        doc = loaded.head.docs.get(new or "")
        if status == "added" and doc is not None and (doc.kind, doc.id) in removed:
            j = removed.pop((doc.kind, doc.id))
            pairs[i] = ("renamed", pairs[j][1], new)
            pairs[j] = ("", None, None)
    return [p for p in pairs if p[0]]


def _doc(side: SideDocs, path: str | None) -> Document | None:
    return side.docs.get(path) if path else None


def _prompt_diff(
    status: str,
    base_doc: Document | None,
    head_doc: Document | None,
    base_priced: PricedPrompt | None,
    head_priced: PricedPrompt | None,
    changed_tools: set[str],
    counter: TokenCounter,
    unpriced: tuple[Unpriced, ...] = (),
    path: str | None = None,
    broken: bool = False,
) -> PromptDiff:
    """One prompt row. An `unpriced` side has no figures, and the row no delta; a `broken`
    side (its file gives no valid document) has no text diff either: it is not a removal."""
    base_side = prompt_side(base_priced, base_doc) if base_priced and base_doc else None
    head_side = prompt_side(head_priced, head_doc) if head_priced and head_doc else None
    content_changed = (
        base_doc is not None
        and head_doc is not None
        and content_of(base_doc) != content_of(head_doc)
    )
    # The readable prefix changed, or became unreadable (a per-call value moved into it).
    prefix_changed = bool(
        base_side and head_side and base_side.cached_prefix_hash != head_side.cached_prefix_hash
    )
    warmable = head_priced is not None and head_side and head_side.cached_prefix_hash
    uses: set[str] = set()
    for doc in (base_doc, head_doc):
        if doc is not None:
            uses.update(str(t) for t in doc.data.get("tools") or [])
    doc = head_doc or base_doc
    assert doc is not None
    diffable = not broken
    return PromptDiff(
        id=doc.id,
        status=status,
        path=path or doc.path,
        old_path=base_doc.path
        if base_doc and head_doc and base_doc.path != head_doc.path
        else None,
        base=base_side,
        head=head_side,
        cached_prefix_changed=prefix_changed,
        rewarm_usd=_rewarm_usd(head_priced)
        if prefix_changed and warmable and head_priced is not None
        else None,
        hunks=tuple(
            text_hunks(
                base_doc.data if base_doc else None,
                head_doc.data if head_doc else None,
                counter.estimate,
            )
        )
        if diffable and (content_changed or base_doc is None or head_doc is None)
        else (),
        settings=tuple(
            settings_changes(
                base_doc.data if base_doc else None, head_doc.data if head_doc else None
            )
        )
        if diffable
        else (),
        changed_tools=tuple(sorted(uses & changed_tools)),
        content_changed=content_changed,
        version_bumped=not (base_doc and head_doc) or base_doc.version != head_doc.version,
        unpriced=unpriced,
    )


def _sum_scenarios(prompts: list[Figures]) -> dict[str, tuple[Decimal, Decimal]]:
    """scenario -> (monthly USD, calls per month) over prompts."""
    totals = {name: (Decimal(0), Decimal(0)) for name in SCENARIO_NAMES}
    for figures in prompts:
        for name, monthly, calls_per_month in figures.scenarios:
            if name in totals:
                money, calls = totals[name]
                totals[name] = (money + monthly, calls + calls_per_month)
    return totals


def figures_of(estimate: PromptEstimate) -> Figures:
    return Figures(
        estimate.workload,
        tuple((s.name, s.monthly_usd, s.calls_per_month) for s in estimate.scenarios),
        estimate.tokens.exact,
    )


def _budgets(charter: Document | None) -> dict[str, Decimal | None]:
    monthly = ((charter.data.get("budgets") or {}).get("monthly_usd") or {}) if charter else {}
    return {name: _decimal(monthly.get(name)) for name in SCENARIO_NAMES}


def _workload_diff(
    workload: str,
    loaded: LoadedSides,
    base_priced: dict[str, Figures],
    head_priced: dict[str, Figures],
    mixed_priced: dict[str, Figures] | None,
    changed_prompt_ids: list[str],
    unpriced: tuple[Unpriced, ...] = (),
) -> WorkloadDiff:
    """The workload's totals base → head; a side holding an `unpriced` document of the
    workload has no total (None), nor has the delta or its split."""
    base_charter = loaded.base.of_kind("charter").get(workload)
    head_charter = loaded.head.of_kind("charter").get(workload)
    members = lambda priced: [  # noqa: E731
        f for f in priced.values() if f.workload == workload and f.skipped is None
    ]
    base_totals = _sum_scenarios(members(base_priced))
    head_totals = _sum_scenarios(members(head_priced))
    mixed_totals = _sum_scenarios(members(mixed_priced)) if mixed_priced is not None else None
    head_budgets, base_budgets = _budgets(head_charter), _budgets(base_charter)
    base_ok = not any(u.side == "base" for u in unpriced)
    head_ok = not any(u.side == "head" for u in unpriced)
    scenarios = []
    for name in SCENARIO_NAMES:
        base_usd, base_calls = base_totals[name]
        head_usd, head_calls = head_totals[name]
        if mixed_totals is not None:
            mixed_usd = mixed_totals[name][0]
            prompt_change, traffic_change = mixed_usd - base_usd, head_usd - mixed_usd
        else:
            prompt_change, traffic_change = head_usd - base_usd, Decimal(0)
        both = base_ok and head_ok
        scenarios.append(
            ScenarioDelta(
                name=name,
                base_usd=base_usd if base_ok else None,
                head_usd=head_usd if head_ok else None,
                prompt_change_usd=prompt_change if both else None,
                traffic_change_usd=traffic_change if both else None,
                budget_usd=head_budgets[name],
                base_budget_usd=base_budgets[name],
                calls_per_month_base=base_calls,
                calls_per_month_head=head_calls,
            )
        )
    charter = head_charter or base_charter
    status = (
        "added"
        if base_charter is None
        else "removed"
        if head_charter is None
        else "modified"
        if workload in loaded.changed_charters
        else "unchanged"
    )
    traffic_changed = bool(
        base_charter
        and head_charter
        and (base_charter.data.get("scenarios") != head_charter.data.get("scenarios"))
    )
    runaway = ((charter.data.get("scenarios") or {}).get("runaway") or {}) if charter else {}
    return WorkloadDiff(
        id=workload,
        path=charter.path if charter else "",
        owner=(charter.data.get("owner") if charter else None),
        status=status,
        charter_changed=workload in loaded.changed_charters,
        traffic_changed=traffic_changed,
        scenarios=tuple(scenarios),
        changed_prompts=tuple(sorted(set(changed_prompt_ids))),
        kill_switch_usd=_decimal(runaway.get("kill_switch_usd")),
        unpriced=unpriced,
    )


def _to_price(
    side: SideDocs, workloads: set[str], paths: set[str], tools: set[str]
) -> list[Document]:
    chosen = []
    for doc in side.prompts():
        workload = doc.data.get("workload")
        uses = {str(t) for t in doc.data.get("tools") or []}
        if (
            doc.path in paths
            or (workload is not None and str(workload) in workloads)
            or uses & tools
        ):
            chosen.append(doc)
    return chosen


def compute_diff(
    config: Config,
    base: GitSide,
    head: GitSide,
    changes: list[Change],
    counter: TokenCounter,
    table: PriceTable | None = None,
) -> DiffReport:
    """Everything `promptops diff` shows, computed once."""
    return run_diff(config, base, head, changes, counter, table)[0]


def run_diff(
    config: Config,
    base: GitSide,
    head: GitSide,
    changes: list[Change],
    counter: TokenCounter,
    table: PriceTable | None = None,
) -> tuple[DiffReport, LoadedSides]:
    """The report and the documents it was computed from (the gate needs the charters)."""
    table = table or PriceTable.from_config(config)
    cache_dir = cache_dir_of(config)
    index = DocIndex(cache_dir)
    loaded = load_sides(config, base, head, changes, index)
    index.save({*loaded.base.tree.blobs.values(), *loaded.head.tree.blobs.values()})
    notes: list[str] = []
    pricer = _Pricer(counter, table, notes)
    base_ws = workspace_of(config, list(loaded.base.docs.values()))
    head_ws = workspace_of(config, list(loaded.head.docs.values()))
    changed_paths_base = {c.old_path for c in changes if c.old_path}
    changed_paths_head = {c.new_path for c in changes if c.new_path}
    failed: dict[str, dict[str, str]] = {"base": {}, "head": {}}
    base_priced = pricer.price(
        base_ws,
        _to_price(loaded.base, loaded.workloads, changed_paths_base, loaded.changed_tools),
        failed["base"],
    )
    head_docs_to_price = _to_price(
        loaded.head, loaded.workloads, changed_paths_head, loaded.changed_tools
    )
    head_priced = pricer.price(head_ws, head_docs_to_price, failed["head"])
    figure_cache = FigureCache(cache_dir)
    members = MemberFigures(config, loaded, counter, table, notes, figure_cache)
    base_members = members.figures(loaded.base, loaded.base)
    head_members = members.figures(loaded.head, loaded.head)
    base_figures = {p: figures_of(e.estimate) for p, e in base_priced.items()}
    base_figures.update(base_members)
    head_figures = {p: figures_of(e.estimate) for p, e in head_priced.items()}
    head_figures.update(head_members)
    unpriced = _unpriced_prompts(loaded, failed, base_members, head_members)

    # Head prompts at the base charters' traffic, for workloads whose traffic changed.
    base_charters, head_charters = loaded.base.of_kind("charter"), loaded.head.of_kind("charter")
    traffic_changed = {
        w
        for w in loaded.changed_charters
        if w in base_charters
        and w in head_charters
        and base_charters[w].data.get("scenarios") != head_charters[w].data.get("scenarios")
    }
    mixed_figures: dict[str, Figures] | None = None
    if traffic_changed:
        mixed_docs = [
            d
            for d in loaded.head.docs.values()
            if not (d.kind == "charter" and d.id in traffic_changed)
        ] + [base_charters[w] for w in sorted(traffic_changed)]
        mixed_ws = workspace_of(config, mixed_docs)
        mixed_priced = pricer.price(
            mixed_ws,
            [d for d in head_docs_to_price if str(d.data.get("workload")) in traffic_changed],
        )
        mixed_figures = {p: figures_of(e.estimate) for p, e in mixed_priced.items()}
        mixed_figures.update(members.figures(loaded.head, loaded.base, traffic_changed))

    documents: list[DocumentChange] = []
    prompts: list[PromptDiff] = []
    tools: list[ToolDiff] = []
    seen_prompt_paths: set[str] = set()
    changed_ids_by_workload: dict[str, list[str]] = {}
    for status, old, new in _pairs(loaded):
        base_doc, head_doc = _doc(loaded.base, old), _doc(loaded.head, new)
        base_broken = _broken(loaded.base, old, base_doc, head_doc)
        head_broken = _broken(loaded.head, new, head_doc, base_doc)
        doc = head_doc or base_doc
        if doc is None and not (base_broken or head_broken):
            continue  # YAML that is not ours on either side
        path = str(new or old)
        kind, doc_id = (doc.kind, doc.id) if doc else ("", "")
        problem = " · ".join(
            f"{side}: {reason}"
            for side, reason in (("base", base_broken), ("head", head_broken))
            if reason
        )
        documents.append(
            DocumentChange(
                kind, doc_id, status, path, old if old != path else None, problem or None
            )
        )
        if doc is not None and not doc.valid:
            notes.append(f"{doc.path}: invalid {doc.kind or 'document'}: run `promptops validate`")
        workload = _workload_of(doc) if doc and kind == "prompt" else None
        workload = doc_id if kind == "charter" else workload
        for side, reason, where in (("base", base_broken, old), ("head", head_broken, new)):
            if reason and where and kind not in ("eval", "release"):  # they have no figures
                unpriced.append(Unpriced(where, side, reason, kind, doc_id, workload))
        if kind == "prompt":
            seen_prompt_paths.add(path)
            diff = _prompt_diff(
                status,
                base_doc,
                head_doc,
                base_priced.get(old or ""),
                head_priced.get(new or ""),
                loaded.changed_tools,
                counter,
                _of_paths(unpriced, old, new),
                path,
                broken=bool(base_broken or head_broken),
            )
            prompts.append(diff)
            for side_doc in (base_doc, head_doc):
                if side_doc is not None and (w := _workload_of(side_doc)):
                    changed_ids_by_workload.setdefault(w, []).append(diff.id)
        elif kind == "tool" and not (base_broken or head_broken):
            tools.append(_tool_diff(status, base_doc, head_doc, loaded, counter))

    for head_doc in sorted(head_docs_to_price, key=lambda d: d.path):  # their tools changed
        path = head_doc.path
        if path in seen_prompt_paths:
            continue
        uses = {str(t) for t in head_doc.data.get("tools") or []}
        base_doc = loaded.base.docs.get(path)
        if not uses & loaded.changed_tools or base_doc is None or not base_doc.valid:
            continue
        diff = _prompt_diff(
            "tools-changed",
            base_doc,
            head_doc,
            base_priced.get(path),
            head_priced.get(path),
            loaded.changed_tools,
            counter,
            _of_paths(unpriced, path, path),
        )
        prompts.append(diff)
        if workload := _workload_of(head_doc):
            changed_ids_by_workload.setdefault(workload, []).append(diff.id)

    workloads = [
        _workload_diff(
            w,
            loaded,
            base_figures,
            head_figures,
            mixed_figures if w in traffic_changed else None,
            changed_ids_by_workload.get(w, []),
            tuple(u for u in unpriced if u.workload == w),
        )
        for w in sorted(loaded.workloads)
        if w in base_charters or w in head_charters
    ]
    for w in sorted(loaded.workloads - set(base_charters) - set(head_charters)):
        notes.append(f"workload {w!r} has no charter: its prompts have per-call figures only")
    loaded.figures_cached, loaded.figures_priced = members.cache.hits, members.cache.misses
    priced = [*base_figures.values(), *head_figures.values()]
    report = DiffReport(
        base=RefInfo(base.label, base.sha),
        head=RefInfo(head.label, head.sha),
        provenance=provenance_of(table, counter, [f.exact for f in priced if f.skipped is None]),
        documents=tuple(documents),
        prompts=tuple(prompts),
        tools=tuple(tools),
        workloads=tuple(workloads),
        notes=tuple(dict.fromkeys(notes)),
        unpriced=tuple(dict.fromkeys(unpriced)),
    )
    return report, loaded


def _broken(
    side: SideDocs, path: str | None, doc: Document | None, other: Document | None
) -> str | None:
    """Why a changed file of ours gives no valid document on this side, None when it does
    (or when the file is absent, or is nobody's YAML on both sides)."""
    if path is None or (doc is not None and doc.valid):
        return None
    problem = side.problem(path)
    if problem is not None:
        return problem
    if doc is not None:
        return f"invalid {doc.kind}: run `promptops validate`"
    if other is not None:
        return "not a promptops document on this side (its `kind` or the file changed)"
    return None


def _of_paths(unpriced: list[Unpriced], old: str | None, new: str | None) -> tuple[Unpriced, ...]:
    return tuple(
        u
        for u in unpriced
        if (u.side == "base" and u.path == old) or (u.side == "head" and u.path == new)
    )


_INVALID_MEMBER = "the document does not load as a valid prompt: run `promptops validate`"


def _unpriced_prompts(
    loaded: LoadedSides,
    failed: dict[str, dict[str, str]],
    base_members: dict[str, Figures],
    head_members: dict[str, Figures],
) -> list[Unpriced]:
    """Prompts a workload total needs but that could not be priced, on each side: priced
    ones that failed (an unknown model, an undefined tool) and members skipped."""
    unpriced = []
    for name, side, members in (
        ("base", loaded.base, base_members),
        ("head", loaded.head, head_members),
    ):
        for path, reason in sorted(failed[name].items()):
            doc = side.docs[path]
            unpriced.append(Unpriced(path, name, reason, "prompt", doc.id, _workload_of(doc)))
        for path, figures in sorted(members.items()):
            if figures.skipped is not None:
                summary = side.tree.summary(path)
                reason = _INVALID_MEMBER if figures.skipped == "invalid" else figures.skipped
                unpriced.append(
                    Unpriced(path, name, reason, "prompt", summary.id, summary.workload)
                )
    return unpriced


def _tool_diff(
    status: str,
    base_doc: Document | None,
    head_doc: Document | None,
    loaded: LoadedSides,
    counter: TokenCounter,
) -> ToolDiff:
    doc = head_doc or base_doc
    assert doc is not None
    used_by = {
        p.id
        for side in (loaded.base, loaded.head)
        for p in side.prompts()
        if doc.id in {str(t) for t in p.data.get("tools") or []}
    }
    return ToolDiff(
        id=doc.id,
        status=status,
        path=doc.path,
        old_path=base_doc.path if base_doc and base_doc.path != doc.path else None,
        base_version=base_doc.version if base_doc else None,
        head_version=head_doc.version if head_doc else None,
        base_tokens=counter.estimate(definition_text(base_doc.data)) if base_doc else 0,
        head_tokens=counter.estimate(definition_text(head_doc.data)) if head_doc else 0,
        changes=tuple(
            tool_changes(
                base_doc.data if base_doc else None,
                head_doc.data if head_doc else None,
                counter.estimate,
            )
        ),
        used_by=tuple(sorted(used_by)),
    )
