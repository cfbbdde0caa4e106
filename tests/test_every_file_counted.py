"""Issue "Gates that cannot be fooled": every YAML file of ours is accounted for, and a figure
that cannot be computed is never a number.

Each test quotes the reproduction it guards. Real git repos in tmp dirs, the real CLI, and
`tokenizer: cl100k_base` so the figures do not depend on the default tokenizer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.diff_fixtures import charter, triage
from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo

CONFIG = "default_branch: main\ntokenizer: cl100k_base\n"
LATIN1_TRIAGE = triage(version="1.1.0").replace('content: "x"', 'content: "café"')


def base_repo(root: Path, config: str = CONFIG) -> GitRepo:
    """main: the support charter and the triage prompt ($5,841/month expected), a README and
    YAML that is not ours (a compose file, a Kubernetes manifest, a CI config)."""
    repo = GitRepo(root)
    repo.write("promptops.yaml", config)
    repo.write("charters/support.yaml", charter())
    repo.write("prompts/triage.yaml", triage())
    repo.write("README.md", "not a document\n")
    repo.write("docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    repo.write("deploy/service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n")
    repo.write("ci/build.yml", "steps:\n  - run: make\n")
    repo.commit("base")
    return repo


def run_json(args: list[str], cwd: Path) -> tuple[int, dict]:
    result = run_cli([*args, "--format", "json"], cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout)


def lint_findings(root: Path, *paths: str) -> tuple[int, list[dict]]:
    code, data = run_json(["lint", *paths], root)
    return code, [f for f in data["findings"] if f["severity"] == "error"]


def where(findings: list[dict]) -> list[tuple[str, str, int]]:
    return [(f["code"], f["path"], f["line"]) for f in findings]


def write_bytes(repo: GitRepo, rel: str, data: bytes) -> None:
    path = repo.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# -- lint: item 3 (not UTF-8) and item 5 (not a document) -----------------------------------
def test_a_file_that_is_not_utf8_is_a_finding_not_a_vanished_file(tmp_path: Path) -> None:
    """Item 3: "A document that is not valid UTF-8 disappears: repo-wide lint says '0 files'
    ... Naming the file gives exit 2 instead of a finding." """
    repo = base_repo(tmp_path / "repo")
    write_bytes(repo, "prompts/triage.yaml", LATIN1_TRIAGE.lstrip("\n").encode("latin-1"))
    code, findings = lint_findings(repo.root)
    assert code == 1
    assert where(findings) == [("PO001", "prompts/triage.yaml", 13)]
    assert "not UTF-8" in findings[0]["message"] and "0xe9" in findings[0]["message"]
    text = run_cli(["lint"], cwd=repo.root).stdout
    assert "2 files checked" in text  # the charter and the undecodable prompt
    named = run_cli(["lint", "prompts/triage.yaml"], cwd=repo.root)
    assert named.returncode == 1, named.stderr  # a finding, not exit 2
    assert "prompts/triage.yaml" in named.stdout and "13:" in named.stdout


@pytest.mark.parametrize(
    ("rel", "text", "code", "line", "message"),
    [
        ("prompts/typo.yaml", "kind: promt\nid: t\n", "PO005", 1, "did you mean 'prompt'?"),
        ("misc/typo.yaml", "id: t\nkind: Prompt\n", "PO005", 2, "did you mean 'prompt'?"),
        ("prompts/empty.yaml", "", "PO005", 1, "the file is empty"),
        ("prompts/comments.yaml", "# a prompt, one day\n", "PO005", 1, "the file is empty"),
        ("misc/list.yaml", "- kind: prompt\n  id: x\n", "PO005", 1, "holds a list"),
        ("prompts/text.yaml", "just some words\n", "PO005", 1, "holds a str value"),
        ("misc/two.yaml", "kind: prompt\nid: a\n---\nkind: tool\n", "PO005", 3, "several"),
        ("prompts/nokind.yaml", "id: a\nsystem: hi\n", "PO005", 1, "missing 'kind'"),
        ("misc/custom.yaml", "kind: template\nid: a\n", "PO005", 1, "unknown kind 'template'"),
        ("misc/broken.yaml", "kind: prompt\nid: [x\n", "PO001", 3, "invalid YAML"),
        ("misc/dup.yaml", "kind: tool\nid: a\nid: b\n", "PO001", 3, "duplicate key 'id'"),
        ("misc/nul.yaml", "kind: tool\nid: a\x00\n", "PO001", 2, "unacceptable character"),
    ],
)
def test_a_yaml_file_of_ours_that_is_not_a_document_is_a_finding(
    tmp_path: Path, rel: str, text: str, code: str, line: int, message: str
) -> None:
    """Item 5: "A misspelled `kind:` (`promt`), an empty file or a non-mapping YAML under the
    configured paths is skipped without a word — it escapes every rule and budget." """
    repo = base_repo(tmp_path / "repo")
    repo.write(rel, text)
    status, findings = lint_findings(repo.root)
    assert status == 1
    assert where(findings) == [(code, rel, line)]
    assert message in findings[0]["message"]
    assert findings[0]["url"].endswith(f"{code}.md")


def test_yaml_that_is_not_ours_stays_quiet_and_ignore_opts_a_file_out(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    repo.write("misc/empty.yaml", "")
    repo.write("misc/list.yml", "- a\n- b\n")
    repo.write("misc/broken.yml", "steps: [unclosed\n")
    repo.write("k8s/release.yaml", "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n")
    repo.write("prompts/notes.yaml", "# promptops: ignore\n- a list kept beside the prompts\n")
    repo.write("prompts/draft.yaml", "# promptops: ignore\nkind: promt\nid: draft\n")
    code, findings = lint_findings(repo.root)
    assert (code, findings) == (0, [])
    # a document cannot hide itself behind the marker
    repo.write("prompts/hidden.yaml", "# promptops: ignore\nkind: prompt\nid: hidden\n")
    _, findings = lint_findings(repo.root)
    assert {(f["code"], f["path"]) for f in findings} == {("PO002", "prompts/hidden.yaml")}


# -- check and diff: items 2, 3, 4 and 5 ------------------------------------------------------
def feature(repo: GitRepo, files: dict[str, str | bytes], message: str = "change") -> None:
    """Branch `feature` off main and commit `files` (bytes are written as they are)."""
    repo.branch("feature")
    for rel, content in files.items():
        if isinstance(content, bytes):
            write_bytes(repo, rel, content)
        else:
            repo.write(rel, content)
    repo.commit(message)


def check(root: Path, *head: str) -> tuple[int, dict]:
    return run_json(["check", "--base", "main", *(["--head", *head] if head else [])], root)


def blocks(report: dict, path: str, code: str) -> bool:
    return any(
        r["code"] == "finding" and r["path"] == path and r["rule"] == code
        for r in report["blocking_reasons"]
    )


def zero_dollars(text: str) -> bool:
    return re.search(r"\$0\.00(?!\d)", text) is not None


def assert_never_a_saving(report: dict) -> None:
    """An unpriced side is never read as a removal: no -100%, no $0 total, no number."""
    assert report["totals"]["incomplete"] is True
    assert report["totals"]["monthly_delta_usd"] is None
    assert report["totals"]["scenarios"]["expected"]["head_usd"] is None
    assert "-100" not in report["headline"] and not zero_dollars(report["headline"])
    assert "incomplete" in report["headline"]


DUPLICATE_KEY = "kind: prompt\nid: new\nid: newer\nversion: 1.0.0\nmodel: claude-sonnet-4-6\n"
UNCLOSED = "kind: prompt\nid: new\nsystem: [unclosed\nmodel: claude-sonnet-4-6\n"


@pytest.mark.parametrize("text", [DUPLICATE_KEY, UNCLOSED], ids=["duplicate-key", "unclosed"])
def test_check_blocks_a_new_file_with_broken_yaml(tmp_path: Path, text: str) -> None:
    """Item 2: "A PR that adds a new file with broken YAML (or a duplicate key) passes
    `check`, while `lint` reports PO001; editing an existing file into broken YAML is
    blocked." """
    repo = base_repo(tmp_path / "repo")
    feature(repo, {"prompts/new.yaml": text})
    code, report = check(repo.root, "feature")
    assert code == 1 and report["blocking"] is True
    assert blocks(report, "prompts/new.yaml", "PO001"), report["blocking_reasons"]
    assert any(f["path"] == "prompts/new.yaml" for f in report["findings"])
    assert report["totals"]["incomplete"] is True  # a new file that may cost anything
    # the same file, untracked in the working tree, is blocked too
    repo.checkout("main")
    repo.write("prompts/new.yaml", text)
    code, report = check(repo.root)
    assert code == 1 and blocks(report, "prompts/new.yaml", "PO001")


def test_check_blocks_an_existing_prompt_edited_into_broken_yaml(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    feature(repo, {"prompts/triage.yaml": triage(version="1.1.0") + "oops: [\n"})
    code, report = check(repo.root, "feature")
    assert code == 1 and blocks(report, "prompts/triage.yaml", "PO001")
    assert_never_a_saving(report)


@pytest.mark.parametrize("new_file", [False, True], ids=["edited", "added"])
def test_check_blocks_a_document_that_is_not_utf8(tmp_path: Path, new_file: bool) -> None:
    """Item 3: "A document that is not valid UTF-8 disappears: ... `check` reports the
    workload at $0 ('decreases by $35.04 (-100%)') and passes." """
    repo = base_repo(tmp_path / "repo")
    rel = "prompts/triage-fr.yaml" if new_file else "prompts/triage.yaml"
    latin1 = LATIN1_TRIAGE.lstrip("\n")
    if new_file:
        latin1 = latin1.replace("id: triage", "id: triage-fr")
    feature(repo, {rel: latin1.encode("latin-1")})
    code, report = check(repo.root, "feature")
    assert code == 1, report["blocking_reasons"]
    assert blocks(report, rel, "PO001")
    (finding,) = [f for f in report["findings"] if f["path"] == rel]
    assert finding["line"] == 13 and "not UTF-8" in finding["message"]
    assert_never_a_saving(report)
    if not new_file:
        (row,) = report["prompts"]
        assert row["head"] is None and row["delta"]["monthly_usd"] == {}
        assert row["unpriced"][0]["side"] == "head" and "not UTF-8" in row["unpriced"][0]["reason"]
        (support,) = report["workloads"]
        assert support["incomplete"] is True
        assert support["scenarios"]["expected"]["base_usd"] == "5841"
        assert support["scenarios"]["expected"]["head_usd"] is None
    # the working tree: an uncommitted file that is not UTF-8 is read, not lost
    repo.checkout("main")
    write_bytes(repo, rel, latin1.encode("latin-1"))
    code, report = check(repo.root)
    assert code == 1 and blocks(report, rel, "PO001")


def test_diff_shows_a_broken_head_document_as_unpriced_and_exits_1(tmp_path: Path) -> None:
    """Item 4: "A broken head document is reported as a 100% saving by `diff` (exit 0, no
    note)." """
    repo = base_repo(tmp_path / "repo")
    feature(repo, {"prompts/triage.yaml": triage(version="1.1.0").replace("model:", "model: [")})
    result = run_cli(["diff", "main", "feature", "--format", "json"], cwd=repo.root)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert_never_a_saving(report)
    (row,) = report["prompts"]
    assert row["base"]["cost_per_call_usd"] == "0.005841"
    assert row["head"] is None and row["delta"]["cost_per_call_usd"] is None
    assert "invalid YAML" in row["unpriced"][0]["reason"]
    assert report["unpriced"][0]["path"] == "prompts/triage.yaml"
    assert report["unpriced"][0]["workload"] == "support"
    assert report["totals"]["scenarios"]["expected"]["base_usd"] == "5841"
    text = run_cli(["diff", "main", "feature"], cwd=repo.root)
    assert text.returncode == 1
    assert "unpriced" in text.stdout and "-100" not in text.stdout
    assert not zero_dollars(text.stdout)
    assert "Not priced: the figures above are incomplete" in text.stdout
    markdown = run_cli(["diff", "main", "feature", "--format", "markdown"], cwd=repo.root)
    assert "Figures incomplete" in markdown.stdout and "-100" not in markdown.stdout


def test_diff_shows_a_prompt_that_cannot_be_priced_as_unpriced(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    changed = triage(version="1.1.0").replace("claude-sonnet-4-6", "claude-nope-9")
    feature(repo, {"prompts/triage.yaml": changed})
    code, report = run_json(["diff", "main", "feature"], repo.root)
    assert code == 1
    assert_never_a_saving(report)
    assert "unknown model 'claude-nope-9'" in report["prompts"][0]["unpriced"][0]["reason"]


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("prompts/x.yaml", "kind: promt\nid: x\nversion: 1.0.0\nmodel: claude-sonnet-4-6\n"),
        ("prompts/empty.yaml", ""),
        ("prompts/list.yaml", "- kind: prompt\n  id: listed\n"),
        ("misc/typo.yaml", "kind: Prompt\nid: x\nsystem: hi\n"),
    ],
    ids=["misspelt-kind", "empty", "not-a-mapping", "kind-case"],
)
def test_check_blocks_a_new_file_that_is_not_a_document(
    tmp_path: Path, rel: str, text: str
) -> None:
    """Item 5: "A misspelled `kind:` (`promt`), an empty file or a non-mapping YAML under the
    configured paths is skipped without a word — it escapes every rule and budget." """
    repo = base_repo(tmp_path / "repo")
    feature(repo, {rel: text})
    code, report = check(repo.root, "feature")
    assert code == 1 and blocks(report, rel, "PO005"), report["blocking_reasons"]
    assert [d["path"] for d in report["documents"]] == [rel]
    assert report["documents"][0]["problem"].startswith("head: PO005")


def test_a_prompt_turned_into_someone_elses_yaml_is_not_a_removal(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo", CONFIG)
    repo.move("prompts/triage.yaml", "triage.yaml")  # outside the kind folders
    repo.commit("move")
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: triage}\n"
    feature(repo, {"triage.yaml": manifest})
    code, report = run_json(["diff", "main", "feature"], repo.root)
    assert code == 1
    assert_never_a_saving(report)
    assert "not a promptops document" in report["prompts"][0]["unpriced"][0]["reason"]
    code, report = check(repo.root, "feature")
    assert code == 1
    assert any(r["code"] == "unpriced-changed" for r in report["blocking_reasons"])


def test_changes_to_yaml_that_is_not_ours_pass_quietly(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    feature(
        repo,
        {
            "docker-compose.yml": "services:\n  web: [broken\n",
            "deploy/service.yaml": "apiVersion: v1\nkind: Service\n---\nkind: Deployment\n",
            "ci/empty.yml": "",
        },
    )
    code, report = check(repo.root, "feature")
    assert (code, report["blocking_reasons"], report["changed"]) == (0, [], False)
    assert run_cli(["diff", "main", "feature"], cwd=repo.root).returncode == 0
    assert lint_findings(repo.root) == (0, [])
