"""`promptops check` on real git repos: introduced vs pre-existing breaches, waivers, PO307."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from promptops.report.reasons import reason_text
from tests.diff_fixtures import base_repo, charter, run_json, triage
from tests.support.cli import run_cli

TODAY = dt.date.today()


def _waiver(expires: dt.date, budget: str = "monthly_usd.stretch") -> str:
    return (
        f"  - budget: {budget}\n    reason: launch week\n    approver: finops-lead\n"
        f"    expires: '{expires.isoformat()}'\n"
    )


def _stretch_repo(tmp_path: Path, stretch_budget: int, waivers: str = "") -> Path:
    """Base stretch = 3 × $5,841 = $17,523; the change takes it to 3 × $5,940 = $17,820."""
    budgets = f"  monthly_usd: {{expected: 10000, stretch: {stretch_budget}}}\n"
    repo = base_repo(tmp_path / "repo", charter(budgets=budgets))
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    if waivers:
        repo.write("charters/support.yaml", charter(budgets=budgets, waivers=waivers))
    repo.commit("grow the prompt")
    return repo.root


def test_blocks_a_change_that_pushes_stretch_over_budget(tmp_path: Path) -> None:
    root = _stretch_repo(tmp_path, 17_600)
    code, report = run_json(["check", "--base", "main", "--head", "feature"], root, tmp_path / "c")
    assert code == 1
    assert report["kind"] == "check" and report["blocking"] is True
    (reason,) = report["blocking_reasons"]
    # data in the JSON: a code and its figures, money as decimal strings
    assert reason["code"] == "budget-exceeded" and reason["budget"] == "monthly_usd.stretch"
    assert (reason["workload"], reason["path"]) == ("support", "charters/support.yaml")
    assert (reason["value"], reason["limit"]) == ("17820", "17600")
    assert reason["base_value"] == "17523" and reason["expired_waiver"] is None
    # the words, as every renderer says them
    text = reason_text(reason)
    assert "stretch monthly cost $17,820.00 is over its budget of $17,600.00" in text
    assert "[monthly_usd.stretch]" in text and "charters/support.yaml" in text
    assert report["totals"]["monthly_delta_usd"] == "99"
    (breach,) = report["breaches"]
    assert breach["introduced"] and breach["blocking"]


def test_valid_waiver_passes_and_expired_waiver_blocks(tmp_path: Path) -> None:
    valid = _stretch_repo(tmp_path / "a", 17_600, _waiver(TODAY + dt.timedelta(days=30)))
    code, report = run_json(["check", "--base", "main", "--head", "feature"], valid, tmp_path / "c")
    assert code == 0
    assert report["blocking"] is False and report["blocking_reasons"] == []
    (waived,) = [w for w in report["warnings"] if w["code"] == "budget-waived"]
    assert waived["waiver"]["approver"] == "finops-lead"
    assert "waived by finops-lead" in reason_text(waived)

    expired = _stretch_repo(tmp_path / "b", 17_600, _waiver(TODAY - dt.timedelta(days=1)))
    code, report = run_json(
        ["check", "--base", "main", "--head", "feature"], expired, tmp_path / "c"
    )
    assert code == 1
    (reason,) = report["blocking_reasons"]
    assert reason["expired_waiver"]["approver"] == "finops-lead"
    assert "expired on" in reason_text(reason) and "finops-lead" in reason_text(reason)


def test_waiver_for_a_parent_budget_name_covers_its_scenarios(tmp_path: Path) -> None:
    root = _stretch_repo(
        tmp_path, 17_600, _waiver(TODAY + dt.timedelta(days=1), budget="monthly_usd")
    )
    code, _ = run_json(["check", "--base", "main", "--head", "feature"], root, tmp_path / "c")
    assert code == 0


def test_breach_already_on_base_only_warns(tmp_path: Path) -> None:
    root = _stretch_repo(tmp_path, 17_000)  # base $17,523 is already over $17,000
    code, report = run_json(["check", "--base", "main", "--head", "feature"], root, tmp_path / "c")
    assert code == 0
    assert report["blocking_reasons"] == []
    assert any("already over on the base ref" in reason_text(w) for w in report["warnings"])
    assert report["warnings"][0]["code"] == "budget-already-over"
    assert report["breaches"][0]["introduced"] is False


def test_version_not_bumped_blocks_at_the_version_line(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.0.0", system_tokens=1300))
    repo.commit("forgot the bump")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1
    (finding,) = [f for f in report["findings"] if f["code"] == "PO307"]
    assert finding["path"] == "prompts/triage.yaml" and finding["line"] == 3
    assert finding["severity"] == "error"
    assert any(r["code"] == "finding" and r["rule"] == "PO307" for r in report["blocking_reasons"])
    assert any("PO307" in reason_text(r) for r in report["blocking_reasons"])


def test_rule_waiver_and_growth_warning(tmp_path: Path) -> None:
    waiver = (
        f"  - rule: PO307\n    reason: hotfix\n    approver: lead\n"
        f"    expires: '{(TODAY + dt.timedelta(days=3)).isoformat()}'\n"
    )
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("charters/support.yaml", charter(waivers=waiver))
    repo.write("prompts/triage.yaml", triage(version="1.0.0", system_tokens=1500))
    repo.commit("grow by 24%")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0, report["blocking_reasons"]
    codes = {f["code"]: f["severity"] for f in report["findings"]}
    assert codes == {"PO307": "warning", "PO308": "warning"}  # 1,250 → 1,550 is +24%


def test_max_increase_pct_and_kill_switch(tmp_path: Path) -> None:
    budgets = "  max_increase: {pct: 1}\n"
    repo = base_repo(
        tmp_path / "repo",
        charter(budgets=budgets, runaway="{multiplier: 15, kill_switch_usd: 88000}"),
    )
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("grow")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1
    names = {b["budget"] for b in report["breaches"] if b["blocking"]}
    # +99 / 5,841 = 1.7% > 1%; runaway 15 × 5,940 = 89,100 > 88,000 (base 87,615 was under).
    assert names == {"max_increase.pct", "kill_switch_usd"}


def test_check_outputs_for_the_action(tmp_path: Path) -> None:
    root = _stretch_repo(tmp_path, 17_600)
    out = tmp_path / "report.json"
    md = tmp_path / "comment.md"
    result = run_cli(
        [
            "check", "--base", "main", "--head", "feature", "--format", "github",
            "--json-output", str(out), "--markdown-output", str(md),
        ],
        cwd=root,
        env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "c")},
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "::error file=charters/support.yaml,line=10,title=budget monthly_usd.stretch::"
        in result.stdout
    )
    data = json.loads(out.read_text())
    for key in ("schema_version", "kind", "blocking", "blocking_reasons", "warnings", "totals",
                "provenance", "prompts", "workloads", "findings"):  # fmt: skip
        assert key in data
    body = md.read_text()
    assert "❌ 1 blocking issue" in body and "$17,600.00" in body


def test_lint_gates_the_touched_documents_and_names_broken_untouched_files(tmp_path: Path) -> None:
    """A variable moved into the cached prefix (PO101, an error) blocks; the same defect in a
    prompt the change does not touch does not, and a broken untouched file is only a note."""
    repo = base_repo(tmp_path / "repo")
    legacy = triage(variable_first=True).replace("id: triage", "id: legacy")
    repo.write("prompts/legacy.yaml", legacy.replace("workload: support\n", ""))
    repo.write("prompts/broken.yaml", "kind: prompt\nid: [unclosed\n")
    repo.commit("a legacy prompt with a cache-busting variable, and a broken file")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", variable_first=True))
    repo.commit("move the variable into the cached prefix")

    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1
    po101 = [(f["path"], f["severity"]) for f in report["findings"] if f["code"] == "PO101"]
    assert po101 == [("prompts/triage.yaml", "error")]
    assert any(
        r["rule"] == "PO101" and r["path"] == "prompts/triage.yaml"
        for r in report["blocking_reasons"]
    )
    assert {f["path"] for f in report["findings"]} == {"prompts/triage.yaml"}
    assert any(
        "1 document error(s)" in n and "not gated here" in n for n in report.get("notes", [])
    ), report.get("notes")

    lint = run_cli(["lint", "--format", "json"], cwd=repo.root)
    paths = {f["path"] for f in json.loads(lint.stdout)["findings"]}
    assert {"prompts/legacy.yaml", "prompts/broken.yaml"} <= paths  # lint still sees them


def test_sarif_output_comes_from_the_same_check_run(tmp_path: Path) -> None:
    root = _stretch_repo(tmp_path, 17_600)
    sarif = tmp_path / "check.sarif"
    args = ["check", "--base", "main", "--head", "feature"]
    code, report = run_json([*args, "--sarif-output", str(sarif)], root, tmp_path / "c")
    alone = run_cli([*args, "--format", "sarif"], cwd=root)
    assert code == alone.returncode == 1
    assert report["blocking"] is True
    assert sarif.read_text(encoding="utf-8") == alone.stdout
    assert json.loads(alone.stdout)["version"] == "2.1.0"


def test_text_and_markdown_word_the_reason_as_before(tmp_path: Path) -> None:
    """The JSON holds the reason as data; the terminal and the PR comment say the sentence."""
    root = _stretch_repo(tmp_path, 17_600)
    sentence = (
        "support: stretch monthly cost $17,820.00 is over its budget of $17,600.00 (was "
        "$17,523.00 on base) [monthly_usd.stretch] — charters/support.yaml:10"
    )
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "c"), "NO_COLOR": "1"}
    args = ["check", "--base", "main", "--head", "feature", "--format"]
    text = run_cli([*args, "text"], cwd=root, env=env)
    assert text.returncode == 1, text.stderr
    assert f"Blocking (1)\n  - {sentence}\n" in text.stdout
    assert "Prices: Anthropic list prices (" in text.stdout  # provenance, worded from its data
    markdown = run_cli([*args, "markdown"], cwd=root, env=env)
    assert markdown.returncode == 1, markdown.stderr
    escaped = sentence.replace("[", "\\[").replace("]", "\\]")
    assert f"- {escaped}" in markdown.stdout
    assert "<sub>Prices: Anthropic list prices (" in markdown.stdout
