#!/usr/bin/env bash
# Rolls a stack's staged migration back (the plan's ./rollback.sh):
#
#   scripts/rollback.sh <stack> [stage] [--accept-data-loss] [--yes]
#
# 1. `pulumi refresh` (the state matches the cluster), 2. `pulumi config set --path migration.stage
# <stage>` (default 0: all traffic to the old system, the routing from before the migration began),
# 3. `pulumi up`, 4. smoke check of the old system: its Deployment is rolled out and its Service
# answers migration.oldSystem.healthPath through the API server's service proxy.
#
# After migration.retireOld (the old system scaled to 0 at the final stage) it refuses unless
# --accept-data-loss is given: the old system has received no writes since it was retired.
# --yes is passed to `pulumi up` (no interactive confirmation).
# Exit codes: 0 rolled back, 1 refused or failed, 2 usage.
set -euo pipefail

usage="scripts/rollback.sh <stack> [stage] [--accept-data-loss] [--yes]"
# shellcheck source=lib/migration.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/migration.sh"

[ $# -ge 1 ] || usage_error "expected a stack"
stack=$1
shift
target=0
accept_data_loss=0
up_flags=()
for arg in "$@"; do
  case "$arg" in
    --accept-data-loss) accept_data_loss=1 ;;
    --yes) up_flags+=(--yes) ;;
    -*) usage_error "unknown option '$arg'" ;;
    *)
      [[ "$arg" =~ ^[0-9]+$ ]] || usage_error "stage must be a non-negative integer, got '$arg'"
      target=$arg
      ;;
  esac
done

load_migration
[ "$target" -le "$stage" ] || die "stage $target is ahead of the current stage $stage: rolling back only moves backwards (use scripts/migrate.sh)"
stage_allowed "$target" || die "stage $target (${steps[$target]} %) is not allowed with dataStrategy cutover"

if [ "$retire_old" = "true" ]; then
  if [ "$accept_data_loss" -ne 1 ]; then
    cat >&2 <<MSG
error: refusing to roll back stack $stack: the old system is retired (migration.retireOld: true).
Since it was scaled to 0, every write went to the new system only. Rolling back sends users to the
old system and its database, which lacks those writes (with dataStrategy $strategy nothing copies them
back): they would be invisible and later overwritten or lost. Fix forward instead, or copy the new
data back first, then run again with --accept-data-loss to roll back anyway.
MSG
    exit 1
  fi
  echo "warning: rolling back after retireOld with --accept-data-loss: writes made since the old system was retired are not on it" >&2
fi

echo "refreshing stack $stack"
pulumi refresh --stack "$stack" --yes
if [ "$retire_old" = "true" ]; then
  config_set retireOld false
fi
if [ "$target" -ne "$stage" ] || [ "$retire_old" = "true" ]; then
  apply_stage "$target"
else
  echo "stack $stack is at stage $stage already; re-applying it"
  pulumi up --stack "$stack" "${up_flags[@]}" || die "pulumi up failed on stack $stack (the configuration was not changed: it is at stage $stage)"
fi

echo "smoke check of the old system ($old_namespace/$old_deployment, service $old_service:$old_port$old_health_path)"
kubectl rollout status --namespace "$old_namespace" "deployment/$old_deployment" --timeout=300s \
  || die "the old system's Deployment $old_namespace/$old_deployment did not become ready"
kubectl get --raw "/api/v1/namespaces/$old_namespace/services/$old_service:$old_port/proxy$old_health_path" >/dev/null \
  || die "the old system's Service $old_namespace/$old_service did not answer $old_health_path"
echo "rolled back: stack $stack at stage $target (${steps[$target]} % to the new system); the old system answers"
