#!/usr/bin/env bash
# Draft of .ci/run (the lead merges the real one; main already has .ci/run -> scripts/test.sh,
# which does the same plus the local-model server and chromium).
# Creates .venv if missing, installs promptops with its test extras, runs the README's test
# command. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip
.venv/bin/python -m pip install --disable-pip-version-check -q -e ".[test]"

exec .venv/bin/python -m pytest -q "$@"
