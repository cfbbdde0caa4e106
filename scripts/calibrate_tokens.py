#!/usr/bin/env python3
"""Derive the Claude/cl100k calibration constants of `promptops/tokens/calibration.py`.

    python scripts/calibrate_tokens.py [CSV] [--min-tokens 500] [--framing 7]

CSV (default: ../shared/reference/claude-token-counts.csv beside this checkout) has the columns
release, file, claude_sonnet_4_5_tokens (Anthropic count_tokens of the body sent as one user
message, framing included) and cl100k_tokens (our count of the same body). Prints the figures
behind every constant, then the constants themselves; nothing is written.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from promptops.tokens.calibration import (  # noqa: E402
    NEXT_TOKENIZER_HIGH,
    NEXT_TOKENIZER_LOW,
    NEXT_TOKENIZER_RATIO,
    from_ratios,
    percentile,
)

DEFAULT_CSV = REPO_ROOT.parent / "shared" / "reference" / "claude-token-counts.csv"
BUCKETS = [(0, 100), (100, 200), (200, 500), (500, 1000), (1000, 2000), (2000, 5000), (5000, None)]


def read_pairs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ratios(pairs: list[tuple[int, int]], framing: int, min_tokens: int) -> list[float]:
    return [(claude - framing) / cl100k for cl100k, claude in pairs if cl100k >= min_tokens]


def summary(values: list[float]) -> str:
    p10, p50, p90 = (percentile(values, q) for q in (10, 50, 90))
    return f"n={len(values):4d}  median {p50:.3f}  p10 {p10:.3f}  p90 {p90:.3f}"


def median_error(pairs: list[tuple[int, int]], framing: int, factor: float) -> float:
    """Median of (estimate − Claude's body count) / Claude's body count."""
    return percentile([(factor * k - (c - framing)) / (c - framing) for k, c in pairs], 50)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--min-tokens", type=int, default=500, help="bodies used for the factor")
    parser.add_argument("--framing", type=int, default=7, help="request framing in the CSV")
    args = parser.parse_args()

    rows = read_pairs(args.csv)
    pairs = [(int(r["cl100k_tokens"]), int(r["claude_sonnet_4_5_tokens"])) for r in rows]
    distinct = {(r["file"], r["cl100k_tokens"], r["claude_sonnet_4_5_tokens"]) for r in rows}
    releases, files = len({r["release"] for r in rows}), len({r["file"] for r in rows})
    print(f"{args.csv.name}: {len(rows):,} pairs, {releases} releases, {files} files,")
    print(f"  {len(distinct)} distinct (file, counts)\n")

    # Framing: count_tokens of a one-message request includes a few tokens around the body
    # (7, as `TokenCounter._frame` measures). The data bounds it: no body has fewer Claude
    # tokens than cl100k tokens, so the framing is at most min(claude − cl100k).
    slack = min(c - k for k, c in pairs)
    print(f"framing: {args.framing} assumed; at most {slack} by the data (min claude − cl100k)\n")

    print("Claude/cl100k by body size (framing removed):")
    for low, high in BUCKETS:
        inside = [(k, c) for k, c in pairs if k >= low and (high is None or k < high)]
        label = f"{low}+" if high is None else f"{low}–{high - 1}"
        print(f"  {label:>10}  {summary(ratios(inside, args.framing, 0))}")
    print("  (short bodies run higher and scatter widely: the factor uses long ones)\n")

    chosen = ratios(pairs, args.framing, args.min_tokens)
    print(f"bodies of {args.min_tokens}+ cl100k tokens:")
    print(f"  framing {args.framing:2d}       {summary(chosen)}   <- the constants")
    for framing in sorted({0, args.framing * 2, 30} - {args.framing}):
        print(f"  framing {framing:2d}       {summary(ratios(pairs, framing, args.min_tokens))}")
    distinct_pairs = [(int(k), int(c)) for _, k, c in distinct]
    distinct_ratios = ratios(distinct_pairs, args.framing, args.min_tokens)
    print(f"  distinct only    {summary(distinct_ratios)}\n")

    measured = from_ratios("claude-2025", chosen, "measured")
    body = [(k, c) for k, c in pairs if k >= args.min_tokens]
    inside = sum(measured.low * k <= c - args.framing <= measured.high * k for k, c in body) / len(
        body
    )
    print("median relative error against Claude's body counts (all pairs | long bodies):")
    print(
        f"  raw cl100k   {median_error(pairs, args.framing, 1.0):+.1%} | "
        f"{median_error(body, args.framing, 1.0):+.1%}"
    )
    print(
        f"  calibrated   {median_error(pairs, args.framing, measured.factor):+.1%} | "
        f"{median_error(body, args.framing, measured.factor):+.1%}"
    )
    print(f"  long bodies inside the p10–p90 band: {inside:.0%}\n")

    print("constants (promptops/tokens/calibration.py):")
    print(f"  FRAMING_TOKENS = {args.framing}")
    print(f"  MEASURED_FACTOR = {measured.factor}")
    print(f"  MEASURED_LOW = {measured.low}")
    print(f"  MEASURED_HIGH = {measured.high}")
    print(
        f"Claude 4.7+ (derived, not measured: ×{NEXT_TOKENIZER_RATIO} central, "
        f"{NEXT_TOKENIZER_LOW}–{NEXT_TOKENIZER_HIGH}x band):"
    )
    print(
        f"  factor {measured.factor * NEXT_TOKENIZER_RATIO:.3f}  "
        f"p10 {measured.low * NEXT_TOKENIZER_LOW:.3f}  "
        f"p90 {measured.high * NEXT_TOKENIZER_HIGH:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
