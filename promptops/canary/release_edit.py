"""Rewrite a release document in place, keeping every comment, blank line and key order.

`canary promote` and `canary rollback` change one or two scalars. Instead of dumping the YAML
again (which loses comments and reformats), the file is composed with PyYAML to find the exact
character span of each scalar to change, and only those characters are replaced; a missing
`step:` key is inserted as one line (block style) or one `, step: N` (flow style). The result
is parsed again and must equal the intended values before it replaces the file atomically
(temp file in the same directory, fsync, `os.replace`, same permissions).
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptops.canary.release import (
    STATE_ACTIVE,
    STATE_COMPLETE,
    STATE_NONE,
    STATE_ROLLED_BACK,
    parse_release,
)
from promptops.errors import UserError

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Edit:
    """Set the scalar at ``path`` to ``source`` (YAML text) meaning ``value``."""

    path: PathKey
    source: str
    value: Any


@dataclass(frozen=True)
class EditResult:
    text: str
    changes: tuple[str, ...]


def promote(text: str, path: str | None = None) -> EditResult:
    """Advance the canary one step, or make it stable after the last step."""
    data, root = _load(text, path)
    release = parse_release(data, path)
    _require_active(release.state, "promote", path)
    if not release.is_last_step:
        nxt = release.step + 1
        weight = release.steps[nxt].weight
        return _apply(
            text,
            data,
            root,
            [Edit(("canary", "step"), str(nxt), nxt)],
            [f"canary step {release.step} -> {nxt} (weight {weight:g}%)"],
            path,
        )
    version_node = _node_at(root, ("canary", "version"), path)
    edits = [Edit(("stable",), _source_of(text, version_node), data["canary"]["version"])]
    if release.step != 0:
        edits.append(Edit(("canary", "step"), "0", 0))
    return _apply(
        text,
        data,
        root,
        edits,
        [f"stable {release.stable} -> {release.canary_version} (canary complete)"],
        path,
    )


def rollback(text: str, path: str | None = None) -> EditResult:
    """Set the current step's canary weight to 0: everyone gets the stable version."""
    data, root = _load(text, path)
    release = parse_release(data, path)
    _require_active(release.state, "roll back", path)
    edit = Edit(("canary", "steps", release.step, "weight"), "0", 0)
    return _apply(
        text,
        data,
        root,
        [edit],
        [f"canary {release.canary_version} weight {release.weight:g}% -> 0% (rolled back)"],
        path,
    )


def set_values(text: str, values: dict[PathKey, Any], path: str | None = None) -> EditResult:
    """Set one-line scalars of any document (`calibrate --write`), keeping every comment and
    the key order; a key missing from an existing mapping is inserted as one line."""
    import json

    data, root = _load(text, path)
    edits = [Edit(key, json.dumps(value), value) for key, value in values.items()]
    changes = [
        f"{'.'.join(map(str, key))}: {_value_at(data, key)!r} -> {value!r}"
        for key, value in values.items()
    ]
    return _apply(text, data, root, edits, changes, path)


def _value_at(data: Any, key_path: PathKey) -> Any:
    for key in key_path:
        if not isinstance(data, dict | list):
            return None
        try:
            data = data[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half."""
    data = text.encode("utf-8")
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def read_text_exact(path: Path) -> str:
    """The file's text with its own newlines (no universal-newline translation)."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise UserError("not UTF-8 text", path=str(path)) from exc


# ----- internals -------------------------------------------------------------------------------
def _require_active(state: str, verb: str, path: str | None) -> None:
    if state == STATE_ACTIVE:
        return
    why = {
        STATE_NONE: "it has no canary version",
        STATE_COMPLETE: "its canary is already the stable version",
        STATE_ROLLED_BACK: "its canary was rolled back (weight 0)",
    }[state]
    raise UserError(f"cannot {verb} the release: {why}", path=path)


def _load(text: str, path: str | None) -> tuple[Any, Any]:
    import yaml

    from promptops.parsing.yaml_source import YamlError, load_values

    try:
        data = load_values(text)  # the loader with limits first: compose alone has none
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except YamlError as exc:
        raise UserError(f"invalid YAML: {exc.problem.message}", path, exc.problem.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            path,
            mark.line + 1 if mark is not None else None,
        ) from exc
    return data, root


def _node_at(root: Any, key_path: PathKey, path: str | None) -> Any:
    import yaml

    node = root
    for key in key_path:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            node = None
        if node is None:
            raise KeyError(key_path)
    return node


def _source_of(text: str, node: Any) -> str:
    return text[node.start_mark.index : node.end_mark.index]


def _apply(
    text: str,
    data: Any,
    root: Any,
    edits: Sequence[Edit],
    changes: list[str],
    path: str | None,
) -> EditResult:
    import yaml

    intended = copy.deepcopy(data)
    splices: list[tuple[int, int, str]] = []
    for edit in edits:
        _set(intended, edit.path, edit.value)
        try:
            node = _node_at(root, edit.path, path)
        except KeyError:
            splices.append(_insertion(text, root, edit, path))
            continue
        if not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
            raise UserError(f"`{'.'.join(map(str, edit.path))}` is not a one-line value", path)
        splices.append((node.start_mark.index, node.end_mark.index, edit.source))
    new_text = text
    for start, end, replacement in sorted(splices, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    try:
        result = yaml.load(new_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:  # pragma: no cover - a bug in the splice logic
        raise UserError(
            f"rewrite produced invalid YAML ({exc}); file left unchanged", path
        ) from exc
    if result != intended:
        raise UserError("rewrite did not produce the intended values; file left unchanged", path)
    return EditResult(new_text, tuple(changes))


def _insertion(text: str, root: Any, edit: Edit, path: str | None) -> tuple[int, int, str]:
    """Where and what to insert for a key missing from its (existing) parent mapping."""
    import yaml

    parent = _node_at(root, edit.path[:-1], path)
    if not isinstance(parent, yaml.MappingNode) or not parent.value:
        raise UserError(f"cannot add `{'.'.join(map(str, edit.path))}`", path)
    key = edit.path[-1]
    if parent.flow_style:
        closing = parent.end_mark.index - 1
        return closing, closing, f", {key}: {edit.source}"
    first_key = parent.value[0][0]
    indent = " " * first_key.start_mark.column
    last_value = parent.value[-1][1]
    # after the last entry: the end of the line holding the end of its value
    anchor = last_value.end_mark.index
    if isinstance(last_value, yaml.ScalarNode) or last_value.flow_style:
        line_end = text.find("\n", anchor)
        position = len(text) if line_end == -1 else line_end + 1
    else:  # a block collection ends at the start of the next line already
        position = _back_over_blank_and_comment_lines(text, anchor)
    newline = "\r\n" if "\r\n" in text else "\n"
    prefix = "" if position == 0 or text[position - 1] == "\n" else newline
    return position, position, f"{prefix}{indent}{key}: {edit.source}{newline}"


def _back_over_blank_and_comment_lines(text: str, index: int) -> int:
    lines_before = text[:index].splitlines(keepends=True)
    position = index
    while lines_before and re.fullmatch(r"\s*(#.*)?\r?\n?", lines_before[-1]):
        position -= len(lines_before.pop())
    return position


def _set(data: Any, key_path: PathKey, value: Any) -> None:
    target = data
    for key in key_path[:-1]:
        target = target[key]
    target[key_path[-1]] = value
