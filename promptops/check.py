"""The merge gate: lint + diff + charter budgets, blocking only what the change introduces.

What blocks (exit 1):
* lint errors in the documents the change touched (including prompts whose tools changed);
* PO307 version-not-bumped: a prompt's or tool's content changed but its `version` did not;
* a charter budget that the head breaks and the base did not break.

A figure that cannot be computed blocks too: a document the change adds or touches that gives
no priced figures on the head (it does not parse, is not UTF-8, is not a document, or cannot be
priced) leaves its workload's budgets unchecked, so the gate never passes it as a saving.

What warns: PO308 growth-over-threshold (`lint.limits.growth_pct`, default 10%), budgets already
broken on the base ref, and anything a valid waiver covers.

Findings come from the one lint pipeline (`lint.run.lint_workspace`), given the change against
the base so that the rules needing a base ref (PO307, PO308, PO311) run too: `lint.select`,
`lint.ignore`, `lint.severity` and `# promptops: disable=CODE` mean here what they mean in
`promptops lint`.

Budget names (what a waiver's `budget:` spells, and what reports print):
  max_input_tokens_per_call, max_output_tokens_per_call, max_cost_per_call_usd  (per prompt)
  monthly_usd.expected, monthly_usd.stretch, monthly_usd.runaway  (`monthly_usd` waives all)
  max_increase.usd_per_month, max_increase.pct  (`max_increase` waives both)
  kill_switch_usd  (the runaway scenario's `kill_switch_usd`)
A rule waiver spells a code: `rule: PO307`. Waivers live in the workload's charter and cover
that workload only; one whose `expires` date (inclusive) has passed is void, and the report says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from promptops.config import Config
from promptops.diff.loading import LoadedSides
from promptops.diff.model import (
    SCENARIO_NAMES,
    Breach,
    CheckReport,
    DiffReport,
    PromptDiff,
    Waiver,
)
from promptops.documents.model import Document
from promptops.documents.workspace import Workspace
from promptops.findings import Finding, sort_findings
from promptops.governance.gate import Approvals, review_charter_changes
from promptops.lint.change import BaseChange, ChangedDocument
from promptops.text.formatting import pct, tokens
from promptops.text.json_view import decimal_str

if TYPE_CHECKING:
    from promptops.diff.run import DiffRun

# A blocking reason or warning: a stable `code` and its figures (money as decimal strings);
# `promptops.report.reasons` words each code.
Reason = dict[str, Any]

PER_CALL_BUDGETS = (
    "max_input_tokens_per_call",
    "max_output_tokens_per_call",
    "max_cost_per_call_usd",
)


# -- waivers ---------------------------------------------------------------------------------
def charter_waivers(charter: Document) -> list[Waiver]:
    waivers = []
    for i, raw in enumerate(charter.data.get("waivers") or []):
        if not isinstance(raw, dict):
            continue
        key = f"rule:{raw['rule']}" if raw.get("rule") else f"budget:{raw.get('budget')}"
        waivers.append(
            Waiver(
                key=key,
                reason=str(raw.get("reason", "")),
                approver=str(raw.get("approver", "")),
                expires=str(raw.get("expires", "")),
                charter=charter.id,
                path=charter.path,
                line=charter.value_span("waivers", i).line,
            )
        )
    return waivers


def _covers(waiver: Waiver, key: str) -> bool:
    """`budget:monthly_usd` covers `budget:monthly_usd.stretch`; exact names match themselves."""
    return waiver.key == key or key.startswith(waiver.key + ".")


def _expired(waiver: Waiver, today: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(waiver.expires) < today
    except ValueError:
        return True


def find_waiver(
    waivers: list[Waiver], key: str, today: dt.date
) -> tuple[Waiver | None, Waiver | None]:
    """(a valid waiver, an expired one) covering `key`."""
    matching = [w for w in waivers if _covers(w, key)]
    valid = next((w for w in matching if not _expired(w, today)), None)
    expired = next((w for w in matching if _expired(w, today)), None)
    return valid, expired if valid is None else None


# -- lint ------------------------------------------------------------------------------------
def touched_paths(report: DiffReport) -> set[str]:
    """The documents a change gates: the changed ones (a new or edited file of ours that is
    no document included) and the prompts whose tools changed. Lint runs on these alone (the
    rest of the head is loaded for references only), so the gate's lint time follows the
    change, like the diff's."""
    return {d.path for d in report.documents} | {p.path for p in report.prompts}


def _unpriced_reasons(
    report: DiffReport, touched: set[str], blocked: set[str]
) -> tuple[list[Reason], list[Reason]]:
    """(blocking, warnings) for figures that cannot be computed. A touched document with no
    head figures blocks (its workload's budgets cannot be checked), unless a blocking finding
    already names its file; an untouched one, or a base side, only warns."""
    blocking, warnings = [], []
    for u in report.unpriced:
        fields = {
            "path": u.path,
            "side": u.side,
            "kind": u.kind or None,
            "id": u.id or None,
            "reason": u.reason,
            "workload": u.workload,
        }
        if u.side == "head" and u.path in touched:
            if u.path not in blocked:
                blocking.append({"code": "unpriced-changed", **fields})
        elif u.side == "head":
            warnings.append({"code": "unpriced-head", **fields})
        else:
            warnings.append({"code": "unpriced-base", **fields})
    return blocking, warnings


def breach_fields(b: Breach) -> Reason:
    """A broken budget's figures, as its reason (and the JSON's `breaches`) carry them."""
    return {
        "budget": b.budget,
        "workload": b.workload,
        "prompt": b.prompt,
        "path": b.path,
        "line": b.line,
        "limit": b.limit,
        "value": b.value,
        "base_value": b.base_value,
    }


def _waiver(waiver: Waiver) -> dict[str, str]:
    """A waiver as a reason cites it."""
    return {"approver": waiver.approver, "expires": waiver.expires, "reason": waiver.reason}


def base_change(report: DiffReport, loaded: LoadedSides, touched: set[str]) -> BaseChange:
    """What the rules that need a base ref read (PO307, PO308, PO311): each prompt and tool of
    the diff with its documents on both sides and its priced input tokens, the two git sides,
    and the load findings of the touched head files."""
    documents = []
    for p in report.prompts:
        head = loaded.head.docs.get(p.path)
        side = p.head or p.base
        workload = side.workload if side is not None else None
        if workload is None and head is not None and head.data.get("workload") is not None:
            workload = str(head.data["workload"])
        priced = not p.unpriced
        documents.append(
            ChangedDocument(
                "prompt",
                p.id,
                p.path,
                p.old_path,
                loaded.base.docs.get(p.old_path or p.path),
                head,
                p.base.input_tokens if priced and p.base else None,
                p.head.input_tokens if priced and p.head else None,
                workload,
            )
        )
    for t in report.tools:
        documents.append(
            ChangedDocument(
                "tool",
                t.id,
                t.path,
                t.old_path,
                loaded.base.docs.get(t.old_path or t.path),
                loaded.head.docs.get(t.path),
            )
        )
    return BaseChange(
        base_side=loaded.base.side,
        head_side=loaded.head.side,
        documents=tuple(documents),
        base_docs=loaded.base.docs,
        head_docs=loaded.head.docs,
        load_findings=tuple(f for f in dict.fromkeys(loaded.head.findings) if f.path in touched),
    )


def lint_findings(
    config: Config, report: DiffReport, loaded: LoadedSides, head_workspace: Workspace | None
) -> list[Finding]:
    """The one lint pipeline on the touched head documents, with the change supplied: lint's
    rules and the base-ref rules (PO307, PO308, PO311) under one config and one set of
    suppressions. Without a head workspace (no net change) the base-ref rules still run,
    over the documents the diff read (the branch's commits may still reuse a version: PO311)."""
    from promptops.lint.run import lint_workspace

    touched = touched_paths(report)
    workspace = head_workspace
    if workspace is None:
        workspace = Workspace(config, list(loaded.head.docs.values()), targets=set(touched))
    return lint_workspace(workspace, base_change(report, loaded, touched))


# -- the gate --------------------------------------------------------------------------------
class _Gate:
    def __init__(self, config: Config, loaded: LoadedSides, today: dt.date) -> None:
        self.config = config
        self.loaded = loaded
        self.today = today
        self.head_charters = loaded.head.of_kind("charter")
        self.base_charters = loaded.base.of_kind("charter")
        self.breaches: list[Breach] = []

    def waivers_for(self, workload: str | None) -> list[Waiver]:
        charter = self.head_charters.get(workload or "")
        return charter_waivers(charter) if charter else []

    def add(
        self,
        budget: str,
        workload: str | None,
        prompt: str | None,
        where: tuple[str, int],
        introduced: bool,
        limit: str,
        value: str,
        base_value: str | None = None,
    ) -> None:
        """A broken budget, with its figures (`report.reasons.budget_message` words them)."""
        waiver, expired = find_waiver(self.waivers_for(workload), f"budget:{budget}", self.today)
        self.breaches.append(
            Breach(
                budget,
                workload,
                prompt,
                where[0],
                where[1],
                introduced,
                limit,
                value,
                waiver,
                expired,
                base_value,
            )
        )

    @staticmethod
    def _budgets(charter: Document | None) -> dict[str, Any]:
        return (charter.data.get("budgets") or {}) if charter else {}

    def _charter_line(self, charter: Document, *path: Any) -> tuple[str, int]:
        return charter.path, charter.key_span(*path).line

    def per_call(self, p: PromptDiff) -> None:
        if p.head is None or not p.head.workload:
            return
        charter = self.head_charters.get(p.head.workload)
        if charter is None:
            return
        limits = self._budgets(charter)
        base_limits = self._budgets(self.base_charters.get(p.base.workload or "")) if p.base else {}
        head_doc = self.loaded.head.docs.get(p.path)
        where = (p.path, head_doc.key_span("id").line if head_doc else 1)

        def values(side: Any) -> dict[str, Decimal]:
            output = (
                side.max_output_tokens if side.max_output_tokens is not None else side.output_tokens
            )
            return {
                "max_input_tokens_per_call": Decimal(side.input_tokens),
                "max_output_tokens_per_call": Decimal(output),
                "max_cost_per_call_usd": side.cost_per_call_usd,
            }

        head_values = values(p.head)
        base_values = values(p.base) if p.base else {}
        for name in PER_CALL_BUDGETS:
            if limits.get(name) is None:
                continue
            limit = Decimal(str(limits[name]))
            value = head_values[name]
            if value <= limit:
                continue
            base_limit = base_limits.get(name)
            pre_existing = (
                name in base_values
                and base_limit is not None
                and base_values[name] > Decimal(str(base_limit))
            )
            self.add(
                name,
                p.head.workload,
                p.id,
                where,
                not pre_existing,
                str(limit),
                decimal_str(value),
                decimal_str(base_values[name]) if name in base_values else None,
            )

    def workload(self, w: Any) -> None:
        charter = self.head_charters.get(w.id)
        if charter is None:
            return
        budgets = self._budgets(charter)
        base_charter = self.base_charters.get(w.id)
        for s in w.scenarios:  # a total that cannot be computed: `_unpriced_reasons`
            if s.budget_usd is not None and s.head_usd is not None and s.head_usd > s.budget_usd:
                pre = (
                    s.base_budget_usd is not None
                    and s.base_usd is not None
                    and s.base_usd > s.base_budget_usd
                )
                self.add(
                    f"monthly_usd.{s.name}",
                    w.id,
                    None,
                    self._charter_line(charter, "budgets", "monthly_usd", s.name),
                    not pre,
                    decimal_str(s.budget_usd),
                    decimal_str(s.head_usd),
                    None if s.base_usd is None else decimal_str(s.base_usd),
                )
        runaway = w.scenario("runaway")
        if (
            w.kill_switch_usd is not None
            and runaway
            and runaway.head_usd is not None
            and runaway.head_usd > w.kill_switch_usd
        ):
            base_kill = (
                ((base_charter.data.get("scenarios") or {}).get("runaway") or {}).get(
                    "kill_switch_usd"
                )
                if base_charter
                else None
            )
            pre = (
                base_kill is not None
                and runaway.base_usd is not None
                and runaway.base_usd > Decimal(str(base_kill))
            )
            self.add(
                "kill_switch_usd",
                w.id,
                None,
                self._charter_line(charter, "scenarios", "runaway", "kill_switch_usd"),
                not pre,
                decimal_str(w.kill_switch_usd),
                decimal_str(runaway.head_usd),
                None if runaway.base_usd is None else decimal_str(runaway.base_usd),
            )
        increase = budgets.get("max_increase") or {}
        expected = w.scenario("expected")
        if (
            not increase
            or expected is None
            or expected.base_usd is None
            or expected.prompt_change_usd is None
            or expected.base_usd <= 0
        ):
            return
        change = expected.prompt_change_usd
        limit_usd = increase.get("usd_per_month")
        if limit_usd is not None and change > Decimal(str(limit_usd)):
            self.add(
                "max_increase.usd_per_month",
                w.id,
                None,
                self._charter_line(charter, "budgets", "max_increase", "usd_per_month"),
                True,
                str(limit_usd),
                decimal_str(change),
            )
        limit_pct = increase.get("pct")
        if limit_pct is not None:
            growth = change * 100 / expected.base_usd
            if growth > Decimal(str(limit_pct)):
                self.add(
                    "max_increase.pct",
                    w.id,
                    None,
                    self._charter_line(charter, "budgets", "max_increase", "pct"),
                    True,
                    str(limit_pct),
                    decimal_str(growth.quantize(Decimal("0.000001"))),
                )


def run_check(
    config: Config,
    report: DiffReport,
    loaded: LoadedSides,
    head_workspace: Workspace | None,
    today: dt.date | None = None,
    approvals: Approvals | None = None,
) -> CheckReport:
    """Apply the gate to a computed diff; `head_workspace` (every head document, targeting
    the touched ones: see `touched_paths`) feeds lint."""
    today = today or dt.date.today()
    gate = _Gate(config, loaded, today)
    touched = touched_paths(report)
    findings = lint_findings(config, report, loaded, head_workspace)
    untouched_errors = sum(
        1
        for f in (head_workspace.findings if head_workspace is not None else [])
        if f.path not in touched and f.severity == "error"
    )

    blocking: list[Reason] = []
    warnings: list[Reason] = []
    notes: list[str] = []
    prompt_workload = {
        p.path: side.workload for p in report.prompts if (side := p.head or p.base) is not None
    }
    final_findings = []
    blocked: set[str] = set()
    for f in sort_findings(findings):
        workload = f.extra.get("workload") if f.extra else None
        workload = workload or prompt_workload.get(f.path)
        waiver, expired = find_waiver(gate.waivers_for(workload), f"rule:{f.code}", today)
        cited = {"rule": f.code, "message": f.message, "path": f.path, "line": f.line}
        if f.severity == "error" and waiver is not None:
            warnings.append({"code": "finding-waived", **cited, "waiver": _waiver(waiver)})
            f = replace(f, severity="warning", extra={**f.extra, "waived_by": waiver.approver})
        elif f.severity == "error":
            blocking.append(
                {
                    "code": "finding",
                    **cited,
                    "severity": "error",
                    "expired_waiver": _waiver(expired) if expired else None,
                }
            )
            blocked.add(f.path)
        elif f.severity == "warning":
            warnings.append(
                {"code": "finding", **cited, "severity": "warning", "expired_waiver": None}
            )
        final_findings.append(f)
    unpriced_blocking, unpriced_warnings = _unpriced_reasons(report, touched, blocked)
    blocking += unpriced_blocking
    warnings += unpriced_warnings
    if untouched_errors:
        notes.append(
            f"{untouched_errors} document error(s) (YAML, schema, references) in files this "
            "change does not touch are not gated here: run `promptops lint`"
        )

    for p in report.prompts:
        gate.per_call(p)
    for w in report.workloads:
        gate.workload(w)
    for b in gate.breaches:
        breach = breach_fields(b)
        if not b.introduced:
            warnings.append({"code": "budget-already-over", **breach})
        elif b.waiver is not None:
            warnings.append({"code": "budget-waived", **breach, "waiver": _waiver(b.waiver)})
        else:
            expired_waiver = _waiver(b.expired_waiver) if b.expired_waiver else None
            blocking.append({"code": "budget-exceeded", **breach, "expired_waiver": expired_waiver})
    for p in report.prompts:
        if p.cached_prefix_changed and p.rewarm_usd:
            warnings.append(
                {
                    "code": "prefix-rewarm",
                    "path": p.path,
                    "prompt": p.id,
                    "rewarm_usd": decimal_str(p.rewarm_usd),
                }
            )
        if p.head and p.head.volatile_prefix_tokens:
            share = Decimal(p.head.volatile_prefix_tokens) / Decimal(max(p.head.cached_tokens, 1))
            notes.append(
                f"{p.id}: {tokens(p.head.volatile_prefix_tokens)} cached-prefix tokens follow a "
                f"template variable ({pct(share)} of the prefix): priced as written on every call"
            )
    reviews = review_charter_changes(
        loaded.base.of_kind("charter"),
        loaded.head.of_kind("charter"),
        loaded.changed_charters,
        approvals,
    )
    for review in reviews:
        where = f"{review.path}:{review.line}"
        if review.status == "approved":
            notes.append(f"{where}: {review.describe()} — approved by @{review.approved_by}")
        elif review.status == "needs-approval":
            blocking.append({"code": "charter-needs-approval", **review.reason_fields()})
        else:
            warnings.append({"code": "charter-unverified", **review.reason_fields()})
    subsidy = subsidy_summary(  # repo-wide: every workload, not only the touched ones
        config, replace(head_workspace, targets=None) if head_workspace is not None else None
    )
    if subsidy is not None and subsidy["exposed_workloads"]:
        warnings.append(
            {
                "code": "subsidy-exposure",
                **{k: subsidy[k] for k in ("share", "workloads_with_budget", "exposed_workloads")},
            }
        )
    return CheckReport(
        diff=report,
        findings=tuple(final_findings),
        breaches=tuple(gate.breaches),
        blocking_reasons=tuple(blocking),
        warnings=tuple(warnings),
        notes=tuple(notes),
        subsidy=subsidy,
        charter_reviews=tuple(reviews),
    )


def subsidy_summary(config: Config, workspace: Workspace | None) -> dict | None:
    """The share of budgeted workloads that would cross a budget at book price (only when
    `effective` prices or discounts are configured: otherwise book is what is paid)."""
    if workspace is None or not any(
        "effective" in spec or "discount_pct" in spec for spec in config.prices.values()
    ):
        return None
    from promptops.estimate import estimate_workspace
    from promptops.subsidy import subsidy_exposure
    from promptops.tokens.counting import TokenCounter

    counter = TokenCounter(config)
    try:
        estimated = estimate_workspace(workspace, counter)
    finally:
        counter.close()
    exposure = subsidy_exposure(estimated.workloads)
    return {
        "share": decimal_str(exposure.share),
        "workloads_with_budget": exposure.workloads_with_budget,
        "exposed_workloads": list(exposure.exposed_workloads),
        "scenarios": [
            {
                "workload": s.workload,
                "scenario": s.scenario,
                "budget_usd": decimal_str(s.budget_usd),
                "book_monthly_usd": decimal_str(s.book_monthly_usd),
                "effective_monthly_usd": decimal_str(s.effective_monthly_usd),
            }
            for s in exposure.scenarios
        ],
    }


__all__ = [
    "SCENARIO_NAMES",
    "base_change",
    "charter_waivers",
    "find_waiver",
    "lint_findings",
    "run_check",
    "touched_paths",
]


def with_creep(config: Config, run: DiffRun, result: CheckReport) -> CheckReport:
    """A warning for each touched prompt whose input grew more than `creep_pct` against the
    base ref as it stood `creep_days` ago, although this change alone stays under
    `growth_pct` (the Unbounded System Prompt grows 200 tokens a week, never in one step).

    Only the touched prompts that could warn are looked up on the older commit, by id (a
    rename moves the file, not the id), and counted as the diff counts a side
    (`diff.one_side`): no second diff, no workload priced. `run.creep` says what was read."""
    from promptops.diff.one_side import input_tokens_by_id
    from promptops.tokens.counting import TokenCounter

    limits = config.limits
    days, creep, step = limits["creep_days"], limits["creep_pct"], limits["growth_pct"]
    if run.base.sha is None or days <= 0:
        return result
    candidates = [p for p in run.report.prompts if _may_creep(p, step)]
    if not candidates:
        return result
    since = (dt.date.today() - dt.timedelta(days=days)).isoformat()
    old_sha = run.repo.git.run("rev-list", "-1", f"--before={since}T00:00:00", run.base.sha).strip()
    if not old_sha or old_sha == run.base.sha:
        return result
    old = run.repo.side(old_sha, f"{int(days)} days before the base")
    keep = {*run.loaded.base.tree.blobs.values(), *run.loaded.head.tree.blobs.values()}
    counter = TokenCounter(config)
    try:
        run.creep = input_tokens_by_id(config, old, {p.id for p in candidates}, counter, keep=keep)
    finally:
        counter.close()
    then = run.creep.tokens
    warnings = list(result.warnings)
    for prompt in candidates:
        before = then.get(prompt.id)
        if prompt.head is None or not before:
            continue
        total = (prompt.head.input_tokens - before) * 100 / before
        if total > creep:
            warnings.append(
                {
                    "code": "prompt-creep",
                    "path": prompt.path,
                    "prompt": prompt.id,
                    "growth_pct": decimal_str(
                        (Decimal(prompt.head.input_tokens - before) * 100 / before).quantize(
                            Decimal("0.000001")
                        )
                    ),
                    "days": int(days),
                    "then_tokens": before,
                    "input_tokens": prompt.head.input_tokens,
                    "since": old_sha,
                    "creep_pct": creep,
                }
            )
    return replace(result, warnings=tuple(warnings))


def _may_creep(prompt: PromptDiff, step: float) -> bool:
    """Whether the creep warning could speak of this row: the prompt is on the head, and this
    change alone stays within `growth_pct` (over it, PO308 already says so)."""
    growth = prompt.growth_pct
    return prompt.head is not None and not (growth is not None and growth > step)
