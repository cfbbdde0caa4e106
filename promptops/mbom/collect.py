"""Build the Model Bill of Materials from a workspace: documents, estimates and git history.

Everything is computed here once; the views in this package only format it. The cost figures
are `promptops.estimate`'s, so the MBOM agrees with `promptops tokens` to the cent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from promptops.cache_cliff import cache_cliffs_for
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.errors import UnknownModelError
from promptops.estimate import estimate_prompt, estimate_workloads, provenance
from promptops.figures import PromptEstimate, ScenarioCost, WorkloadEstimate
from promptops.mbom.last_change import last_changes, latest
from promptops.mbom.model import (
    Mbom,
    ModelEntry,
    PromptEntry,
    ReviewStatus,
    ToolEntry,
    ToolRef,
    WorkloadEntry,
)
from promptops.pricing.table import PriceTable
from promptops.subsidy import subsidy_exposure
from promptops.tokens.counting import TokenCounter

# Days a review stays current for each transparency cadence (no cadence: quarterly).
CADENCE_DAYS = {"monthly": 31, "quarterly": 92}
DEFAULT_CADENCE = "quarterly"


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _unique_docs(workspace: Workspace, kind: str, valid_only: bool = True) -> list[Document]:
    """One document per id (the first, as the workspace index does), in path order."""
    seen: set[str] = set()
    docs = []
    for doc in sorted(workspace.documents, key=lambda d: d.path):
        if doc.kind != kind or not doc.id or doc.id in seen or (valid_only and not doc.valid):
            continue
        seen.add(doc.id)
        docs.append(doc)
    return docs


def review_status(charter: dict[str, Any], as_of: dt.date) -> ReviewStatus:
    """Is the charter's last review within its transparency cadence?"""
    cadence = str(_mapping(charter.get("transparency")).get("cadence") or DEFAULT_CADENCE)
    max_age = CADENCE_DAYS.get(cadence, CADENCE_DAYS[DEFAULT_CADENCE])
    raw = _mapping(charter.get("review")).get("last_reviewed")
    if raw is None:
        return ReviewStatus(cadence, max_age, None, None, True, "never reviewed")
    try:
        reviewed = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        return ReviewStatus(cadence, max_age, str(raw), None, True, "unreadable review date")
    if isinstance(reviewed, dt.datetime):
        reviewed = reviewed.date()
    age = (as_of - reviewed).days
    overdue = age > max_age
    reason = (
        f"last reviewed {age} days ago; {cadence} cadence allows {max_age}"
        if overdue
        else f"reviewed {age} days ago ({cadence})"
    )
    return ReviewStatus(cadence, max_age, reviewed.isoformat(), age, overdue, reason)


def _prompt_entry(
    doc: Document,
    estimate: PromptEstimate | None,
    error: str | None,
    workspace: Workspace,
    changed: dict[str, str],
) -> PromptEntry:
    data = doc.data
    tools = []
    for tool_id in data.get("tools") or []:
        tool = workspace.get("tool", str(tool_id))
        tools.append(ToolRef(str(tool_id), tool.version if tool is not None else None))
    thinking = _mapping(data.get("thinking")).get("budget_tokens")
    return PromptEntry(
        id=doc.id,
        version=doc.version,
        path=doc.path,
        model=estimate.model if estimate else str(data.get("model", "")),
        workload=_text(data.get("workload")),
        tools=tuple(tools),
        max_output_tokens=data.get("max_output_tokens"),
        thinking_budget_tokens=None if thinking is None else int(thinking),
        agent=_mapping(data.get("agent")),
        input_tokens=estimate.tokens.total if estimate else 0,
        cached_tokens=estimate.tokens.cached if estimate else 0,
        output_tokens=estimate.output_tokens if estimate else 0,
        cost_per_call_usd=estimate.call.total if estimate else None,
        scenarios=estimate.scenarios if estimate else (),
        cache_cliff=tuple(cache_cliffs_for(estimate)) if estimate else (),
        content_hash=doc.content_hash,
        last_changed=changed.get(doc.path, "unknown"),
        error=error,
    )


def _workload_entry(
    doc: Document,
    estimate: WorkloadEstimate | None,
    prompts: list[PromptEntry],
    estimates: list[PromptEstimate],
    table: PriceTable,
    as_of: dt.date,
    changed: dict[str, str],
) -> WorkloadEntry:
    data = doc.data
    members = [p for p in prompts if p.workload == doc.id]
    models = _mapping(data.get("models"))
    scenarios: tuple[ScenarioCost, ...] = ()
    if estimate is not None:
        scenarios = estimate.scenarios
    over = tuple(
        s.name for s in scenarios if s.budget_usd is not None and s.monthly_usd > s.budget_usd
    )
    owner = _text(data.get("owner")) or None
    orphaned = tuple(
        reason
        for reason, applies in (("no owner", not owner), ("no prompts", not members))
        if applies
    )
    tools = sorted({t.id for p in members for t in p.tools})
    charter_changed = changed.get(doc.path, "unknown")
    return WorkloadEntry(
        id=doc.id,
        path=doc.path,
        valid=doc.valid,
        owner=owner,
        signers={k: str(v) for k, v in _mapping(data.get("signers")).items()},
        purpose=_text(data.get("purpose")),
        alpha=_text(data.get("alpha")),
        tram={k: str(v) for k, v in _mapping(data.get("tram")).items()},
        models_allowed=tuple(
            table.canonical(str(m)) for m in models.get("allowed") or [] if isinstance(m, str)
        ),
        model_default=_text(models.get("default")),
        models_used=tuple(sorted({p.model for p in members if p.model})),
        prompts=tuple(p.id for p in members),
        tools=tuple(tools),
        agent=_mapping(data.get("agent")),
        thinking=_mapping(data.get("thinking")),
        review={
            k: _text(v) if k == "last_reviewed" else v
            for k, v in _mapping(data.get("review")).items()
        },
        review_status=review_status(data, as_of),
        kill_criteria=tuple(
            dict(k) for k in data.get("kill_criteria") or [] if isinstance(k, dict)
        ),
        transparency=_mapping(data.get("transparency")),
        budgets=_mapping(data.get("budgets")),
        scenarios=scenarios,
        over_budget=over,
        orphaned=orphaned,
        charter_last_changed=charter_changed,
        last_changed=latest([charter_changed, *(p.last_changed for p in members)]),
    )


def _model_entries(
    prompts: list[PromptEntry], workloads: list[WorkloadEntry], table: PriceTable
) -> list[ModelEntry]:
    ids = sorted(
        {p.model for p in prompts if p.model} | {m for w in workloads for m in w.models_allowed}
    )
    entries = []
    for model in ids:
        prices = table.get(model) if table.knows(model) else None
        entries.append(
            ModelEntry(
                id=model,
                used_by=tuple(p.id for p in prompts if p.model == model),
                allowed_by=tuple(w.id for w in workloads if model in w.models_allowed),
                prices=prices.to_dict() if prices else None,
                effective=bool(prices and prices.effective is not None),
                retired=prices.retired if prices else None,
            )
        )
    return entries


def collect_mbom(
    workspace: Workspace,
    counter: TokenCounter,
    table: PriceTable | None = None,
    as_of: dt.date | None = None,
) -> Mbom:
    """Every workload, prompt, tool and model of the workspace, priced and dated."""
    table = table or PriceTable.from_config(workspace.config)
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    prompt_docs = _unique_docs(workspace, "prompt")
    tool_docs = _unique_docs(workspace, "tool")
    charter_docs = _unique_docs(workspace, "charter", valid_only=False)
    changed = last_changes(
        workspace.config.root, [d.path for d in (*prompt_docs, *tool_docs, *charter_docs)]
    )

    notes: list[str] = []
    estimates: list[PromptEstimate] = []
    prompts: list[PromptEntry] = []
    for doc in prompt_docs:
        try:
            estimate = estimate_prompt(workspace, doc, counter, table)
        except UnknownModelError as exc:
            notes.append(f"{doc.path}: not priced: {exc.message}")
            prompts.append(_prompt_entry(doc, None, exc.message, workspace, changed))
            continue
        estimates.append(estimate)
        prompts.append(_prompt_entry(doc, estimate, None, workspace, changed))
        notes.extend(f"{doc.id}: {a}" for a in estimate.assumptions)

    workload_estimates = {w.id: w for w in estimate_workloads(workspace, estimates)}
    workloads = []
    for doc in charter_docs:
        if not doc.valid:
            notes.append(f"{doc.path}: charter fails its schema (run `promptops validate`)")
        workloads.append(
            _workload_entry(
                doc, workload_estimates.get(doc.id), prompts, estimates, table, as_of, changed
            )
        )

    tools = [
        ToolEntry(
            id=doc.id,
            version=doc.version,
            path=doc.path,
            description=str(doc.data.get("description", "")).strip(),
            content_hash=doc.content_hash,
            used_by=tuple(p.id for p in prompts if any(t.id == doc.id for t in p.tools)),
            last_changed=changed.get(doc.path, "unknown"),
        )
        for doc in tool_docs
    ]
    exposure = subsidy_exposure(workload_estimates.values())
    return Mbom(
        repository=workspace.config.root.name,
        as_of=as_of.isoformat(),
        provenance=provenance(table, counter, estimates),
        workloads=tuple(workloads),
        prompts=tuple(prompts),
        tools=tuple(tools),
        models=tuple(_model_entries(prompts, workloads, table)),
        subsidy=exposure,
        notes=tuple(dict.fromkeys(notes)),
    )
