"""Issue "Gates that cannot be fooled": every YAML file of ours is accounted for, and a figure
that cannot be computed is never a number.

Each test quotes the reproduction it guards. Real git repos in tmp dirs, the real CLI, and
`tokenizer: cl100k_base` so the figures do not depend on the default tokenizer.
"""

from __future__ import annotations

import json
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
