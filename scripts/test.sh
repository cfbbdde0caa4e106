#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs everything the tests need first.
#   - a virtualenv in .venv with promptops and its test extras
#   - llama-cpp-python's OpenAI-compatible server (real local model for the eval tests;
#     compiles llama.cpp once, about 7 minutes on 2 cores, then pip's cache has the wheel)
#   - Debian's chromium (headless rendering test of `mbom --format html`)
# Then zizmor (offline, medium severity and up) audits the Action, this repo's workflows and the
# workflow `promptops init` writes; a finding fails the run before the tests start.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k lint -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --disable-pip-version-check -q --upgrade pip
python -m pip install --disable-pip-version-check -q -e ".[test]"

if ! python -c "import llama_cpp.server" >/dev/null 2>&1; then
  echo "installing llama-cpp-python[server] (first time compiles llama.cpp, ~7 min)..."
  python -m pip install --disable-pip-version-check -q "llama-cpp-python[server]" gguf numpy
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

# templates/ holds the scaffold under other names (zizmor finds no workflow there), so audit
# what `promptops init` writes from it: the workflow and the pre-commit config.
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

exec python -m pytest "$@"
