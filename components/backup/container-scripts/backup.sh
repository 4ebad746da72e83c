#!/usr/bin/env bash
# MongoDB backup (runs in the backup CronJob's pod).
# 1. mongodump --archive --gzip (--oplog for a replica set) into a local file;
# 2. stop on any failure: a failed, empty or corrupt dump is never uploaded;
# 3. upload the archive, then a manifest (per-collection document counts, SHA-256) with
#    azcopy, authenticated by workload identity (AZCOPY_AUTO_LOGIN_TYPE=WORKLOAD).
# Environment: MONGODB_URI, BACKUP_STACK, BACKUP_CONTAINER_URL, BACKUP_OPLOG (true|false),
# WORK_DIR (scratch volume), BACKUP_ALLOW_EMPTY (true to accept a dump without user collections).
set -euo pipefail
# shellcheck disable=SC1091 # lib.sh is mounted next to this script
source "$(dirname "$0")/lib.sh"

require_vars MONGODB_URI BACKUP_STACK BACKUP_CONTAINER_URL
oplog=${BACKUP_OPLOG:-false}
work=${WORK_DIR:-/work}
mkdir -p "$work"

ts=$(date -u +%Y%m%dT%H%M%SZ)
[[ "$ts" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || die "unexpected timestamp $ts"
prefix="$BACKUP_STACK/${ts:0:4}/${ts:4:2}/${ts:6:2}/$ts"
archive="$work/$ts.archive.gz"
manifest="$work/$ts.manifest.json"
dumplog="$work/$ts.mongodump.log"
config="$work/.mongo-uri.yaml"
cleanup() { rm -f "$config" "$archive" "$manifest"; }
trap cleanup EXIT

write_uri_config "$config" "$MONGODB_URI"
args=(--config="$config" --archive="$archive" --gzip -v)
if [[ "$oplog" == true ]]; then args+=(--oplog); fi

log "dumping into $archive (oplog: $oplog)"
status=0
mongodump "${args[@]}" 2>"$dumplog" || status=$?
cat "$dumplog" >&2
(( status == 0 )) || die "mongodump failed (exit $status); nothing was uploaded"
[[ -s "$archive" ]] || die "mongodump wrote no archive; nothing was uploaded"
gzip -t "$archive" || die "the archive is not a valid gzip stream; nothing was uploaded"

counts=$(sed -nE 's/.*done dumping ([^[:space:]]+) \(([0-9]+) documents?\).*/\1\t\2/p' "$dumplog")
user_counts=$(printf '%s\n' "$counts" | user_namespaces)
if [[ -z "$user_counts" && "${BACKUP_ALLOW_EMPTY:-false}" != true ]]; then
  die "the dump holds no user collection (wrong URI or missing privileges?); nothing was uploaded"
fi

sha=$(sha256sum "$archive" | cut -d ' ' -f 1)
bytes=$(stat -c %s "$archive")
printf '%s\n' "$counts" | counts_json | jq \
  --arg stack "$BACKUP_STACK" --arg timestamp "$ts" --arg archive "$prefix.archive.gz" \
  --arg sha256 "$sha" --argjson bytes "$bytes" --argjson oplog "$oplog" \
  '{stack: $stack, timestamp: $timestamp, archive: $archive, sha256: $sha256, bytes: $bytes,
    oplog: $oplog, collections: ., totalDocuments: ([.[]] | add // 0)}' >"$manifest"

# The archive first, the manifest last: a manifest only exists for a complete upload.
azcopy copy "$archive" "$BACKUP_CONTAINER_URL/$prefix.archive.gz" --overwrite=false --put-md5 >&2 \
  || die "uploading the archive failed"
azcopy copy "$manifest" "$BACKUP_CONTAINER_URL/$prefix.manifest.json" --overwrite=false --put-md5 >&2 \
  || die "uploading the manifest failed"
log "backup ok: $prefix.archive.gz ($bytes bytes, $(jq -r '.totalDocuments' "$manifest") documents)"
