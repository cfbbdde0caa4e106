"""How far a cl100k_base count is from Claude's own count, per Claude tokenizer family.

Claude's tokenizer is not public, so offline counts are cl100k_base counts, and those run about
a third below what Anthropic bills. Under `tokenizer: auto` a Claude model's count is scaled by
its family's factor, and the p10–p90 band of the measured ratios travels with it, so a figure
says both what it is and how sure it is. Unknown and non-Claude models get no calibration.

The constants below come from `scripts/calibrate_tokens.py` run on
`shared/reference/claude-token-counts.csv` (derived 2026-12-03): 1,044 Claude Code prompt
fragments from 34 releases of Piebald-AI/claude-code-system-prompts, each counted by Anthropic's
`count_tokens` (claude-sonnet-4-5-20250929, as one user message) and by cl100k_base. The ratio
is (Claude count − 7 framing tokens) / cl100k count on the 460 bodies of 500+ cl100k tokens.

A repo's own promptops.lock refines this: once it records enough exact counts beside their
cl100k counts (`--update-lock` writes both), the family's ratio comes from the lock.

This module is a few constants and small functions: it is imported on the pre-commit path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CLAUDE_2025 = "claude-2025"  # Claude 4.6 and earlier (Haiku 4.5, Sonnet 4.5, Claude 3.x, ...)
CLAUDE_2026 = "claude-2026"  # the newer tokenizer of Claude 4.7 and later, and Mythos Preview
UNKNOWN = "unknown"  # not a Claude model, or an id this module cannot read: no calibration
FAMILY_NAMES = {CLAUDE_2025: "Claude ≤4.6", CLAUDE_2026: "Claude 4.7+"}

# Measured (scripts/calibrate_tokens.py, 2026-12-03): median and p10/p90 of
# (claude_sonnet_4_5_tokens − FRAMING_TOKENS) / cl100k_tokens over bodies of ≥ 500 cl100k tokens.
FRAMING_TOKENS = 7  # count_tokens of a one-message request minus its body
MEASURED_FACTOR = 1.544
MEASURED_LOW = 1.439
MEASURED_HIGH = 1.714
MEASURED_SOURCE = "measured on 1,044 Claude Code prompts, Sonnet 4.5"

# Anthropic: the Claude 4.7+ tokenizer "produces approximately 30% more tokens", "roughly 1x to
# 1.35x" the previous one (pricing note; migration guide). Not measured here: the family's band
# spans both uncertainties, the content's (p10–p90 above) and the generation's (1.0–1.35x).
NEXT_TOKENIZER_RATIO = 1.30
NEXT_TOKENIZER_LOW = 1.0
NEXT_TOKENIZER_HIGH = 1.35

# A lock calibrates a family from this many bodies of at least this many cl100k tokens (short
# bodies run at higher ratios and scatter widely: p10–p90 1.11–2.37 under 100 tokens).
LOCK_MIN_BODIES = 20
LOCK_MIN_CL100K_TOKENS = 200


@dataclass(frozen=True)
class Calibration:
    """Claude tokens per cl100k token for one tokenizer family: central, p10 and p90."""

    family: str
    factor: float
    low: float
    high: float
    source: str  # where the figures come from, as shown to users

    def scale(self, raw_tokens: int, placeholder_tokens: int = 0) -> tuple[int, int, int]:
        """(central, p10, p90) Claude tokens of a block counted `raw_tokens` by cl100k.
        Placeholder text stands in at the variable's `expected_tokens`, already in the
        model's tokens: it is taken out before scaling and added back as it is."""
        placeholders = max(placeholder_tokens, 0)
        body = max(raw_tokens - placeholders, 0)
        return (
            round(body * self.factor) + placeholders,
            round(body * self.low) + placeholders,
            round(body * self.high) + placeholders,
        )

    def describe(self) -> str:
        """E.g. `Claude ≤4.6 (×1.54, p10–p90 1.44–1.71; measured on ...)`."""
        name = FAMILY_NAMES.get(self.family, self.family)
        band = f"p10–p90 {self.low:.2f}–{self.high:.2f}"
        return f"{name} (×{self.factor:.2f}, {band}; {self.source})"


MEASURED_2025 = Calibration(
    CLAUDE_2025, MEASURED_FACTOR, MEASURED_LOW, MEASURED_HIGH, MEASURED_SOURCE
)


def next_tokenizer(base: Calibration, source: str | None = None) -> Calibration:
    """The Claude 4.7+ family derived from the previous tokenizer's calibration, widened by
    Anthropic's stated 1.0–1.35x; labelled as derived, never as measured."""
    return Calibration(
        CLAUDE_2026,
        round(base.factor * NEXT_TOKENIZER_RATIO, 3),
        round(base.low * NEXT_TOKENIZER_LOW, 3),
        round(base.high * NEXT_TOKENIZER_HIGH, 3),
        source or "derived for Claude 4.7+ tokenizer, not measured",
    )


DERIVED_2026 = next_tokenizer(MEASURED_2025)
DEFAULTS = {CLAUDE_2025: MEASURED_2025, CLAUDE_2026: DERIVED_2026}

# Bedrock / Vertex spellings wrap the same name: `anthropic.claude-...-v1:0`, `claude-...@date`.
_CLAUDE = re.compile(r"claude-[a-z0-9.-]+")
_SUFFIX = re.compile(r"(?:-(?:\d{8}|latest))?(?:-v\d+)?$")  # snapshot date, Bedrock revision
_NAMES = ("opus", "sonnet", "haiku", "fable", "mythos", "instant")
_VERSION_AFTER = re.compile(r"^claude-(?:" + "|".join(_NAMES) + r")-(\d+)(?:[-.](\d{1,2}))?$")
_VERSION_BEFORE = re.compile(r"^claude-(\d+)(?:[-.](\d{1,2}))?(?:-(?:" + "|".join(_NAMES) + r"))?$")


def family_of(model_id: str) -> str:
    """The tokenizer family of a model id: CLAUDE_2025, CLAUDE_2026 or UNKNOWN.

    Reads `claude-{name}-{major}[-{minor}]` (claude-opus-4-6, claude-haiku-4-5-20251001,
    claude-sonnet-5-5, claude-fable-5-1) and the older `claude-{major}-{minor}-{name}`
    (claude-3-5-haiku-20241022); Claude 4.7 and later, and Mythos Preview, use the newer one.
    """
    match = _CLAUDE.search(model_id.lower())
    if match is None:
        return UNKNOWN
    name = _SUFFIX.sub("", match.group(0))
    if name == "claude-mythos-preview":
        return CLAUDE_2026
    version = _VERSION_AFTER.match(name) or _VERSION_BEFORE.match(name)
    if version is None:
        return UNKNOWN
    major, minor = int(version.group(1)), int(version.group(2) or 0)
    return CLAUDE_2026 if (major, minor) >= (4, 7) else CLAUDE_2025


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks (numpy's
    default), so the script and the lock calibration compute it the same way."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q / 100
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def from_ratios(family: str, ratios: Sequence[float], source: str) -> Calibration:
    """Median and p10/p90 of Claude/cl100k ratios, rounded as the constants above."""
    return Calibration(
        family,
        round(percentile(ratios, 50), 3),
        round(percentile(ratios, 10), 3),
        round(percentile(ratios, 90), 3),
        source,
    )


def lock_ratios(samples: Iterable[tuple[str, int, int]]) -> dict[str, list[float]]:
    """Exact/cl100k ratios per family from (model, exact tokens, cl100k tokens) samples,
    keeping only bodies long enough to say something about the tokenizer."""
    ratios: dict[str, list[float]] = {}
    for model, exact, cl100k in samples:
        family = family_of(model)
        if family != UNKNOWN and cl100k >= LOCK_MIN_CL100K_TOKENS and exact > 0:
            ratios.setdefault(family, []).append(exact / cl100k)
    return ratios


def calibrations(
    samples: Iterable[tuple[str, int, int]], lock_name: str = "promptops.lock"
) -> dict[str, Calibration]:
    """Every family's calibration: from the lock where it holds enough bodies of that family,
    else the built-in one. Claude 4.7+ without enough of its own bodies is derived from
    whatever the previous family's calibration is."""
    ratios = lock_ratios(samples)
    result = dict(DEFAULTS)
    for family, values in ratios.items():
        if len(values) >= LOCK_MIN_BODIES:
            source = f"calibrated from {lock_name}, n={len(values)}"
            result[family] = from_ratios(family, values, source)
    n_2025, n_2026 = (len(ratios.get(f, ())) for f in (CLAUDE_2025, CLAUDE_2026))
    if n_2025 >= LOCK_MIN_BODIES and n_2026 < LOCK_MIN_BODIES:
        source = f"derived from {lock_name} (n={n_2025}) for Claude 4.7+ tokenizer, not measured"
        result[CLAUDE_2026] = next_tokenizer(result[CLAUDE_2025], source)
    return result
