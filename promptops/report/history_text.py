"""The history as JSON (the data) and text (one block per commit)."""

from __future__ import annotations

from typing import Any

from promptops.history.compute import History
from promptops.text.formatting import printable, usd

SCHEMA_VERSION = 1


def history_to_dict(history: History) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "history",
        "commits": [
            {
                "commit": p.commit,
                "author": p.author,
                "date": p.date,
                "subject": p.subject,
                "prompts": {
                    name: {
                        "input_tokens": v.input_tokens,
                        "cost_per_call_usd": v.cost_per_call_usd,
                        "monthly_usd": v.monthly_usd,
                        "version": v.version,
                    }
                    for name, v in sorted(p.prompts.items())
                },
                "workloads": {
                    name: {"monthly_usd": v.monthly_usd, "budget_usd": v.budget_usd}
                    for name, v in sorted(p.workloads.items())
                },
            }
            for p in history.points
        ],
    }


def render_json(history: History) -> str:
    from promptops.text.json_view import dumps

    return dumps(history_to_dict(history))


def render_text(history: History) -> str:
    if not history.points:
        return "No commit changed a promptops document in that range.\n"
    lines = []
    for point in history.points:
        lines.append(
            f"{point.commit[:12]}  {printable(point.date[:10])}  {printable(point.author)}  "
            f"{printable(point.subject)}"
        )
        for name, value in sorted(point.prompts.items()):
            if value.input_tokens is None:
                lines.append(f"    prompt {printable(name)}: removed or not priced")
                continue
            lines.append(
                f"    prompt {printable(name)}@{printable(value.version or '?')}: "
                f"{value.input_tokens:,} input tokens, {usd(value.cost_per_call_usd, True)}/call, "
                f"{usd(value.monthly_usd)}/mo"
            )
        for name, total in sorted(point.workloads.items()):
            budget = "" if total.budget_usd is None else f" of {usd(total.budget_usd)} budget"
            monthly = "not priced" if total.monthly_usd is None else usd(total.monthly_usd)
            lines.append(f"    workload {printable(name)}: {monthly}/mo{budget}")
    return "\n".join(lines) + "\n"
