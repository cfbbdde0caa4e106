"""The rule registry: one module per rule, one explicit table.

Each module has `CODE`, `NAME`, `SEVERITY`, `SOURCE`, `NEEDS` and `check(ctx)`; its docstring
is the rule's documentation (`promptops rule CODE`). `NEEDS` says what the rule reads beyond
one document, and so which callers can run it (`lint.run` runs a rule only when the caller
supplies all of it):

* `workspace`: every document of the repo, not only the targeted files (references, charters,
  duplicates across prompts); `lint` and `check` both supply it;
* `tokens`: token counts (a tokenizer, or the lock file); run last, while the counts that
  `LintContext.prefetch_tokens` started are computed;
* `base`: a base ref and the change against it (`lint.change.BaseChange`); only `check`
  supplies it.

A module may also define `replaces(finding, ctx) -> bool`: a finding of another rule that its
own finding reports better (PO302 replaces the schema error for a missing owner).

SOURCE says, for the docs, who produces the findings: `lint` (the module's own `check`),
`load` (the workspace loader: YAML, schema, references; `check` yields nothing),
`suppressions` (the suppression pass) or `diff` (rules that need a base ref). Adding a rule is
one new module and one line below.
"""

from __future__ import annotations

from types import ModuleType

from promptops.errors import UserError
from promptops.lint.rules import (
    po001_yaml_syntax,
    po002_schema_violation,
    po003_unresolved_reference,
    po004_undeclared_or_unused_variable,
    po005_not_a_document,
    po009_unused_suppression,
    po101_variable_in_cached_prefix,
    po102_volatile_value_in_prefix,
    po103_prefix_below_cache_minimum,
    po104_too_many_breakpoints,
    po105_cache_below_break_even,
    po106_cache_ttl_order,
    po107_hit_rate_above_traffic,
    po201_oversized_prompt,
    po202_oversized_tool_description,
    po203_duplicated_instructions,
    po204_unbounded_conversation,
    po205_dominant_retrieval,
    po301_missing_charter,
    po302_orphaned_workload,
    po303_model_not_allowed,
    po304_unbounded_agent,
    po305_unbounded_thinking,
    po306_missing_max_output_tokens,
    po307_version_not_bumped,
    po308_growth_over_threshold,
    po309_thinking_budget_rejected,
    po310_release_version_unknown,
    po311_version_reused,
    po312_silent_downgrade,
)

_MODULES = (
    po001_yaml_syntax,
    po002_schema_violation,
    po003_unresolved_reference,
    po004_undeclared_or_unused_variable,
    po005_not_a_document,
    po009_unused_suppression,
    po101_variable_in_cached_prefix,
    po102_volatile_value_in_prefix,
    po103_prefix_below_cache_minimum,
    po104_too_many_breakpoints,
    po105_cache_below_break_even,
    po106_cache_ttl_order,
    po107_hit_rate_above_traffic,
    po201_oversized_prompt,
    po202_oversized_tool_description,
    po203_duplicated_instructions,
    po204_unbounded_conversation,
    po205_dominant_retrieval,
    po301_missing_charter,
    po302_orphaned_workload,
    po303_model_not_allowed,
    po304_unbounded_agent,
    po305_unbounded_thinking,
    po306_missing_max_output_tokens,
    po307_version_not_bumped,
    po308_growth_over_threshold,
    po309_thinking_budget_rejected,
    po310_release_version_unknown,
    po311_version_reused,
    po312_silent_downgrade,
)

RULES: dict[str, ModuleType] = {module.CODE: module for module in _MODULES}
KNOWN_NEEDS = frozenset({"base", "tokens", "workspace"})


def needs(rule: ModuleType) -> frozenset[str]:
    """What the rule needs beyond its own document (nothing when the module says nothing)."""
    declared = frozenset(getattr(rule, "NEEDS", frozenset()))
    unknown = declared - KNOWN_NEEDS
    if unknown:  # a typo in a rule module would otherwise make it run nowhere, silently
        raise ValueError(
            f"{rule.CODE}: unknown NEEDS {sorted(unknown)}; known: {sorted(KNOWN_NEEDS)}"
        )
    return declared


def get(code: str) -> ModuleType:
    """The rule module for `code` (case-insensitive); a UserError naming the known codes."""
    rule = RULES.get(code.strip().upper())
    if rule is None:
        by_name = {m.NAME: m for m in _MODULES}
        rule = by_name.get(code.strip().lower())
    if rule is None:
        raise UserError(
            f"unknown rule {code!r}: known rules are {', '.join(RULES)} "
            "(run `promptops rule --list`)"
        )
    return rule


def summary(rule: ModuleType) -> str:
    """The first line of the rule's documentation."""
    return (rule.__doc__ or "").strip().splitlines()[0].strip()


def runnable(supplied: frozenset[str]) -> frozenset[str]:
    """Codes whose needs a caller supplying `supplied` meets."""
    return frozenset(code for code, m in RULES.items() if needs(m) <= supplied)
