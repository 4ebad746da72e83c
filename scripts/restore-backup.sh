#!/usr/bin/env bash
# On-demand MongoDB restore: runs a Job from the suspended `mongodb-restore` CronJob (deployed by
# the MongoBackup component) that restores one backup — the newest by default — into a target
# MongoDB, waits for it and prints its log.
#
# Usage:
#   RESTORE_TARGET_URI='mongodb://user:pass@host:27017/' scripts/restore-backup.sh [options]
#   scripts/restore-backup.sh [options]          # prompts for the target URI (not echoed)
# Options:
#   --namespace NS    namespace of the backup objects (default itops-backup)
#   --context CTX     kubectl context (default: the current one)
#   --backup BLOB     manifest blob to restore, e.g. production/2026/11/28/20261128T170000Z.manifest.json
#                     (default: the newest backup of the stack)
#   --drop            drop each collection in the target before restoring it
#   --timeout SECS    how long to wait for the Job (default 14400)
#
# The target URI goes into the Secret mongodb-restore-target through a pipe (never on a command
# line) and the Secret is deleted again when the Job has finished.
set -euo pipefail

namespace=itops-backup
context=()
backup=""
drop=false
timeout=14400

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --namespace) namespace=$2; shift 2 ;;
    --context) context=(--context "$2"); shift 2 ;;
    --backup) backup=$2; shift 2 ;;
    --drop) drop=true; shift ;;
    --timeout) timeout=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option $1" >&2; usage 2 ;;
  esac
done
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "--timeout must be a number of seconds" >&2; exit 2; }
if [[ -n "$backup" && ! "$backup" =~ ^[A-Za-z0-9._-]+/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}Z\.manifest\.json$ ]]; then
  echo "--backup must name a manifest blob such as production/2026/11/28/20261128T170000Z.manifest.json" >&2
  exit 2
fi

kc() { kubectl "${context[@]}" --namespace "$namespace" "$@"; }

target=${RESTORE_TARGET_URI:-}
if [[ -z "$target" ]]; then
  read -rsp "Target MongoDB URI: " target
  echo >&2
fi
[[ "$target" =~ ^mongodb(\+srv)?:// ]] || { echo "the target must be a mongodb:// or mongodb+srv:// URI" >&2; exit 2; }

kc get cronjob mongodb-restore >/dev/null

# The request: which backup, whether to drop. Then the target URI, through stdin only.
kc create configmap mongodb-restore-request --from-literal="backup=$backup" --from-literal="drop=$drop" \
  --dry-run=client -o yaml | kc apply -f - >/dev/null
printf '%s' "$target" | kc create secret generic mongodb-restore-target --from-file=uri=/dev/stdin \
  --dry-run=client -o yaml | kc apply -f - >/dev/null
trap 'kc delete secret mongodb-restore-target --ignore-not-found >/dev/null' EXIT

job="mongodb-restore-$(date -u +%Y%m%d%H%M%S)"
kc create job "$job" --from=cronjob/mongodb-restore
echo "waiting for job/$job (timeout ${timeout}s)" >&2

deadline=$((SECONDS + timeout))
state=""
while (( SECONDS < deadline )); do
  state=$(kc get job "$job" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
  case "$state" in
    *Complete*|*Failed*) break ;;
  esac
  sleep 10
done
kc logs "job/$job" --all-containers --tail=-1 || true
case "$state" in
  *Complete*) echo "restore job $job succeeded" >&2 ;;
  *Failed*) echo "restore job $job FAILED" >&2; exit 1 ;;
  *) echo "restore job $job did not finish within ${timeout}s (still running; follow with kubectl logs -f job/$job)" >&2; exit 1 ;;
esac
