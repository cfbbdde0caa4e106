"""Call records in either input-token convention read the same, and telemetry that cannot be read
is an error, never a quiet verdict.

OTel GenAI says `gen_ai.usage.input_tokens` includes cache reads and writes; many Anthropic
instrumentations pass the API's own `input_tokens` (the uncached part) through. Read the wrong
way, every cached call looked invalid and `canary analyze` said HOLD on 0 calls, exit 0."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from promptops.canary.telemetry import read_telemetry
from tests.support.canary_repo import make_repo
from tests.support.cli import run_cli
from tests.support.telemetry import CohortSpec, pricing, write_jsonl

PROMPT = "support/triage"
STABLE = CohortSpec("1.0.0", calls=40_000)
CANARY = CohortSpec("1.1.0", calls=10_000)


def _analyze(repo: Path, *args: str, stdin: str | None = None):
    result = run_cli(
        ["canary", "analyze", "releases/triage.yaml", "--format", "json", *args],
        cwd=repo,
        input=stdin,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _cohort_costs(document: dict) -> tuple[str, str]:
    cohorts = document["cohorts"]
    return cohorts["stable"]["cost_per_call_usd"], cohorts["canary"]["cost_per_call_usd"]


def test_exclusive_records_read_like_inclusive_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    inclusive = write_jsonl(tmp_path / "otel.jsonl", PROMPT, [STABLE, CANARY])
    exclusive = write_jsonl(tmp_path / "api.jsonl", PROMPT, [STABLE, CANARY], exclusive=True)
    seen = {}
    for name, path in (("inclusive", inclusive), ("exclusive", exclusive)):
        result = _analyze(repo, "--telemetry", str(path))
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["input"]["records"] == 50_000
        assert document["input"]["invalid"] == 0
        assert document["verdict"] == "promote"
        seen[name] = _cohort_costs(document)
    assert seen["exclusive"] == seen["inclusive"]


def test_the_convention_is_told_per_file_gzip_and_stdin_too(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    plain = write_jsonl(tmp_path / "api.jsonl", PROMPT, [STABLE, CANARY], exclusive=True)
    expected = json.loads(_analyze(repo, "--telemetry", str(plain)).stdout)
    packed = tmp_path / "api.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    from_gzip = json.loads(_analyze(repo, "--telemetry", str(packed)).stdout)
    from_stdin = json.loads(_analyze(repo, "--telemetry", "-", stdin=plain.read_text()).stdout)
    assert _cohort_costs(from_gzip) == _cohort_costs(expected) == _cohort_costs(from_stdin)
    assert from_stdin["input"]["records"] == 50_000


def test_one_source_of_each_convention_together(tmp_path: Path) -> None:
    stable = write_jsonl(tmp_path / "stable.jsonl", PROMPT, [STABLE])
    canary = write_jsonl(tmp_path / "canary.jsonl", PROMPT, [CANARY], exclusive=True)
    result = read_telemetry([stable, canary], pricing(), PROMPT)
    assert result.conventions == {str(stable): "inclusive", str(canary): "exclusive"}
    assert result.counters.invalid == 0
    assert result.counters.records == 50_000


def test_a_forced_wrong_convention_is_exit_2_not_hold(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    exclusive = write_jsonl(tmp_path / "api.jsonl", PROMPT, [STABLE, CANARY], exclusive=True)
    result = _analyze(repo, "--telemetry", str(exclusive), "--input-tokens", "inclusive")
    assert result.returncode == 2, result.stdout
    assert "could not be read" in result.stderr
    assert "input_tokens must include cache read and creation tokens" in result.stderr


def test_the_config_names_the_convention(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "promptops.yaml").write_text("telemetry:\n  input_tokens: inclusive\n")
    exclusive = write_jsonl(tmp_path / "api.jsonl", PROMPT, [STABLE, CANARY], exclusive=True)
    assert _analyze(repo, "--telemetry", str(exclusive)).returncode == 2
    forced = _analyze(repo, "--telemetry", str(exclusive), "--input-tokens", "exclusive")
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(
    "body",
    [
        "{not json\n" * 50,
        json.dumps(
            {
                "promptops.prompt.id": PROMPT,
                "promptops.prompt.version": "1.0.0",
                "gen_ai.usage.input_tokens": "lots",
            }
        )
        + "\n",
    ],
    ids=["not-json", "bad-values"],
)
def test_unusable_telemetry_is_exit_2(tmp_path: Path, body: str) -> None:
    repo = make_repo(tmp_path)
    path = tmp_path / "bad.jsonl"
    path.write_text(body)
    result = _analyze(repo, "--telemetry", str(path))
    assert result.returncode == 2, result.stdout
    assert "could not be read" in result.stderr


def test_cache_write_spelling_is_cache_creation(tmp_path: Path) -> None:
    record = {
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.usage.input_tokens": 5500,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "promptops.prompt.id": PROMPT,
        "promptops.prompt.version": "1.0.0",
    }
    costs = []
    for spelling in ("cache_creation", "cache_write"):
        path = tmp_path / f"{spelling}.jsonl"
        path.write_text(
            json.dumps({**record, f"gen_ai.usage.{spelling}.input_tokens": 5000}) + "\n"
        )
        costs.append(read_telemetry([path], pricing(), PROMPT).cohorts[(PROMPT, "1.0.0")].cost_usd)
    # 5,000 written x $1.25 + 500 x $1.00 + 300 x $5.00 per MTok = 8,250 micro-dollars
    assert [str(c) for c in costs] == ["0.00825", "0.00825"]
