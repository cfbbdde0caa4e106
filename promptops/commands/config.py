"""`promptops config`: print the resolved configuration (for debugging discovery)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from promptops.commands.common import config_option
from promptops.errors import EXIT_OK


@click.command()
@config_option
@click.option("--prices", "show_prices", is_flag=True, help="Also print the resolved price table.")
def command(config_file: Path | None, show_prices: bool) -> int:
    """Print the resolved configuration as JSON: where it was found, the repo root, globs,
    tokenizer, lint limits and price overrides."""
    from promptops.config import load_config
    from promptops.pricing.table import PriceTable

    config = load_config(config_file=config_file)
    data = config.to_dict()
    if show_prices:
        table = PriceTable.from_config(config)
        data["price_table"] = {
            "date": table.date,
            "models": {m: table.get(m).to_dict() for m in table.models()},
        }
    click.echo(json.dumps(data, indent=2, default=str))
    return EXIT_OK
