#!/usr/bin/env bash
# Functions shared by backup.sh, restore-drill.sh and restore.sh (sourced, never run alone).
# Blob layout in the backup container:
#   <stack>/<yyyy>/<mm>/<dd>/<timestamp>.archive.gz     mongodump --archive --gzip
#   <stack>/<yyyy>/<mm>/<dd>/<timestamp>.manifest.json  written last: marks a complete backup
set -euo pipefail

log() {
  printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${0##*/}" "$*" >&2
}

die() {
  log "ERROR: $*"
  exit 1
}

# require_vars NAME... : fails when one of the variables is unset or empty.
require_vars() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "$name must be set"
  done
}

# write_uri_config FILE URI : a mongodump/mongorestore --config file holding the connection URI,
# so the URI (with its password) never appears in a process list or a log line.
write_uri_config() {
  local file=$1 uri=$2
  (umask 077 && printf "uri: '%s'\n" "${uri//\'/\'\'}" >"$file")
}

# user_namespaces : reads "ns<TAB>count" lines, drops MongoDB's own namespaces (admin, config,
# local and system.* collections, which mongorestore handles specially or skips).
user_namespaces() {
  awk -F '\t' '$1 !~ /^(admin|config|local)\./ && $1 !~ /\.system\./'
}

# counts_json : "ns<TAB>count" lines on stdin -> {"ns": count, ...}
counts_json() {
  jq -R -n '[inputs | select(length > 0) | split("\t") | {(.[0]): (.[1] | tonumber)}] | add // {}'
}

# newest_manifest CONTAINER_URL STACK : the blob name of the newest complete backup of STACK.
newest_manifest() {
  local url=$1 stack=$2 listing
  listing=$(azcopy list "$url") || die "cannot list $url"
  printf '%s\n' "$listing" \
    | sed -E 's/^INFO: //; s/;.*$//' \
    | grep -E "^${stack}/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}Z\.manifest\.json$" \
    | sort | tail -n 1 || true
}

# fetch_backup CONTAINER_URL MANIFEST_BLOB DIR : downloads the manifest and its archive into DIR
# (manifest.json, backup.archive.gz) and checks the archive's SHA-256 against the manifest.
fetch_backup() {
  local url=$1 blob=$2 dir=$3 archive_blob expected actual
  azcopy copy "$url/$blob" "$dir/manifest.json" --overwrite=true >&2 || die "cannot download $blob"
  archive_blob=$(jq -er '.archive' "$dir/manifest.json") || die "$blob has no .archive"
  expected=$(jq -er '.sha256' "$dir/manifest.json") || die "$blob has no .sha256"
  azcopy copy "$url/$archive_blob" "$dir/backup.archive.gz" --overwrite=true >&2 || die "cannot download $archive_blob"
  actual=$(sha256sum "$dir/backup.archive.gz" | cut -d ' ' -f 1)
  [[ "$actual" == "$expected" ]] || die "$archive_blob: SHA-256 $actual does not match the manifest ($expected)"
  log "fetched $archive_blob (sha256 ok)"
}

# restore_archive CONFIG_ARGS_FILE ARCHIVE OPLOG LOGFILE [extra mongorestore args...] :
# runs mongorestore and fails on a non-zero exit or on any "document(s) failed to restore".
# Writes the per-namespace restored counts ("ns<TAB>count") to LOGFILE.counts.
restore_archive() {
  local config=$1 archive=$2 oplog=$3 logfile=$4 status=0 failed
  shift 4
  local args=(--config="$config" --archive="$archive" --gzip -v "$@")
  if [[ "$oplog" == true ]]; then args+=(--oplogReplay); fi
  mongorestore "${args[@]}" 2>"$logfile" || status=$?
  cat "$logfile" >&2
  (( status == 0 )) || die "mongorestore failed (exit $status)"
  failed=$(sed -nE 's/.* ([0-9]+) document\(s\) failed to restore.*/\1/p' "$logfile" | tail -n 1)
  [[ -n "$failed" ]] || die "mongorestore did not report its totals"
  (( failed == 0 )) || die "$failed document(s) failed to restore"
  sed -nE 's/.*finished restoring ([^[:space:]]+) \(([0-9]+) documents?, ([0-9]+) failures?\).*/\1\t\2/p' "$logfile" >"$logfile.counts"
}
