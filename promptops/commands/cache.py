"""`promptops cache warm|dir|key|clear`: the local cache that makes repeat runs read only changes.

Exit codes: 0 done, 2 bad input (not a git repo, unknown ref, bad config) or, for `clear`,
entries it could not remove (a read-only folder): it names them.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import click

from promptops.cache.folder import cache_dir_of
from promptops.commands.common import config_for, config_option
from promptops.config import Config
from promptops.errors import EXIT_OK, EXIT_USAGE

# What promptops writes in the cache folder (older names included); `clear` removes only
# these, so a cache folder shared with other tools loses nothing else. Every file is written
# through `promptops.cache.store` (checksummed, salted entries); `diff-index-v*`,
# `diff-figures-v*`, `valid-configs` and `lint-*.pickle` are older names nothing writes any more.
OWNED = (
    "tokens-*.json",
    "encoding-*.marshal",
    "diff-index*.json",
    "diff-figures*",
    "prices-*.json",
    "documents-*.bin",
    "lint-*.bin",
    "lint-*.pickle",
    "valid-configs",
    ".*.tmp",
)


@click.group(name="cache")
def command() -> None:
    """The local cache: token counts, parsed documents, lint state, diff summaries and figures.

    Every entry is keyed by content (text hashes, git blob ids, the price table and tokenizer),
    never by time or commit, and salted with a hash of promptops's own source (`cache key`), so
    an old cache can be restored anywhere and serves only what this promptops would compute;
    every entry carries a checksum, so a damaged one is recomputed, never read. A folder that
    cannot be written costs one warning and no caching, never a failed command.
    Folder: $PROMPTOPS_CACHE_DIR, else `cache_dir` in promptops.yaml, else
    $XDG_CACHE_HOME/promptops (~/.cache/promptops).
    """


@command.command("warm", short_help="Fill the cache for diffs against REF (default: HEAD).")
@click.argument("ref", default="HEAD")
@click.option(
    "--lint/--no-lint",
    default=True,
    show_default=True,
    help="Also lint the working tree, which fills the token, document and lint caches "
    "that `check` and `lint` read.",
)
@config_option
def warm_command(ref: str, lint: bool, config_file: Path | None) -> int:
    """Fill the cache for diffs against REF (default: HEAD), once, so later `diff` and `check`
    runs against it read and price only the documents they change.

    Summarizes every document at REF and prices every prompt of every workload against REF's
    tools and charters (what a diff needs for the workload totals). In CI, run it on each push
    to the default branch and save the cache folder with actions/cache; pull requests restore
    it (the promptops Action does both). Works offline.
    """
    from promptops.diff.prime import prime

    config = config_for([], config_file)
    started = time.perf_counter()
    if lint:
        _lint_working_tree(config)
    result = prime(config, ref)
    seconds = time.perf_counter() - started
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"warmed {cache_dir_of(config)} for {result.ref} ({result.sha[:12]}) in {seconds:.1f} s: "
        f"{_count(result.documents, 'document')} ({result.summarized:,} new), "
        f"{_count(result.members, 'prompt')} in {_count(result.workloads, 'workload')} "
        + (
            f"({result.priced:,} priced, the rest already cached)"
            if result.priced < result.members
            else f"({result.priced:,} priced)"
        )
        + ("; working tree linted" if lint else "")
    )
    return EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _lint_working_tree(config: Config) -> None:
    """Lint everything once for its side effect: the caches it fills (findings are not shown;
    `promptops lint` shows them)."""
    from promptops.documents.workspace import load_workspace
    from promptops.lint.run import lint_workspace
    from promptops.pricing.table import PriceTable

    lint_workspace(load_workspace(config, models=PriceTable.from_config(config)))


@command.command("dir", short_help="Print the cache folder.")
@config_option
def dir_command(config_file: Path | None) -> int:
    """Print the cache folder (for actions/cache `path:` or a CI cache step)."""
    click.echo(str(cache_dir_of(config_for([], config_file))))
    return EXIT_OK


@command.command("key", short_help="Print the salt of every cache entry.")
def key_command() -> int:
    """Print the salt every cache entry is sealed with: a hash of promptops's own source and
    data files, the schemas and the Python version. Entries written under another salt are
    misses, so put it in a CI cache key (the promptops Action does) to restore only caches this
    promptops can use."""
    from promptops.cache.salt import salt

    click.echo(salt())
    return EXIT_OK


@command.command("clear", short_help="Remove what promptops keeps in the cache folder.")
@config_option
def clear_command(config_file: Path | None) -> int:
    """Remove what promptops keeps in the cache folder, nothing else in it.

    The eval response cache (`eval.cache_dir`) is separate and left alone. Entries that cannot
    be removed (a read-only folder) are named on stderr, and the exit code is 2.
    """
    folder = cache_dir_of(config_for([], config_file))
    removed = 0
    failed: list[tuple[str, str]] = []

    def note(_function: object, path: str, info: object) -> None:
        error = info[1] if isinstance(info, tuple) else info
        failed.append((path, getattr(error, "strerror", None) or str(error)))

    try:
        found = sorted({path for pattern in OWNED for path in folder.glob(pattern)})
    except OSError as exc:  # cannot list the folder: nothing removed
        found = []
        failed.append((str(folder), exc.strerror or str(exc)))
    for path in found:
        before = len(failed)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, onerror=note)
        else:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                note(None, str(path), exc)
        removed += int(len(failed) == before)
    click.echo(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {folder}")
    if not failed:
        return EXIT_OK
    for where, reason in failed[:20]:
        click.echo(
            f"promptops: error: could not remove {os.path.relpath(where, folder)}: {reason}",
            err=True,
        )
    if len(failed) > 20:
        click.echo(f"promptops: error: … and {len(failed) - 20} more", err=True)
    return EXIT_USAGE
