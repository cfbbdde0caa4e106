"""`promptops cache warm|dir|clear` on real git repos, and the parsed-encoding cache.

After `cache warm BASE`, a diff against BASE must read and price nothing but the change (no
workload member priced) and produce exactly the report of a diff on an empty cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptops.config import load_config
from promptops.diff.run import diff_refs
from promptops.report.diff_json import diff_report_dict, dumps
from promptops.tokens import tokenizers
from tests.diff_fixtures import FAQ, base_repo, grow_triage_on_feature
from tests.support.cli import run_cli
from tests.support.git_repo import GitRepo


def _repo(root: Path) -> GitRepo:
    """main: workload `support` (triage, faq), a tool and a tool-using prompt;
    feature: triage grows."""
    repo = base_repo(root)
    repo.write("prompts/faq.yaml", FAQ)
    repo.commit("faq")
    grow_triage_on_feature(repo)
    return repo


def _cli(args: list[str], root: Path, cache: Path):
    return run_cli(args, cwd=root, env={"PROMPTOPS_CACHE_DIR": str(cache)})


def test_a_diff_after_warm_prices_only_the_change_and_equals_a_cold_diff(tmp_path, monkeypatch):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _repo(root)
    warm = _cli(["cache", "warm", "main", "--no-lint"], root, cache)
    assert warm.returncode == 0, warm.stderr
    assert "2 prompts in 1 workload (2 priced" in warm.stdout
    assert len(list((cache / "diff-figures").glob("*/*.json"))) == 2

    monkeypatch.setenv("PROMPTOPS_CACHE_DIR", str(cache))
    run = diff_refs(load_config(root), "main", "feature")
    assert run.loaded.figures_priced == 0  # faq, triage's workload sibling, came from the cache
    assert run.loaded.figures_cached == 1
    cold = _cli(["diff", "main", "feature", "--format", "json"], root, tmp_path / "empty")
    assert cold.returncode == 0, cold.stderr
    assert dumps(diff_report_dict(run.report)) == cold.stdout

    again = _cli(["cache", "warm", "main", "--no-lint"], root, cache)
    assert again.returncode == 0, again.stderr
    assert "(0 new)" in again.stdout and "(0 priced" in again.stdout


def test_warm_lints_the_working_tree_so_lint_starts_warm(tmp_path):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _repo(root)
    warm = _cli(["cache", "warm"], root, cache)
    assert warm.returncode == 0, warm.stderr
    assert "for HEAD" in warm.stdout and "working tree linted" in warm.stdout
    assert list(cache.glob("documents-*.bin")) and list(cache.glob("tokens-*.json"))


@pytest.mark.parametrize(
    ("args", "message"),
    [(["cache", "warm", "no-such-ref"], "unknown git ref 'no-such-ref'")],
)
def test_warm_on_a_bad_ref_is_a_clear_usage_error(tmp_path, args, message):
    root = tmp_path / "repo"
    _repo(root)
    result = _cli(args, root, tmp_path / "cache")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_warm_outside_a_git_repository_or_before_a_commit_is_a_clear_usage_error(tmp_path):
    (tmp_path / "promptops.yaml").write_text("default_branch: main\n", encoding="utf-8")
    result = _cli(["cache", "warm", "--no-lint"], tmp_path, tmp_path / "cache")
    assert result.returncode == 2
    assert "is not inside a git repository" in result.stderr and "Traceback" not in result.stderr
    GitRepo(tmp_path)
    result = _cli(["cache", "warm", "--no-lint"], tmp_path, tmp_path / "cache")
    assert result.returncode == 2
    assert "no commits yet" in result.stderr and "Traceback" not in result.stderr


def test_dir_prints_the_folder_and_clear_removes_only_what_promptops_wrote(tmp_path):
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _repo(root)
    assert _cli(["cache", "warm", "main"], root, cache).returncode == 0
    (cache / "notes.txt").write_text("someone else's file\n", encoding="utf-8")
    shown = _cli(["cache", "dir"], root, cache)
    assert shown.returncode == 0 and shown.stdout.strip() == str(cache)

    cleared = _cli(["cache", "clear"], root, cache)
    assert cleared.returncode == 0, cleared.stderr
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert "removed" in cleared.stdout


def test_the_parsed_encoding_counts_exactly_like_tiktoken_and_survives_damage(tmp_path):
    text = "Résumé: <|endoftext|> tokens, numbers 12345 and emoji 🎉\n" * 20
    reference = tokenizers._load("cl100k_base", None)  # tiktoken's own parse, nothing saved
    assert not list(tmp_path.iterdir())
    tokenizers._load("cl100k_base", tmp_path)  # parses and saves the ranks
    saved = list(tmp_path.glob("encoding-cl100k_base-*.marshal"))
    assert len(saved) == 1
    fast = tokenizers.fast_cl100k(tmp_path)
    assert fast is not None and fast.name == reference.name
    expected = reference.encode(text, disallowed_special=())
    assert fast.encode(text, disallowed_special=()) == expected
    assert len(expected) > 100

    saved[0].write_bytes(b"\x00damaged")
    assert tokenizers.fast_cl100k(tmp_path) is None
    again = tokenizers._load("cl100k_base", tmp_path)  # falls back and rewrites it
    assert again.encode(text, disallowed_special=()) == expected
    assert tokenizers.fast_cl100k(tmp_path) is not None
