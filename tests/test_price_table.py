"""The price table: genai-prices for money, promptops' sourced facts for the rest, config on top.

The agreement tests fail when genai-prices and promptops' facts disagree on a figure both carry
(write and batch multipliers, context windows), so an upgrade of either is checked."""

from __future__ import annotations

import io
import json
import re
import tokenize
from decimal import Decimal
from pathlib import Path

import pytest

from promptops.errors import UnknownModelError
from promptops.pricing.source import active
from promptops.pricing.table import KINDS, PriceTable, facts, multiplier
from tests.support.cli import REPO_ROOT, run_cli


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> PriceTable:
    return PriceTable(cache_dir=tmp_path_factory.mktemp("prices"))


def _genai_models(table: PriceTable) -> list[tuple[str, str]]:
    return [
        (model, spec["genai_prices"])
        for model, spec in facts()["models"].items()
        if spec.get("genai_prices") in table.snapshot.models
    ]


def test_every_current_claude_model_is_priced(table: PriceTable) -> None:
    for model in facts()["models"]:
        prices = table.get(model)
        assert prices.input > 0 and prices.output > 0 and prices.cache_read > 0, model
        assert prices.min_cacheable_tokens > 0 and prices.context_window > 0, model
        assert prices.tool_overhead_tokens > 0, model


def test_genai_prices_write_prices_follow_the_published_multipliers(table: PriceTable) -> None:
    """Both sources state the 5m and 1h write multipliers; they must agree, model by model."""
    assert len(_genai_models(table)) >= 15
    for model, genai_id in _genai_models(table):
        rates = active(table.snapshot.models[genai_id]["prices"], table.on)
        assert rates is not None
        base = Decimal(
            str(rates["input"] if not isinstance(rates["input"], dict) else rates["input"]["base"])
        )
        for kind, name in (
            ("cache_write_5m", "cache_write_5m"),
            ("cache_write_1h", "cache_write_1h"),
        ):
            value = rates[kind]
            value = Decimal(value["base"] if isinstance(value, dict) else value)
            assert value == base * multiplier(name), (model, kind)


def test_genai_prices_batch_prices_follow_the_published_multiplier(table: PriceTable) -> None:
    checked = 0
    for model, genai_id in _genai_models(table):
        entry = table.snapshot.models[genai_id]
        batch = active(entry["batch"], table.on)
        if batch is None:
            continue
        prices = table.get(model)
        for kind in KINDS:
            assert getattr(prices.batch.base, kind) == getattr(
                prices.standard.base, kind
            ) * multiplier("batch"), (model, kind)
        checked += 1
    assert checked >= 10


def test_context_windows_agree(table: PriceTable) -> None:
    for model, genai_id in _genai_models(table):
        genai = table.snapshot.models[genai_id].get("context_window")
        if genai:
            assert table.get(model).context_window == genai, model


@pytest.mark.parametrize(
    ("model", "inp", "out", "read", "min_cache"),
    [
        ("claude-opus-5-5", "4", "20", "0.2", 512),
        ("claude-sonnet-5-5", "2", "10", "0.1", 1024),
        ("claude-haiku-5-5", "0.1", "0.5", "0.01", 4096),
        ("claude-fable-5-1", "10", "50", "0.25", 512),
        ("claude-mythos-5-1", "10", "50", "0.25", 512),
        ("claude-opus-4-6", "5", "25", "0.5", 4096),
        ("claude-sonnet-4-6", "3", "15", "0.3", 1024),
        ("claude-sonnet-5", "2", "10", "0.2", 1024),
        ("claude-haiku-4-5", "1", "5", "0.1", 4096),
        ("claude-opus-4-7", "5", "25", "0.5", 2048),
    ],
)
def test_published_prices(
    table: PriceTable, model: str, inp: str, out: str, read: str, min_cache: int
) -> None:
    prices = table.get(model)
    assert (prices.input, prices.output, prices.cache_read, prices.min_cacheable_tokens) == (
        Decimal(inp),
        Decimal(out),
        Decimal(read),
        min_cache,
    )


def test_haiku_5_5_has_its_100k_tier(table: PriceTable) -> None:
    prices = table.get("claude-haiku-5-5")
    assert prices.rates(100_000).input == Decimal("0.1")
    assert prices.rates(100_001).input == Decimal("0.5")
    assert prices.rates(100_001).output == Decimal("2.5")


def test_tool_overhead_published_for_opus_4_8_and_sonnet_5(table: PriceTable) -> None:
    assert (
        table.get("claude-opus-4-8").tool_overhead(None),
        table.get("claude-opus-4-8").tool_overhead("any"),
    ) == (290, 410)
    assert (
        table.get("claude-sonnet-5").tool_overhead("auto"),
        table.get("claude-sonnet-5").tool_overhead("tool"),
    ) == (354, 474)
    assert "tool_overhead" not in dict(table.get("claude-sonnet-5").assumed)
    assert "tool_overhead" in dict(table.get("claude-opus-5-5").assumed)


def test_thinking_budget_acceptance(table: PriceTable) -> None:
    assert table.get("claude-opus-4-6").thinking_budget is True
    assert table.get("claude-opus-4-7").thinking_budget is False
    assert table.get("claude-opus-5-5").thinking_budget is False


def test_unknown_model_is_an_error_with_a_suggestion(table: PriceTable) -> None:
    with pytest.raises(UnknownModelError, match="Did you mean 'claude-sonnet-4-6'"):
        table.get("claude-sonet-4-6")


def test_config_adds_a_model_with_its_read_price(tmp_path: Path) -> None:
    table = PriceTable({"acme-llm": {"input": 2, "output": 8, "cache_read": 0.1}}, tmp_path)
    prices = table.get("acme-llm")
    assert prices.cache_read == Decimal("0.1")
    assert prices.cache_write_5m == Decimal("2") * multiplier("cache_write_5m")
    assert prices.batch.base.input == Decimal("2") * multiplier("batch")
    assert prices.source == "config"
    by_multiplier = PriceTable(
        {"acme-llm": {"input": 2, "output": 8, "multipliers": {"cache_read": 0.05}}}, tmp_path
    )
    assert by_multiplier.get("acme-llm").cache_read == Decimal("0.10")


def test_new_model_without_a_read_price_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="cache_read"):
        PriceTable({"acme-llm": {"input": 2, "output": 8}}, tmp_path)
    with pytest.raises(UnknownModelError, match="needs output"):
        PriceTable({"acme-llm": {"input": 2, "cache_read": 0.2}}, tmp_path)


def test_overriding_input_keeps_the_models_own_multipliers(tmp_path: Path) -> None:
    prices = PriceTable({"claude-opus-5-5": {"input": 8}}, tmp_path).get("claude-opus-5-5")
    assert prices.cache_read == Decimal("0.4")  # 0.05x, Opus 5.5's own
    assert prices.output == Decimal(20)
    assert prices.source == "built-in+config"


def test_config_tiers(tmp_path: Path) -> None:
    table = PriceTable(
        {
            "acme": {
                "input": 1,
                "output": 2,
                "cache_read": 0.1,
                "tiers": [{"above_input_tokens": 1000, "input": 3, "output": 4}],
            }
        },
        tmp_path,
    )
    prices = table.get("acme")
    assert prices.rates(1001).input == 3 and prices.rates(1001).output == 4
    assert prices.rates(1001).cache_read == Decimal("0.3")


def test_effective_prices_sit_beside_book_prices(tmp_path: Path) -> None:
    table = PriceTable({"claude-haiku-4-5": {"discount_pct": 20}}, tmp_path)
    prices = table.get("claude-haiku-4-5")
    assert prices.input == 1
    assert prices.effective is not None and prices.effective.input == Decimal("0.8")
    assert prices.effective.cache_read == Decimal("0.08")


def test_explicit_effective_override_wins_over_discount(tmp_path: Path) -> None:
    table = PriceTable(
        {"claude-haiku-4-5": {"discount_pct": 20, "effective": {"input": 0.5}}}, tmp_path
    )
    assert table.get("claude-haiku-4-5").effective.input == Decimal("0.5")


def test_alias_override(tmp_path: Path) -> None:
    table = PriceTable({"my-haiku": {"alias_of": "claude-haiku-4-5"}}, tmp_path)
    assert table.get("my-haiku").model == "claude-haiku-4-5-20251001"


def test_a_damaged_snapshot_is_rebuilt_not_read(tmp_path: Path) -> None:
    first = PriceTable(cache_dir=tmp_path)
    (snapshot,) = tmp_path.glob("prices-*.json")
    text = snapshot.read_text()
    damaged = text.replace('"4"', '"9"', 1)  # a price, in the sealed snapshot's JSON
    assert damaged != text
    snapshot.write_text(damaged)
    second = PriceTable(cache_dir=tmp_path)
    assert second.get("claude-opus-5-5").input == first.get("claude-opus-5-5").input == 4


def test_no_multiplier_is_a_literal_in_the_code() -> None:
    """Read, write and batch multipliers come from the price data, never from the code."""
    suspects = {"1.25", "0.1", "0.05", "0.025", "0.5"}
    pricing_words = re.compile(r"cache|read|write|batch|input|price", re.I)
    offenders = []
    for path in sorted((REPO_ROOT / "promptops").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            literal = (
                tok.string.strip("\"'") if tok.type in (tokenize.NUMBER, tokenize.STRING) else None
            )
            if literal in suspects and pricing_words.search(tok.line):
                offenders.append(
                    f"{path.relative_to(REPO_ROOT)}:{tok.start[0]}: {tok.line.strip()}"
                )
    assert offenders == []


def test_only_one_module_defines_model_prices() -> None:
    definers = [
        str(path.relative_to(REPO_ROOT))
        for path in sorted((REPO_ROOT / "promptops").rglob("*.py"))
        if re.search(r"^class \w*Prices?\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert definers == ["promptops/pricing/table.py"]


def test_config_prices_shows_where_each_figure_comes_from(tmp_path: Path) -> None:
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    result = run_cli(["config", "--prices"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    table = data["price_table"]
    assert table["date"].startswith("genai-prices ")
    opus = table["models"]["claude-opus-5-5"]
    assert opus["cache_read"] == "0.2"
    assert opus["sources"]["prices"].startswith("genai-prices ")
    assert "prompt-caching" in opus["sources"]["min_cacheable_tokens"]
    assert "tool_overhead" in opus["assumed"]
