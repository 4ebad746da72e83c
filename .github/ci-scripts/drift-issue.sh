#!/usr/bin/env bash
# Keeps one open issue per drifting stack (nightly drift workflow), with the GitHub CLI:
#   drift: opens "Drift detected: <stack>" (label drift) or comments on the open one;
#   clean: comments on and closes that issue when one is open.
# Needs GH_TOKEN with issues: write.
#
# usage: drift-issue.sh <owner/repo> <stack> <drift|clean> <run-url> <report.md>
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: $0 <owner/repo> <stack> <drift|clean> <run-url> <report.md>" >&2
  exit 2
fi
repo=$1
stack=$2
status=$3
run_url=$4
report=$5
title="Drift detected: $stack"
label=drift

case "$status" in
  drift | clean) ;;
  *)
    echo "status must be drift or clean, got '$status'" >&2
    exit 2
    ;;
esac

# The open drift issue of this stack (exact title), if any.
issue=$(gh issue list --repo "$repo" --state open --label "$label" --limit 100 --json number,title \
  --jq "map(select(.title == \"$title\")) | .[0].number // empty")

body=$(mktemp)
if [ "$status" = drift ]; then
  {
    echo "Drift on stack \`$stack\` found by the nightly drift detection: $run_url"
    echo
    echo "Either the infrastructure was changed outside Pulumi (refresh shows it) or main holds changes"
    echo "that are not deployed (preview shows them). Reconcile with a pull request or \`pulumi refresh\`;"
    echo "this issue closes itself after the next clean run."
    echo
    cat "$report"
  } > "$body"
  if [ -n "$issue" ]; then
    gh issue comment "$issue" --repo "$repo" --body-file "$body"
    echo "commented on issue #$issue"
  else
    gh label create "$label" --repo "$repo" --color B60205 --description "Infrastructure drift found by the nightly check" --force
    gh issue create --repo "$repo" --title "$title" --label "$label" --body-file "$body"
  fi
elif [ -n "$issue" ]; then
  echo "No drift on stack \`$stack\` any more: $run_url" > "$body"
  gh issue comment "$issue" --repo "$repo" --body-file "$body"
  gh issue close "$issue" --repo "$repo" --reason completed
  echo "closed issue #$issue"
else
  echo "no drift on $stack and no open drift issue"
fi
