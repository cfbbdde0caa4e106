"""Cache cliff: break-even request rates for 5m and 1h TTLs, by hand.

Relative to the input price a cached prefix costs p·0.1 + (1−p)·w per call (w = 1.25 for 5m,
2.0 for 1h) against 1.0 uncached, so caching pays above p* = (w − 1) / (w − 0.1):
  5m: p* = 0.25 / 1.15 = 0.2173913…     1h: p* = 1 / 1.9 = 0.5263157…
With Poisson arrivals at rate λ, p = 1 − e^(−λ·TTL), so λ* = −ln(1 − p*) / TTL:
  5m: −ln(0.7826087) = 0.2451225 per 300 s → 2.9414695 calls/h → × 730 h = 2,147.27 calls/month
  1h: −ln(0.4736842) = 0.7472144 per 3,600 s → 0.7472144 calls/h → × 730 h = 545.47 calls/month
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from promptops.cache_cliff import cache_cliffs_for
from promptops.config import load_config
from promptops.documents.workspace import load_workspace
from promptops.mbom.collect import collect_mbom
from promptops.pricing.cache_economics import Multipliers, cache_break_even
from promptops.pricing.table import PriceTable
from promptops.tokens.counting import TokenCounter
from tests.support.cli import run_cli
from tests.support.mbom_workspace import make_workspace

TENTH = Multipliers(read=0.1, write_5m=1.25, write_1h=2.0)  # Haiku 4.5, Sonnet 4.6, Opus 4.6


def test_hand_computed_break_even_5m_and_1h() -> None:
    five = cache_break_even("5m", TENTH)
    assert five.break_even_hit_rate == pytest.approx(0.25 / 1.15)
    assert five.break_even_calls_per_hour == pytest.approx(-math.log(1 - 0.25 / 1.15) / 300 * 3600)
    assert five.break_even_calls_per_hour == pytest.approx(2.9414695, rel=1e-7)
    assert five.break_even_calls_per_month == pytest.approx(2147.2727, rel=1e-7)

    hour = cache_break_even("1h", TENTH)
    assert hour.break_even_hit_rate == pytest.approx(1 / 1.9)
    assert hour.break_even_calls_per_hour == pytest.approx(-math.log(1 - 1 / 1.9))
    assert hour.break_even_calls_per_hour == pytest.approx(0.7472144, rel=1e-7)
    assert hour.break_even_calls_per_month == pytest.approx(545.4665, rel=1e-7)


def test_break_even_uses_the_models_own_read_multiplier() -> None:
    """Opus 5.5 reads at 0.05x: p* = 0.25 / (1.25 - 0.05) = 20.83% (21.74% at 0.1x)."""
    five = cache_break_even("5m", Multipliers(read=0.05, write_5m=1.25, write_1h=2.0))
    assert five.break_even_hit_rate == pytest.approx(0.25 / 1.20)
    assert (
        five.break_even_calls_per_month < cache_break_even("5m", TENTH).break_even_calls_per_month
    )


def test_a_prefix_rewritten_every_call_is_never_read_whatever_the_traffic(tmp_path: Path) -> None:
    """A variable in the first cached segment: no breakpoint is readable, so the cliff must
    not say "pays" at 200,000 calls a month (PO101's finding, seen from the traffic side)."""
    root = make_workspace(tmp_path / "repo", git=False)
    prompt = root / "prompts/answer.yaml"
    text = prompt.read_text()
    text = text.replace('  - text: "', '  - text: "Today is {{ today }}. ', 1)
    text = text.replace("variables:\n", "variables:\n  today: {expected_tokens: 4}\n", 1)
    prompt.write_text(text)
    result = run_cli(["tokens", "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    rows = [r for r in json.loads(result.stdout)["cache_cliff"] if r["prompt"] == "support/answer"]
    assert {r["ttl"] for r in rows} == {"5m", "1h"}
    assert all(r["verdict"] == "never read (rewritten every call)" for r in rows)


@pytest.fixture(scope="module")
def mbom(tmp_path_factory: pytest.TempPathFactory):
    root = make_workspace(tmp_path_factory.mktemp("cliff") / "repo")
    config = load_config(start=root)
    counter = TokenCounter(config)
    try:
        workspace = load_workspace(config, models=PriceTable.from_config(config))
        return collect_mbom(workspace, counter, as_of=dt.date(2026, 8, 21))
    finally:
        counter.close()


def test_cliff_rows_for_a_prompt_with_1h_and_5m_breakpoints(mbom) -> None:
    answer = next(p for p in mbom.prompts if p.id == "support/answer")
    rows = {r.ttl: r for r in answer.cache_cliff}
    assert set(rows) == {"5m", "1h"}
    # The charter's expected traffic is 200,000 calls a month for this prompt.
    assert rows["5m"].calls_per_month == 200_000
    assert rows["5m"].margin == pytest.approx(200_000 / 2147.2727, rel=1e-6)  # 93.14×
    assert rows["1h"].margin == pytest.approx(200_000 / 545.4665, rel=1e-6)  # 366.66×
    assert rows["5m"].verdict == rows["1h"].verdict == "pays"
    assert rows["5m"].assumed_hit_rate == pytest.approx(0.8)
    # The 1h segment comes first: its prefix is shorter than the 5m one that follows it.
    assert rows["1h"].prefix_tokens < rows["5m"].prefix_tokens
    triage = next(p for p in mbom.prompts if p.id == "support/triage")
    assert triage.cache_cliff == ()  # nothing cached


def test_low_traffic_is_below_the_cliff(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "repo", git=False)
    charter = root / "charters/support.yaml"
    charter.write_text(
        charter.read_text().replace("calls_per_month: 200000", "calls_per_month: 1000")
    )
    config = load_config(start=root)
    counter = TokenCounter(config)
    from promptops.estimate import estimate_prompt

    ws = load_workspace(config, models=PriceTable.from_config(config))
    estimate = estimate_prompt(
        ws, ws.get("prompt", "support/answer"), counter, PriceTable.from_config(config)
    )
    rows = {r.ttl: r for r in cache_cliffs_for(estimate)}
    # 1,000 calls/month: below 2,147 for 5m, above 545 for 1h.
    assert rows["5m"].verdict == "below break-even"
    assert rows["5m"].margin == pytest.approx(1000 / 2147.2727, rel=1e-6)
    assert rows["1h"].verdict == "pays"


def test_tokens_command_shows_the_cache_cliff(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "repo", git=False)
    text = run_cli(["tokens"], cwd=root)
    assert text.returncode == 0, text.stderr
    assert "Cache cliff" in text.stdout
    line = next(
        x for x in text.stdout.splitlines() if x.startswith("support/answer") and " 5m " in x
    )
    assert "2,147" in line and "200,000" in line and "93.1×" in line and "pays" in line
    data = json.loads(run_cli(["tokens", "--format", "json"], cwd=root).stdout)
    cliff = {r["ttl"]: r for r in data["cache_cliff"]}
    assert cliff["1h"]["break_even_calls_per_month"] == pytest.approx(545.4665, rel=1e-6)
    assert cliff["5m"]["verdict"] == "pays"
