#!/usr/bin/env bash
# Data copy of a migration run (Kubernetes Job of the DataCopyJob component).
#
# Streams the source database into the target (mongodump | mongorestore, no intermediate file),
# then verifies the copy: zero "document(s) failed to restore", the same collections on both
# sides, equal per-collection document counts and equal index sets. Any mismatch exits non-zero,
# which fails the Job and so stops `pulumi up` before traffic moves (the route depends on the Job).
#
# Environment: SOURCE_URI, TARGET_URI (from a Kubernetes Secret; never printed),
# SCRIPT_DIR (where inventory.js is; default: this script's directory), WORK_DIR (default /tmp).
set -euo pipefail
export LC_ALL=C # sort, comm and join must agree on the order

: "${SOURCE_URI:?SOURCE_URI must be set (from the data-copy Secret)}"
: "${TARGET_URI:?TARGET_URI must be set (from the data-copy Secret)}"
script_dir="${SCRIPT_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
work_dir="${WORK_DIR:-/tmp}"
restore_log="$work_dir/mongorestore.log"
failures=0

fail() {
  echo "data-copy: FAILED: $*" >&2
  failures=$((failures + 1))
}

echo "data-copy: streaming mongodump --archive --gzip --oplog | mongorestore --archive --gzip --oplogReplay --drop"
# pipefail: a failure of mongodump, mongorestore or tee fails the copy.
if ! mongodump --uri="$SOURCE_URI" --archive --gzip --oplog \
  | mongorestore --uri="$TARGET_URI" --archive --gzip --oplogReplay --drop 2>&1 \
  | tee "$restore_log"; then
  echo "data-copy: FAILED: mongodump | mongorestore exited non-zero" >&2
  exit 1
fi

# mongorestore ends with "<n> document(s) restored successfully. <m> document(s) failed to restore."
failed_lines=$(grep -Eo '[0-9]+ document\(s\) failed to restore' "$restore_log" || true)
if [ -z "$failed_lines" ]; then
  fail "mongorestore did not report its document counts (no \"document(s) failed to restore\" line)"
else
  while read -r n _; do
    if [ "$n" -ne 0 ]; then fail "mongorestore reports $n document(s) failed to restore"; fi
  done <<< "$failed_lines"
fi

# Inventories: one line per collection: "collection<TAB>db.coll<TAB>count<TAB>sorted index keys".
inventory() {
  mongosh "$1" --quiet --norc "$script_dir/inventory.js" | grep '^collection' | sort
}
inventory "$SOURCE_URI" > "$work_dir/source.tsv"
inventory "$TARGET_URI" > "$work_dir/target.tsv"

cut -f2 "$work_dir/source.tsv" > "$work_dir/source.names"
cut -f2 "$work_dir/target.tsv" > "$work_dir/target.names"
while read -r c; do fail "collection $c is missing on the target"; done < <(comm -23 "$work_dir/source.names" "$work_dir/target.names")
while read -r c; do fail "collection $c exists only on the target"; done < <(comm -13 "$work_dir/source.names" "$work_dir/target.names")

# Compare counts and index sets of the collections on both sides.
while IFS=$'\t' read -r name s_count s_idx t_count t_idx; do
  if [ "$s_count" != "$t_count" ]; then fail "collection $name has $s_count document(s) on the source but $t_count on the target"; fi
  if [ "$s_idx" != "$t_idx" ]; then fail "collection $name has indexes [$s_idx] on the source but [$t_idx] on the target"; fi
done < <(join -t $'\t' -j 1 <(cut -f2- "$work_dir/source.tsv") <(cut -f2- "$work_dir/target.tsv"))

collections=$(wc -l < "$work_dir/source.names")
documents=$(awk -F'\t' '{ n += $3 } END { print n + 0 }' "$work_dir/source.tsv")
if [ "$failures" -gt 0 ]; then
  echo "data-copy: NOT VERIFIED ($failures problem(s))" >&2
  exit 1
fi
echo "data-copy: VERIFIED $collections collection(s), $documents document(s): counts and indexes equal"
