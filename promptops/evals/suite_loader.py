"""The one adapter between the eval engine and the rest of promptops.

Everything the runner needs from documents, config and rendering passes through here:
reading eval documents into `Suite`s, finding the prompt and tool documents they use, turning
a case into a Messages API request, reading the `eval:`/`gate:` config, and checking out the
base ref. Documents come from the same Workspace every other command uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptops.errors import UserError
from promptops.evals.assertions import prepare
from promptops.evals.assertions.base import Where
from promptops.evals.results import GateSpec
from promptops.evals.runner import EvalCase, Render, Suite

if TYPE_CHECKING:
    from promptops.config import Config
    from promptops.documents.model import Document
    from promptops.documents.workspace import Workspace

TARGETS = ("assigned", "local")


@dataclass(frozen=True)
class LoadedSuite:
    suite: Suite
    prompt: dict[str, Any]
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    charter: dict[str, Any] | None = None  # the prompt's workload charter (its traffic)

    def renderer(self) -> Render:
        return make_renderer(self.prompt, self.tools)


@dataclass(frozen=True)
class EvalSettings:
    """The `eval:` and `gate:` sections of the config, and the config itself (its `prices:`
    price the calls, through `PriceTable.from_config`)."""

    root: Path
    eval: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)
    config: Config | None = None


def load_settings(start: Path, config_file: str | None = None) -> EvalSettings:
    from promptops.config import load_config

    config = load_config(start, config_file)
    return EvalSettings(
        root=config.root, eval=dict(config.eval), gate=dict(config.gate), config=config
    )


def _workspace(root: Path) -> Workspace:
    from promptops.config import load_config
    from promptops.documents.workspace import load_workspace
    from promptops.pricing.table import PriceTable

    config = load_config(start=root)
    return load_workspace(config, models=PriceTable.from_config(config))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def parse_suite(document: Any, path: Path, root: Path) -> Suite:
    where_doc = _relative(path, root)
    if not isinstance(document, dict) or document.get("kind") != "eval":
        raise UserError("not an eval document (kind: eval)", path=where_doc)
    for key in ("id", "prompt", "cases"):
        if key not in document:
            raise UserError(f"eval document needs `{key}`", path=where_doc)
    target = document.get("target", "assigned")
    if target not in TARGETS:
        raise UserError(f"target must be one of {', '.join(TARGETS)}, got {target!r}", where_doc)
    if not isinstance(document["cases"], list) or not document["cases"]:
        raise UserError("`cases` must be a non-empty list", path=where_doc)
    where = Where(path=where_doc, base_dir=root)
    # `defaults:` applies to every case: its vars under the case's own, its asserts first.
    defaults = document.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise UserError("`defaults` must be a mapping", path=where_doc)
    default_vars = defaults.get("vars") or {}
    default_asserts = defaults.get("assert") or []
    if not isinstance(default_vars, dict) or not isinstance(default_asserts, list):
        raise UserError("`defaults`: `vars` must be a mapping, `assert` a list", path=where_doc)
    cases: list[EvalCase] = []
    seen: set[str] = set()
    for number, raw in enumerate(document["cases"], start=1):
        if not isinstance(raw, dict):
            raise UserError(f"case {number} must be a mapping", path=where_doc)
        case_id = str(raw.get("id", f"case-{number}"))
        if case_id in seen:
            raise UserError(f"duplicate case id {case_id!r}", path=where_doc)
        seen.add(case_id)
        variables = raw.get("vars") or {}
        if not isinstance(variables, dict):
            raise UserError(f"case {case_id!r}: `vars` must be a mapping", path=where_doc)
        asserts = raw.get("assert") or []
        if not isinstance(asserts, list):
            raise UserError(f"case {case_id!r}: `assert` must be a list", path=where_doc)
        cases.append(
            EvalCase(
                id=case_id,
                vars={**default_vars, **variables},
                assertions=tuple(prepare(spec, where) for spec in [*default_asserts, *asserts]),
            )
        )
    gate = document.get("gate") or {}
    if not isinstance(gate, dict):
        raise UserError("`gate` must be a mapping", path=where_doc)
    try:
        gate_spec = GateSpec.from_dict(gate)
    except (ValueError, ArithmeticError) as exc:
        raise UserError(f"bad gate value: {exc}", path=where_doc) from exc
    repeat = document.get("repeat")
    if repeat is not None and (
        isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= 1000
    ):
        raise UserError(f"`repeat` must be an integer from 1 to 1000, got {repeat!r}", where_doc)
    ablate = document.get("ablate") or []
    if not isinstance(ablate, list) or not all(isinstance(v, str) for v in ablate):
        raise UserError("`ablate` must be a list of variable names", path=where_doc)
    return Suite(
        id=str(document["id"]),
        prompt_id=str(document["prompt"]),
        cases=tuple(cases),
        target=target,
        gate=gate_spec,
        path=where_doc,
        repeat=repeat,
        ablate=tuple(dict.fromkeys(ablate)),
    )


def _suite_document(workspace: Workspace, rel: str) -> Document | None:
    """The eval document at `rel`; a schema problem in it is a usage error (exit 2)."""
    doc = next((d for d in workspace.documents if d.path == rel), None)
    problems = [f for f in workspace.findings if f.path == rel and f.severity == "error"]
    if problems and (doc is None or not doc.valid):
        first = problems[0]
        raise UserError(f"{first.message} (run `promptops validate`)", first.path, first.line)
    return doc


def load_suites(root: Path, paths: Iterable[str | Path] = ()) -> list[LoadedSuite]:
    """The given eval files (or every `kind: eval` document under root), with their prompt
    and tool documents from the same tree."""
    workspace = _workspace(root)
    wanted = [Path(p) if Path(p).is_absolute() else root / p for p in paths]
    for path in wanted:
        if not path.exists():
            raise UserError("eval suite not found", path=str(path))
    rels = [_relative(p, root) for p in wanted] or [
        d.path for d in workspace.documents if d.kind == "eval"
    ]
    loaded = []
    for rel in rels:
        doc = _suite_document(workspace, rel)
        data = doc.data if doc is not None else None
        suite = parse_suite(data, root / rel, root)
        loaded.append(_with_prompt(suite, workspace))
    return loaded


def _with_prompt(suite: Suite, workspace: Workspace) -> LoadedSuite:
    prompt = workspace.get("prompt", suite.prompt_id)
    if prompt is None or not prompt.valid:
        raise UserError(f"prompt {suite.prompt_id!r} not found or invalid", path=suite.path)
    missing = [t for t in prompt.data.get("tools") or [] if workspace.get("tool", str(t)) is None]
    if missing:
        raise UserError(f"tool {missing[0]!r} not found", path=prompt.path)
    charter = workspace.charter_for(prompt)
    return LoadedSuite(
        suite=suite,
        prompt=prompt.data,
        tools=workspace.tools_for(prompt),
        charter=charter.data if charter is not None else None,
    )


def load_base_prompt(
    base_root: Path, suite: Suite
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]] | None:
    """The suite's prompt (and tools) as they are at the base ref, or None if new there."""
    try:
        loaded = _with_prompt(suite, _workspace(base_root))
    except UserError:
        return None
    return loaded.prompt, loaded.tools


# -- rendering --------------------------------------------------------------------------
def make_renderer(prompt: dict[str, Any], tools: dict[str, dict[str, Any]]) -> Render:
    """Render each case strictly: a variable with no value in `vars` is an error, never a
    placeholder sent to a model."""
    from promptops.render import render_request

    def render(case: EvalCase) -> dict[str, Any]:
        try:
            return render_request(prompt, tools, case.vars, strict=True)
        except UserError as exc:
            raise UserError(f"case {case.id!r}: {exc.message}") from None

    return render


# -- the base ref -----------------------------------------------------------------------
def checkout_ref(root: Path, ref: str, destination: Path) -> Path:
    """Write the regular files of `ref`'s tree into `destination`, read from git objects.

    Only blobs with a regular-file mode are written: symbolic links (which may point anywhere,
    `/etc/passwd` or `../../..`) and submodules are skipped, so nothing outside `destination`
    is read or written, whatever the base commit holds. The worktree is untouched. The one
    git layer (`promptops.git.export_tree`) does the reading."""
    from promptops.git import export_tree

    return export_tree(root, ref, destination)
