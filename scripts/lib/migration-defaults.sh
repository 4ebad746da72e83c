# shellcheck shell=bash
# Generated from the configuration schema (infra/config/migration.ts) by `npm run schema`: do not edit.
# What each migration key the operator scripts read means when the stack file leaves it out.
# shellcheck disable=SC2034 # used by scripts/lib/migration.sh, which sources this file
declare -gA MIGRATION_DEFAULTS=(
  [enabled]='false'
  [steps]='[0,10,25,50,100]'
  [stage]='0'
  [dataStrategy]='cutover'
  [routing]='gateway'
  [retireOld]='false'
  [replicas.old]='2'
  [replicas.new]='3'
  [oldSystem.healthPath]='/'
  [gate.window]='5m'
  [gate.maxErrorRatio]='0.01'
  [gate.maxP95Seconds]='1'
)
