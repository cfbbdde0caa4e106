"""A version names one content: `check` (PO311), `bundle` and `lint` (PO310) agree.

Reproduction (issue "Gates that cannot be fooled", item 7): "`bundle` ships the wrong content:
when a version was reused with other content in history (a blocked, unbumped commit that later
merged without squash), `stable: 1.0.0` resolves silently to the newest commit carrying it —
the Opus + timestamp version `check` had blocked. A release naming a version that never
existed (`examples/`) passes lint, validate and check."
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptops.diff.compute import METADATA_FIELDS as DIFF_METADATA_FIELDS
from promptops.version_history import METADATA_FIELDS
from tests.diff_fixtures import charter
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.git_repo import GitRepo

PROMPT = "support/triage"


def triage(version: str, opus_with_timestamp: bool = False) -> str:
    """Haiku with a plain system prompt, or the change `check` blocked: Opus and a timestamp."""
    if opus_with_timestamp:
        model, system = "claude-opus-4-7", "Now: {{ timestamp }}. Triage the support ticket."
        variables = "  timestamp: {expected_tokens: 8}\n"
    else:
        model, system, variables = "claude-haiku-4-5", "Triage the support ticket.", ""
    return f"""
kind: prompt
id: {PROMPT}
version: {version}
model: {model}
workload: support
max_output_tokens: 400
system: "{system}"
messages:
  - role: user
    content: "{{{{ ticket }}}}"
variables:
  ticket: {{expected_tokens: 50}}
{variables}"""


def release(stable: str, canary: str | None = None) -> str:
    text = f"kind: release\nid: triage-rollout\nprompt: {PROMPT}\nstable: {stable}\n"
    if canary:
        text += f"canary:\n  version: {canary}\n  steps:\n    - {{weight: 10, min_calls: 100}}\n"
    return text


def new_repo(root: Path) -> tuple[GitRepo, str]:
    """main: charter + triage 1.0.0 on Haiku (commit A)."""
    repo = GitRepo(root)
    repo.write("promptops.yaml", "default_branch: main\ntokenizer: cl100k_base\n")
    repo.write("charters/support.yaml", charter())
    repo.write("prompts/triage.yaml", triage("1.0.0"))
    return repo, repo.commit("triage 1.0.0")


def blocked_then_bumped(repo: GitRepo) -> tuple[str, str]:
    """feature: B reuses 1.0.0 for Opus + timestamp (check blocks it), C bumps to 1.1.0."""
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage("1.0.0", opus_with_timestamp=True))
    unbumped = repo.commit("opus and a timestamp (forgot the bump)")
    repo.write("prompts/triage.yaml", triage("1.1.0", opus_with_timestamp=True))
    return unbumped, repo.commit("bump to 1.1.0")


def merged_without_squash(root: Path) -> tuple[GitRepo, str, str]:
    """A, then feature (B, C) merged with a merge commit, then the release on main."""
    repo, first = new_repo(root)
    unbumped, _ = blocked_then_bumped(repo)
    repo.checkout("main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    repo.write("releases/triage.yaml", release("1.0.0", "1.1.0"))
    repo.commit("release")
    return repo, first, unbumped


def check_json(args: list[str], cwd: Path, cache: Path) -> tuple[int, dict]:
    result = run_cli(
        ["check", *args, "--format", "json"], cwd=cwd, env={"PROMPTOPS_CACHE_DIR": str(cache)}
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def lint_json(cwd: Path, *paths: str) -> tuple[int, list[dict]]:
    result = run_cli(["lint", *paths, "--format", "json"], cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    return result.returncode, data["findings"] if isinstance(data, dict) else data


def codes(findings: list[dict], code: str) -> list[dict]:
    return [f for f in findings if f["code"] == code]


# -- bundle ------------------------------------------------------------------------------------
def test_bundle_refuses_a_version_reused_with_other_content(tmp_path: Path) -> None:
    repo, first, unbumped = merged_without_squash(tmp_path / "repo")
    result = run_cli(["bundle", "--repo", str(repo.root), "-o", str(tmp_path / "b.json")])
    # before: exit 0, and 1.0.0 was B's Opus + timestamp prompt
    assert result.returncode == 1, result.stdout + result.stderr
    assert "version 1.0.0 is ambiguous" in result.stderr
    assert first[:12] in result.stderr and unbumped[:12] in result.stderr
    assert "releases/triage.yaml" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b.json").exists()


def test_bundle_refuses_a_working_tree_edit_under_a_committed_version(tmp_path: Path) -> None:
    repo, first = new_repo(tmp_path / "repo")
    repo.write("releases/triage.yaml", release("1.0.0"))
    repo.commit("release")
    repo.write("prompts/triage.yaml", triage("1.0.0", opus_with_timestamp=True))
    result = run_cli(["bundle", "--repo", str(repo.root)])
    assert result.returncode == 1
    assert "the working tree" in result.stderr and first[:12] in result.stderr


def test_bundle_resolves_unique_versions_and_working_tree_only_ones(tmp_path: Path) -> None:
    repo, first = new_repo(tmp_path / "repo")
    repo.write("releases/triage.yaml", release("1.0.0", "1.1.0"))
    repo.commit("release")
    repo.write("prompts/triage.yaml", triage("1.1.0", opus_with_timestamp=True))  # uncommitted
    result = run_cli(["bundle", "--repo", str(repo.root)])
    assert result.returncode == 0, result.stderr
    bundle = json.loads(result.stdout)
    versions = bundle["prompts"][PROMPT]["versions"]
    assert versions["1.0.0"]["commit"] == first  # the commit that wrote it
    assert versions["1.0.0"]["request"]["model"] == "claude-haiku-4-5"
    assert versions["1.1.0"]["commit"] is None and bundle["source"]["dirty"] is True


# -- check -------------------------------------------------------------------------------------
def test_check_blocks_a_branch_whose_commits_reuse_a_version(tmp_path: Path) -> None:
    repo, first = new_repo(tmp_path / "repo")
    unbumped, _ = blocked_then_bumped(repo)
    code, report = check_json(["--base", "main", "--head", f"{unbumped}"], repo.root, tmp_path)
    assert code == 1 and codes(report["findings"], "PO307")  # B alone: PO307 blocked it
    # head C is bumped against the base, but B still carries 1.0.0 with other content
    code, report = check_json(["--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1, report["blocking_reasons"]  # before: exit 0
    (finding,) = codes(report["findings"], "PO311")
    assert finding["severity"] == "error" and finding["path"] == "prompts/triage.yaml"
    assert finding["line"] == 3  # the `version:` line
    assert first[:12] in finding["message"] and unbumped[:12] in finding["message"]
    assert any(reason.get("rule") == "PO311" for reason in report["blocking_reasons"])
    # the same from the working tree of the branch (default base: merge-base with main)
    code, report = check_json([], repo.root, tmp_path)
    assert code == 1 and codes(report["findings"], "PO311")


def test_check_blocks_reusing_an_old_version_for_new_content(tmp_path: Path) -> None:
    repo, first = new_repo(tmp_path / "repo")
    repo.write("prompts/triage.yaml", triage("1.1.0", opus_with_timestamp=True))
    repo.commit("1.1.0")
    repo.branch("back")
    text = triage("1.0.0").replace("Triage the support ticket.", "Triage tickets briefly.")
    repo.write("prompts/triage.yaml", text)  # "bumped" against the base, but 1.0.0 existed
    repo.commit("back to 1.0.0 with new words")
    code, report = check_json(["--base", "main", "--head", "back"], repo.root, tmp_path)
    assert code == 1, report["blocking_reasons"]
    assert not codes(report["findings"], "PO307")
    (finding,) = codes(report["findings"], "PO311")
    assert "1.0.0" in finding["message"] and first[:12] in finding["message"]


def test_check_does_not_blame_a_change_for_older_ambiguity(tmp_path: Path) -> None:
    repo, _, _ = merged_without_squash(tmp_path / "repo")
    repo.branch("next")
    repo.write(
        "prompts/triage.yaml", triage("1.2.0", opus_with_timestamp=True).replace("Now", "At")
    )
    repo.commit("1.2.0")
    code, report = check_json(["--base", "main", "--head", "next"], repo.root, tmp_path)
    assert code == 0, report["blocking_reasons"]
    assert not codes(report["findings"], "PO311")


def test_an_unbumped_edit_is_one_po307_not_also_po311(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path / "repo")
    repo.write("prompts/triage.yaml", triage("1.0.0", opus_with_timestamp=True))
    code, report = check_json(["--base", "main"], repo.root, tmp_path)
    assert code == 1
    assert codes(report["findings"], "PO307") and not codes(report["findings"], "PO311")


def test_a_po311_waiver_in_the_charter_unblocks(tmp_path: Path) -> None:
    waiver = (
        "  - rule: PO311\n    reason: branch merged with squash\n    approver: lead\n"
        "    expires: '2999-01-01'\n"
    )
    repo, _ = new_repo(tmp_path / "repo")
    blocked_then_bumped(repo)
    repo.write("charters/support.yaml", charter(waivers=waiver))
    repo.commit("waive")
    code, report = check_json(["--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 0, report["blocking_reasons"]
    (finding,) = codes(report["findings"], "PO311")
    assert finding["severity"] == "warning"


def test_check_blocks_a_new_release_naming_a_version_that_never_existed(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path / "repo")
    repo.branch("release")
    repo.write("releases/triage.yaml", release("0.9.0"))
    repo.commit("release")
    code, report = check_json(["--base", "main", "--head", "release"], repo.root, tmp_path)
    assert code == 1  # before: exit 0
    (finding,) = codes(report["findings"], "PO310")
    assert finding["path"] == "releases/triage.yaml"


# -- lint --------------------------------------------------------------------------------------
def test_lint_reports_a_release_version_that_never_existed(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path / "repo")
    repo.write("releases/triage.yaml", release("1.0.0", "1.1.0"))
    code, findings = lint_json(repo.root)
    assert code == 1  # before: clean
    (finding,) = codes(findings, "PO310")
    assert finding["severity"] == "error" and finding["path"] == "releases/triage.yaml"
    assert finding["line"] == 6  # canary `version:` line
    assert "1.1.0" in finding["message"] and "1.0.0" in finding["message"]  # what exists
    # a version only in the working tree exists (bundle takes it from there, dirty)
    repo.write("prompts/triage.yaml", triage("1.1.0", opus_with_timestamp=True))
    code, findings = lint_json(repo.root)
    assert not codes(findings, "PO310")


def test_lint_reports_a_release_naming_an_ambiguous_version(tmp_path: Path) -> None:
    repo, first, unbumped = merged_without_squash(tmp_path / "repo")
    code, findings = lint_json(repo.root, "releases/triage.yaml")
    assert code == 1
    (finding,) = codes(findings, "PO310")
    assert finding["line"] == 4  # `stable: 1.0.0`
    assert first[:12] in finding["message"] and unbumped[:12] in finding["message"]


def test_lint_outside_git_knows_the_working_tree_version(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "releases").mkdir()
    (tmp_path / "promptops.yaml").write_text("tokenizer: cl100k_base\n")
    (tmp_path / "charters").mkdir()
    (tmp_path / "charters" / "support.yaml").write_text(charter())
    (tmp_path / "prompts" / "triage.yaml").write_text(triage("1.0.0"))
    (tmp_path / "releases" / "triage.yaml").write_text(release("1.0.0"))
    assert not codes(lint_json(tmp_path)[1], "PO310")
    (tmp_path / "releases" / "triage.yaml").write_text(release("0.1.0"))
    assert codes(lint_json(tmp_path)[1], "PO310")


def test_one_prompt_file_on_the_pre_commit_path_reads_no_history(tmp_path: Path) -> None:
    repo, _ = new_repo(tmp_path / "repo")
    repo.write("releases/triage.yaml", release("0.9.0"))  # broken, but not linted here
    _, findings = lint_json(repo.root, "prompts/triage.yaml")
    assert not codes(findings, "PO310")


# -- examples and the contract -----------------------------------------------------------------
def test_examples_releases_name_versions_that_exist_once(tmp_path: Path) -> None:
    """examples/ has no git repository of its own: its history is this repository's history
    of examples/, and every version its releases name exists there with one content."""
    repo = GitRepo.__new__(GitRepo)  # only for `git`
    repo.root = REPO_ROOT
    if repo.git("rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("a shallow clone lacks the history the example release names")
    result = run_cli(["bundle", "--repo", "examples", "-o", str(tmp_path / "b.json")], REPO_ROOT)
    assert result.returncode == 0, result.stderr
    bundle = json.loads((tmp_path / "b.json").read_text())
    versions = bundle["prompts"][PROMPT]["versions"]
    assert set(versions) == {"2.4.1", "2.5.0"}
    assert all(v["commit"] for v in versions.values())


def test_content_ignores_the_same_fields_as_po307() -> None:
    assert METADATA_FIELDS == DIFF_METADATA_FIELDS
