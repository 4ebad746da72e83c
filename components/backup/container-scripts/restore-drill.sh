#!/usr/bin/env bash
# Restore drill (runs in the restore-drill CronJob's pod): restores the newest backup into a
# throw-away mongod in this pod and compares the per-collection document counts with the
# backup's manifest. Fails on any mismatch and on "document(s) failed to restore" > 0.
# Environment: BACKUP_STACK, BACKUP_CONTAINER_URL, WORK_DIR, DRILL_MONGOD_PORT (default 27017),
# DRILL_CACHE_GB (WiredTiger cache of the throw-away mongod, default 0.25),
# RESTORE_BACKUP (a manifest blob to drill instead of the newest).
set -euo pipefail
# shellcheck disable=SC1091 # lib.sh is mounted next to this script
source "$(dirname "$0")/lib.sh"

require_vars BACKUP_STACK BACKUP_CONTAINER_URL
work=${WORK_DIR:-/work}
port=${DRILL_MONGOD_PORT:-27017}
mkdir -p "$work/db"

blob=${RESTORE_BACKUP:-$(newest_manifest "$BACKUP_CONTAINER_URL" "$BACKUP_STACK")}
[[ -n "$blob" ]] || die "no backup of stack $BACKUP_STACK found in $BACKUP_CONTAINER_URL"
log "drilling $blob"
fetch_backup "$BACKUP_CONTAINER_URL" "$blob" "$work"
oplog=$(jq -r '.oplog' "$work/manifest.json")

mongod --dbpath "$work/db" --bind_ip 127.0.0.1 --port "$port" --nounixsocket \
  --wiredTigerCacheSizeGB "${DRILL_CACHE_GB:-0.25}" --logpath "$work/mongod.log" &
mongod_pid=$!
cleanup() { kill "$mongod_pid" 2>/dev/null || true; wait "$mongod_pid" 2>/dev/null || true; }
trap cleanup EXIT
ready=false
for _ in $(seq 1 60); do
  if mongosh --quiet "mongodb://127.0.0.1:$port/admin" --eval 'db.adminCommand({ ping: 1 }).ok' >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 1
done
[[ "$ready" == true ]] || die "the throw-away mongod did not start (see $work/mongod.log)"

write_uri_config "$work/.drill-uri.yaml" "mongodb://127.0.0.1:$port/"
restore_archive "$work/.drill-uri.yaml" "$work/backup.archive.gz" "$oplog" "$work/mongorestore.log"

# Expected (manifest) and restored counts of the user collections, as sorted "ns<TAB>count".
jq -r '.collections | to_entries[] | "\(.key)\t\(.value)"' "$work/manifest.json" | user_namespaces | sort >"$work/expected.tsv"
user_namespaces <"$work/mongorestore.log.counts" | sort >"$work/restored.tsv"
if ! diff_out=$(diff "$work/expected.tsv" "$work/restored.tsv"); then
  log "per-collection counts differ (< manifest, > restored):"
  printf '%s\n' "$diff_out" >&2
  die "restore drill of $blob: document counts do not match the manifest"
fi
[[ -s "$work/expected.tsv" ]] || die "the manifest of $blob lists no user collection"
log "restore drill ok: $blob ($(wc -l <"$work/expected.tsv") collections, $(jq -r '.totalDocuments' "$work/manifest.json") documents)"
