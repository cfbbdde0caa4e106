"""What applications import: the request for a prompt version, and who gets which version.

    from promptops.runtime import Runtime

    runtime = Runtime.from_bundle("promptops-bundle.json")   # built by `promptops bundle`
    version = runtime.resolve("support/triage", key=user_id)  # stable or canary, sticky per key
    request = version.render({"ticket": text, "customer": {"tier": "gold"}})
    client.messages.create(**request)

`resolve` buckets the caller's stable key with the release's salt (see "Bucketing" below): no
randomness per request, the same answer in every process, and a caller in the canary stays in
it as the weight rises. A caller with no key gets stable.

Import-light: the stdlib and `promptops.template` (the template grammar it shares with
`promptops.render`), no other promptops module, so an application pulls in none of the release
tooling. Building a bundle straight from a git repository needs the whole install:
`promptops.canary.bundle.runtime_from_repo`. Thread-safe: a loaded bundle is immutable,
`render` builds a new request each call, and `reload` swaps the whole state under a lock.

Bundle format (``schema_version`` 1, JSON)::

    {"schema_version": 1, "kind": "promptops.bundle", "generated_at": "...Z",
     "source": {"commit": "<sha>", "dirty": false},
     "prompts": {"<prompt id>": {"default_version": "1.1.0", "versions": {
         "1.0.0": {"commit": "<sha>", "path": "prompts/triage.yaml",
                   "content_hash": "sha256:<hex of the canonical JSON of request>",
                   "variables": ["customer.tier", "ticket"],
                   "request": {<Messages API body; "{{ name }}" placeholders in text>}}}}},
     "releases": [{"id": "triage-rollout", "prompt": "support/triage", "salt": "...",
                   "stable": "1.0.0", "canary": {"version": "1.1.0", "weight": 5, "step": 0}}]}

Placeholders are substituted in ``system`` and ``messages`` text only (tools are static). The
text is in the prompt documents' one template grammar (`promptops.template.TEMPLATE`): an
expression is a placeholder; a quoted literal such as ``{{ '{{' }}`` is its own text, which is how
the bundle keeps literal braces (``promptops.render.skeleton_request`` writes it), so a request
rendered here is byte for byte the one ``promptops render`` prints for the same values.
Canonical JSON for the hash: ``json.dumps(request, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8.

Bucketing (deterministic percentages; here so the runtime needs no canary module, and release
tooling that needs it imports it from here). A caller's stable key (user, tenant or session id) is
hashed together with a salt (the release id by default) into one of 100,000 buckets. The caller
is in the canary iff its bucket is below ``weight * 1000``. Because a key's bucket never changes
and only the threshold moves, a caller in the canary at 5 % is still in it at 25 % (monotone
ramp), and every process, on every machine, in every language that hashes the same bytes,
agrees. Changing the salt reshuffles everyone: that is the "re-randomise" switch. SHA-1 over
``"{salt}:{key}"`` (UTF-8), first 15 hex digits (60 bits) scaled to the bucket range, the same
construction LaunchDarkly's SDKs use; stdlib only, no per-request randomness.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptops.template import expressions, lookup, substitute, value_text

SCHEMA_VERSION = 1
BUNDLE_KIND = "promptops.bundle"
BUCKETS = 100_000
_HASH_BITS = 60  # 15 hex digits

__all__ = [
    "BUCKETS",
    "BundleError",
    "PromptVersion",
    "RenderError",
    "Runtime",
    "UnknownPromptError",
    "bucket",
    "bucket_of_text",
    "content_hash",
    "in_canary",
    "load_bundle",
    "weight_threshold",
]


class BundleError(ValueError):
    """The bundle file is unreadable, of an unknown schema, or fails its content hashes."""


class UnknownPromptError(LookupError):
    """No prompt with that id in the bundle."""


class RenderError(ValueError):
    """Variables missing for a template."""

    def __init__(self, prompt_id: str, version: str, missing: list[str]) -> None:
        super().__init__(
            f"{prompt_id}@{version}: missing template variable(s): {', '.join(missing)}"
        )
        self.missing = missing


def content_hash(request: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a request skeleton."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PromptVersion:
    """One version of one prompt, ready to render."""

    prompt_id: str
    version: str
    content_hash: str
    request: Mapping[str, Any] = field(repr=False)
    variables: tuple[str, ...] = ()
    cohort: str = "default"  # stable | canary | default (no release)
    release_id: str | None = None

    def render(self, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The Messages API request body with ``variables`` substituted (a new dict)."""
        values = variables or {}
        missing = sorted({name for name in self.variables if not lookup(values, name)[0]})
        if missing:
            raise RenderError(self.prompt_id, self.version, missing)
        out: dict[str, Any] = {}
        for key, value in self.request.items():
            if key in ("system", "messages"):
                out[key] = _substitute(value, values)
            else:
                out[key] = _copy(value)
        return out


@dataclass(frozen=True)
class _Release:
    id: str
    prompt: str
    salt: str
    stable: str
    canary_version: str | None
    weight: float


@dataclass(frozen=True)
class _State:
    versions: Mapping[tuple[str, str], PromptVersion]
    defaults: Mapping[str, str]
    releases: Mapping[str, _Release]
    source: Mapping[str, Any]


class Runtime:
    """Resolves prompt versions for callers and renders their requests."""

    def __init__(self, bundle: Mapping[str, Any]) -> None:
        self._lock = threading.Lock()
        self._state = _parse(bundle)

    @classmethod
    def from_bundle(cls, path: str | Path) -> Runtime:
        return cls(load_bundle(path))

    def reload(self, bundle: Mapping[str, Any]) -> None:
        """Swap in a new bundle; concurrent `resolve` calls see the old or the new, never half."""
        state = _parse(bundle)
        with self._lock:
            self._state = state

    @property
    def prompts(self) -> list[str]:
        return sorted(self._state.defaults)

    def resolve(self, prompt_id: str, key: str | int | None = None) -> PromptVersion:
        """The version of ``prompt_id`` that the caller with stable ``key`` gets."""
        state = self._state  # one read: a concurrent reload cannot mix two bundles
        release = state.releases.get(prompt_id)
        if release is None:
            version = state.defaults.get(prompt_id)
            if version is None:
                raise UnknownPromptError(f"no prompt {prompt_id!r} in the bundle")
            return state.versions[(prompt_id, version)]
        cohort, version = "stable", release.stable
        if (
            key is not None
            and release.canary_version is not None
            and release.weight > 0
            and in_canary(release.salt, str(key), release.weight)
        ):
            cohort, version = "canary", release.canary_version
        base = state.versions[(prompt_id, version)]
        return PromptVersion(
            base.prompt_id,
            base.version,
            base.content_hash,
            base.request,
            base.variables,
            cohort,
            release.id,
        )

    def get(self, prompt_id: str, version: str) -> PromptVersion:
        """A specific version (e.g. for an offline replay)."""
        try:
            return self._state.versions[(prompt_id, version)]
        except KeyError:
            raise UnknownPromptError(f"no version {version!r} of {prompt_id!r}") from None


def load_bundle(path: str | Path) -> dict[str, Any]:
    """Read a bundle file; BundleError when unreadable or not a bundle."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read bundle: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BundleError(f"{path}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BundleError(f"{path}: a bundle is a JSON object")
    return data


# ----- bucketing (see the module docstring) ---------------------------------------------------
def bucket(salt: str, key: str) -> int:
    """The bucket in [0, 100000) of ``key`` under ``salt``."""
    return bucket_of_text(f"{salt}:{key}")


def bucket_of_text(text: str) -> int:
    """The bucket of an already salted string: SHA-1, 60 bits, scaled to 100,000 buckets."""
    digest = hashlib.sha1(text.encode()).hexdigest()
    return (int(digest[:15], 16) * BUCKETS) >> _HASH_BITS


def weight_threshold(weight_pct: float) -> int:
    """Buckets below this number are in the canary; ``weight_pct`` is 0..100 (e.g. 2.5)."""
    if not 0 <= weight_pct <= 100:
        raise ValueError(f"canary weight must be between 0 and 100, got {weight_pct}")
    return round(weight_pct * (BUCKETS // 100))


def in_canary(salt: str, key: str, weight_pct: float) -> bool:
    """True when ``key`` falls in the canary cohort at ``weight_pct`` percent."""
    threshold = weight_threshold(weight_pct)
    if threshold == 0:
        return False
    if threshold >= BUCKETS:
        return True
    return bucket(salt, key) < threshold


# ----- internals -------------------------------------------------------------------------------
def _parse(bundle: Mapping[str, Any]) -> _State:
    if bundle.get("schema_version") != SCHEMA_VERSION or bundle.get("kind") != BUNDLE_KIND:
        raise BundleError(
            f"not a promptops bundle of schema_version {SCHEMA_VERSION} "
            f"(found kind={bundle.get('kind')!r}, schema_version={bundle.get('schema_version')!r})"
        )
    versions: dict[tuple[str, str], PromptVersion] = {}
    defaults: dict[str, str] = {}
    try:
        for prompt_id, entry in bundle.get("prompts", {}).items():
            for version, body in entry["versions"].items():
                request = body["request"]
                digest = content_hash(request)
                if body.get("content_hash") not in (None, digest):
                    raise BundleError(f"{prompt_id}@{version}: content hash mismatch")
                found = _placeholders(request)
                versions[(prompt_id, version)] = PromptVersion(
                    prompt_id, version, digest, _freeze(request), tuple(sorted(found))
                )
            default = entry.get("default_version") or max(entry["versions"], key=_version_key)
            if (prompt_id, default) not in versions:
                raise BundleError(f"{prompt_id}: default_version {default} is not in the bundle")
            defaults[prompt_id] = default
        releases: dict[str, _Release] = {}
        for raw in bundle.get("releases", []):
            canary = raw.get("canary") or {}
            release = _Release(
                id=str(raw["id"]),
                prompt=str(raw["prompt"]),
                salt=str(raw.get("salt") or raw["id"]),
                stable=str(raw["stable"]),
                canary_version=None if canary.get("version") is None else str(canary["version"]),
                weight=float(canary.get("weight", 0)),
            )
            if release.prompt in releases:
                raise BundleError(f"{release.prompt}: more than one release in the bundle")
            for version in (release.stable, release.canary_version):
                if version is not None and (release.prompt, version) not in versions:
                    raise BundleError(f"release {release.id}: {release.prompt}@{version} missing")
            if not 0 <= release.weight <= 100:
                raise BundleError(f"release {release.id}: weight {release.weight} not in 0..100")
            releases[release.prompt] = release
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"malformed bundle: {exc!r}") from exc
    return _State(versions, defaults, releases, dict(bundle.get("source") or {}))


def _placeholders(request: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            names.update(expression for _, expression in expressions(value))
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(request.get("system"))
    walk(request.get("messages"))
    return names


def _substitute(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return substitute(value, lambda expression: value_text(lookup(values, expression)[1]))
    if isinstance(value, Mapping):
        return {k: _substitute(v, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute(v, values) for v in value]
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    """Tuples for lists so a shared skeleton cannot be mutated by one caller."""
    from types import MappingProxyType

    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _version_key(version: str) -> tuple:
    parts = re.split(r"[.\-+]", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
