"""The built-in Claude price table, as published on the date below.

Prices are US dollars per million tokens. Sources: Anthropic's pricing, prompt-caching and
models pages as of PRICE_TABLE_DATE (see shared/reference/anthropic-and-providers.md).
Tool-use system-prompt overhead is published for some models only; where it is not, the value
is carried over from the nearest published model and marked as assumed in `notes`.
"""

from __future__ import annotations

PRICE_TABLE_DATE = "2026-08-21"
PRICE_TABLE_SOURCE = "https://platform.claude.com/docs/en/about-claude/pricing"

# id: (input, output, min_cacheable, tool_overhead auto/none, tool_overhead any/tool,
#      context_window, max_output, aliases, retired, notes)
# Cache writes (1.25x / 2x), cache reads (0.1x) and batch (0.5x) follow the published
# multipliers and are spelled out in MODELS by _expand below.
_ROWS: dict[str, tuple] = {
    "claude-fable-5": (
        "10", "50", 512, 675, 804, 1_000_000, 128_000, (), None,
        "tool-use overhead assumed equal to Opus 4.7 (not published)",
    ),
    "claude-mythos-5": (
        "10", "50", 512, 675, 804, 1_000_000, 128_000, (), None,
        "limited availability; tool-use overhead assumed equal to Opus 4.7 (not published)",
    ),
    "claude-opus-5": (
        "5", "25", 512, 675, 804, 1_000_000, 128_000, (), None,
        "tool-use overhead assumed equal to Opus 4.7 (not published)",
    ),
    "claude-opus-4-8": (
        "5", "25", 1024, 675, 804, 1_000_000, 128_000, (), None,
        "tool-use overhead assumed equal to Opus 4.7 (not published)",
    ),
    "claude-opus-4-7": ("5", "25", 2048, 675, 804, 1_000_000, 128_000, (), None, ""),
    "claude-opus-4-6": ("5", "25", 4096, 497, 589, 1_000_000, 128_000, (), None, ""),
    "claude-opus-4-5-20251101": (
        "5", "25", 4096, 496, 588, 200_000, 64_000, ("claude-opus-4-5",), None, "",
    ),
    "claude-opus-4-1-20250805": (
        "15", "75", 1024, 313, 315, 200_000, 32_000, ("claude-opus-4-1",), "2026-08-05",
        "retired on the Claude API; still on Bedrock and Google Cloud",
    ),
    "claude-opus-4-20250514": (
        "15", "75", 1024, 313, 315, 200_000, 32_000, ("claude-opus-4-0",), "2026-06-15",
        "retired on the Claude API; still on Google Cloud",
    ),
    "claude-sonnet-5": (
        "2", "10", 1024, 497, 589, 1_000_000, 128_000, (), None,
        "tool-use overhead assumed equal to Sonnet 4.6 (not published)",
    ),
    "claude-sonnet-4-6": ("3", "15", 1024, 497, 589, 1_000_000, 128_000, (), None, ""),
    "claude-sonnet-4-5-20250929": (
        "3", "15", 1024, 496, 588, 200_000, 64_000, ("claude-sonnet-4-5",), None, "",
    ),
    "claude-sonnet-4-20250514": (
        "3", "15", 1024, 313, 315, 200_000, 64_000, ("claude-sonnet-4-0",), "2026-06-15",
        "retired on the Claude API; still on Bedrock and Google Cloud",
    ),
    "claude-haiku-4-5-20251001": (
        "1", "5", 4096, 496, 588, 200_000, 64_000, ("claude-haiku-4-5",), None, "",
    ),
    "claude-3-5-haiku-20241022": (
        "0.80", "4", 2048, 264, 355, 200_000, 8_192, ("claude-3-5-haiku-latest",), "2026-02-19",
        "retired on the Claude API; max output historical (unverified)",
    ),
}  # fmt: skip


def _expand() -> dict[str, dict]:
    from decimal import Decimal

    models = {}
    for model_id, row in _ROWS.items():
        inp, out, min_cache, overhead, overhead_any, context, max_out, aliases, retired, notes = row
        base_in, base_out = Decimal(inp), Decimal(out)
        models[model_id] = {
            "input": base_in,
            "output": base_out,
            "cache_write_5m": base_in * Decimal("1.25"),
            "cache_write_1h": base_in * 2,
            "cache_read": base_in / 10,
            "batch_input": base_in / 2,
            "batch_output": base_out / 2,
            "min_cacheable_tokens": min_cache,
            "tool_overhead_tokens": overhead,
            "tool_overhead_tokens_any": overhead_any,
            "context_window": context,
            "max_output_tokens": max_out,
            "aliases": list(aliases),
            "retired": retired,
            "notes": notes,
        }
    return models


MODELS = _expand()
