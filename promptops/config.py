"""Find, read and validate the configuration (`promptops.yaml` or `[tool.promptops]`).

Discovery walks up from the starting directory to the git root: the first `promptops.yaml`
(or `.promptops.yaml`), or `pyproject.toml` with a `[tool.promptops]` table, wins. The folder that
holds it is the repo root that every reported path is relative to. A bad config is a UserError
(exit 2) naming the file and line.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptops.errors import UserError
from promptops.resources import schemas_dir

CONFIG_NAMES = ("promptops.yaml", ".promptops.yaml", "promptops.yml")
DEFAULT_PATHS = ["**/*.yaml", "**/*.yml"]
DEFAULT_EXCLUDE = [
    ".git/**",
    "**/node_modules/**",
    "**/.venv/**",
    "**/venv/**",
    ".github/**",
    "**/.pre-commit-config.yaml",
    "**/.pre-commit-hooks.yaml",
    "promptops.yaml",
    ".promptops.yaml",
    "promptops.yml",
]

DEFAULT_LIMITS: dict[str, float] = {
    "max_input_tokens": 15000,  # PO201
    "max_tool_description_tokens": 500,  # PO202
    "duplicate_similarity": 0.8,  # PO203 (Jaccard on word shingles)
    "duplicate_min_words": 25,  # PO203: paragraphs shorter than this are ignored
    "growth_pct": 10,  # PO308
    "creep_pct": 30,  # check: growth over `creep_days` of history, however small each step
    "creep_days": 90,
}


# `eval:` keys that are refused, and what to do instead. The Anthropic endpoint decides where
# ANTHROPIC_API_KEY is sent, so it comes from the environment or the command line (the Action's
# inputs), never from a file that a pull request can change.
REMOVED_EVAL_KEYS = {
    "anthropic_base_url": (
        "eval.anthropic_base_url is no longer read from the repository's config: a pull request "
        "could point it at any host and receive ANTHROPIC_API_KEY. Set ANTHROPIC_BASE_URL in the "
        "job's environment, or pass --anthropic-base-url"
    ),
}
MAX_EVAL_TIMEOUT_S = 24 * 3600.0


@dataclass
class Config:
    """The resolved configuration. `root` is the repo root all paths are relative to."""

    root: Path
    source: Path | None = None
    paths: list[str] = field(default_factory=lambda: list(DEFAULT_PATHS))
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    # `auto`: exact counts from promptops.lock where it has them, else cl100k_base calibrated
    # per Claude tokenizer family; `cl100k_base`/`o200k_base`: raw counts; `anthropic`: the lock.
    tokenizer: str = "auto"
    cache_dir: Path | None = None
    lock_file: Path | None = None
    default_branch: str | None = None
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    lint: dict[str, Any] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)
    eval: dict[str, Any] = field(default_factory=dict)
    canary: dict[str, Any] = field(default_factory=dict)
    telemetry: dict[str, Any] = field(default_factory=dict)

    @property
    def limits(self) -> dict[str, float]:
        return {**DEFAULT_LIMITS, **(self.lint.get("limits") or {})}

    @property
    def lock_path(self) -> Path:
        return self.lock_file or self.root / "promptops.lock"

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "source": str(self.source) if self.source else None,
            "paths": self.paths,
            "exclude": self.exclude,
            "tokenizer": self.tokenizer,
            "cache_dir": str(self.cache_dir) if self.cache_dir else None,
            "lock_file": str(self.lock_path),
            "default_branch": self.default_branch,
            "prices": self.prices,
            "lint": {**self.lint, "limits": self.limits},
            "gate": self.gate,
            "eval": self.eval,
            "canary": self.canary,
        }


def _find_config(start: Path) -> tuple[Path, Path | None, str | None]:
    """Return (root, config file, kind) walking up from ``start`` to the git root."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return folder, candidate, "yaml"
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.promptops" in pyproject.read_bytes():
            return folder, pyproject, "toml"
        if (folder / ".git").exists():
            return folder, None, None
    return start, None, None


def _validate(data: Any, path: Path, lines: Any | None, text: str | None = None) -> None:
    """Raise a UserError at the first schema error. A config the compiled check accepts is
    certainly valid, so the usual run never imports jsonschema (about 50 ms)."""
    from promptops.parsing.schema_check import compile_schema

    schema_text = (schemas_dir() / "config.schema.json").read_text()
    schema = json.loads(schema_text)
    if compile_schema(schema)(data):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    line = None
    if lines is not None:
        line = lines.key(tuple(error.absolute_path)).line
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    raise UserError(f"invalid configuration at {where}: {error.message}", str(path), line)


def load_config(start: Path | str | None = None, config_file: Path | str | None = None) -> Config:
    """Discover (or read the given) configuration and return it resolved."""
    kind: str | None  # "toml" or "yaml"
    if config_file is not None:
        file = Path(config_file)
        if not file.is_file():
            raise UserError(f"configuration file not found: {file}")
        root = file.resolve().parent
        kind = "toml" if file.suffix == ".toml" else "yaml"
    else:
        root, found, kind = _find_config(Path(start or Path.cwd()))
        if found is None:
            return Config(root=root)
        file = found

    data: Any
    text: str | None = None
    lines = None
    if kind == "toml":
        import tomllib  # a `promptops.yaml` needs no TOML parser

        try:
            text = file.read_text()
            data = tomllib.loads(text).get("tool", {}).get("promptops", {})
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"invalid TOML: {exc}", str(file)) from None
        except RecursionError:  # tomllib recurses once per nested array or table
            raise UserError("invalid TOML: values nested too deep", str(file)) from None
    else:
        from promptops.parsing.yaml_source import YamlProblem, load_yaml

        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read configuration: {exc}", str(file)) from None
        if not text.strip():
            return Config(root=root, source=file)
        loaded = load_yaml(text)
        if isinstance(loaded, YamlProblem):
            raise UserError(f"invalid YAML: {loaded.message}", str(file), loaded.line)
        data, lines = loaded.data, loaded.source
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError("the configuration must be a mapping", str(file), 1)
    _validate(data, file, lines, text)

    config = Config(root=root, source=file)
    for key in ("paths", "exclude", "tokenizer", "default_branch", "prices", "lint", "gate"):
        if key in data:
            setattr(config, key, data[key])
    if "paths" in data:
        config.paths = folder_globs(config.paths, root)
    config.eval = data.get("eval", {})
    config.canary = data.get("canary", {})
    config.telemetry = data.get("telemetry", {})
    if "exclude" in data:
        config.exclude = [*DEFAULT_EXCLUDE, *data["exclude"]]
    if "cache_dir" in data:
        config.cache_dir = (root / data["cache_dir"]).resolve()
    if "lock_file" in data:
        config.lock_file = root / data["lock_file"]
    return config


def folder_globs(patterns: list[str], root: Path) -> list[str]:
    """`paths` entries, a plain folder name (`prompts`, `llm/prompts/`) read as every YAML file
    below it: as a glob it would match only a file of that name, and `lint` would check nothing
    and call it clean."""
    out = []
    for pattern in patterns:
        name = str(pattern).rstrip("/")
        if not any(ch in name for ch in "*?[") and name and (root / name).is_dir():
            out += [f"{name}/**/*.yaml", f"{name}/**/*.yml"]
        else:
            out.append(str(pattern))
    return out


def check_eval_section(config: Config) -> None:
    """The `eval:` keys `promptops eval` reads, checked before any call (UserError, exit 2).

    A repo config may name a local OpenAI-compatible server (`base_url`, `api_key`, `model`)
    for `target: local`; that server never receives the Anthropic key."""
    where = str(config.source) if config.source else None
    section = config.eval
    if not isinstance(section, dict):
        raise UserError("eval must be a mapping", where)
    for key, message in REMOVED_EVAL_KEYS.items():
        if key in section:
            raise UserError(message, where)
    for key in ("base_url", "api_key", "model"):
        if section.get(key) is not None and not isinstance(section[key], str):
            raise UserError(f"eval.{key} must be a string, got {section[key]!r}", where)
    timeout = section.get("timeout_s")
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or not 0 < timeout <= MAX_EVAL_TIMEOUT_S
    ):
        raise UserError(
            f"eval.timeout_s must be more than 0 and at most {MAX_EVAL_TIMEOUT_S:g} seconds, "
            f"got {timeout!r}",
            where,
        )
