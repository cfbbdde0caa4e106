"""A YAML file of ours that is not one promptops document (promptops extension).

**What it catches.** A file promptops reads as its own (see below) that parses as YAML but is
not exactly one document: an empty file, a list or a plain value instead of a mapping, several
`---` documents in one file, a mapping without `kind`, or a `kind` that is not one of
`prompt`, `tool`, `charter`, `eval`, `release` (`kind: promt` says "did you mean 'prompt'?").

Which files are ours: with `paths` set in promptops.yaml, every YAML file they select; a file
named on the command line; with the default paths (every YAML file of the repo), a file in a
folder named `prompts/`, `tools/`, `charters/`, `evals/` or `releases/`, and any file whose
text names one of the five kinds in a `kind:` entry, or has a top-level `kind:` that misspells
one or comes with an `id:` (and no `apiVersion:`, which marks a Kubernetes-style manifest).
Other YAML (CI configs, docker-compose, manifests) is left alone.

A symlink of ours that leaves the repository (`prompts/p.yaml -> /etc/passwd`, a folder
`prompts/shared -> ../../other-checkout`, or a link that points nowhere) is reported here too,
at line 1 of the link, and never read: on a pull request the working tree is someone else's,
and following the link would put a file from outside the repository into the findings, the
report and the PR comment. A symlink that stays inside the repository is read like its target.

**Why it costs money.** A file that is not a document escapes every rule and every budget: a
prompt with `kind: promt` is never priced, never linted and never gated, yet an application
that loads the YAML itself still sends it to the model. The merge gate cannot price what it
does not read, so a file of ours that is not a document blocks the change like bad YAML.

**Fix.** Make the file one mapping with a known `kind` and an `id`, split several documents
into several files, commit the document itself instead of a symlink out of the repository,
or, when the file is not meant to be a promptops document, opt it out with
`# promptops: ignore` in its first five lines (or `exclude` it in promptops.yaml). The marker
does not apply to a file that declares a promptops kind: a document cannot hide itself.

**Example.**

Before:

    kind: promt
    id: support/triage

After:

    kind: prompt
    id: support/triage

Found while loading documents (also by `promptops validate` and `promptops check`, which
blocks on it in the files a change touches).
"""

from __future__ import annotations

from collections.abc import Iterator

from promptops.findings import Finding

CODE = "PO005"
NAME = "not-a-document"
SEVERITY = "error"
SOURCE = "load"
NEEDS: frozenset[str] = frozenset()


def check(ctx: object) -> Iterator[Finding]:
    return iter(())
