#!/usr/bin/env bash
# Install promptops from the action's own checkout (the ref the user pinned) into a private
# venv under $RUNNER_TEMP, so the CLI always matches the action and never touches the user's
# Python. Prints the venv's interpreter as the step output `python`.
set -euo pipefail

venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/promptops-venv"
"${PYTHON:?PYTHON, the python-path of setup-python, is not set}" -m venv "$venv"
if [[ -x "$venv/bin/python" ]]; then
  py="$venv/bin/python"
else
  py="$venv/Scripts/python.exe" # Windows runners
fi
"$py" -m pip install --disable-pip-version-check --no-input --quiet "${GITHUB_ACTION_PATH:?}"
"$py" -m promptops --version
echo "python=$py" >>"${GITHUB_OUTPUT:?}"
