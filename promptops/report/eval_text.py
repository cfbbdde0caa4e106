"""Plain-text view of an eval report (the JSON view is `EvalReport.to_dict()`).

Suite and case ids, models and assertion messages (which quote model answers) come from the
repository and the provider: the view is made `printable` as a whole (it has no colours of its
own), so no control sequence reaches a terminal raw."""

from __future__ import annotations

from promptops.evals.comparison import compare
from promptops.evals.gates import evaluate_gates
from promptops.evals.report import EvalReport
from promptops.evals.results import SuiteResult, shown_money
from promptops.text.formatting import printable

MAX_LISTED = 10


def _run_line(label: str, run: SuiteResult) -> str:
    s = run.summary()
    grading = (
        f" · grading {shown_money(run.grading_cost_usd)}"
        if run.grading_usage.total_input_tokens
        else ""
    )
    per_call = (
        "not priced"
        if run.cost_per_case_usd is None
        else f"{shown_money(run.cost_per_case_usd)}/call"
    )
    return (
        f"  {label}: {s['passed']}/{s['cases']} passed ({run.pass_rate:.1%})"
        f" · tokens/call in {s['input_tokens_per_case']:g} out {s['output_tokens_per_case']:g}"
        f" · {per_call} · generation {shown_money(run.generation_cost_usd)}"
        f" (spent {shown_money(run.spent_generation_usd)}){grading}"
        f" · {s['calls']} calls, {s['cached_calls']} cached · {run.wall_time_s:.1f}s"
    )


def _listed(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (f" (+{len(ids) - MAX_LISTED} more)" if len(ids) > MAX_LISTED else "")


def render_text(report: EvalReport, gated: bool = True) -> str:
    lines: list[str] = []
    failed_gates = 0
    for suite in report.suites:
        head = suite.head
        lines.append(
            f"eval {suite.suite_id}  (prompt {head.prompt_id}, target {head.target},"
            f" {head.provider} {head.model})"
        )
        lines.append(_run_line("head", head))
        if suite.base is not None:
            lines.append(_run_line(f"base {suite.base.ref or ''}".rstrip(), suite.base))
        comparison = compare(suite.base, head)
        if comparison.regressions:
            lines.append(f"  regressions: {_listed(comparison.regressions)}")
        if comparison.fixes:
            lines.append(f"  fixes: {_listed(comparison.fixes)}")
        failing = [c for c in head.cases if not c.passed]
        for case in failing[:MAX_LISTED]:
            reasons = [
                f"{a.type}: {a.message}"
                for attempt in case.attempts[:1]
                for a in attempt.assertions
                if not a.passed
            ] or [attempt.error or "failed" for attempt in case.attempts[:1]]
            lines.append(f"  ✗ {case.case_id} ({case.passes}/{len(case.attempts)}): {reasons[0]}")
        if gated:
            for outcome in evaluate_gates(suite.gate, head, comparison):
                failed_gates += 0 if outcome.passed else 1
                status = "PASS" if outcome.passed else "FAIL"
                lines.append(f"  gate {outcome.name:<22} {status}  {outcome.message}")
        lines.append("")
    if gated:
        lines.append(
            "result: PASS"
            if failed_gates == 0
            else f"result: FAIL ({failed_gates} gate{'s' if failed_gates > 1 else ''} failed)"
        )
    else:
        lines.append(f"shard {report.shard}: gates are applied by `promptops eval merge`")
    return printable("\n".join(lines) + "\n")
