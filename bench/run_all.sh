#!/usr/bin/env bash
# Run every benchmark script in bench/ (bench/*_bench.py) with its defaults, one after another.
# Extra arguments are passed to each script, e.g. `bench/run_all.sh --repeat 5`.
# Results are printed; scripts that accept --json also write bench/out/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
python="${PYTHON:-python}"
status=0
for script in bench/*_bench.py; do
  [ -e "$script" ] || continue
  name="$(basename "$script" .py)"
  echo "== $name"
  extra=()
  if grep -q -- '"--json"' "$script"; then
    extra=(--json "bench/out/$name.json")
  fi
  if ! "$python" "$script" "${extra[@]}" "$@"; then
    echo "!! $name failed" >&2
    status=1
  fi
  echo
done
exit "$status"
