#!/usr/bin/env bash
# On-demand restore (runs in a Job created from the suspended mongodb-restore CronJob by
# scripts/restore-backup.sh): restores one backup (or the newest) into RESTORE_TARGET_URI.
# Environment: RESTORE_TARGET_URI (from a Secret), BACKUP_STACK, BACKUP_CONTAINER_URL, WORK_DIR,
# RESTORE_BACKUP (manifest blob name; the newest when empty), RESTORE_DROP (true: drop each
# collection before restoring it).
set -euo pipefail
# shellcheck disable=SC1091 # lib.sh is mounted next to this script
source "$(dirname "$0")/lib.sh"

require_vars RESTORE_TARGET_URI BACKUP_STACK BACKUP_CONTAINER_URL
work=${WORK_DIR:-/work}
mkdir -p "$work"
config="$work/.target-uri.yaml"
trap 'rm -f "$config"' EXIT

blob=${RESTORE_BACKUP:-$(newest_manifest "$BACKUP_CONTAINER_URL" "$BACKUP_STACK")}
[[ -n "$blob" ]] || die "no backup of stack $BACKUP_STACK found in $BACKUP_CONTAINER_URL"
log "restoring $blob"
fetch_backup "$BACKUP_CONTAINER_URL" "$blob" "$work"
oplog=$(jq -r '.oplog' "$work/manifest.json")

write_uri_config "$config" "$RESTORE_TARGET_URI"
extra=()
if [[ "${RESTORE_DROP:-false}" == true ]]; then extra+=(--drop); fi
restore_archive "$config" "$work/backup.archive.gz" "$oplog" "$work/mongorestore.log" "${extra[@]}"
log "restore ok: $blob ($(user_namespaces <"$work/mongorestore.log.counts" | wc -l) collections restored)"
