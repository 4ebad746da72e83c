#!/usr/bin/env bash
# Shared by scripts/migrate.sh and scripts/rollback.sh (sourced, not run): reading the migration
# section of a stack's config through the Pulumi CLI, and the Kubernetes API server proxy.
# Expects: $stack set, `pulumi`, `kubectl` and `jq` on PATH.

# The value of migration.<path> in the stack config, or $2 when it is not set.
cfg() {
  local value
  if value=$(pulumi config get --stack "$stack" --path "migration.$1" 2>/dev/null); then
    printf '%s\n' "$value"
  else
    printf '%s\n' "${2-}"
  fi
}

die() {
  echo "error: $*" >&2
  exit 1
}

usage_error() {
  echo "error: $*" >&2
  echo "usage: $usage" >&2
  exit 2
}

# Loads the migration settings the scripts need into globals.
load_migration() {
  enabled=$(cfg enabled false)
  [ "$enabled" = "true" ] || die "migration is not enabled on stack $stack (set it-ops-infra:migration.enabled: true first, see docs/migration.md)"
  steps_json=$(cfg steps '[0,10,25,50,100]')
  mapfile -t steps < <(jq -r '.[]' <<< "$steps_json")
  [ "${#steps[@]}" -ge 2 ] || die "migration.steps of stack $stack is not a list of percentages: $steps_json"
  stage=$(cfg stage 0)
  if ! [[ "$stage" =~ ^[0-9]+$ ]] || [ "$stage" -ge "${#steps[@]}" ]; then
    die "migration.stage of stack $stack is not an index of migration.steps: $stage"
  fi
  last=$((${#steps[@]} - 1))
  strategy=$(cfg dataStrategy cutover)
  routing=$(cfg routing gateway)
  retire_old=$(cfg retireOld false)
  old_replicas=$(cfg replicas.old 2)
  new_replicas=$(cfg replicas.new 3)
  old_namespace=$(cfg oldSystem.namespace)
  old_service=$(cfg oldSystem.service)
  old_port=$(cfg oldSystem.port)
  old_deployment=$(cfg oldSystem.deployment)
  old_health_path=$(cfg oldSystem.healthPath /)
}

# Whether the data strategy allows the weight of stage $1 (cutover: only 0 and 100 %).
stage_allowed() {
  [ "$strategy" != "cutover" ] || [ "${steps[$1]}" -eq 0 ] || [ "${steps[$1]}" -eq 100 ]
}

# Sets migration.stage and runs `pulumi up` (with --yes when the operator passed it).
apply_stage() {
  echo "moving stack $stack from stage $stage (${steps[$stage]} % new) to stage $1 (${steps[$1]} % new)"
  pulumi config set --stack "$stack" --path migration.stage "$1"
  pulumi up --stack "$stack" "${up_flags[@]}"
}
