"""`promptops cascade`: does a Haiku → Sonnet → Opus cascade pay against flat Sonnet?"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from promptops.commands.common import config_for, config_option, emit, format_option, output_option
from promptops.errors import EXIT_OK, UserError

if TYPE_CHECKING:
    from promptops.cascade import CascadeRates, TierCosts


def _tier_costs_from_prompt(
    prompt_id: str, config_file: Path | None, models: dict[str, str], rates: CascadeRates
) -> tuple[TierCosts, Decimal | None]:
    from promptops.cascade import tier_costs_for_prompt
    from promptops.documents.workspace import load_workspace
    from promptops.pricing.table import PriceTable
    from promptops.tokens.counting import TokenCounter

    config = config_for((), config_file)
    workspace = load_workspace(config, models=PriceTable.from_config(config))
    doc = workspace.get("prompt", prompt_id)
    if doc is None or not doc.valid:
        known = ", ".join(sorted(d.id for d in workspace.of_kind("prompt"))) or "none"
        state = "is not valid (run `promptops validate`)" if doc is not None else "not found"
        raise UserError(f"prompt {prompt_id!r} {state}; prompts: {known}")
    counter = TokenCounter(config)
    try:
        return tier_costs_for_prompt(
            workspace, doc, counter, PriceTable.from_config(config), models, rates
        )
    finally:
        counter.close()


@click.command()
@click.argument("prompt", required=False)
@click.option("--escalation-sonnet", help="Share of all calls Haiku escalates to Sonnet (0..1).")
@click.option("--escalation-opus", help="Share of escalated calls Sonnet escalates to Opus (0..1).")
@click.option("--misroute", help="Share of all calls Haiku kept but should have escalated (0..1).")
@click.option(
    "--rates",
    "rates_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Measure the rates from an eval or telemetry results file (JSON or JSON lines: counts "
    "or per-call records with final_tier and misrouted). Flags override measured values.",
)
@click.option("--cost-haiku", help="USD per call on Haiku (instead of pricing PROMPT).")
@click.option("--cost-sonnet", help="USD per call on Sonnet (instead of pricing PROMPT).")
@click.option("--cost-opus", help="USD per call on Opus (instead of pricing PROMPT).")
@click.option(
    "--rework-cost",
    help="USD to redo one misrouted call (default: C_haiku + C_sonnet).",
)
@click.option(
    "--haiku-model", default="claude-haiku-4-5", show_default=True, help="Model of the first tier."
)
@click.option(
    "--sonnet-model",
    default="claude-sonnet-4-6",
    show_default=True,
    help="Model of the second tier (and of the flat alternative).",
)
@click.option(
    "--opus-model", default="claude-opus-4-6", show_default=True, help="Model of the top tier."
)
@config_option
@format_option(["text", "json"])
@output_option
def command(
    prompt: str | None,
    escalation_sonnet: str | None,
    escalation_opus: str | None,
    misroute: str | None,
    rates_file: Path | None,
    cost_haiku: str | None,
    cost_sonnet: str | None,
    cost_opus: str | None,
    rework_cost: str | None,
    haiku_model: str,
    sonnet_model: str,
    opus_model: str,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
) -> int:
    """Compare a Haiku → Sonnet → Opus cascade with sending every call to Sonnet.

    E[C] = C_haiku + P(esc_S)·C_sonnet + P(esc_S)·P(esc_O|S)·C_opus + misroute·rework.
    Per-call costs come from PROMPT's rendered request priced on each tier's model, or from
    --cost-haiku/--cost-sonnet/--cost-opus. Prints the saving or loss per call (and per month
    at the charter's expected traffic) and the escalation rate to Sonnet where the cascade
    stops paying.
    """
    from promptops.cascade import (
        CascadeRates,
        TierCosts,
        analyze_cascade,
        parse_share,
        parse_usd,
        rates_from_file,
    )

    given = {"haiku": cost_haiku, "sonnet": cost_sonnet, "opus": cost_opus}
    if prompt is None and any(v is None for v in given.values()):
        missing = ", ".join(f"--cost-{t}" for t, v in given.items() if v is None)
        raise UserError(
            f"give a PROMPT id to price, or all three per-call costs (missing {missing})"
        )
    measured = rates_from_file(rates_file) if rates_file is not None else None
    flags = {"--escalation-sonnet": escalation_sonnet, "--escalation-opus": escalation_opus}
    flags["--misroute"] = misroute
    if measured is None:
        unset = [name for name, value in flags.items() if value is None]
        if unset:
            raise UserError(f"missing {', '.join(unset)} (or measure them with --rates FILE)")
    base = measured or CascadeRates(Decimal(0), Decimal(0), Decimal(0), "")
    overridden = [name for name, value in flags.items() if value is not None]
    rates = CascadeRates(
        escalation_sonnet=parse_share(escalation_sonnet, "--escalation-sonnet")
        if escalation_sonnet is not None
        else base.escalation_sonnet,
        escalation_opus=parse_share(escalation_opus, "--escalation-opus")
        if escalation_opus is not None
        else base.escalation_opus,
        misroute=parse_share(misroute, "--misroute") if misroute is not None else base.misroute,
        source=(
            base.source + (f"; {', '.join(overridden)} given" if overridden else "")
            if measured
            else "given on the command line"
        ),
        calls_measured=base.calls_measured,
    )
    calls_per_month = None
    if all(v is not None for v in given.values()):
        figures = {tier: parse_usd(v, f"--cost-{tier}") for tier, v in given.items()}
        costs = TierCosts(
            figures["haiku"],
            figures["sonnet"],
            figures["opus"],
            {tier: "given" for tier in given},
            "given on the command line",
        )
    else:
        assert prompt is not None  # a missing cost without a PROMPT was refused above
        models = {"haiku": haiku_model, "sonnet": sonnet_model, "opus": opus_model}
        priced, calls_per_month = _tier_costs_from_prompt(prompt, config_file, models, rates)
        overrides = {t: parse_usd(v, f"--cost-{t}") for t, v in given.items() if v is not None}
        costs = TierCosts(
            overrides.get("haiku", priced.haiku),
            overrides.get("sonnet", priced.sonnet),
            overrides.get("opus", priced.opus),
            {t: ("given" if t in overrides else priced.models[t]) for t in priced.models},
            priced.source + (" (some costs given)" if overrides else ""),
            overrides.get("sonnet", priced.flat_sonnet),
        )

    rework = parse_usd(rework_cost, "--rework-cost") if rework_cost is not None else None
    result = analyze_cascade(costs, rates, rework, calls_per_month)
    from promptops.report.table import render
    from promptops.text.formatting import use_color

    emit(render("cascade", fmt, result, color=use_color() and output is None), output)
    return EXIT_OK
