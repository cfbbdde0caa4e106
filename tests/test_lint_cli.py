"""`promptops lint` and `promptops rule` through the real CLI: exit codes, options, docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptops.lint import rules
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.lint_repo import CHARTER, make_repo

ERROR_PROMPT = """\
kind: prompt
id: bad
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 300
system:
  - text: "Hello {{ customer }}"
    cache: true
variables:
  customer: {}
"""
WARNING_PROMPT = """\
kind: prompt
id: warn
version: 1.0.0
model: claude-sonnet-4-6
workload: support
system: Answer briefly.
"""


def test_exit_1_on_errors_0_with_exit_zero(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": ERROR_PROMPT})
    assert run_cli(["lint"], cwd=tmp_path).returncode == 1
    done = run_cli(["lint", "--exit-zero"], cwd=tmp_path)
    assert done.returncode == 0 and "PO101" in done.stdout


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER, "prompts/a.yaml": WARNING_PROMPT})
    done = run_cli(["lint"], cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "PO306" in done.stdout


def test_select_ignore_and_severity_from_config_and_flags(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {"charters/s.yaml": CHARTER, "prompts/a.yaml": ERROR_PROMPT},
        config="lint:\n  severity:\n    PO101: warning\n",
    )
    done = run_cli(["lint", "--format", "json"], cwd=tmp_path)
    assert done.returncode == 0
    codes = {f["code"]: f["severity"] for f in json.loads(done.stdout)["findings"]}
    assert codes["PO101"] == "warning"
    only = run_cli(["lint", "--format", "json", "--select", "PO3,PO004"], cwd=tmp_path)
    assert {f["code"] for f in json.loads(only.stdout)["findings"]} <= {"PO301", "PO004"}
    ignored = run_cli(["lint", "--format", "json", "--ignore", "PO1"], cwd=tmp_path)
    assert not [f for f in json.loads(ignored.stdout)["findings"] if f["code"].startswith("PO1")]


@pytest.mark.parametrize(
    ("args", "config"),
    [
        (["lint", "--select", "PO777"], ""),
        (["lint"], "lint:\n  ignore: [XX1]\n"),
        (["lint"], "lint:\n  severity:\n    PO101: fatal\n"),
        (["lint", "--format", "yaml"], ""),
        (["lint", "missing.yaml"], ""),
    ],
)
def test_usage_and_config_errors_exit_2(tmp_path: Path, args: list[str], config: str) -> None:
    make_repo(tmp_path, {"charters/s.yaml": CHARTER}, config=config)
    done = run_cli(args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr


def test_named_files_only_are_reported(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "prompts/a.yaml": ERROR_PROMPT,
            "prompts/w.yaml": WARNING_PROMPT,
        },
    )
    done = run_cli(["lint", "--format", "json", "prompts/w.yaml"], cwd=tmp_path)
    body = json.loads(done.stdout)
    assert done.returncode == 0
    assert body["files_checked"] == 1
    assert {f["path"] for f in body["findings"]} == {"prompts/w.yaml"}


def test_force_exclude_skips_foreign_and_excluded_yaml(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "charters/s.yaml": CHARTER,
            "k8s/deploy.yaml": "kind: Deployment\napiVersion: apps/v1\n",
            "ci/build.yaml": "steps: [build]\n",
            "vendor/p.yaml": ERROR_PROMPT,
        },
        config="exclude: ['vendor/**']\n",
    )
    files = ["k8s/deploy.yaml", "ci/build.yaml", "vendor/p.yaml"]
    assert run_cli(["lint", "--force-exclude", *files], cwd=tmp_path).returncode == 0
    plain = run_cli(["lint", "ci/build.yaml"], cwd=tmp_path)
    assert plain.returncode == 1 and "PO005" in plain.stdout  # named without the flag


def test_every_registered_rule_has_a_complete_page() -> None:
    for code, module in rules.RULES.items():
        done = run_cli(["rule", code])
        assert done.returncode == 0, code
        page = done.stdout
        assert page.startswith(f"{code} {module.NAME} (default severity: {module.SEVERITY})")
        for part in ("What it catches", "Why it costs money", "Fix", "Example", "Before"):
            assert part in page, (code, part)


def test_rule_by_name_list_and_unknown() -> None:
    assert run_cli(["rule", "variable-in-cached-prefix"]).stdout.startswith("PO101 ")
    listing = run_cli(["rule", "--list"]).stdout.splitlines()
    assert [line.split()[0] for line in listing] == list(rules.RULES)
    unknown = run_cli(["rule", "PO999"])
    assert unknown.returncode == 2 and "unknown rule 'PO999'" in unknown.stderr
    rows = json.loads(run_cli(["rule", "--list", "--format", "json"]).stdout)
    assert {r["code"] for r in rows} == set(rules.RULES)


def test_po105_page_states_the_derivation() -> None:
    page = run_cli(["rule", "PO105"]).stdout
    assert "1 − e^(−λ·TTL)" in page and "hit·r + (1 − hit)·w < 1" in page


def test_every_finding_of_the_test_corpus_has_a_rule_page(tmp_path: Path) -> None:
    corpus = {
        "charters/s.yaml": CHARTER.replace("jane.doe@example.com", "TBD"),
        "prompts/a.yaml": ERROR_PROMPT,
        "prompts/w.yaml": WARNING_PROMPT + "tools: [missing]\n",
        "prompts/y.yaml": "kind: prompt\nid: [\n",
    }
    make_repo(tmp_path, corpus)
    findings = json.loads(run_cli(["lint", "--format", "json"], cwd=tmp_path).stdout)["findings"]
    assert len({f["code"] for f in findings}) >= 5
    for code in {f["code"] for f in findings}:
        assert code in rules.RULES
        assert run_cli(["rule", code]).returncode == 0


@pytest.mark.skipif(not (REPO_ROOT / "examples").is_dir(), reason="examples/ not in this tree")
def test_examples_are_lint_clean() -> None:
    done = run_cli(["lint", str(REPO_ROOT / "examples")], cwd=REPO_ROOT / "examples")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All clean" in done.stdout, done.stdout


def test_committed_rule_pages_match_the_rule_modules() -> None:
    from promptops.lint.rule_docs import rule_page

    folder = REPO_ROOT / "docs" / "rules"
    for code, module in rules.RULES.items():
        page = folder / f"{code}.md"
        assert page.is_file(), f"run: python -m promptops.lint.rule_docs docs/rules ({code})"
        assert page.read_text(encoding="utf-8") == rule_page(module), code
