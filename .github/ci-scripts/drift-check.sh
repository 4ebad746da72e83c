#!/usr/bin/env bash
# Drift check of one stack (nightly drift workflow):
#   1. pulumi refresh --preview-only --expect-no-changes   do Azure and the cluster match the state?
#   2. pulumi preview --expect-no-changes                   does the state match the code on main?
# Both only read; neither writes the state. Prints both outputs to the job log, writes a Markdown
# report to <report> and `status=clean` or `status=drift` to $GITHUB_OUTPUT. Exits non-zero only
# when Pulumi fails for another reason (login, config, program error), so that is visible too.
# Secret values never appear: Pulumi shows them as [secret] without --show-secrets.
#
# usage: drift-check.sh <stack> <report.md>
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <stack> <report.md>" >&2
  exit 2
fi
stack=$1
report=$2
logs=$(mktemp -d)
status=clean
: > "$report"

# The last lines of a log, fenced for Markdown (the report must fit in an issue comment).
fenced_tail() {
  echo '````text'
  tail -n 300 "$1" | cut -c1-400
  echo '````'
}

# check <operation> <pulumi arguments...>: runs one check, records drift or fails.
check() {
  local op=$1
  shift
  local log="$logs/$op.log" rc=0
  echo "::group::pulumi $* (stack $stack)"
  pulumi "$@" --stack "$stack" --non-interactive --diff --expect-no-changes --color never >"$log" 2>&1 || rc=$?
  cat "$log"
  echo "::endgroup::"
  if [ "$rc" -eq 0 ]; then
    echo "$op: no changes"
  elif grep -q "no changes were expected for $op but changes were proposed" "$log"; then
    echo "::warning::$op found changes on stack $stack"
    status=drift
    {
      echo "### \`pulumi $*\` found changes"
      echo
      echo "<details><summary>output (last 300 lines)</summary>"
      echo
      fenced_tail "$log"
      echo
      echo "</details>"
      echo
    } >> "$report"
  else
    echo "::error::pulumi $op failed on stack $stack (exit $rc); this is not drift, see the log above"
    exit "$rc"
  fi
}

check refresh refresh --preview-only
check preview preview

echo "status=$status" >> "${GITHUB_OUTPUT:-/dev/stdout}"
echo "drift check of $stack: $status"
