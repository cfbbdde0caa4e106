#!/usr/bin/env bash
# The step of the promptops action that decides where promptops keeps its cache on the runner
# and under which actions/cache key (outputs: enabled, dir, key, restore-prefix).
# It never fails the job: without a plan the run step simply works on an empty cache.
set -uo pipefail

py="${PROMPTOPS_PYTHON:-python3}"
workdir="${INPUT_WORKING_DIRECTORY:-.}"
[[ -n "$workdir" ]] || workdir=.
if ! cd "$workdir" 2>/dev/null || ! "$py" -m promptops.action.steps cache-plan; then
  echo "enabled=false" >>"$GITHUB_OUTPUT"
fi
