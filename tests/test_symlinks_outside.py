"""Working-tree symlinks that leave the repository are a finding (PO005), never followed.

The reproduction (issue 14): a pull request adds `prompts/p.yaml -> /outside/secret.yaml`, and
`lint`, `tokens`, `diff` and `check` read the file outside the repository. Each test makes a
real git repo beside an "outside" folder whose document carries a marker that must never reach
any output, and drives the real CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo

CONFIG = "default_branch: main\ntokenizer: cl100k_base\n"
MARKER = "OUTSIDE-THE-REPO-7f3a"
OUTSIDE_PROMPT = f"""\
kind: prompt
id: leaked
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: "{MARKER} never read this"
"""
HELLO = """\
kind: prompt
id: hello
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: Greet the user in one sentence.
"""


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text(OUTSIDE_PROMPT, encoding="utf-8")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", CONFIG)
    repo.write("prompts/hello.yaml", HELLO)
    repo.commit("base")
    return repo


def link(repo: GitRepo, rel: str, target: str | Path) -> None:
    path = repo.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


def json_of(args: list[str], cwd: Path) -> tuple[int, dict, str]:
    result = run_cli([*args, "--format", "json"], cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    assert MARKER not in result.stdout + result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def po005(findings: list[dict]) -> dict[str, dict]:
    return {f["path"]: f for f in findings if f["code"] == "PO005"}


LINKS = {
    "absolute file": ("prompts/abs.yaml", "{outside}/secret.yaml"),
    "relative file": ("prompts/rel.yaml", "../../outside/secret.yaml"),
    "folder": ("prompts/shared", "{outside}"),
    "dangling": ("prompts/gone.yaml", "/nonexistent/promptops/x.yaml"),
}


@pytest.mark.parametrize("name", list(LINKS))
@pytest.mark.parametrize("command", ["lint", "validate"])
def test_a_link_out_is_po005_at_line_1_and_never_read(repo, outside, name, command):
    rel, target = LINKS[name]
    link(repo, rel, target.format(outside=outside))
    code, data, _ = json_of([command], repo.root)
    assert code == 1
    found = po005(data["findings"])
    assert set(found) == {rel}, data["findings"]
    assert found[rel]["line"] == 1 and found[rel]["severity"] == "error"
    assert "symlink" in found[rel]["message"]
    assert not any(f["path"].endswith("secret.yaml") for f in data["findings"])


def test_a_link_out_named_on_the_command_line_is_reported_not_read(repo, outside):
    link(repo, "prompts/abs.yaml", outside / "secret.yaml")
    for args in (["lint", "prompts/abs.yaml"], ["lint", "--force-exclude", "prompts/abs.yaml"]):
        code, data, _ = json_of(args, repo.root)
        assert code == 1
        assert set(po005(data["findings"])) == {"prompts/abs.yaml"}, args


def test_tokens_never_prices_the_outside_document(repo, outside):
    link(repo, "prompts/abs.yaml", outside / "secret.yaml")
    code, data, _ = json_of(["tokens"], repo.root)
    assert code == 1  # a document that could not be read makes the report incomplete
    assert [p["id"] for p in data["prompts"]] == ["hello"]


def test_a_link_inside_the_repository_is_read_like_its_target(repo):
    # the target's own name is not YAML, so only the link is a document (no duplicate id)
    repo.write("shared/greeting.txt", HELLO.replace("id: hello", "id: greeting"))
    link(repo, "prompts/greeting.yaml", "../shared/greeting.txt")
    code, data, _ = json_of(["tokens"], repo.root)
    assert code == 0
    assert sorted(p["id"] for p in data["prompts"]) == ["greeting", "hello"]
    _, lint, _ = json_of(["lint", "prompts/greeting.yaml"], repo.root)
    assert not po005(lint["findings"])


def test_a_link_out_that_is_not_ours_is_ignored_not_read(repo, outside):
    link(repo, "ci/build.yml", outside / "secret.yaml")  # default paths: not a kind folder
    code, data, _ = json_of(["lint"], repo.root)
    assert not po005(data["findings"])
    assert code == 0


def test_configured_paths_make_every_link_under_them_ours(tmp_path, outside):
    repo = GitRepo(tmp_path / "repo")
    repo.write("promptops.yaml", CONFIG + "paths: ['llm/**/*.yaml']\n")
    repo.write("llm/hello.yaml", HELLO)
    repo.commit("base")
    link(repo, "llm/abs.yaml", outside / "secret.yaml")
    link(repo, "llm/more", outside)
    link(repo, "other/abs.yaml", outside / "secret.yaml")  # not selected by paths
    code, data, _ = json_of(["lint"], repo.root)
    assert code == 1
    assert set(po005(data["findings"])) == {"llm/abs.yaml", "llm/more"}


@pytest.mark.parametrize("command", ["diff", "check"])
def test_diff_and_check_do_not_follow_a_link_the_change_adds(repo, outside, command):
    link(repo, "prompts/abs.yaml", outside / "secret.yaml")
    repo.git("add", "-A")
    result = run_cli([command, "--format", "json"], cwd=repo.root)
    assert "Traceback" not in result.stderr, result.stderr
    assert MARKER not in result.stdout + result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    unpriced = {u["path"] for u in report["unpriced"]}
    assert "prompts/abs.yaml" in unpriced
    if command == "check":
        assert report["blocking"] is True
        assert any(reason["path"] == "prompts/abs.yaml" for reason in report["blocking_reasons"])
        assert set(po005(report["findings"])) == {"prompts/abs.yaml"}
