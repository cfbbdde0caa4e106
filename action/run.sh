#!/usr/bin/env bash
# The step of the promptops action that runs the CLI, the way a runner runs it.
#
# Inputs arrive as INPUT_* variables mapped in action.yml with `env:` (composite actions get
# no INPUT_* on their own, and `${{ }}` inside a script is a template-injection hole).
# It runs `promptops COMMAND --format json`, then lets `python -m promptops.action.steps`
# write annotations, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, posts the sticky PR comment
# unless `comment: off`, and exits non-zero when the gate fails per `fail-on`.
# `warm` runs `promptops cache warm HEAD` and nothing else (the cache steps keep the result).
#
# PROMPTOPS_PYTHON: the interpreter that has promptops (the install step's venv).
# PROMPTOPS_REPORT_FILE: publish this prepared report instead of running COMMAND.
set -euo pipefail

py="${PROMPTOPS_PYTHON:-python3}"
command="${INPUT_COMMAND:-check}"
comment="${INPUT_COMMENT:-update}"
fail_on="${INPUT_FAIL_ON:-error}"
workdir="${INPUT_WORKING_DIRECTORY:-.}"
[[ -n "$workdir" ]] || workdir=.

escape() { # workflow-command data escaping, so an input cannot inject commands
  local s="${1//%/%25}"
  s="${s//$'\r'/%0D}"
  printf '%s' "${s//$'\n'/%0A}"
}
fail() {
  echo "::error title=promptops::$(escape "$1")"
  exit 2
}

case "$command" in check | lint | eval | warm) ;; *) fail "input command must be check, lint, eval or warm, got '$command'" ;; esac
case "$comment" in update | new | hide-and-new | delete-and-new | off) ;;
*) fail "input comment must be update, new, hide-and-new, delete-and-new or off, got '$comment'" ;;
esac
case "$fail_on" in error | warning | never) ;; *) fail "input fail-on must be error, warning or never, got '$fail_on'" ;; esac

if [[ -n "${INPUT_ANTHROPIC_API_KEY:-}" ]]; then
  echo "::add-mask::$INPUT_ANTHROPIC_API_KEY"
  export ANTHROPIC_API_KEY="$INPUT_ANTHROPIC_API_KEY"
fi

sarif=""
if [[ -n "${INPUT_SARIF_FILE:-}" ]]; then
  case "$INPUT_SARIF_FILE" in /*) sarif="$INPUT_SARIF_FILE" ;; *) sarif="$PWD/$INPUT_SARIF_FILE" ;; esac
fi
out_dir="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/promptops.XXXXXX")"
cd "$workdir" 2>/dev/null || fail "working-directory '$workdir' does not exist"

extra_args=()
if [[ -n "${INPUT_TELEMETRY:-}" ]]; then
  [[ "$command" == check ]] || fail "input telemetry is for command check, not $command"
  extra_args+=(--telemetry "$INPUT_TELEMETRY")
fi
if [[ -n "${INPUT_ARGS:-}" ]]; then
  "$py" -c 'import os, shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(os.environ["INPUT_ARGS"])))' \
    >"$out_dir/args" 2>/dev/null || fail "input args has unbalanced quotes"
  while IFS= read -r -d '' arg; do extra_args+=("$arg"); done <"$out_dir/args"
fi

# PROMPTOPS_CACHE_DIR (the folder actions/cache restores and saves) wins over `cache_dir` in
# the repo's configuration, which a pull request may edit: say that the configured one is unused.
if [[ -n "${PROMPTOPS_CACHE_DIR:-}" ]]; then
  config_args=() # the configuration the run uses, when `args` names one
  for ((i = 0; i < ${#extra_args[@]}; i++)); do
    case "${extra_args[i]}" in
    --config) config_args=(--config "${extra_args[i + 1]:-}") ;;
    --config=*) config_args=("${extra_args[i]}") ;;
    esac
  done
  configured="$("$py" -m promptops config ${config_args[@]+"${config_args[@]}"} 2>/dev/null |
    "$py" -c 'import json, sys; print(json.load(sys.stdin).get("cache_dir") or "")' 2>/dev/null)" || configured=""
  if [[ -n "$configured" && "${configured%/}" != "${PROMPTOPS_CACHE_DIR%/}" ]]; then
    echo "::warning title=promptops::$(escape "cache_dir in the promptops configuration ($configured) is ignored: the action's cache folder ($PROMPTOPS_CACHE_DIR) is used, as PROMPTOPS_CACHE_DIR wins over the configuration. Remove cache_dir from the configuration that CI uses.")"
  fi
fi

if [[ "$command" == warm ]]; then # no report, no comment: fill the cache for HEAD
  [[ -n "${PROMPTOPS_CACHE_DIR:-}" ]] || echo "::warning title=promptops::command warm with cache: false keeps nothing for later runs"
  set +e
  "$py" -m promptops cache warm HEAD ${extra_args[@]+"${extra_args[@]}"}
  status=$?
  set -e
  if ((status != 0)); then
    echo "::error title=promptops::promptops cache warm failed with exit code $status (see the log above)"
    exit 2
  fi
  exit 0
fi

tag="${INPUT_COMMENT_TAG:-}"
if [[ -z "$tag" ]]; then
  tag="$command"
  wd="${workdir#./}"
  wd="${wd%/}"
  if [[ -n "$wd" && "$wd" != "." ]]; then tag="$command/$wd"; fi
  tag="${tag//[^A-Za-z0-9._\/-]/-}"
  tag="${tag:0:64}"
fi

ref_args=()
if [[ "$command" != lint ]]; then
  if ! base="$("$py" -m promptops.action.steps refs)"; then
    printf '%s\n' "$base"
    exit 2
  fi
  if [[ -n "$base" ]]; then ref_args=(--base "$base"); fi
fi

status=0
if [[ -n "${PROMPTOPS_REPORT_FILE:-}" ]]; then
  report="$out_dir/report.${PROMPTOPS_REPORT_FILE##*.}"
  cp "$PROMPTOPS_REPORT_FILE" "$report" || fail "cannot read PROMPTOPS_REPORT_FILE"
else
  report="$out_dir/report.json"
  sarif_args=() # the SARIF file comes from the same run as the JSON report
  if [[ -n "$sarif" && "$command" != eval ]]; then sarif_args=(--sarif-output "$sarif"); fi
  set +e
  "$py" -m promptops "$command" ${ref_args[@]+"${ref_args[@]}"} --format json --output "$report" \
    ${sarif_args[@]+"${sarif_args[@]}"} ${extra_args[@]+"${extra_args[@]}"}
  status=$?
  set -e
  if ((status > 1)) || [[ ! -s "$report" ]]; then
    echo "::error title=promptops::promptops $command failed with exit code $status (see the log above)"
    exit $((status > 1 ? status : 2))
  fi
fi

set +e
"$py" -m promptops.action.steps finish --report "$report" --exit-status "$status" \
  --fail-on "$fail_on" --markdown-out "$out_dir/report.md"
gate=$?
set -e
if ((gate > 1)); then exit "$gate"; fi

if [[ "$comment" != off ]]; then
  if ! "$py" -m promptops comment github --report "$out_dir/report.md" --behavior "$comment" --tag "$tag"; then
    echo "::warning title=promptops::the PR comment could not be posted; the report is in the job summary"
  fi
fi
exit "$gate"
