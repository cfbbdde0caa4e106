"""`promptops mbom`: markdown, JSON and CycloneDX 1.6 (validated against the official schema)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from promptops.figures import ScenarioCost, WorkloadEstimate
from promptops.subsidy import subsidy_exposure
from tests.support.cli import run_cli
from tests.support.mbom_workspace import AS_OF, make_workspace


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("mbom") / "repo")


def mbom(root: Path, *args: str) -> str:
    result = run_cli(["mbom", "--as-of", AS_OF, *args], cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_markdown_is_a_report_a_finance_partner_can_read(repo: Path) -> None:
    text = mbom(repo)
    assert text.startswith("# Model Bill of Materials: repo")
    summary = next(x for x in text.splitlines() if x.startswith("| support |"))
    assert "Jane Doe (Support Ops)" in summary
    assert "operational" in summary and "medium/low" in summary
    assert "2026-08-15" in summary  # the answer prompt's later commit
    assert "over budget (expected, stretch)" in summary  # at book price
    assert "- **Signers:** platform: Ana Platform, finance: Fin Lee, risk: Rui Risk" in text
    assert (
        "- **Kill criteria:** cost_per_call_usd > 0.05 → rollback; success_rate < 0.9 → pause"
        in text
    )
    assert "- **Agent limits:** max steps 6, max depth 2, max fanout 3" in text
    assert "- **Thinking:** allowed no" in text
    assert "authority veto" in text
    assert "| support/triage@2.1.0 | claude-haiku-4-5-20251001 | lookup_order@1.2.0 |" in text
    assert "support/answer@1.0.4" in text
    # Flags: legacy-search has no prompts and a monthly cadence last met in January.
    assert "**legacy-search** is orphaned: no prompts." in text
    assert "review overdue (last reviewed 218 days ago; monthly cadence allows 31)" in text
    assert "## Cache cliff" in text
    assert (
        "| claude-sonnet-4-6 | support/answer | support | $3 | $15 | $0.3 | $1.5 / $7.5 |" in text
    )
    assert "Prices: Anthropic list prices (genai-prices " in text


def test_json_figures_agree_with_tokens(repo: Path) -> None:
    data = json.loads(mbom(repo, "--format", "json"))
    tokens = json.loads(run_cli(["tokens", "--format", "json"], cwd=repo).stdout)
    assert data["kind"] == "mbom" and data["schema_version"] == 2
    support = next(w for w in data["workloads"] if w["id"] == "support")
    support_tokens = next(w for w in tokens["workloads"] if w["id"] == "support")
    for ours, theirs in zip(support["scenarios"], support_tokens["scenarios"], strict=True):
        assert ours["monthly_usd"] == theirs["monthly_usd"]
    assert support["review_status"]["overdue"] is False
    assert support["last_changed"] == "2026-08-15T09:30:00+00:00"
    assert support["charter_last_changed"] == "2026-08-01T10:00:00+00:00"
    assert data["flags"]["orphaned"] == ["legacy-search"]
    assert data["flags"]["review_overdue"] == ["legacy-search"]
    assert data["totals"]["expected"]["monthly_usd"] == support["scenarios"][0]["monthly_usd"]


def test_subsidy_exposure_book_vs_effective(repo: Path) -> None:
    data = json.loads(mbom(repo, "--format", "json"))
    support = next(w for w in data["workloads"] if w["id"] == "support")
    expected = support["scenarios"][0]
    book, effective, budget = (
        Decimal(expected[k]) for k in ("monthly_usd", "effective_monthly_usd", "budget_usd")
    )
    # Sonnet at 50% off, Haiku at book: effective = book - half the Sonnet prompt's cost.
    answer = next(p for p in data["prompts"] if p["id"] == "support/answer")
    sonnet_book = Decimal(answer["scenarios"][0]["monthly_usd"])
    assert effective == book - sonnet_book / 2
    assert effective <= budget < book  # within budget only thanks to the discount
    assert data["subsidy"]["exposed_workloads"] == ["support"]
    assert data["subsidy"]["share"] == "1"  # 1 of the 1 workload with a monthly budget
    text = mbom(repo)
    assert "Subsidy exposure: 1 of 1 budgeted workloads (100%)" in text


def test_subsidy_exposure_function() -> None:
    def workload(name: str, book: str, effective: str | None, budget: str | None):
        scenario = ScenarioCost(
            "expected", Decimal(1000), Decimal(0), 100, Decimal(0), Decimal(book),
            None if effective is None else Decimal(effective),
            None if budget is None else Decimal(budget),
        )  # fmt: skip
        return WorkloadEstimate(name, "o", f"{name}.yaml", ("p",), (scenario,))

    result = subsidy_exposure(
        [
            workload("exposed", "120", "80", "100"),
            workload("fine", "90", "60", "100"),
            workload("over-anyway", "200", "150", "100"),
            workload("no-discount", "120", None, "100"),
            workload("no-budget", "120", "80", None),
        ]
    )
    assert result.exposed_workloads == ("exposed",)
    assert result.workloads_with_budget == 4
    assert result.workloads_with_effective_prices == 4
    assert result.share == Decimal("0.25")


def _validator():
    from importlib.resources import files

    from jsonschema import Draft7Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    res = files("cyclonedx.schema") / "_res"
    load = lambda name: json.loads((res / name).read_text(encoding="utf-8"))  # noqa: E731
    registry = Registry().with_resources(
        (f"http://cyclonedx.org/schema/{name}", DRAFT7.create_resource(load(name)))
        for name in (
            "spdx.SNAPSHOT.schema.json",
            "jsf-0.82.SNAPSHOT.schema.json",
            "cryptography-defs.SNAPSHOT.schema.json",
        )
    )
    schema = load("bom-1.6.SNAPSHOT.schema.json")
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def test_cyclonedx_validates_against_the_1_6_schema(repo: Path) -> None:
    try:
        import cyclonedx  # noqa: F401  (cyclonedx-python-lib ships the CycloneDX schemas)
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("cyclonedx-python-lib is not installed (a test extra)")
        pytest.skip("cyclonedx-python-lib is not installed")
    text = mbom(repo, "--format", "cyclonedx")
    bom = json.loads(text)
    errors = sorted(_validator().iter_errors(bom), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]

    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None

    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    assert bom["metadata"]["timestamp"] == "2026-08-15T09:30:00Z"  # newest commit
    models = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    assert {m["name"] for m in models} == {"claude-haiku-4-5-20251001", "claude-sonnet-4-6"}
    sonnet = next(m for m in models if m["name"] == "claude-sonnet-4-6")
    props = {p["name"]: p["value"] for p in sonnet["properties"]}
    assert props["promptops:price:input_usd_per_mtok"] == "3"
    assert props["promptops:price:effective:input_usd_per_mtok"] == "1.5"
    prompt = next(c for c in bom["components"] if c["bom-ref"] == "prompt:support/triage")
    assert prompt["type"] == "data" and prompt["version"] == "2.1.0"
    assert prompt["data"][0]["type"] == "configuration"
    tool = next(c for c in bom["components"] if c["bom-ref"] == "tool:lookup_order")
    assert tool["data"][0]["type"] == "definition"
    service = next(s for s in bom["services"] if s["name"] == "support")
    sprops = [(p["name"], p["value"]) for p in service["properties"]]
    assert ("promptops:owner", "Jane Doe (Support Ops)") in sprops
    assert ("promptops:tram:cost_variance", "medium") in sprops
    assert ("promptops:budget:monthly_usd:expected", "1500") in sprops
    assert all(name.startswith("promptops:") for name, _ in sprops)
    deps = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert deps["prompt:support/triage"] == [
        "model:claude-haiku-4-5-20251001",
        "tool:lookup_order",
    ]
    assert sorted(deps["workload:support"]) == ["prompt:support/answer", "prompt:support/triage"]
    # Reproducible: the same state gives the same bytes, serial number included.
    assert mbom(repo, "--format", "cyclonedx") == text


def test_cyclonedx_serial_changes_with_content(tmp_path: Path, repo: Path) -> None:
    first = json.loads(mbom(repo, "--format", "cyclonedx"))["serialNumber"]
    other = make_workspace(tmp_path / "repo", budget_expected="1600")
    second = json.loads(mbom(other, "--format", "cyclonedx"))["serialNumber"]
    assert first != second
    assert second.startswith("urn:uuid:")


def test_without_git_last_change_is_unknown(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "plain", git=False)
    data = json.loads(mbom(root, "--format", "json"))
    assert {p["last_changed"] for p in data["prompts"]} == {"unknown"}
    bom = json.loads(mbom(root, "--format", "cyclonedx"))
    assert bom["metadata"]["timestamp"] == f"{AS_OF}T00:00:00Z"


def test_orphaned_and_never_reviewed_charter(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "repo", git=False)
    (root / "charters/legacy.yaml").write_text(
        "kind: charter\nid: ghost\nscenarios:\n  expected: {calls_per_month: 10}\n"
    )
    data = json.loads(mbom(root, "--format", "json"))
    ghost = next(w for w in data["workloads"] if w["id"] == "ghost")
    assert ghost["orphaned"] == ["no owner", "no prompts"]
    assert ghost["valid"] is False  # the schema requires an owner
    assert ghost["review_status"]["reason"] == "never reviewed"
    assert any("charter fails its schema" in n for n in data["notes"])


def test_bad_as_of_is_a_usage_error(repo: Path) -> None:
    result = run_cli(["mbom", "--as-of", "yesterday"], cwd=repo)
    assert result.returncode == 2
    assert "--as-of must be a date" in result.stderr
