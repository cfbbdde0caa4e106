#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs everything the tests need first.
#   - a virtualenv in .venv with promptops and its test extras
#   - llama-cpp-python's OpenAI-compatible server (real local model for the eval tests;
#     compiles llama.cpp once, about 7 minutes on 2 cores, then pip's cache has the wheel)
#   - Debian's chromium (headless rendering test of `mbom --format html`)
# Then zizmor (offline, medium severity and up) audits the Action, this repo's workflows and the
# workflow `promptops init` writes, and ruff (lint and format), mypy and import-linter (the layers
# in pyproject.toml) check the code; a finding
# fails the run before the tests start.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k lint -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "==> $*"; }

# Run a long, quiet step with a line a minute, so a step that takes minutes never looks hung.
with_progress() {
  local what="$1"
  shift
  local start
  start="$(date +%s)"
  "$@" &
  local pid=$!
  (
    while sleep 60; do
      echo "    ... still $what ($((($(date +%s) - start) / 60)) min so far)"
    done
  ) &
  local beat=$!
  local status=0
  wait "$pid" || status=$?
  kill "$beat" 2>/dev/null || true
  wait "$beat" 2>/dev/null || true
  if ((status == 0)); then
    echo "    $what: done in $(($(date +%s) - start)) s"
  else
    echo "    $what: failed (exit $status) after $(($(date +%s) - start)) s"
  fi
  return "$status"
}

if [ ! -x .venv/bin/python ]; then
  say "creating the virtualenv .venv"
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
say "installing promptops and its test extras into .venv (about 1-2 min the first time, seconds after)"
with_progress "installing Python packages" \
  python -m pip install --disable-pip-version-check -q --upgrade pip
with_progress "installing Python packages" \
  python -m pip install --disable-pip-version-check -q -e ".[test]"

if ! python -c "import llama_cpp.server" >/dev/null 2>&1; then
  say "installing llama-cpp-python[server]: the first time this compiles llama.cpp, about" \
    "7-12 min on 2 cores with no output from pip (later runs reuse pip's cached wheel)"
  with_progress "compiling llama.cpp" \
    python -m pip install --disable-pip-version-check -q "llama-cpp-python[server]" gguf numpy
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    say "installing Debian's chromium for the HTML report test (apt, about 1-3 min)"
    with_progress "installing chromium" \
      sh -c 'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'
  elif command -v sudo >/dev/null 2>&1; then
    say "installing Debian's chromium for the HTML report test (sudo apt, about 1-3 min)"
    with_progress "installing chromium" \
      sudo sh -c 'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'
  else
    say "chromium is not installed and there is no sudo: the HTML report test will be skipped"
  fi
fi

# templates/ holds the scaffold under other names (zizmor finds no workflow there), so audit
# what `promptops init` writes from it: the workflow and the pre-commit config.
say "auditing action.yml, .github/ and the workflow promptops init writes with zizmor (seconds)"
scaffold="$(mktemp -d "${TMPDIR:-/tmp}/promptops-init.XXXXXX")"
trap 'rm -rf "$scaffold"' EXIT
python -m promptops init "$scaffold" >/dev/null
# zizmor.yml: every action hash-pinned, except promptops/promptops, which a development install
# of `promptops init` can only pin to its version's tag (a release build pins the commit).
if ! zizmor --config zizmor.yml --offline --no-progress --color never --min-severity medium \
  action.yml .github/ "$scaffold"; then
  echo "zizmor failed: fix what it found above (a path under $scaffold is the file" \
    "of the same name that promptops init copies from templates/)" >&2
  exit 1
fi
rm -rf "$scaffold"
trap - EXIT

# Lint, formatting, types and layers: a finding fails the run before the tests start. mypy checks the
# `files` set in pyproject.toml's [tool.mypy] (the promptops package).
say "checking lint, formatting and types with ruff and mypy (seconds)"
if ! python -m ruff check .; then
  echo "ruff check failed: fix what it found above (\`ruff check --fix .\` fixes the ones" \
    "marked [*])" >&2
  exit 1
fi
if ! python -m ruff format --check .; then
  echo "ruff format --check failed: run \`ruff format .\` to format the files listed above" >&2
  exit 1
fi
if ! python -m mypy; then
  echo "mypy failed: fix the type errors above (settings in pyproject.toml [tool.mypy])" >&2
  exit 1
fi
# The architecture: the layers and the no-cycle rule in pyproject.toml [tool.importlinter].
say "checking the import layers with import-linter (seconds)"
if ! lint-imports --no-cache; then
  echo "lint-imports failed: an import above crosses a layer or closes a cycle (contracts in" \
    "pyproject.toml [tool.importlinter]; lazy imports inside functions count too)" >&2
  exit 1
fi

say "running the test suite (about 15-20 min on 2 cores; scripts/test.sh -k PATTERN runs a subset)"
exec python -m pytest "$@"
