"""`promptops eval`: run eval suites on the head and the base ref, compare, gate.

`promptops eval [SUITES]` runs; `promptops eval merge FILES` merges `--shard` results and
applies the gates. Exit 0 when every gate passes, 1 when one fails, 2 on bad input (option
values included: click types check them), 3 when the model provider cannot be reached or does
not answer within `--timeout` (a total deadline per call).

Credentials go only where the environment says: the Anthropic endpoint comes from
`--anthropic-base-url` or ANTHROPIC_BASE_URL, never from the repository's config; a local server
named by the config gets only its own configured key. Reports are redacted of known secrets.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from promptops.commands.common import emit, format_option, output_option
from promptops.commands.option_types import BASE_URL, SECONDS
from promptops.errors import EXIT_FINDINGS, EXIT_OK, UserError
from promptops.net.redact import redact, register_secret

if TYPE_CHECKING:
    from promptops.evals.suite_loader import EvalSettings
    from promptops.pricing.table import PriceTable

FORMATS = ("text", "json")
DEFAULT_LOCAL_MODEL = "local"
DEFAULT_TIMEOUT_S = 120.0


class EvalGroup(click.Group):
    """`eval [SUITES…]` runs (its options are the group's: `eval --help` lists them);
    `eval merge FILES…` merges; `eval run` stays as an alias of the plain form."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:  # --help too: the run's options
            args = ["run", *args]
        return super().parse_args(ctx, args)


class EvalRunCommand(click.Command):
    """The run command, shown as `promptops eval [OPTIONS] [SUITES]...` whether reached as
    `eval` or as its alias `eval run`."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = ctx.parent.command_path if ctx.parent is not None else ctx.command_path
        formatter.write_usage(path, " ".join(self.collect_usage_pieces(ctx)))


@click.group(cls=EvalGroup, name="eval")
def command() -> None:
    """Run eval suites against the assigned model or a local one, compare with the base ref,
    and gate on quality and cost together (`promptops eval merge` joins --shard results)."""


def _write_report_and_gate(report: Any, fmt: str, output: Path | None, gated: bool) -> int:
    from promptops.evals.comparison import compare
    from promptops.evals.gates import evaluate_gates, gates_passed
    from promptops.report.table import render as render_report

    # Answers were redacted when they arrived; this also covers older cache entries.
    emit(redact(render_report("eval", fmt, report, gated=gated)), output)
    if not gated:
        return EXIT_OK
    ok = all(
        gates_passed(evaluate_gates(s.gate, s.head, compare(s.base, s.head))) for s in report.suites
    )
    return EXIT_OK if ok else EXIT_FINDINGS


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise UserError(f"config eval.{name} must be a number, got {value!r}") from exc


def price_table(settings: EvalSettings, local_model: str) -> PriceTable:
    """The run's one price table: the config's `prices:` (where a local model is priced under
    its model id), with the deprecated `eval.local_price` translated into that override."""
    from promptops.config import Config
    from promptops.pricing.table import PriceTable

    config = settings.config or Config(root=settings.root)
    legacy = settings.eval.get("local_price")
    if legacy:
        config = replace(
            config, prices={**config.prices, local_model: _local_price(legacy, local_model, config)}
        )
    return PriceTable.from_config(config)


def _local_price(legacy: Any, local_model: str, config: Any) -> dict[str, Decimal]:
    """`eval.local_price: {input, output}` as a `prices:` entry: a local server does not
    discount, so cache reads and writes cost the input price (as they always did)."""
    if not isinstance(legacy, dict):
        raise UserError("config eval.local_price must be a mapping {input, output}")
    if local_model in config.prices:
        raise UserError(
            f"the local model {local_model!r} is priced twice: under `prices:` and by "
            "eval.local_price (deprecated); remove eval.local_price"
        )
    click.echo(
        "promptops: warning: eval.local_price is deprecated; price the local model under "
        f"`prices:` instead: prices: {{{local_model!r}: {{input: …, output: …, cache_read: …}}}}",
        err=True,
    )
    input_price = _decimal(legacy.get("input", 0), "local_price.input")
    return {
        "input": input_price,
        "output": _decimal(legacy.get("output", 0), "local_price.output"),
        "cache_read": input_price,
        "cache_write_5m": input_price,
        "cache_write_1h": input_price,
    }


def _local_provider(
    settings: EvalSettings,
    prices: PriceTable,
    base_url: str | None,
    model: str,
    timeout: float,
    max_retries: int,
) -> Any:
    """The OpenAI-compatible server of `--base-url` or `eval.base_url`: it gets the key the
    config names for it (`eval.api_key`), never the Anthropic key."""
    from promptops.evals.providers.openai_compatible import OpenAICompatibleProvider

    config = settings.eval
    url = base_url or config.get("base_url")
    if not url:
        raise UserError("target local needs a base URL: --base-url or eval.base_url in config")
    return OpenAICompatibleProvider(
        url,
        model,
        api_key=config.get("api_key"),
        # Priced only when the config prices it: otherwise "not priced", never $0.
        prices=prices.get(model) if prices.knows(model) else None,
        timeout_s=timeout,
        max_retries=max_retries,
    )


def _anthropic_provider(
    prices: PriceTable, base_url: str | None, timeout: float, max_retries: int
) -> Any:
    """The Anthropic API at `--anthropic-base-url` / ANTHROPIC_BASE_URL (the environment's
    choice, never the repository's) with ANTHROPIC_API_KEY."""
    from promptops.evals.providers.anthropic import AnthropicProvider

    return AnthropicProvider(prices, base_url=base_url, timeout_s=timeout, max_retries=max_retries)


@command.command("run", cls=EvalRunCommand)
@click.argument("suites", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--target", type=click.Choice(["assigned", "local"]), help="Override suites' target.")
@click.option("--base", "base_ref", metavar="REF", help="Also run on this git ref and compare.")
@click.option(
    "--base-url", type=BASE_URL, help="OpenAI-compatible endpoint for --target local (…/v1)."
)
@click.option(
    "--anthropic-base-url",
    type=BASE_URL,
    envvar="ANTHROPIC_BASE_URL",
    help="Messages API endpoint for the assigned target [env: ANTHROPIC_BASE_URL; never read "
    "from the repository].",
)
@click.option("--model", "local_model", help="Model name sent to the local server.")
@click.option(
    "--concurrency", type=click.IntRange(1, 256), help="Calls in flight at once (default 4)."
)
@click.option(
    "--repeat",
    type=click.IntRange(1, 1000),
    help="Samples per case (see --min-passes) [default: the suite's `repeat:`, else 1].",
)
@click.option(
    "--min-passes",
    type=click.IntRange(min=1),
    help="k of --repeat n attempts must pass (default n).",
)
@click.option(
    "--shard",
    metavar="i/n",
    help="Run every n-th case from the i-th (1-based); `eval merge` joins the shards' "
    "--format json reports and applies the gates.",
)
@click.option("--batch", is_flag=True, help="Use the Message Batches API (batch prices).")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the response cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Response cache folder.")
@click.option("--grader-model", help="Model that grades `rubric` assertions.")
@click.option(
    "--grader-target",
    type=click.Choice(["assigned", "local"]),
    help="Where the grader runs (default: the Anthropic API).",
)
@click.option(
    "--timeout",
    type=SECONDS,
    help="Total seconds per model call: connecting, retries and the whole answer "
    f"[default: eval.timeout_s, else {DEFAULT_TIMEOUT_S:g}].",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 20),
    default=4,
    show_default=True,
    help="Retries with backoff on 429, 5xx and 529 answers.",
)
@format_option(list(FORMATS))
@output_option
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: discover promptops.yaml or [tool.promptops]).",
)
@click.option(
    "--ablate",
    "ablate",
    metavar="VAR",
    multiple=True,
    help="Also run each suite with VAR emptied in every case and report the difference "
    "(repeatable).",
)
@click.option(
    "--ablate-declared",
    is_flag=True,
    help="Ablate the variables each suite declares under `ablate:`.",
)
@click.option(
    "--compare-model",
    metavar="MODEL",
    help="Also run each suite on MODEL (same requests) and report whether it is "
    "distinguishable, and the monthly saving.",
)
@click.option("--quiet", is_flag=True, help="No progress output.")
def run_command(
    suites: tuple[str, ...],
    target: str | None,
    base_ref: str | None,
    base_url: str | None,
    anthropic_base_url: str | None,
    local_model: str | None,
    concurrency: int | None,
    repeat: int | None,
    min_passes: int | None,
    shard: str | None,
    batch: bool,
    no_cache: bool,
    cache_dir: str | None,
    grader_model: str | None,
    grader_target: str | None,
    timeout: float | None,
    max_retries: int,
    fmt: str,
    output: Path | None,
    config_file: str | None,
    quiet: bool,
    ablate: tuple[str, ...] = (),
    ablate_declared: bool = False,
    compare_model: str | None = None,
) -> int:
    """Run eval suites (default: every `kind: eval` document in the repo) on the head and,
    with --base, on the base ref, and apply their gates.

    `promptops eval run` is the same command; `promptops eval merge FILES` joins the JSON
    reports of --shard runs and applies the gates.
    """
    from promptops.config import check_eval_section
    from promptops.evals.assertions.rubric import ModelGrader
    from promptops.evals.report import EvalReport, SuiteEval
    from promptops.evals.response_cache import DEFAULT_CACHE_DIR, ResponseCache
    from promptops.evals.results import GateSpec
    from promptops.evals.runner import DEFAULT_CONCURRENCY, RunOptions, Shard, run_suite
    from promptops.evals.suite_loader import (
        checkout_ref,
        load_base_prompt,
        load_settings,
        load_suites,
        make_renderer,
    )
    from promptops.git import committed_files

    settings = load_settings(Path.cwd(), config_file)
    if settings.config is not None:
        check_eval_section(settings.config)
    register_secret(settings.eval.get("api_key"))
    timeout_s = float(timeout or settings.eval.get("timeout_s") or DEFAULT_TIMEOUT_S)
    root = settings.root
    loaded = load_suites(root, [Path(s).resolve() for s in suites])
    if not loaded:
        raise UserError("no eval suites found (kind: eval)")
    parsed_shard = Shard.parse(shard) if shard else None
    contrasting = bool(ablate or ablate_declared or compare_model)
    if contrasting and (base_ref or parsed_shard):
        raise UserError("--ablate/--compare-model do not combine with --base or --shard")
    options = RunOptions(
        concurrency=concurrency or int(settings.eval.get("concurrency", DEFAULT_CONCURRENCY)),
        repeat=repeat or 1,
        min_passes=min_passes,
        shard=parsed_shard,
        batch=batch,
        show_progress=not quiet,
    )
    # The flag wins over the suite's `repeat:`; k of n is checked before any call.
    suite_options = {id(item): _suite_options(options, repeat, item.suite) for item in loaded}
    for suite_option, _source in suite_options.values():
        suite_option.required_passes()
    cache = None
    if not no_cache:
        folder = cache_dir or settings.eval.get("cache_dir") or DEFAULT_CACHE_DIR
        planted = committed_files(root / folder)
        if planted:
            click.echo(
                f"promptops: warning: the eval response cache {root / folder} holds {planted} "
                "file(s) committed to the repository: not read (answers from a pull request "
                "would pass the gate without a model call); running without the cache",
                err=True,
            )
        else:
            cache = ResponseCache(root / folder)

    providers: dict[str, Any] = {}
    model_id = local_model or settings.eval.get("model") or DEFAULT_LOCAL_MODEL
    tables: list[PriceTable] = []

    def provider_for(kind: str) -> Any:
        if not tables:
            tables.append(price_table(settings, model_id))
        if kind not in providers:
            providers[kind] = (
                _local_provider(settings, tables[0], base_url, model_id, timeout_s, max_retries)
                if kind == "local"
                else _anthropic_provider(tables[0], anthropic_base_url, timeout_s, max_retries)
            )
        return providers[kind]

    grader_config = settings.eval.get("grader") or {}
    grader_name = grader_model or grader_config.get("model")
    grader = None
    if grader_name:
        grader_kind = grader_target or grader_config.get("target") or "assigned"
        grader = ModelGrader(provider_for(grader_kind), grader_name, cache)

    if contrasting:
        return _run_contrasts(
            loaded,
            suite_options,
            provider_for,
            tables,
            settings,
            ablate,
            ablate_declared,
            compare_model,
            target,
            model_id,
            base_url,
            timeout_s,
            max_retries,
            cache,
            grader,
            fmt,
            output,
        )

    default_gate = GateSpec.from_dict(settings.gate)
    results: list[SuiteEval] = []
    with tempfile.TemporaryDirectory(prefix="promptops-base-") as scratch:
        base_root = checkout_ref(root, base_ref, Path(scratch)) if base_ref else None
        for item in loaded:
            suite = item.suite
            kind = target or suite.target
            provider = provider_for(kind)
            options, repeat_source = suite_options[id(item)]
            head = run_suite(
                suite,
                item.renderer(),
                provider,
                options=options,
                cache=cache,
                grader=grader,
                ref="HEAD",
                label="head",
                repeat_source=repeat_source,
            )
            base = None
            base_prompt = load_base_prompt(base_root, suite) if base_root else None
            if base_prompt is not None:
                base = run_suite(
                    suite,
                    make_renderer(*base_prompt),
                    provider,
                    options=options,
                    cache=cache,
                    grader=grader,
                    ref=base_ref,
                    label=f"base {base_ref}",
                    repeat_source=repeat_source,
                )
            gate = suite.gate if suite.gate != GateSpec() else default_gate
            results.append(
                SuiteEval(suite_id=suite.id, path=suite.path, gate=gate, head=head, base=base)
            )
    report = EvalReport(suites=tuple(results), shard=str(parsed_shard) if parsed_shard else None)
    return _write_report_and_gate(report, fmt, output, gated=parsed_shard is None)


def _suite_options(options: Any, flag: int | None, suite: Any) -> tuple[Any, str]:
    """The run options of one suite and where its repeat came from: `--repeat` wins over
    the suite's own `repeat:`, which wins over 1."""
    if flag is not None:
        return replace(options, repeat=flag), "flag"
    if suite.repeat is not None:
        return replace(options, repeat=suite.repeat), "suite"
    return replace(options, repeat=1), "default"


def _ablated_renderer(render: Any, variable: str) -> Any:
    """The suite's renderer with `variable` set to "" in every case, the rest unchanged."""

    def rendered(case: Any) -> dict[str, Any]:
        return render(replace(case, vars={**case.vars, variable: ""}))

    return rendered


def _model_renderer(render: Any, model: str) -> Any:
    """The same rendered request with only the model swapped."""

    def rendered(case: Any) -> dict[str, Any]:
        return {**render(case), "model": model}

    return rendered


def _ablated_variables(item: Any, ablate: tuple[str, ...], declared: bool) -> list[str]:
    """The variables to empty for one suite: `--ablate`'s, plus the suite's `ablate:` with
    `--ablate-declared`; each must be one of the prompt's variables."""
    names = list(dict.fromkeys([*ablate, *(item.suite.ablate if declared else ())]))
    known = item.prompt.get("variables") or {}
    for name in names:
        if isinstance(known, dict) and name not in known:
            listed = ", ".join(sorted(map(str, known))) or "none"
            raise UserError(
                f"--ablate {name}: prompt {item.suite.prompt_id!r} has no variable {name!r} "
                f"(its variables: {listed})",
                path=item.suite.path,
            )
    return names


def _expected_calls(item: Any) -> Decimal | None:
    """The prompt's expected calls per month from its charter (the estimate's scenario), or
    None when no charter gives it traffic."""
    from promptops.pricing.cost import scenarios_for

    if item.charter is None:
        return None
    return scenarios_for(item.charter, item.suite.prompt_id, item.prompt)[0].calls_per_month


def _run_one(suite: Any, render: Any, provider: Any, label: str, **kwargs: Any) -> Any:
    from promptops.evals.runner import run_suite

    return run_suite(suite, render, provider, ref="HEAD", label=label, **kwargs)


def _run_contrasts(
    loaded: list[Any],
    suite_options: dict[int, tuple[Any, str]],
    provider_for: Any,
    tables: list[PriceTable],
    settings: EvalSettings,
    ablate: tuple[str, ...],
    ablate_declared: bool,
    compare_model: str | None,
    target: str | None,
    model_id: str,
    base_url: str | None,
    timeout_s: float,
    max_retries: int,
    cache: Any,
    grader: Any,
    fmt: str,
    output: Path | None,
) -> int:
    """Run each suite as is and once per contrast (an emptied variable, another model), and
    report the differences; a report, not a gate (exit 0 unless a provider fails)."""
    from promptops.config import Config
    from promptops.evals.contrast import (
        Contrast,
        ContrastReport,
        expected_call_cost,
    )
    from promptops.report.table import render as render_report

    config = settings.config or Config(root=settings.root)

    plans = [(item, _ablated_variables(item, ablate, ablate_declared)) for item in loaded]
    if not compare_model and not any(names for _item, names in plans):
        raise UserError("--ablate-declared: no selected suite declares `ablate:` variables")
    contrasts: list[Contrast] = []
    for item, names in plans:
        suite = item.suite
        kind = target or suite.target
        provider = provider_for(kind)
        options, source = suite_options[id(item)]
        calls = _expected_calls(item)

        run = partial(
            _run_one, suite, options=options, cache=cache, grader=grader, repeat_source=source
        )
        own_model = model_id if kind == "local" else str(item.prompt.get("model", ""))
        expected = partial(
            expected_call_cost,
            config,
            tables[0],
            item.prompt,
            item.tools,
            item.charter,
            suite.prompt_id,
        )
        baseline = run(item.renderer(), provider, "as is")
        for name in names:
            variant = run(_ablated_renderer(item.renderer(), name), provider, f"{name} emptied")
            contrasts.append(
                Contrast(
                    "ablate",
                    name,
                    baseline,
                    variant,
                    calls,
                    expected(own_model),
                    expected(own_model, {name: ""}),
                )
            )
        if compare_model:
            if kind == "local":
                other = _local_provider(
                    settings, tables[0], base_url, compare_model, timeout_s, max_retries
                )
                variant = run(item.renderer(), other, compare_model)
            else:
                render = _model_renderer(item.renderer(), compare_model)
                variant = run(render, provider, compare_model, model=compare_model)
            contrasts.append(
                Contrast(
                    "compare-model",
                    compare_model,
                    baseline,
                    variant,
                    calls,
                    expected(own_model),
                    expected(compare_model),
                )
            )
    report = ContrastReport(tuple(contrasts))
    emit(redact(render_report("eval contrast", fmt, report)), output)
    return EXIT_OK


@command.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@format_option(list(FORMATS))
@output_option
def merge_command(files: tuple[str, ...], fmt: str, output: Path | None) -> int:
    """Merge `--shard` result files (JSON) into one report and apply the gates."""
    from promptops.evals.report import EvalReport, merge_reports

    reports = []
    for name in files:
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"cannot read: {exc.strerror}", path=name) from exc
        except ValueError as exc:
            raise UserError(f"not JSON: {exc}", path=name) from exc
        reports.append(EvalReport.from_dict(data, source=name))
    return _write_report_and_gate(merge_reports(reports), fmt, output, gated=True)
