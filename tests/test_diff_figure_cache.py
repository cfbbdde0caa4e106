"""The diff's disk caches: figures served warm equal a cold run, and every pricing input misses.

Each test runs the real diff in-process on a real git repo with its own cache folder (set by
`cache_dir` in promptops.yaml), and compares the JSON report with a run on an empty cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from promptops.config import load_config
from promptops.diff.index import INDEX_FILE, NOT_A_DOCUMENT, summarize
from promptops.diff.run import diff_refs
from promptops.report.diff_json import diff_report_dict, dumps
from tests.diff_fixtures import FAQ, LOOKUP_TOOL, charter, grow_triage_on_feature, triage
from tests.support.git_repo import GitRepo


@pytest.fixture(autouse=True)
def _cache_dir_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """These repos name their cache folder with `cache_dir`, which PROMPTOPS_CACHE_DIR (set
    for every test by conftest) would override."""
    monkeypatch.delenv("PROMPTOPS_CACHE_DIR", raising=False)


GREETING = """
kind: prompt
id: greeting
version: 1.0.0
model: claude-haiku-4-5
workload: support
system: |
  Greet the customer by name and ask how you can help today.
messages:
  - role: user
    content: "{{ name }}"
"""


def _config(cache: Path, extra: str = "") -> str:
    return f"default_branch: main\ncache_dir: {cache}\n{extra}"


def _repo(root: Path, cache: Path) -> GitRepo:
    """main: a workload of three prompts (one uses a tool); feature: triage grows."""
    repo = GitRepo(root)
    repo.write("promptops.yaml", _config(cache))
    repo.write("charters/support.yaml", charter())
    repo.write("prompts/triage.yaml", triage())
    repo.write("prompts/faq.yaml", FAQ)
    repo.write("prompts/greeting.yaml", GREETING)
    repo.write("tools/lookup.yaml", LOOKUP_TOOL)
    repo.commit("base")
    grow_triage_on_feature(repo)
    return repo


def _diff(root: Path, base: str = "main", head: str = "feature") -> tuple[str, int, int]:
    """(JSON report, member figures served from the cache, member figures priced)."""
    run = diff_refs(load_config(root), base, head)
    return dumps(diff_report_dict(run.report)), run.loaded.figures_cached, run.loaded.figures_priced


def _cold(root: Path, tmp: Path, base: str = "main", head: str = "feature") -> str:
    """The same diff on an empty cache (the config is copied with another cache_dir)."""
    config = (root / "promptops.yaml").read_text()
    cold_cache = tmp / f"cold-{len(list(tmp.glob('cold-*')))}"
    (root / "promptops.yaml").write_text(
        "\n".join(
            f"cache_dir: {cold_cache}" if line.startswith("cache_dir:") else line
            for line in config.splitlines()
        )
        + "\n"
    )
    try:
        report, cached, _ = _diff(root, base, head)
    finally:
        (root / "promptops.yaml").write_text(config)
    assert cached == 0
    return report


def test_warm_run_reads_no_member_and_reports_the_same(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    cold, cached, priced = _diff(repo.root)
    assert (cached, priced) == (0, 2)  # faq and greeting priced once for both sides
    warm, cached, priced = _diff(repo.root)
    assert (cached, priced) == (2, 0)
    assert warm == cold
    assert '"id": "support"' in warm and '"triage"' in warm


def test_changed_charter_misses(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    _diff(repo.root)
    repo.write("charters/support.yaml", charter(calls=2_000_000))
    repo.commit("double the traffic")
    report, cached, priced = _diff(repo.root)
    # base side: cached; head side and head-at-base-traffic: head charter is new for the head.
    assert cached == 2 and priced == 2
    assert report == _cold(repo.root, tmp_path)
    assert '"traffic_changed": true' in report


def test_changed_tool_misses(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    _diff(repo.root)
    # The tool changes on main and the feature is rebased onto it: base and head share the new
    # tool, so faq is an unchanged member of the workload whose cached figures are stale.
    repo.checkout("main")
    repo.write("tools/lookup.yaml", LOOKUP_TOOL.replace("Look up an order.", "Look up " * 40))
    repo.commit("longer tool description")
    repo.git("rebase", "-q", "main", "feature")
    report, cached, priced = _diff(repo.root)
    assert (cached, priced) == (1, 1)  # greeting from the cache, faq priced again
    assert report == _cold(repo.root, tmp_path)
    stale, _, _ = _diff(repo.root, "feature~2", "feature~1")  # the old pair, for contrast
    assert report != stale


def test_price_override_misses(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    before, _, _ = _diff(repo.root)
    override = "prices:\n  claude-haiku-4-5: {input: 2, output: 9}\n"
    repo.write("promptops.yaml", _config(tmp_path / "cache", override))
    report, cached, priced = _diff(repo.root)
    assert (cached, priced) == (0, 2)
    assert report == _cold(repo.root, tmp_path)
    assert report != before  # greeting runs on haiku: the workload total moved


def test_tokenizer_misses(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    _diff(repo.root)
    repo.write("promptops.yaml", _config(tmp_path / "cache", "tokenizer: anthropic\n"))
    report, cached, priced = _diff(repo.root)
    assert (cached, priced) == (0, 2)
    assert report == _cold(repo.root, tmp_path)


def test_a_corrupt_cache_entry_is_a_miss(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", tmp_path / "cache")
    cold, _, _ = _diff(repo.root)
    entries = sorted((tmp_path / "cache").glob("diff-figures/*/*.json"))
    assert len(entries) == 2
    entries[0].write_text("{not json")
    (tmp_path / "cache" / INDEX_FILE).write_text("[]")
    warm, cached, priced = _diff(repo.root)
    assert (cached, priced) == (1, 1)
    assert warm == cold


def test_summary_reads_the_entries_as_yaml_does() -> None:
    text = (
        "# a comment\nkind: prompt\nid: 'a/b'\nversion: 1.0.0\nworkload: 2024\n"
        "tools:\n  - one\n  - two\nsystem: |\n  id: not this one\nmessages: []\n"
    )
    s = summarize(text)
    assert (s.kind, s.id, s.workload, s.tools) == ("prompt", "a/b", "2024", ("one", "two"))
    anchored = "kind: prompt\nid: &x shared\nworkload: *x\nsystem: s\n"
    assert summarize(anchored).workload == "shared"  # anchors: the whole text is parsed
    quoted = 'kind: prompt\nid: q\n"workload": billing\nsystem: s\n'
    assert summarize(quoted).workload == "billing"
    complex_key = "kind: prompt\nid: c\n? workload\n: billing\nsystem: s\n"
    assert summarize(complex_key).workload == "billing"
    assert summarize("title: no kind here\n") == NOT_A_DOCUMENT
    assert summarize("kind: prompt\nid: [unclosed\n") == NOT_A_DOCUMENT
