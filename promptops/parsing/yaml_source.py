"""Load one YAML file into plain Python values plus a map of where each value stands.

Findings must point at the right line and column, so we compose the YAML node graph (with the C
loader when present) and record the start and end of every key and value by its path, e.g.
``("system", 0, "text")``. Values themselves are built by PyYAML's safe constructor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import yaml

try:  # The C loader is several times faster; fall back silently when it is not built.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[Any, ...]

# Bounds on what one file may make us build. A prompt repo's documents are a few levels deep and
# a few thousand values at most; these limits leave two orders of magnitude of room and stop an
# alias bomb (nine aliases of nine aliases of ... expand to billions of values from 1 KB), a
# self-referencing alias (`x: &a [*a]`) and deep nesting (a RecursionError in the builder) with
# one finding, checked on the node graph before anything is built.
MAX_CHARS = 8 * 1024 * 1024  # characters in one file
MAX_DEPTH = 100  # nested mappings and sequences
MAX_VALUES = 100_000  # values once every alias is expanded
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"


class Span(NamedTuple):
    """A region of the source, 1-based lines and columns; ``index`` is the 0-based offset.

    A named tuple (not a dataclass): a big repo has ~50 spans per document, and tuples are
    cheap to build and to store in the parse cache."""

    line: int
    column: int
    end_line: int
    end_column: int
    # Shadows tuple.index(), which no caller uses: `span.index` is read across the rules.
    index: int = 0  # type: ignore[assignment]
    end_index: int = 0


@dataclass
class SourceMap:
    """Where every key and value of a document stands in its file."""

    text: str
    values: dict[PathKey, Span] = field(default_factory=dict)
    keys: dict[PathKey, Span] = field(default_factory=dict)
    styles: dict[PathKey, str | None] = field(default_factory=dict)

    def value(self, path: PathKey) -> Span:
        """The span of the value at ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Span(1, 1, 1, 1))

    def key(self, path: PathKey) -> Span:
        """The span of the mapping key that introduces ``path`` (falls back to the value)."""
        path = tuple(path)
        probe = path
        while probe:
            if probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Span(1, 1, 1, 1))

    def locate(self, path: PathKey, needle: str | re.Pattern[str], occurrence: int = 0) -> Span:
        """Find ``needle`` inside the raw source of the scalar at ``path``.

        Template variables are matched in the raw text, so a `{{ name }}` inside a literal block,
        a plain scalar or a quoted string is found where the user typed it.
        """
        span = self.value(path)
        segment = self.text[span.index : span.end_index]
        pattern = needle if isinstance(needle, re.Pattern) else re.compile(re.escape(needle))
        matches = list(pattern.finditer(segment))
        if not matches:
            return span
        match = matches[min(occurrence, len(matches) - 1)]
        return self.span_of(span.index + match.start(), span.index + match.end())

    def span_of(self, start: int, end: int) -> Span:
        """Turn two offsets into a 1-based span."""
        line = self.text.count("\n", 0, start) + 1
        column = start - (self.text.rfind("\n", 0, start) + 1) + 1
        end_line = self.text.count("\n", 0, end) + 1
        end_column = end - (self.text.rfind("\n", 0, end) + 1) + 1
        return Span(line, column, end_line, end_column, start, end)


@dataclass(frozen=True)
class YamlProblem:
    """A file that is not valid YAML (or not one mapping), with where it went wrong.

    `kind` tells a broken text (`syntax`, `duplicate-key`, `undecodable`, `limit`: a bound
    of `MAX_CHARS`, `MAX_DEPTH` or `MAX_VALUES` broken) from valid YAML
    that cannot be one document (`empty`, `several-documents`): the loader reports the first
    as PO001 and the second as PO005."""

    message: str
    line: int
    column: int
    kind: str = "syntax"


class YamlError(ValueError):
    """A `YamlProblem` raised, for readers that want values or an exception (`load_values`)."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class LoadedYaml:
    data: Any
    source: SourceMap


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(
        start.line + 1, start.column + 1, end.line + 1, end.column + 1, start.index, end.index
    )


class _Builder:
    """Builds values from nodes while recording spans; reports duplicate keys."""

    def __init__(self, loader: Any, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.duplicates: list[YamlProblem] = []
        self.merged: dict[int, int] = {}

    def _flatten(self, node: yaml.MappingNode) -> int:
        """Apply merge keys (`<<`) in place; how many of the pairs at the front came from them.

        Pairs merged in may repeat each other or be overridden by the mapping's own keys (the
        later pair wins, as in PyYAML); only the mapping's own keys can be duplicates. An
        aliased mapping is flattened once, so the count is kept for its next visit."""
        if id(node) not in self.merged:
            own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
            self.loader.flatten_mapping(node)
            self.merged[id(node)] = len(node.value) - own
        return self.merged[id(node)]

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.source.values[path] = _span(node)
        if isinstance(node, yaml.MappingNode):
            merged = self._flatten(node)
            result: dict[Any, Any] = {}
            own: set[Any] = set()
            for position, (key_node, value_node) in enumerate(node.value):
                if key_node.tag == _STR_TAG and isinstance(key_node, yaml.ScalarNode):
                    key = key_node.value
                else:
                    key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    key = str(key)
                child = (*path, key)
                if position >= merged and key in own:  # a merged key may be overridden
                    mark = key_node.start_mark
                    self.duplicates.append(
                        YamlProblem(
                            f"duplicate key {key!r}",
                            mark.line + 1,
                            mark.column + 1,
                            "duplicate-key",
                        )
                    )
                if position >= merged:
                    own.add(key)
                self.source.keys[child] = _span(key_node)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        # Neither a mapping nor a sequence: a scalar, the only other kind of node.
        self.source.styles[path] = cast(yaml.ScalarNode, node).style
        if node.tag == _STR_TAG:
            return node.value  # what SafeConstructor.construct_yaml_str returns, without the calls
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # dates stay as written: schemas and users compare strings
        return self.loader.construct_object(node, deep=True)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _limit_problem(root: yaml.Node) -> YamlProblem | None:
    """The first bound `root` breaks, found without building anything.

    One iterative walk of the node graph (an alias is the same node object in two places):
    each distinct node is measured once, so the size a bomb would expand to is known from its
    few hundred nodes, and a node met again while it is still being measured is a cycle."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(child)] for child in children)
            depth[key] = 1 + max((depth[id(child)] for child in children), default=0)
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
            if size[key] > MAX_VALUES:
                return YamlProblem(
                    f"this value expands to more than {MAX_VALUES:,} values through aliases "
                    "(an alias bomb?): write the values out or use fewer aliases",
                    line,
                    column,
                    "limit",
                )
            if depth[key] > MAX_DEPTH:
                return YamlProblem(
                    f"values nested more than {MAX_DEPTH} levels deep: promptops reads "
                    "documents up to that depth",
                    line,
                    column,
                    "limit",
                )
            continue
        if key in size:
            continue
        if key in open_nodes:
            return YamlProblem(
                "an alias refers to the value that contains it (a self-referencing alias "
                "never ends): replace the alias with the value it should stand for",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                "limit",
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)
    return None


# Bytes that are not UTF-8, decoded with `surrogateescape` (see `decode_text`).
_UNDECODED = re.compile("[\udc80-\udcff]")
_SEVERAL_DOCUMENTS = "expected a single document in the stream"


def decode_text(data: bytes) -> str:
    """A file's text; bytes that are not UTF-8 become lone surrogates, so a file that cannot be
    decoded still has a text (and a content hash) and `load_yaml` reports where it breaks
    instead of the file vanishing. Only the loader sees such a text: YAML never does."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def undecodable(text: str) -> YamlProblem | None:
    """Where a text made by `decode_text` holds bytes that are not UTF-8, if it does."""
    match = _UNDECODED.search(text)
    if match is None:
        return None
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    byte = ord(match.group()) - 0xDC00
    return YamlProblem(
        f"not UTF-8 text: byte 0x{byte:02x} cannot be decoded (save the file as UTF-8)",
        line,
        column,
        "undecodable",
    )


def load_yaml(text: str) -> LoadedYaml | YamlProblem:
    """Parse one YAML document; return its values and source map, or the problem found."""
    undecoded = undecodable(text)
    if undecoded is not None:
        return undecoded
    if len(text) > MAX_CHARS:
        return YamlProblem(
            f"the file has {len(text):,} characters; promptops reads files of up to "
            f"{MAX_CHARS:,} (split it, or exclude it in promptops.yaml)",
            1,
            1,
            "limit",
        )
    loader = _Loader(text)
    source = SourceMap(text=text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlProblem("the file is empty", 1, 1, "empty")
        limit = _limit_problem(node)
        if limit is not None:
            return limit
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        if exc.context == _SEVERAL_DOCUMENTS and exc.problem_mark is not None:
            next_document = exc.problem_mark
            return YamlProblem(
                "several YAML documents in one file (the next one starts here): "
                "promptops reads one document per file",
                next_document.line + 1,
                next_document.column + 1,
                "several-documents",
            )
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}, {exc.problem}"
            started = exc.context_mark
            if started is not None and mark is not None and started.line != mark.line:
                problem += f" (the construct started at line {started.line + 1})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return YamlProblem(problem, line, column)
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, at its offset
        span = source.span_of(exc.position, exc.position)
        return YamlProblem(
            f"unacceptable character #x{exc.character:04x}: {exc.reason}", span.line, span.column
        )
    except yaml.YAMLError as exc:
        return YamlProblem(str(exc).splitlines()[0], 1, 1)
    except (ValueError, TypeError, OverflowError) as exc:
        return YamlProblem(f"unreadable value: {exc}", 1, 1)
    except RecursionError:  # the pure-Python composer recurses below MAX_DEPTH's check
        return YamlProblem(
            f"values nested more than {MAX_DEPTH} levels deep: promptops reads documents up "
            "to that depth",
            1,
            1,
            "limit",
        )
    finally:
        loader.dispose()
    if builder.duplicates:
        return builder.duplicates[0]
    return LoadedYaml(data=data, source=source)


def load_values(text: str) -> Any:
    """The values of one YAML text, for readers that need no positions: the same parser and
    limits as `load_yaml` (never `yaml.load`, which has none), None for an empty text.

    Raises `YamlError` with the problem, line and column."""
    loaded = load_yaml(text)
    if isinstance(loaded, YamlProblem):
        if loaded.kind == "empty":
            return None
        raise YamlError(loaded)
    return loaded.data
