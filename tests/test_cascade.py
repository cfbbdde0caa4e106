"""The cascade break-even, with hand-computed figures.

Per-call costs: a 2,000-input / 300-output call, no caching, at list prices per million tokens
  Haiku 4.5  ($1 in, $5 out):   2,000 × 1 + 300 × 5  =  2,000 +  1,500 =  3,500 µ$ = $0.0035
  Sonnet 4.6 ($3 in, $15 out):  2,000 × 3 + 300 × 15 =  6,000 +  4,500 = 10,500 µ$ = $0.0105
  Opus 4.6   ($5 in, $25 out):  2,000 × 5 + 300 × 25 = 10,000 +  7,500 = 17,500 µ$ = $0.0175
Rework per misrouted call (default C_haiku + C_sonnet) = 3,500 + 10,500 = 14,000 µ$.

30% / 5% / 4% misroute:
  E[C] = 3,500 + 0.30 × 10,500 + 0.30 × 0.05 × 17,500 + 0.04 × 14,000
       = 3,500 + 3,150 + 262.5 + 560 = 7,472.5 µ$  <  10,500 µ$ flat Sonnet
  saving = 3,027.5 µ$ per call = 28.83%
60% / 8% / 4% misroute:
  E[C] = 3,500 + 6,300 + 0.60 × 0.08 × 17,500 + 560 = 3,500 + 6,300 + 840 + 560 = 11,200 µ$
  loss = 700 µ$ per call: no saving
Break-even P(esc_S) at 5% / 4%: (10,500 − 3,500 − 560) / (10,500 + 0.05 × 17,500)
  = 6,440 / 11,375 = 0.566154…
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from promptops.cascade import (
    CascadeRates,
    TierCosts,
    analyze_cascade,
    break_even_escalation,
    rates_from_file,
)
from promptops.pricing.cost import InputTokens, PartTokens, call_cost
from promptops.pricing.table import PriceTable
from tests.support.cli import run_cli
from tests.support.mbom_workspace import make_workspace

D = Decimal
COSTS = TierCosts(D("0.0035"), D("0.0105"), D("0.0175"), {}, "hand")


def rates(sonnet: str, opus: str, misroute: str = "0.04") -> CascadeRates:
    return CascadeRates(D(sonnet), D(opus), D(misroute), "hand")


def test_tier_costs_from_list_prices_of_a_2000_in_300_out_call() -> None:
    table = PriceTable()
    tokens = InputTokens(
        parts={
            "tools": PartTokens(),
            "system": PartTokens(uncached=2000),
            "messages": PartTokens(),
        },
        tool_overhead=0,
        breakpoints=(),
        exact="estimate",
        cached_prefix_hash=None,
    )
    figures = [
        call_cost(tokens, table.get(model), D(0), 300).total
        for model in ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-6")
    ]
    assert figures == [D("0.0035"), D("0.0105"), D("0.0175")]


def test_30_5_4_saves_against_flat_sonnet() -> None:
    result = analyze_cascade(COSTS, rates("0.30", "0.05"))
    assert result.rework_cost_usd == D("0.014")
    assert result.expected_cost_usd == D("0.0074725")
    assert result.flat_sonnet_usd == D("0.0105")
    assert result.saving_usd == D("0.0030275")
    assert result.pays
    assert round(result.saving_pct, 4) == D("0.2883")


def test_60_8_4_does_not_save() -> None:
    result = analyze_cascade(COSTS, rates("0.60", "0.08"))
    assert result.expected_cost_usd == D("0.0112")
    assert result.saving_usd == D("-0.0007")
    assert not result.pays


def test_break_even_escalation_rate() -> None:
    be = break_even_escalation(COSTS, rates("0.30", "0.05"), D("0.014"))
    assert be is not None
    assert round(be, 6) == D("0.566154")
    at_break_even = analyze_cascade(COSTS, CascadeRates(be, D("0.05"), D("0.04"), "hand"))
    assert abs(at_break_even.saving_usd) < D("1e-20")


def test_cascade_never_pays_when_haiku_and_rework_exceed_sonnet() -> None:
    costs = TierCosts(D("0.010"), D("0.0105"), D("0.0175"), {}, "hand")
    assert break_even_escalation(costs, rates("0.1", "0.05", "0.5"), D("0.014")) is None


def test_cli_prints_saving_and_break_even() -> None:
    args = ["cascade", "--cost-haiku", "0.0035", "--cost-sonnet", "0.0105"]
    args += ["--cost-opus", "0.0175"]
    saving = run_cli([*args, "--escalation-sonnet", "0.30", "--escalation-opus", "0.05",
                      "--misroute", "0.04"])  # fmt: skip
    assert saving.returncode == 0, saving.stderr
    assert "= $0.007473" in saving.stdout  # 7,472.5 µ$ rounded half up
    assert "Cascade saving: +$0.003028 per call (28.8%)" in saving.stdout
    assert "stops paying above 56.6% escalation to Sonnet" in saving.stdout

    loss = run_cli([*args, "--escalation-sonnet", "0.60", "--escalation-opus", "0.08",
                    "--misroute", "0.04", "--format", "json"])  # fmt: skip
    assert loss.returncode == 0, loss.stderr
    data = json.loads(loss.stdout)
    assert data["kind"] == "cascade"
    assert data["expected_cost_usd"] == "0.0112"
    assert data["saving_usd"] == "-0.0007"
    assert data["pays"] is False


def test_rates_measured_from_counts_and_records(tmp_path: Path) -> None:
    counts = tmp_path / "counts.json"
    counts.write_text(json.dumps({"cascade": {"calls": 1000, "escalated_to_sonnet": 300,
                                              "escalated_to_opus": 15, "misrouted": 40}}))  # fmt: skip
    measured = rates_from_file(counts)
    assert (measured.escalation_sonnet, measured.escalation_opus, measured.misroute) == (
        D("0.3"),
        D("0.05"),
        D("0.04"),
    )
    records = tmp_path / "calls.jsonl"
    lines = (
        [{"final_tier": "haiku"}] * 6
        + [{"final_tier": "haiku", "misrouted": True}]
        + [{"final_tier": "sonnet"}] * 2
        + [{"final_tier": "opus"}]
    )
    records.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    measured = rates_from_file(records)
    assert measured.escalation_sonnet == D("0.3")  # 3 of 10 reached Sonnet
    assert measured.escalation_opus == D(1) / D(3)  # 1 of those 3 reached Opus
    assert measured.misroute == D("0.1")
    assert measured.calls_measured == 10

    result = run_cli(["cascade", "--cost-haiku", "0.0035", "--cost-sonnet", "0.0105",
                      "--cost-opus", "0.0175", "--rates", str(counts), "-f", "json"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["expected_cost_usd"] == "0.0074725"


def test_cascade_prices_a_prompt_on_each_tier(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "repo")
    result = run_cli(["cascade", "support/triage", "--escalation-sonnet", "0.3",
                      "--escalation-opus", "0.05", "--misroute", "0.04", "-f", "json"],
                     cwd=root)  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    haiku, sonnet, opus = (D(data["costs"][t]) for t in ("haiku", "sonnet", "opus"))
    # Same request on dearer models: Sonnet's input and output prices are 3x Haiku's, and the
    # tool-use overhead differs only slightly between the two, so Sonnet ≈ 3x Haiku.
    assert haiku < sonnet < opus
    assert D("2.9") < sonnet / haiku < D("3.1")
    assert data["costs"]["models"]["opus"] == "claude-opus-4-6"
    assert data["calls_per_month"] == "200000"  # the charter's expected traffic
    assert D(data["monthly_saving_usd"]) == D(data["saving_usd"]) * 200000


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    missing = run_cli(["cascade", "--cost-haiku", "0.0035"])
    assert missing.returncode == 2
    assert "PROMPT" in missing.stderr
    bad_rate = run_cli(["cascade", "--cost-haiku", "1", "--cost-sonnet", "2", "--cost-opus", "3",
                        "--escalation-sonnet", "1.5", "--escalation-opus", "0", "--misroute", "0"])  # fmt: skip
    assert bad_rate.returncode == 2
    assert "--escalation-sonnet must be between 0 and 1" in bad_rate.stderr
    garbage = tmp_path / "rates.json"
    garbage.write_text('{"calls": 10, "escalated_to_sonnet": 20}')
    bad_file = run_cli(["cascade", "--cost-haiku", "1", "--cost-sonnet", "2", "--cost-opus", "3",
                        "--rates", str(garbage)])  # fmt: skip
    assert bad_file.returncode == 2
    assert "Traceback" not in bad_file.stderr
    unknown = run_cli(["cascade", "nope", "--escalation-sonnet", "0.3", "--escalation-opus", "0",
                       "--misroute", "0"], cwd=make_workspace(tmp_path / "r2", git=False))  # fmt: skip
    assert unknown.returncode == 2
    assert "prompt 'nope' not found" in unknown.stderr


def test_upper_tiers_are_priced_at_the_hit_rate_of_their_escalated_traffic(
    tmp_path: Path,
) -> None:
    """1,000,000 calls a month at 90% hits; Sonnet sees 1% of them (10,000/month) and Opus
    0.1% (1,000/month). With Poisson arrivals a 5m entry is warm for 1 − e^(−λ·300 s) of calls:
    Sonnet 1 − e^(−10,000 × 300 / 2,628,000) = 68.07%, Opus 1 − e^(−1,000 × 300 / 2,628,000) =
    10.79%. Flat Sonnet keeps the charter's 90%."""
    import math

    from promptops.cascade import CascadeRates, tier_costs_for_prompt
    from promptops.config import load_config
    from promptops.documents.workspace import load_workspace
    from promptops.tokens.counting import TokenCounter

    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "c.yaml").write_text(
        "kind: charter\nid: w\nowner: o@example.com\nscenarios:\n  expected: "
        "{calls_per_month: 1000000, cache_hit_rate: 0.9, output_tokens: 100}\n"
    )
    (tmp_path / "p.yaml").write_text(
        "kind: prompt\nid: p\nversion: 1.0.0\nmodel: claude-haiku-4-5\nworkload: w\n"
        f"max_output_tokens: 100\nsystem:\n  - text: x{' policy' * 4999}\n    cache: true\n"
        "messages:\n  - role: user\n    content: hi\n"
    )
    config = load_config(start=tmp_path)
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    counter = TokenCounter(config)
    rates = CascadeRates(D("0.01"), D("0.1"), D(0), "given")
    costs, calls = tier_costs_for_prompt(
        workspace,
        workspace.get("prompt", "p"),
        counter,
        PriceTable.from_config(config),
        None,
        rates,
    )
    counter.close()
    assert calls == 1_000_000

    def hit(calls_per_month: float) -> D:
        return D(str(round(1 - math.exp(-calls_per_month * 300 / 2_628_000), 6)))

    def cost(h: D, read: str, write: str, inp: str, out: str) -> D:
        # 5,000 cached tokens, 1 uncached ("hi"), 100 output tokens; prices per million
        return (5000 * (h * D(read) + (1 - h) * D(write)) + D(inp) + 100 * D(out)) / 1_000_000

    assert hit(10_000) == D("0.680677") and hit(1_000) == D("0.107881")
    assert costs.haiku == cost(D("0.9"), "0.1", "1.25", "1", "5")
    assert costs.sonnet == cost(hit(10_000), "0.3", "3.75", "3", "15")
    assert costs.opus == cost(hit(1_000), "0.5", "6.25", "5", "25")
    assert costs.flat == cost(D("0.9"), "0.3", "3.75", "3", "15")
    assert costs.flat < costs.sonnet  # a warm flat Sonnet is cheaper per call
