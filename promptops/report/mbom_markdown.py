"""The Markdown view of the MBOM: readable by a finance partner, complete for a platform lead.

Owners, ids, purposes, signers, models and notes come from the repository: every value is
escaped by `markdown_text` unless it is our own Markdown (`Raw`). The view stays under GitHub's
65,536 characters (it is pasted into issues and comments): whole rows and workload sections are
dropped, with a line saying how many and pointing at `--format json`; the title, the summary's
totals and the provenance always stay."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from promptops.cache_cliff import margin_text
from promptops.mbom.model import Mbom, PromptEntry, WorkloadEntry
from promptops.pricing.cost import SCENARIOS
from promptops.text.formatting import calls, pct, signed_usd, usd
from promptops.text.markdown_fit import GITHUB_COMMENT_LIMIT, Section, fit
from promptops.text.markdown_text import code, text

MAX_VALUE_CHARS = 1_000


class Raw(str):
    """Markdown we wrote ourselves (bold, code spans already escaped): passed through as is."""


def cell(value: Any) -> str:
    """A table cell or fact: escaped unless `Raw`, empty as an em dash."""
    if value is None or value == "" or value == () or value == []:
        return "—"
    if isinstance(value, Raw):
        return str(value)
    return text(value, MAX_VALUE_CHARS)


def _more(what: str) -> Any:
    return lambda n: (
        f"\n_…{n:,} more {what} not shown (GitHub's 65,536-character limit); "
        "see `promptops mbom --format json`._"
    )


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    return [*_table_header(headers), *_table_rows(rows)]


def _table_header(headers: list[str]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]


def _table_rows(rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _date(iso: str) -> str:
    return iso[:10] if iso and iso != "unknown" else "unknown"


def _budget_cell(monthly: Decimal, budget: Decimal | None) -> str:
    if budget is None:
        return usd(monthly)
    mark = " ⚠ over" if monthly > budget else ""
    return f"{usd(monthly)} / {usd(budget)}{mark}"


def _flags(w: WorkloadEntry) -> list[str]:
    flags = [f"orphaned ({', '.join(w.orphaned)})"] if w.orphaned else []
    if w.review_status.overdue:
        flags.append("review overdue")
    if w.over_budget:
        flags.append(f"over budget ({', '.join(w.over_budget)})")
    if not w.valid:
        flags.append("invalid charter")
    return flags


def _summary(mbom: Mbom) -> Section:
    rows = []
    for w in mbom.workloads:
        expected = w.scenario("expected")
        rows.append(
            [
                w.id,
                w.owner or Raw("**none**"),
                w.alpha,
                f"{w.tram.get('cost_variance', '?')}/{w.tram.get('output_variance', '?')}"
                if w.tram
                else None,
                ", ".join(w.models_used),
                calls(expected.calls_per_month) if expected else None,
                *(
                    _budget_cell(s.monthly_usd, s.budget_usd) if (s := w.scenario(n)) else None
                    for n in SCENARIOS
                ),
                _date(w.last_changed),
                "; ".join(_flags(w)) or "ok",
            ]
        )
    headers = [
        "workload",
        "owner",
        "alpha",
        "TRAM (cost/output)",
        "models",
        "calls/mo",
        "expected / budget",
        "stretch / budget",
        "runaway / budget",
        "last change",
        "flags",
    ]
    totals = ", ".join(f"{n} {usd(mbom.monthly_total(n))}" for n in SCENARIOS)
    trail = ["", f"Projected monthly cost of all chartered workloads at book price: {totals}."]
    if mbom.has_effective_prices:
        totals = ", ".join(f"{n} {usd(mbom.monthly_total(n, effective=True))}" for n in SCENARIOS)
        trail.append(f"At effective prices (after credits and discounts): {totals}.")
    if not rows:
        return Section(
            ["No workload charters found."], _more("rows"), trail=trail, trail_always=True
        )
    return Section(
        _table_rows(rows),
        _more("workloads"),
        lead=_table_header(headers),
        trail=trail,
        trail_always=True,
    )


def _attention(mbom: Mbom) -> Section:
    items = []
    for w in mbom.workloads:
        if w.orphaned:
            items.append(f"**{text(w.id)}** is orphaned: {text(', '.join(w.orphaned))}.")
        if w.review_status.overdue:
            items.append(f"**{text(w.id)}**: review overdue ({text(w.review_status.reason)}).")
        for name in w.over_budget:
            s = w.scenario(name)
            if s is not None and s.budget_usd is not None:
                items.append(
                    f"**{text(w.id)}**: {text(name)} scenario {usd(s.monthly_usd)} a month is over its "
                    f"budget of {usd(s.budget_usd)}."
                )
    subsidy = mbom.subsidy
    if subsidy.applies and subsidy.exposed_workloads:
        items.append(
            f"Subsidy exposure: {len(subsidy.exposed_workloads)} of "
            f"{subsidy.workloads_with_budget} budgeted workloads ({pct(subsidy.share)}) fit "
            "their budget only at effective prices: "
            + "; ".join(
                f"{text(e.workload)} {text(e.scenario)} {usd(e.effective_monthly_usd)} effective vs "
                f"{usd(e.book_monthly_usd)} book, budget {usd(e.budget_usd)}"
                for e in subsidy.scenarios
            )
            + "."
        )
    for p in mbom.unchartered_prompts:
        items.append(f"Prompt **{text(p.id)}** has no workload charter: no owner, no budget.")
    for row in mbom.cache_cliff:
        if row.verdict == "below break-even":
            items.append(
                f"Prompt **{text(row.prompt)}** caches with a {text(row.ttl)} TTL below break-even: "
                f"{row.calls_per_month:,.0f} calls/month against "
                f"{row.break_even_calls_per_month:,.0f} needed."
            )
    if not items:
        items = ["Nothing: every workload is owned, reviewed on cadence and in budget."]
        return Section(items, _more("items"), lead=["## Needs attention", ""])
    return Section([f"- {item}" for item in items], _more("items"), lead=["## Needs attention", ""])


def _prompt_rows(prompts: list[PromptEntry]) -> list[list[Any]]:
    rows = []
    for p in prompts:
        rows.append(
            [
                f"{p.id}@{p.version}" if p.version else p.id,
                p.model,
                ", ".join(f"{t.id}@{t.version}" if t.version else t.id for t in p.tools),
                f"{p.input_tokens:,} ({p.cached_tokens:,} cached)",
                f"{p.output_tokens:,}",
                p.thinking_budget_tokens,
                ", ".join(f"{k} {v}" for k, v in p.agent.items()),
                usd(p.cost_per_call_usd, per_call=True)
                if p.error is None
                else "not priced (see notes)",
                _date(p.last_changed),
            ]
        )
    return rows


PROMPT_HEADERS = [
    "prompt",
    "model",
    "tools",
    "input tokens",
    "output",
    "thinking",
    "agent",
    "$/call",
    "last change",
]


def _word(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _limits(values: dict[str, Any]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {_word(v)}" for k, v in values.items()) or "none set"


def _workload(mbom: Mbom, w: WorkloadEntry) -> list[str]:
    lines = [f"### {text(w.id, MAX_VALUE_CHARS)}", ""]
    signers = ", ".join(f"{role}: {name}" for role, name in w.signers.items())
    facts = [
        ("Owner", w.owner or Raw("**none (orphaned)**")),
        ("Signers", signers or "none"),
        ("Purpose", w.purpose),
        ("Alpha", w.alpha),
        ("TRAM cell", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in w.tram.items())),
        ("Models allowed", ", ".join(w.models_allowed) or "any"),
        ("Default model", w.model_default),
        ("Models used", ", ".join(w.models_used)),
        ("Agent limits", _limits(w.agent)),
        ("Thinking", _limits(w.thinking)),
        (
            "Review",
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in w.review.items()) or "none set",
        ),
        ("Review status", w.review_status.reason + (" ⚠" if w.review_status.overdue else "")),
        (
            "Transparency",
            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in w.transparency.items())
            or "none set (quarterly assumed)",
        ),
        (
            "Kill criteria",
            "; ".join(
                f"{k.get('metric')} {k.get('op')} {k.get('value')} → {k.get('action', 'alert')}"
                for k in w.kill_criteria
            )
            or "none",
        ),
        ("Charter", Raw(f"{code(w.path)}, last changed {text(_date(w.charter_last_changed))}")),
    ]
    lines += [f"- **{name}:** {cell(value)}" for name, value in facts]
    lines.append("")
    if w.scenarios:
        effective = mbom.has_effective_prices
        headers = ["scenario", "calls/mo", "cache hits", "$/call", "monthly (book)"]
        headers += ["monthly (effective)"] if effective else []
        headers += ["budget", "headroom"]
        rows: list[list[str | None]] = []
        for s in w.scenarios:
            row: list[str | None] = [
                s.name,
                calls(s.calls_per_month),
                pct(s.cache_hit_rate),
                usd(s.cost_per_call_usd, per_call=True),
                usd(s.monthly_usd),
            ]
            if effective:
                row.append(
                    usd(s.effective_monthly_usd) if s.effective_monthly_usd is not None else None
                )
            row += [
                usd(s.budget_usd) if s.budget_usd is not None else None,
                signed_usd(s.headroom_usd) if s.headroom_usd is not None else None,
            ]
            rows.append(row)
        lines += table(headers, rows)
        lines.append("")
    members = [p for p in mbom.prompts if p.workload == w.id]
    if members:
        lines += table(PROMPT_HEADERS, _prompt_rows(members))
        lines.append("")
    return lines


def _cache_cliff(mbom: Mbom) -> list[str]:
    rows = [
        [
            r.prompt,
            r.ttl,
            f"{r.prefix_tokens:,}",
            f"{r.break_even_hit_rate:.1%}",
            f"{r.break_even_calls_per_hour:,.2f}",
            f"{r.break_even_calls_per_month:,.0f}",
            "—" if r.calls_per_month is None else f"{r.calls_per_month:,.0f}",
            margin_text(r),
            r.verdict,
        ]
        for r in mbom.cache_cliff
    ]
    if not rows:
        return []
    headers = [
        "prompt",
        "TTL",
        "cached prefix",
        "break-even hit rate",
        "break-even calls/h",
        "break-even calls/mo",
        "expected calls/mo",
        "margin",
        "verdict",
    ]
    return [
        "## Cache cliff",
        "",
        "Caching pays only above a request rate: below it, cache writes cost more than reads "
        "save (Poisson arrivals, a month of 730 hours).",
        "",
        *table(headers, rows),
        "",
    ]


def _models(mbom: Mbom) -> list[str]:
    rows = []
    for m in mbom.models:
        p = m.prices or {}
        eff = p.get("effective") or {}
        rows.append(
            [
                m.id,
                ", ".join(m.used_by) or "unused",
                ", ".join(m.allowed_by),
                f"${p['input']}" if p else "unknown",
                f"${p['output']}" if p else "unknown",
                f"${p['cache_read']}" if p else None,
                f"${eff['input']} / ${eff['output']}" if eff else None,
                m.retired,
            ]
        )
    headers = [
        "model",
        "used by",
        "allowed by",
        "input $/MTok",
        "output $/MTok",
        "cache read $/MTok",
        "effective in/out",
        "retired",
    ]
    return ["## Models", "", *table(headers, rows), ""] if rows else []


def _tools(mbom: Mbom) -> list[str]:
    rows = [
        [
            f"{t.id}@{t.version}" if t.version else t.id,
            ", ".join(t.used_by) or "unused",
            Raw(code(t.path, table=True)),
            _date(t.last_changed),
        ]
        for t in mbom.tools
    ]
    return (
        ["## Tools", "", *table(["tool", "used by", "file", "last change"], rows), ""]
        if rows
        else []
    )


def _workloads(mbom: Mbom) -> Section:
    blocks = ["\n".join(_workload(mbom, w)) for w in mbom.workloads]
    if not blocks:
        return Section(["No workload charters.\n"], _more("rows"), lead=["## Workloads", ""])
    return Section(blocks, _more("workload sections"), lead=["## Workloads", ""])


def _titled(title: list[str], headers: list[str], rows: list[list[Any]], what: str) -> Section:
    """A table under a heading, as a section whose rows can be dropped."""
    if not rows:
        return Section([], _more(what))
    return Section(
        _table_rows(rows),
        _more(what),
        lead=[*title, *_table_header(headers)],
        trail=[""],
    )


def render_mbom_markdown(mbom: Mbom, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    head = [
        f"# Model Bill of Materials: {text(mbom.repository, MAX_VALUE_CHARS)}",
        "",
        f"As of {text(mbom.as_of)}. {len(mbom.workloads)} workloads, {len(mbom.prompts)} "
        f"prompts, {len(mbom.tools)} tools, {len(mbom.models)} models. Monthly figures are "
        "projections from each charter's traffic scenarios.",
        "",
        "## Summary",
        "",
    ]
    summary = _summary(mbom)
    summary.trail = [*summary.trail, ""]
    attention = _attention(mbom)
    attention.trail = [""]
    unchartered = list(mbom.unchartered_prompts)
    orphans = _titled(
        ["## Prompts without a charter", ""],
        PROMPT_HEADERS,
        _prompt_rows(unchartered),
        "prompts",
    )
    cliff = _cache_cliff(mbom)
    cliff_section = (
        Section(cliff[6:-1], _more("cache cliff rows"), lead=cliff[:6], trail=[""])
        if cliff
        else Section([], _more("rows"))
    )
    models = _models(mbom)
    models_section = (
        Section(models[4:-1], _more("models"), lead=models[:4], trail=[""])
        if models
        else Section([], _more("rows"))
    )
    tools = _tools(mbom)
    tools_section = (
        Section(tools[4:-1], _more("tools"), lead=tools[:4], trail=[""])
        if tools
        else Section([], _more("rows"))
    )
    notes = Section(
        [f"- {cell(n)}" for n in mbom.notes], _more("notes"), lead=["## Notes", ""], trail=[""]
    )
    sections = [
        summary,
        attention,
        _workloads(mbom),
        orphans,
        cliff_section,
        models_section,
        tools_section,
        notes,
    ]
    tail = [f"_{text(mbom.provenance.sentence())}_"]
    # Per-workload sections go first, then prompts without a charter, the cache cliff, tools,
    # models, notes, attention items; summary rows last (their totals always stay).
    return fit(head, sections, tail, limit, drop_order=(2, 3, 4, 6, 5, 7, 1, 0))
