"""`promptops init`: scaffold a small working repo from the bundled templates."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import click
import yaml

from promptops import __version__, _release
from promptops.errors import EXIT_OK, UserError
from promptops.output_file import write_output_file
from promptops.resources import templates_dir

# template file -> where it goes in the new repo
SCAFFOLD = {
    "promptops.yaml": "promptops.yaml",
    "charter.yaml": "charters/assistant.yaml",
    "prompt.yaml": "prompts/assistant.yaml",
    "tool.yaml": "tools/lookup_order.yaml",
    "eval.yaml": "evals/assistant.yaml",
    "release.yaml": "releases/assistant.yaml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "workflow.yml": ".github/workflows/promptops.yml",
}

ACTION = "promptops/promptops"
ACTION_LINE = re.compile(rf"^(?P<lead>\s*(?:-\s+)?uses:\s*){re.escape(ACTION)}@\S+(?:\s+#.*)?$")
REV_LINE = re.compile(r"^(?P<lead>\s*rev:\s*)v\d+\.\d+\.\d+\S*(?P<rest>.*)$")


def release_tag() -> str:
    """The tag of the installed version: what the release workflow creates for it."""
    return f"v{__version__}"


def action_pin() -> str:
    """`uses:` value and comment for the promptops Action of the installed version.

    A release build knows its tag's commit (promptops/_release.py) and pins it, as every other
    action is pinned; a development install cannot know a SHA that does not exist yet, so it
    names the tag and says how to pin it.
    """
    tag = release_tag()
    if tag == _release.TAG and _release.COMMIT:
        return f"{ACTION}@{_release.COMMIT} # {tag}"
    return (
        f"{ACTION}@{tag} # {tag}: pin its commit SHA "
        f"(git ls-remote https://github.com/{ACTION} {tag})"
    )


def pin_versions(text: str) -> str:
    """The template text with the Action and the pre-commit hook pinned to the installed
    version (the templates name the current version already; a release pins the SHA)."""
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        if match := ACTION_LINE.match(body):
            body = match["lead"] + action_pin()
        elif match := REV_LINE.match(body):
            body = match["lead"] + release_tag() + match["rest"]
        lines.append(body + end)
    return "".join(lines)


# --- fitting the repository init runs in -------------------------------------------------------

PRECOMMIT_REPO = f"https://github.com/{ACTION}"
SIMPLE_SCALAR = re.compile(r"[A-Za-z0-9_./-]+")


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it is safe, else double-quoted (JSON is valid YAML)."""
    return value if SIMPLE_SCALAR.fullmatch(value) else json.dumps(value)


def run_git(cwd: Path, *args: str) -> str | None:
    """stdout of a git command, or None when git is missing or the command fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def existing_ancestor(path: Path) -> Path:
    """The nearest folder of `path` (itself included) that exists: DIRECTORY may be new."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def git_root(path: Path) -> Path | None:
    """The top of the git work tree `path` is (or will be) in, or None outside git."""
    top = run_git(existing_ancestor(path), "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


def default_branch(root: Path | None) -> str:
    """The branch pull requests merge into: the remote's default (origin/HEAD) when known, else
    the branch checked out now (also a new repo's unborn branch), else `main`."""
    if root is None:
        return "main"
    remote = run_git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
    if remote and remote.startswith("refs/remotes/origin/"):
        return remote.removeprefix("refs/remotes/origin/")
    return run_git(root, "symbolic-ref", "--quiet", "--short", "HEAD") or "main"


def fit_config(text: str, branch: str) -> str:
    """promptops.yaml with the repository's default branch."""
    return re.sub(
        r"^default_branch:.*$", f"default_branch: {yaml_scalar(branch)}", text, count=1, flags=re.M
    )


def fit_charter(text: str, today: dt.date) -> str:
    """A new charter is reviewed today (else `mbom` flags it overdue from the first run)."""
    return re.sub(
        r'^(\s*last_reviewed:\s*)"?\d{4}-\d{2}-\d{2}"?',
        lambda m: f'{m[1]}"{today.isoformat()}"',
        text,
        count=1,
        flags=re.M,
    )


def fit_workflow(text: str, branch: str, sub: str) -> str:
    """The workflow at the git root: pushes to the default branch, and the Action run in `sub`
    (its working-directory input) when promptops lives in a subfolder."""
    text = re.sub(
        r"^(\s*branches:\s*)\[main\]", rf"\g<1>[{yaml_scalar(branch)}]", text, count=1, flags=re.M
    )
    if not sub:
        return text
    out: list[str] = []
    pending = False  # inside a promptops step, before its `with:`
    for line in text.splitlines(keepends=True):
        out.append(line)
        if ACTION_LINE.match(line.rstrip("\r\n")):
            pending = True
        elif pending and (match := re.match(r"^(\s*)with:\s*$", line)):
            out.append(f"{match[1]}  working-directory: {yaml_scalar(sub)}\n")
            pending = False
    return "".join(out)


def precommit_entry(template: str, sub: str) -> list[str]:
    """The promptops repo entry of the pre-commit template, unindented, with `files:` and the
    config's path when promptops lives in a subfolder (pre-commit runs at the git root)."""
    lines = template.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- repo:"))
    indent = len(lines[start]) - len(lines[start].lstrip())
    entry = [line[indent:] for line in lines[start:] if line.strip()]
    if sub:
        hook = next(i for i, line in enumerate(entry) if "- id: promptops-lint" in line)
        pad = " " * (entry[hook].index("- id:") + 2)
        entry[hook + 1 : hook + 1] = [
            f"{pad}files: {json.dumps('^' + re.escape(sub + '/'))}",
            f"{pad}args: [--config, {yaml_scalar(sub + '/promptops.yaml')}]",
        ]
    return entry


def fresh_precommit(template: str, sub: str) -> str:
    """The whole pre-commit config for a repository that has none."""
    lines = template.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- repo:"))
    indent = " " * (len(lines[start]) - len(lines[start].lstrip()))
    return (
        "\n".join([*lines[:start], *(indent + line for line in precommit_entry(template, sub))])
        + "\n"
    )


def has_promptops_repo(config: object) -> bool:
    repos = config.get("repos") if isinstance(config, dict) else None
    return isinstance(repos, list) and any(
        isinstance(repo, dict)
        and str(repo.get("repo", "")).removesuffix(".git").rstrip("/") == PRECOMMIT_REPO
        for repo in repos
    )


def merge_precommit(existing: str, template: str, sub: str) -> str | None:
    """`existing` with the promptops entry appended to its `repos:` list, every other line kept
    as the user wrote it; None when the layout is not one this can edit safely (a flow-style
    list, no `repos:`), checked by parsing the result."""
    try:
        before = yaml.safe_load(existing)
    except yaml.YAMLError:
        return None
    if not isinstance(before, dict) or not isinstance(before.get("repos"), list):
        return None
    lines = existing.splitlines(keepends=True)
    head = next((i for i, line in enumerate(lines) if re.match(r"^repos:\s*(#.*)?$", line)), None)
    if head is None:
        return None
    last, indent = head, None
    for i in range(head + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("- "):
            break  # the next top-level key
        if indent is None and (item := re.match(r"^(\s*)- ", line)):
            indent = item[1]
        last = i
    if indent is None:
        indent = "  "  # `repos:` with no items yet
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    entry = [f"{indent}{line}\n" for line in precommit_entry(template, sub)]
    merged = "".join([*lines[: last + 1], *entry, *lines[last + 1 :]])
    try:
        after = yaml.safe_load(merged)
    except yaml.YAMLError:
        return None
    ours = yaml.safe_load("\n".join(precommit_entry(template, sub)))
    expected = {**before, "repos": [*before["repos"], *ours]}
    return merged if after == expected else None


def ignore_cache(gitignore: Path) -> bool:
    """Append `.promptops-cache/` to .gitignore unless it is there; True when it was added."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    if re.search(r"^/?\.promptops-cache/?\s*$", text, re.M):
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    text += "# promptops' local cache (token counts, eval responses)\n.promptops-cache/\n"
    write_output_file(gitignore, text)
    return True


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def command(directory: Path, force: bool) -> int:
    """Write a small working promptops repo into DIRECTORY (default: here): a charter, a prompt,
    a tool, an eval suite, a release and promptops.yaml; at the git root, a GitHub workflow, the
    pre-commit hook (added to an existing .pre-commit-config.yaml) and a .gitignore entry for
    the cache.

    It fits the repository: the default branch is the remote's default (origin/HEAD) or the
    branch checked out, and when DIRECTORY is a subfolder of a git repository the workflow and
    the hook point at it. Existing files are never overwritten unless --force is given.
    """
    source = templates_dir()
    missing = [str(source / name) for name in SCAFFOLD if not (source / name).is_file()]
    if missing:
        raise UserError(f"promptops installation is missing templates: {', '.join(missing)}")
    target = directory.resolve()
    top = git_root(target)
    root = top or target
    try:
        sub = target.relative_to(root).as_posix()
    except ValueError:  # DIRECTORY reached through a symlink out of the repository
        root, sub = target, ""
    sub = "" if sub == "." else sub
    branch = default_branch(top)
    today = dt.date.today()

    def template(name: str) -> str:
        return (source / name).read_text(encoding="utf-8")

    planned: dict[Path, str] = {}
    for name, where in SCAFFOLD.items():
        if name in ("pre-commit-config.yaml", "workflow.yml"):
            continue
        text = template(name)
        if name == "promptops.yaml":
            text = fit_config(text, branch)
        elif name == "charter.yaml":
            text = fit_charter(text, today)
        planned[target / where] = text
    workflow = root / SCAFFOLD["workflow.yml"]
    planned[workflow] = fit_workflow(pin_versions(template("workflow.yml")), branch, sub)

    precommit_path = root / SCAFFOLD["pre-commit-config.yaml"]
    precommit_template = pin_versions(template("pre-commit-config.yaml"))
    precommit_note = "created"
    if not precommit_path.exists():  # never replaced, even with --force: merged
        planned[precommit_path] = fresh_precommit(precommit_template, sub)
    else:
        existing = precommit_path.read_text(encoding="utf-8")
        try:
            parsed = yaml.safe_load(existing)
        except yaml.YAMLError:
            parsed = None
        if has_promptops_repo(parsed):
            precommit_note = "kept (it already runs the promptops hook)"
        else:
            merged = merge_precommit(existing, precommit_template, sub)
            if merged is None:
                raise UserError(
                    "cannot add the promptops hook to this pre-commit config safely; add this "
                    "entry to its `repos:` list yourself:\n"
                    + "\n".join(precommit_entry(precommit_template, sub)),
                    path=shown(precommit_path),
                )
            planned[precommit_path] = merged
            precommit_note = "added the promptops hook to"

    clashes = [
        shown(path) for path in planned if path.exists() and path != precommit_path and not force
    ]
    if clashes:
        raise UserError("refusing to overwrite existing files (use --force): " + ", ".join(clashes))
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_output_file(path, text)
        note = precommit_note if path == precommit_path else "created"
        click.echo(f"{note} {shown(path)}")
    if precommit_path not in planned:
        click.echo(f"{precommit_note}: {shown(precommit_path)}")
    gitignore = root / ".gitignore"
    if ignore_cache(gitignore):
        click.echo(f"added .promptops-cache/ to {shown(gitignore)}")
    click.echo(f"\ndefault branch: {branch} (default_branch in {shown(target / 'promptops.yaml')})")
    where = f"cd {shown(target)} && " if shown(target) != "." else ""
    click.echo(f"Next: {where}promptops validate && promptops tokens && promptops lint")
    return EXIT_OK
