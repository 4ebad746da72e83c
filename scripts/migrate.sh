#!/usr/bin/env bash
# Moves a stack's staged migration (it-ops-infra:migration) one stage at a time.
#
#   scripts/migrate.sh <stack> next [--yes]   health gate, then the next stage (cutover: the next 0/100 % stage)
#   scripts/migrate.sh <stack> back [--yes]   the previous stage, no health gate
#   scripts/migrate.sh <stack> to N [--yes]   stage N; the health gate runs only when moving forward
#   scripts/migrate.sh <stack> status         stage, weights, replica counts, last data copy
#
# The health gate asks Prometheus through the Kubernetes API server's service proxy (no
# port-forward): the new system's error ratio (http_requests_total{code}), its p95 latency
# (http_request_duration_seconds_bucket, when exported) and firing level-1/level-2 alerts, with the
# thresholds of migration.gate.* in the stack config; Prometheus is found through the stack's
# `prometheus` output ({namespace, service, port, url}). It refuses to advance when any check fails.
# --yes is passed to `pulumi up` (no interactive confirmation).
# Exit codes: 0 done, 1 refused or failed, 2 usage.
set -euo pipefail

usage="scripts/migrate.sh <stack> next|back|to N|status [--yes]"
# shellcheck source=lib/migration.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/migration.sh"

[ $# -ge 2 ] || usage_error "expected a stack and a command"
stack=$1
command=$2
shift 2
target=""
if [ "$command" = "to" ]; then
  [ $# -ge 1 ] || usage_error "'to' needs a stage number"
  target=$1
  shift
  [[ "$target" =~ ^[0-9]+$ ]] || usage_error "stage must be a non-negative integer, got '$target'"
fi
up_flags=()
for arg in "$@"; do
  case "$arg" in
    --yes) up_flags+=(--yes) ;;
    *) usage_error "unknown argument '$arg'" ;;
  esac
done
case "$command" in next|back|to|status) ;; *) usage_error "unknown command '$command'" ;; esac

load_migration

# --- Prometheus through the API server proxy.
selector=$(cfg gate.selector "")
window=$(cfg gate.window)
max_error_ratio=$(cfg gate.maxErrorRatio)
max_p95=$(cfg gate.maxP95Seconds)

# Where Prometheus runs: the stack's `prometheus` output (derived once by the program from
# monitoring.*, never configured twice). Read only when the health gate runs.
load_prometheus() {
  local json
  json=$(pulumi stack output prometheus --json --stack "$stack" 2>/dev/null) \
    || die "stack $stack has no 'prometheus' output: run 'pulumi up --stack $stack' once with this version of the program"
  prom_ns=$(jq -er '.namespace' <<< "$json") || die "the 'prometheus' output of stack $stack has no namespace: $json"
  prom_svc=$(jq -er '.service' <<< "$json") || die "the 'prometheus' output of stack $stack has no service: $json"
  prom_port=$(jq -er '.port' <<< "$json") || die "the 'prometheus' output of stack $stack has no port: $json"
  # Unset migration.gate.selector means the new system's own series, which the program derives from app.*.
  if [ -z "$selector" ]; then
    selector=$(pulumi stack output migrationGateSelector --stack "$stack" 2>/dev/null) \
      || die "migration.gate.selector is not set and stack $stack has no 'migrationGateSelector' output: run 'pulumi up --stack $stack' first"
  fi
}

# Runs an instant query; prints the JSON response.
prom_query() {
  local encoded
  encoded=$(jq -rn --arg q "$1" '$q | @uri')
  kubectl get --raw "/api/v1/namespaces/$prom_ns/services/$prom_svc:$prom_port/proxy/api/v1/query?query=$encoded"
}

# The first sample's value of a query, or nothing when the result is empty or not a number.
prom_scalar() {
  local response
  response=$(prom_query "$1") || return 1
  [ "$(jq -r '.status' <<< "$response")" = "success" ] || return 1
  jq -r '.data.result[0].value[1] // empty | select(. != "NaN" and . != "+Inf" and . != "-Inf")' <<< "$response"
}

greater() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

health_gate() {
  local healthy=1 ratio p95 alerts response
  load_prometheus
  echo "health gate for stack $stack (Prometheus $prom_ns/$prom_svc, window $window):"
  if ! ratio=$(prom_scalar "sum(rate(http_requests_total{$selector,code=~\"5..\"}[$window])) / sum(rate(http_requests_total{$selector}[$window]))"); then
    echo "  FAIL error ratio: Prometheus query failed"
    healthy=0
  elif [ -z "$ratio" ]; then
    echo "  FAIL error ratio: no requests of the new system in the last $window (send tester traffic with the tester header)"
    healthy=0
  elif greater "$ratio" "$max_error_ratio"; then
    echo "  FAIL error ratio $ratio > $max_error_ratio"
    healthy=0
  else
    echo "  ok   error ratio $ratio <= $max_error_ratio"
  fi
  if ! p95=$(prom_scalar "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{$selector}[$window])))"); then
    echo "  FAIL p95 latency: Prometheus query failed"
    healthy=0
  elif [ -z "$p95" ]; then
    echo "  skip p95 latency: http_request_duration_seconds_bucket is not exported"
  elif greater "$p95" "$max_p95"; then
    echo "  FAIL p95 latency ${p95}s > ${max_p95}s"
    healthy=0
  else
    echo "  ok   p95 latency ${p95}s <= ${max_p95}s"
  fi
  if ! response=$(prom_query 'ALERTS{alertstate="firing",severity=~"level1|level2"}') || [ "$(jq -r '.status' <<< "$response")" != "success" ]; then
    echo "  FAIL alerts: Prometheus query failed"
    healthy=0
  else
    alerts=$(jq -r '[.data.result[].metric | "\(.alertname) (\(.severity))"] | unique | join(", ")' <<< "$response")
    if [ -n "$alerts" ]; then
      echo "  FAIL firing level-1/2 alerts: $alerts"
      healthy=0
    else
      echo "  ok   no firing level-1/2 alerts"
    fi
  fi
  [ "$healthy" -eq 1 ]
}

status() {
  local weight=${steps[$stage]} old=$old_replicas copy
  [ "$retire_old" = "true" ] && old=0
  echo "stack:         $stack"
  echo "stage:         $stage of $last (steps ${steps[*]})"
  echo "weights:       new $weight %, old $((100 - weight)) %"
  echo "replicas:      new $new_replicas, old $old (retireOld: $retire_old)"
  echo "routing:       $routing, dataStrategy: $strategy"
  copy=$(kubectl get jobs --all-namespaces -l app.kubernetes.io/name=itops-data-copy -o json \
    | jq -r '.items | sort_by(.metadata.creationTimestamp) | last // empty
        | "\(.metadata.namespace)/\(.metadata.name): " +
          (if any(.status.conditions[]?; .type == "Complete" and .status == "True") then "verified (completed \(.status.completionTime))"
           elif any(.status.conditions[]?; .type == "Failed" and .status == "True") then "FAILED (see kubectl logs -n \(.metadata.namespace) job/\(.metadata.name))"
           else "running since \(.status.startTime // "not started")" end)')
  echo "last copy:     ${copy:-none}"
}

case "$command" in
  status)
    status
    ;;
  next)
    next=$((stage + 1))
    while [ "$next" -le "$last" ] && ! stage_allowed "$next"; do next=$((next + 1)); done
    [ "$next" -le "$last" ] || die "stack $stack is already at the final stage $stage (${steps[$stage]} % new)"
    health_gate || die "the new system is not healthy: refusing to advance stack $stack to stage $next (${steps[$next]} %)"
    apply_stage "$next"
    ;;
  back)
    [ "$stage" -gt 0 ] || die "stack $stack is already at stage 0"
    [ "$retire_old" != "true" ] || die "the old system is retired (migration.retireOld: true): use scripts/rollback.sh, which explains the consequences"
    prev=$((stage - 1))
    while [ "$prev" -gt 0 ] && ! stage_allowed "$prev"; do prev=$((prev - 1)); done
    apply_stage "$prev"
    ;;
  to)
    [ "$target" -le "$last" ] || die "stage $target is outside migration.steps (0-$last)"
    stage_allowed "$target" || die "stage $target (${steps[$target]} %) is not allowed with dataStrategy cutover: with two databases a split of traffic splits the writes"
    [ "$target" -ne "$stage" ] || die "stack $stack is already at stage $stage"
    if [ "$target" -gt "$stage" ]; then
      health_gate || die "the new system is not healthy: refusing to advance stack $stack to stage $target (${steps[$target]} %)"
    else
      [ "$retire_old" != "true" ] || die "the old system is retired (migration.retireOld: true): use scripts/rollback.sh, which explains the consequences"
    fi
    apply_stage "$target"
    ;;
esac
