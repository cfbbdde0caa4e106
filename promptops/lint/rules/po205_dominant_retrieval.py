"""Retrieved context that dominates the request with no evidence it helps (Phantom RAG).

**What it catches.** A retrieval variable (`retrieval: true`, or a name such as `context`,
`documents`, `chunks`, `passages`, `search_results`, `retrieved`) whose `max_tokens` is at least
the rest of the rendered request, while no eval suite of the prompt runs it without that
variable (`ablate: [VAR]` in a `kind: eval` document, or a case that sets it to "").

**Why it costs money.** Retrieval is usually added "to be safe" and grows to fill its budget;
when it is most of every request, it is most of the bill. Whether the answers need it is an
empirical question, and nobody asks it without an ablation run.

**Fix.** Add the variable to `ablate:` in an eval suite of the prompt and run
`promptops eval --ablate VAR`: it runs the suite with and without the variable and reports the
pass-rate and cost difference. Keep the context if it earns its cost; shrink `max_tokens` or
drop it if it does not.

**Example.**

Before (the prompt: up to 12,000 tokens of retrieved documents, no ablation anywhere):

    variables:
      retrieved_docs: {max_tokens: 12000, expected_tokens: 6000}

After (an eval suite of the prompt runs with and without them):

    kind: eval
    id: support-answer-quality
    prompt: support/answer
    ablate: [retrieved_docs]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from promptops.documents.charter_changes import mapping
from promptops.findings import Finding
from promptops.lint.context import LintContext, make_finding

CODE = "PO205"
NAME = "dominant-retrieval"
SEVERITY = "warning"
SOURCE = "lint"
NEEDS: frozenset[str] = frozenset({"workspace", "tokens"})

RETRIEVAL_NAME = re.compile(
    r"(?:^|[_.])(context|contexts|documents?|docs|chunks?|passages?|search_results|retrieved|"
    r"retrieval|knowledge|snippets|sources|rag)(?:$|[_.])",
    re.IGNORECASE,
)


def retrieval_variables(doc_data: dict, used: set[str]) -> list[str]:
    declared = doc_data.get("variables") or {}
    names = []
    for name in sorted(used):
        spec = mapping(declared.get(name))
        flag = spec.get("retrieval")
        if flag is True or (flag is None and RETRIEVAL_NAME.search(name)):
            names.append(name)
    return names


def _ablated_by_prompt(ctx: LintContext) -> dict[str, set[str]]:
    """Variables some eval suite of each prompt runs without, by prompt id (one pass over the
    suites, not one per prompt)."""
    by_prompt: dict[str, set[str]] = {}
    for suite in ctx.workspace.of_kind("eval"):
        names = by_prompt.setdefault(str(suite.data.get("prompt")), set())
        names |= {str(v) for v in suite.data.get("ablate") or []}
        for case in suite.data.get("cases") or []:
            variables = case.get("vars") if isinstance(case, dict) else None
            if isinstance(variables, dict):
                names |= {str(k) for k, v in variables.items() if v in ("", None)}
    return by_prompt


def check(ctx: LintContext) -> Iterator[Finding]:
    ablated_by_prompt: dict[str, set[str]] | None = None
    for doc in ctx.targeted("prompt"):
        analysis = ctx.analysis(doc)
        tokens = ctx.input_tokens(doc)
        if analysis is None or tokens is None:
            continue
        declared = doc.data.get("variables") or {}
        used = {r.expression for r in analysis.refs if r.is_variable}
        names = retrieval_variables(doc.data, used)
        if not names:
            continue
        if ablated_by_prompt is None:
            ablated_by_prompt = _ablated_by_prompt(ctx)
        ablated = ablated_by_prompt.get(doc.id, set())
        for name in names:
            spec = mapping(declared.get(name))
            cap = spec.get("max_tokens")
            if not cap or name in ablated:
                continue
            rest = max(tokens.total - int(spec.get("expected_tokens") or 0), 0)
            if int(cap) < rest:
                continue
            ref = next(r for r in analysis.refs if r.expression == name)
            yield make_finding(
                CODE,
                SEVERITY,
                doc,
                analysis.ref_span(ref),
                f"`{name}` may fill {int(cap):,} tokens, at least the rest of the request "
                f"(~{rest:,}), and no eval suite of {doc.id!r} runs without it: add "
                f"`ablate: [{name}]` to one and run `promptops eval --ablate {name}` to see "
                "what it buys",
                variable=name,
                max_tokens=int(cap),
                rest_tokens=rest,
            )
