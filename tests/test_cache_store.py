"""The one store's pruning: keyed files no run used for a month go, used ones stay; an entry
map keeps at most `max_unused` entries a run did not use."""

from __future__ import annotations

import os
import time
from pathlib import Path

from promptops.cache.store import KEEP_UNUSED_DAYS, EntryMap, KeyedFiles

MONTH_AGO = time.time() - (KEEP_UNUSED_DAYS + 1) * 86_400


def test_a_write_prunes_its_shard_of_files_no_run_used(tmp_path: Path) -> None:
    files = KeyedFiles(tmp_path / "figures")
    stale, used, other_shard = "ab" + "1" * 62, "ab" + "2" * 62, "cd" + "3" * 62
    for key in (stale, used, other_shard):
        assert files.write(key, b"{}")
        path = files.path(key)
        assert path is not None
        os.utime(path, (MONTH_AGO, MONTH_AGO))
    assert files.read(used) == b"{}"  # a hit: the file is in use again

    KeyedFiles(tmp_path / "figures").write("ab" + "4" * 62, b"{}")  # the next run's first write
    assert files.read(stale) is None
    assert files.read(used) == b"{}"
    assert files.read(other_shard) == b"{}"  # another shard: pruned by another run


def test_an_entry_map_drops_unused_entries_beyond_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "counts.json"
    first = EntryMap(path)
    for i in range(10):
        first[f"k{i}"] = i
    first.save()

    second = EntryMap(path, max_unused=3)
    assert second.get("k0") == 0
    second["new"] = 1
    second.save()
    assert sorted(EntryMap(path)) == ["k0", "new"]  # 9 unused > 3: only what this run used

    third = EntryMap(path, max_unused=3)
    third["k0"] = 5
    third.save()
    assert sorted(EntryMap(path)) == ["k0", "new"]  # 1 unused ≤ 3: kept
