#!/usr/bin/env bash
# Creates or updates the rendered-diff comment on a pull request ("Render diff comment"
# workflow). The directory comes from an artifact of a pull-request run, possibly from a fork,
# so it is data only: the PR number must be a number, and the pull request's current head must be
# the commit that run was for; otherwise nothing is posted. Needs GH_TOKEN with pull-requests: write.
#
# usage: pr-comment.sh <owner/repo> <head-sha> <dir with pr-number and comment.md>
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 <owner/repo> <head-sha> <dir>" >&2
  exit 2
fi
repo=$1
head_sha=$2
dir=$3
marker='<!-- itops-render-diff -->'
max_chars=65000

pr=$(head -c 20 "$dir/pr-number" | tr -d '[:space:]')
if ! [[ $pr =~ ^[0-9]{1,9}$ ]]; then
  echo "::error::artifact pr-number is not a pull request number"
  exit 1
fi
if ! [[ $head_sha =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::head sha is not a commit id"
  exit 1
fi

actual=$(gh api "repos/$repo/pulls/$pr" --jq .head.sha)
if [ "$actual" != "$head_sha" ]; then
  echo "::notice::pull request #$pr has moved on to $actual (this run was for $head_sha); not commenting"
  exit 0
fi

# The body always starts with the marker (this script adds it) and fits GitHub's limit.
body=$(mktemp)
{
  echo "$marker"
  grep -v -F "$marker" "$dir/comment.md" || true
} | head -c "$max_chars" > "$body"

# Ids of this workflow's earlier comments (no pipe into head: gh must not die of SIGPIPE).
ids=$(gh api --paginate "repos/$repo/issues/$pr/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id")
existing=${ids%%$'\n'*}
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$repo/issues/comments/$existing" -F "body=@$body" --jq .html_url
else
  gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$body" --jq .html_url
fi
