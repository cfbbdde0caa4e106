"""A cold document index searches the tree instead of reading it, and reports the same.

Each repo has more unknown files than `SCAN_LIMIT`, so an empty cache takes the search path;
the same diff with a document index that already summarizes every blob (the full path) must
give a byte-identical JSON report. The workload's members spell `workload:` in every way YAML
allows that the search must still find: quoted, single-quoted, escaped, on the next line,
through an alias, or as a flow mapping (no `kind:` line, still a document); the tool they
use spells its kind quoted, followed by a comment.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from promptops.config import load_config
from promptops.diff.index import DocIndex, summarize
from promptops.diff.loading import SCAN_LIMIT, greppable
from promptops.diff.run import diff_refs
from promptops.report.diff_json import diff_report_dict, dumps
from tests.diff_fixtures import LOOKUP_TOOL, charter, git, triage
from tests.support.git_repo import GitRepo


@pytest.fixture(autouse=True)
def _cache_dir_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """These repos name their cache folder with `cache_dir`, which PROMPTOPS_CACHE_DIR (set
    for every test by conftest) would override."""
    monkeypatch.delenv("PROMPTOPS_CACHE_DIR", raising=False)


MEMBERS = {
    "prompts/quoted.yaml": 'workload: "{w}"\n',
    "prompts/single.yaml": "workload: '{w}'\n",
    "prompts/escaped.yaml": 'workload: "{escaped}"\n',
    "prompts/next_line.yaml": "workload:\n  {w}\n",
    "prompts/anchored.yaml": "labels: {{team: &w {w}}}\nworkload: *w\n",
}
MEMBER_NAMES = ("quoted", "single", "escaped", "next_line", "anchored", "flow")
BODY = """kind: prompt
id: {id}
version: 1.0.0
model: claude-haiku-4-5
tools: ["lookup"]
system: Answer question {id} about orders in one short paragraph.
messages:
  - role: user
    content: "{{{{ q }}}}"
"""


def _repo(root: Path, cache: Path, workload: str = "support") -> GitRepo:
    repo = GitRepo(root)
    repo.write("promptops.yaml", f"default_branch: main\ncache_dir: {cache}\n")
    repo.write("charters/support.yaml", charter().replace("id: support", f"id: {workload}"))
    repo.write(
        "prompts/triage.yaml", triage().replace("workload: support", f"workload: {workload}")
    )
    repo.write("tools/lookup.yaml", LOOKUP_TOOL.replace("kind: tool", 'kind: "tool"  # quoted'))
    escaped = "".join(f"\\x{ord(c):02x}" if i == 1 else c for i, c in enumerate(workload))
    for path, line in MEMBERS.items():
        body = BODY.format(id=Path(path).stem)
        repo.write(path, body + line.format(w=workload, escaped=escaped))
    flow = "{kind: prompt, id: flow, version: 1.0.0, model: claude-haiku-4-5, workload: %s,\n"
    repo.write("prompts/flow.yaml", flow % workload + "  system: Say hi.}\n")
    for i in range(SCAN_LIMIT + 20):  # other workloads' prompts: the search skips them
        other = BODY.format(id=f"p{i}").replace('tools: ["lookup"]\n', "")
        repo.write(f"prompts/other/p{i}.yaml", other + "workload: other\n")
    repo.commit("base")
    repo.branch("feature")
    repo.write(
        "prompts/triage.yaml",
        triage(version="1.1.0", system_tokens=1300).replace(
            "workload: support", f"workload: {workload}"
        ),
    )
    repo.commit("longer triage")
    return repo


def _report(root: Path) -> tuple[str, int, int, list[str]]:
    """(JSON report, summaries known, selected blobs in the base tree, workload members)."""
    run = diff_refs(load_config(root), "main", "feature")
    base = run.loaded.base
    report = dumps(diff_report_dict(run.report))
    return report, len(base.tree.summaries), len(base.tree.blobs), base.members


def _full_index(root: Path, cache: Path) -> None:
    """A cache whose document index summarizes every blob of both commits (the full path)."""
    shutil.rmtree(cache, ignore_errors=True)
    index = DocIndex(cache)
    for ref in ("main", "feature"):
        for line in git(root, "ls-tree", "-r", ref).splitlines():
            meta, _ = line.split("\t", 1)
            blob = meta.split()[2]
            index.put(blob, summarize(git(root, "cat-file", "blob", blob) + "\n"))
    index.save(set())


def _check(tmp_path: Path, workload: str) -> tuple[str, int, int]:
    cache = tmp_path / "cache"
    repo = _repo(tmp_path / "repo", cache, workload)
    cold, known, blobs, members = _report(repo.root)
    again, *_ = _report(repo.root)  # the searches come from the index now
    assert again == cold
    _full_index(repo.root, cache)
    full, known_full, _, members_full = _report(repo.root)
    assert known_full >= blobs  # the full path knew every file
    assert members == members_full == [f"prompts/{m}.yaml" for m in sorted(MEMBER_NAMES)]
    assert cold == full
    return cold, known, blobs


def test_a_cold_index_reads_only_what_the_search_finds(tmp_path: Path) -> None:
    report, known, blobs = _check(tmp_path, "support")
    assert known < 30 < blobs  # the other workload's prompts were never read
    assert '"support"' in report


def test_an_id_the_search_cannot_prove_reads_everything(tmp_path: Path) -> None:
    _, known, blobs = _check(tmp_path, "2024")  # `workload: 2024` could be an int
    assert known >= blobs


def test_greppable_ids() -> None:
    assert greppable("support") and greppable("team/docs-0068") and greppable("a.b_c")
    assert not greppable("2024") and not greppable("1e-05") and not greppable("inf")
    assert not greppable("True") and not greppable("it's") and not greppable("two words")
