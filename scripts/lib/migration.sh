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

# Config keys changed by config_set, with their previous values, for restore_config:
# "<path>\t<1 if it was set, 0 if not>\t<previous value>", in the order they were changed.
changed_config=()

# Sets migration.<path> to $2, remembering the previous value so that restore_config can put it back.
config_set() {
  local previous was_set=1
  previous=$(pulumi config get --stack "$stack" --path "migration.$1" 2>/dev/null) || was_set=0
  changed_config+=("$1"$'\t'"$was_set"$'\t'"$previous")
  pulumi config set --stack "$stack" --path "migration.$1" "$2"
}

# Puts every key changed by config_set back, newest first; prints what it did.
restore_config() {
  local i path was_set previous
  for ((i = ${#changed_config[@]} - 1; i >= 0; i--)); do
    IFS=$'\t' read -r path was_set previous <<< "${changed_config[$i]}"
    if [ "$was_set" = 1 ]; then
      pulumi config set --stack "$stack" --path "migration.$path" "$previous"
      echo "  migration.$path is back at $previous" >&2
    else
      pulumi config rm --stack "$stack" --path "migration.$path"
      echo "  migration.$path is unset again (its default applies)" >&2
    fi
  done
  changed_config=()
}

# Runs `pulumi up`; when it fails, puts the config changed by config_set back and runs `pulumi up`
# again, so that the stack config and the cluster agree on the previous stage; then exits 1.
# $1 describes the previous state for the messages (e.g. "stage 2 (25 % new)").
up_or_restore() {
  local previous=$1
  pulumi up --stack "$stack" "${up_flags[@]}" && return 0
  echo "error: pulumi up failed on stack $stack; putting the previous configuration back:" >&2
  restore_config
  echo "re-applying $previous with pulumi up, so that the cluster matches the configuration again" >&2
  if pulumi up --stack "$stack" "${up_flags[@]}"; then
    die "pulumi up failed; stack $stack is back at $previous (configuration and cluster). Fix the cause shown above and run again"
  fi
  die "pulumi up failed, and so did re-applying $previous: the configuration says $previous, but the cluster may be partly updated. Fix the cause shown above, then run: pulumi up --stack $stack"
}

# Sets migration.stage and runs `pulumi up` (with --yes when the operator passed it). When `pulumi up`
# fails, the previous stage (and any other key changed with config_set) is put back and re-applied.
apply_stage() {
  echo "moving stack $stack from stage $stage (${steps[$stage]} % new) to stage $1 (${steps[$1]} % new)"
  local previous="stage $stage (${steps[$stage]} % new)"
  [ "$retire_old" != "true" ] || previous="$previous with the old system retired"
  config_set stage "$1"
  up_or_restore "$previous"
}
