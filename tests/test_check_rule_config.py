"""`check` runs the base-ref rules (PO307, PO308, PO311) through the one lint pipeline, so the
config (`lint.ignore`, `lint.select`, `lint.severity`) and the suppressions
(`# promptops: disable=CODE`, `disable-file=`) mean in `check` what they mean in `lint`.

Before (issue 15): `lint.ignore: [PO307]` and `# promptops: disable=PO307` were honoured by
`lint` but not by `check`, which blocked anyway. Real git repos, the real CLI.
"""

from __future__ import annotations

from pathlib import Path

from tests.diff_fixtures import base_repo, run_json, triage
from tests.support.git_repo import GitRepo
from tests.test_version_uniqueness import blocked_then_bumped, new_repo
from tests.test_version_uniqueness import triage as triage_v

CONFIG = "default_branch: main\ntokenizer: cl100k_base\n"


def _codes(report: dict, code: str) -> list[dict]:
    return [f for f in report["findings"] if f["code"] == code]


def _feature(
    tmp_path: Path, prompt: str, config: str = CONFIG, commit: bool = True
) -> tuple[GitRepo, Path]:
    """main: the base repo (triage 1.0.0, 1,200 system tokens); feature: `prompt` and config."""
    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("promptops.yaml", config)
    repo.write("prompts/triage.yaml", prompt)
    if commit:
        repo.commit("edit triage")
    return repo, tmp_path / "cache"


def _check(repo: GitRepo, cache: Path, *args: str) -> tuple[int, dict]:
    return run_json(["check", "--base", "main", *args], repo.root, cache)


# -- PO307 -------------------------------------------------------------------------------------
UNBUMPED = triage(version="1.0.0", system_tokens=1300)  # content changed, +8% input: no PO308


def test_without_config_or_suppression_po307_still_blocks(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path, UNBUMPED)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 1 and report["blocking"] is True
    (finding,) = _codes(report, "PO307")
    assert finding["severity"] == "error" and finding["line"] == 3
    assert any(reason.get("rule") == "PO307" for reason in report["blocking_reasons"])


def test_lint_ignore_po307_silences_it_in_check(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path, UNBUMPED, CONFIG + "lint:\n  ignore: [PO307]\n")
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO307") == [] and report["blocking_reasons"] == []


def test_lint_ignore_by_prefix_po3_silences_po307_in_check(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path, UNBUMPED, CONFIG + "lint:\n  ignore: [PO3]\n")
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert not [f for f in report["findings"] if f["code"].startswith("PO3")]


def test_lint_select_without_po307_does_not_run_it_in_check(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path, UNBUMPED, CONFIG + "lint:\n  select: [PO0, PO1, PO2]\n")
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO307") == []


def test_inline_disable_po307_silences_it_in_check(tmp_path: Path) -> None:
    prompt = UNBUMPED.replace("version: 1.0.0", "version: 1.0.0  # promptops: disable=PO307")
    repo, cache = _feature(tmp_path, prompt)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO307") == []
    assert _codes(report, "PO009") == []  # the suppression was used


def test_disable_on_the_line_above_and_file_level_silence_po307(tmp_path: Path) -> None:
    above = UNBUMPED.replace("version: 1.0.0", "# promptops: disable=PO307\nversion: 1.0.0")
    repo, cache = _feature(tmp_path / "above", above)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0 and _codes(report, "PO307") == [], report["blocking_reasons"]

    whole_file = "# promptops: disable-file=PO307\n" + UNBUMPED.lstrip("\n")
    repo, cache = _feature(tmp_path / "file", whole_file)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0 and _codes(report, "PO307") == [], report["blocking_reasons"]


def test_inline_disable_works_on_a_working_tree_head(tmp_path: Path) -> None:
    """The default head (the working tree, uncommitted) reads the same suppression."""
    prompt = UNBUMPED.replace("version: 1.0.0", "version: 1.0.0  # promptops: disable=PO307")
    repo, cache = _feature(tmp_path, prompt, commit=False)
    code, report = _check(repo, cache)
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO307") == []
    repo.write("prompts/triage.yaml", UNBUMPED)  # without it, the same working tree blocks
    code, report = _check(repo, cache)
    assert code == 1 and _codes(report, "PO307")


def test_a_po307_suppression_that_suppresses_nothing_is_reported_by_check(tmp_path: Path) -> None:
    """`check` runs PO307, so a stale `disable=PO307` is PO009 there (lint, which cannot run
    PO307, never calls it unused: tests/test_lint_suppressions.py)."""
    bumped = triage(version="1.1.0", system_tokens=1300).replace(
        "version: 1.1.0", "version: 1.1.0  # promptops: disable=PO307"
    )
    repo, cache = _feature(tmp_path, bumped)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    (unused,) = _codes(report, "PO009")
    assert "PO307" in unused["message"] and unused["line"] == 3


def test_severity_override_applies_to_po307_in_check(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path, UNBUMPED, CONFIG + "lint:\n  severity: {PO307: warning}\n")
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    (finding,) = _codes(report, "PO307")
    assert finding["severity"] == "warning"


# -- PO308 -------------------------------------------------------------------------------------
GROWN = triage(version="1.1.0", system_tokens=1500)  # bumped; input 1,250 → 1,550 (+24%)
PO308_BLOCKS = CONFIG + "lint:\n  severity: {PO308: error}\n"


def test_po308_warns_by_default_and_blocks_as_an_error(tmp_path: Path) -> None:
    repo, cache = _feature(tmp_path / "warn", GROWN)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    (finding,) = _codes(report, "PO308")
    assert finding["severity"] == "warning" and "24.0%" in finding["message"]

    repo, cache = _feature(tmp_path / "error", GROWN, PO308_BLOCKS)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 1
    (finding,) = _codes(report, "PO308")
    assert finding["severity"] == "error"
    assert any(reason.get("rule") == "PO308" for reason in report["blocking_reasons"])


def test_lint_ignore_po308_silences_it_in_check(tmp_path: Path) -> None:
    config = PO308_BLOCKS + "  ignore: [PO308]\n"
    repo, cache = _feature(tmp_path, GROWN, config)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO308") == []


def test_inline_disable_po308_silences_it_in_check(tmp_path: Path) -> None:
    prompt = GROWN.replace("version: 1.1.0", "version: 1.1.0  # promptops: disable=PO308")
    repo, cache = _feature(tmp_path, prompt, PO308_BLOCKS)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO308") == [] and _codes(report, "PO009") == []


def test_growth_pct_limit_moves_the_po308_threshold(tmp_path: Path) -> None:
    config = CONFIG + "lint:\n  limits: {growth_pct: 30}\n"
    repo, cache = _feature(tmp_path, GROWN, config)
    code, report = _check(repo, cache, "--head", "feature")
    assert code == 0 and _codes(report, "PO308") == [], report["findings"]


# -- PO311 -------------------------------------------------------------------------------------
def test_lint_ignore_and_inline_disable_po311_silence_it_in_check(tmp_path: Path) -> None:
    """feature: B reuses 1.0.0 with other content, C bumps to 1.1.0 (PO311 blocks it)."""
    repo, _ = new_repo(tmp_path / "plain")
    blocked_then_bumped(repo)
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1 and _codes(report, "PO311")

    repo, _ = new_repo(tmp_path / "ignored")
    blocked_then_bumped(repo)
    repo.write("promptops.yaml", CONFIG + "lint:\n  ignore: [PO311]\n")
    repo.commit("ignore PO311")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO311") == []

    repo, _ = new_repo(tmp_path / "disabled")
    blocked_then_bumped(repo)
    path = repo.root / "prompts/triage.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("version: 1.1.0", "version: 1.1.0  # promptops: disable=PO311"),
        encoding="utf-8",
    )
    repo.commit("squash-merged: reuse is fine")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert _codes(report, "PO311") == [] and _codes(report, "PO009") == []


# -- lint and check agree ----------------------------------------------------------------------
def test_lint_does_not_run_the_base_ref_rules(tmp_path: Path) -> None:
    """`lint` has no base: the same unbumped edit gives no PO307 and no PO009 there."""
    from tests.support.cli import run_cli

    prompt = UNBUMPED.replace("version: 1.0.0", "version: 1.0.0  # promptops: disable=PO308")
    repo, _ = _feature(tmp_path, prompt)
    result = run_cli(["lint", "--format", "json"], cwd=repo.root)
    assert result.returncode in (0, 1), result.stderr
    assert '"PO307"' not in result.stdout and '"PO009"' not in result.stdout


def _reverted_branch(root: Path, first_line: str = "") -> GitRepo:
    """main: triage 1.0.0; feature: B reuses 1.0.0 for other content, C restores main's text
    byte for byte. The net diff is empty, but merging the branch brings B into history."""
    repo, _ = new_repo(root)
    original = first_line + (repo.root / "prompts/triage.yaml").read_text(encoding="utf-8")
    repo.write("prompts/triage.yaml", original)
    repo.commit("note")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", first_line + triage_v("1.0.0", opus_with_timestamp=True))
    repo.commit("opus and a timestamp (forgot the bump)")
    (repo.root / "prompts/triage.yaml").write_text(original, encoding="utf-8")
    repo.commit("revert")
    return repo


def test_po311_on_a_branch_with_no_net_change_obeys_config_and_suppressions(
    tmp_path: Path,
) -> None:
    repo = _reverted_branch(tmp_path / "plain")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1 and report["prompts"] == []
    (finding,) = _codes(report, "PO311")
    assert finding["path"] == "prompts/triage.yaml" and finding["line"] == 3

    repo = _reverted_branch(tmp_path / "ignored")
    repo.write("promptops.yaml", CONFIG + "lint:\n  ignore: [PO311]\n")
    repo.commit("ignore PO311")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0 and _codes(report, "PO311") == [], report["blocking_reasons"]

    # a file-level suppression the file already carried on main (the file is not in the diff)
    repo = _reverted_branch(tmp_path / "suppressed", "# promptops: disable-file=PO311\n")
    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0 and _codes(report, "PO311") == [], report["blocking_reasons"]


def test_lint_runs_every_rule_but_those_that_need_a_base_ref() -> None:
    """What each caller can run follows from the rules' declared needs alone."""
    from promptops.lint import rules
    from promptops.lint.run import supplied_needs

    need_base = {code for code, module in rules.RULES.items() if "base" in rules.needs(module)}
    assert {"PO307", "PO308", "PO311"} <= need_base
    assert all(rules.RULES[code].SOURCE == "diff" for code in need_base)  # docs: "needs a base"
    assert rules.runnable(supplied_needs(None)) == set(rules.RULES) - need_base
    tokens = {code for code, module in rules.RULES.items() if "tokens" in rules.needs(module)}
    assert {"PO103", "PO201", "PO202", "PO308"} <= tokens
