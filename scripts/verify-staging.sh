#!/usr/bin/env bash
# Runs the staging verification checklist (README.md#staging-verification) against a live cluster and
# prints a pass/fail table. Exit 0: every row passed or was skipped; 1: a row failed; 2: usage.
#
#   scripts/verify-staging.sh <stack> [--env-file FILE]
#
# Settings come from the stack's `verifyEnv` output, written by the offline render to
# out/<stack>/verify.env (`npm run synth -- --stack <stack>`) or by
# `pulumi stack output verifyEnv --json`. Needs kubectl (logged in to the cluster as an admin
# that may impersonate), az (logged in to the subscription), curl and jq.
set -euo pipefail

usage() { echo "usage: $0 <stack> [--env-file FILE]" >&2; exit 2; }
[ $# -ge 1 ] || usage
stack=$1; shift
env_file=${VERIFY_ENV_FILE:-out/$stack/verify.env}
while [ $# -gt 0 ]; do
  case $1 in
    --env-file) [ $# -ge 2 ] || usage; env_file=$2; shift 2 ;;
    *) usage ;;
  esac
done
if [ ! -f "$env_file" ]; then
  echo "error: $env_file not found; run: npm run synth -- --stack $stack" >&2
  exit 2
fi
# shellcheck source=/dev/null
. "$env_file"
if [ "${VERIFY_STACK:-}" != "$stack" ]; then
  echo "error: $env_file is for stack '${VERIFY_STACK:-?}', not '$stack'" >&2
  exit 2
fi
for tool in kubectl az curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ns=$VERIFY_APP_NAMESPACE
svc=$VERIFY_APP_SERVICE
prom_proxy="/api/v1/namespaces/$VERIFY_PROMETHEUS_NAMESPACE/services/http:$VERIFY_PROMETHEUS_SERVICE:$VERIFY_PROMETHEUS_PORT/proxy"
am_proxy="/api/v1/namespaces/$VERIFY_MONITORING_NAMESPACE/services/http:$VERIFY_ALERTMANAGER_SERVICE:$VERIFY_ALERTMANAGER_PORT/proxy"

urlencode() { jq -rn --arg v "$1" '$v|@uri'; }

# `az aks show` once; three rows read it.
aks_json() {
  if [ ! -s "$work/aks.json" ]; then
    az aks show --resource-group "$VERIFY_RESOURCE_GROUP" --name "$VERIFY_CLUSTER" --output json >"$work/aks.json" 2>"$work/aks.err" || {
      echo "az aks show failed: $(head -c 200 "$work/aks.err")"; rm -f "$work/aks.json"; return 1; }
  fi
  cat "$work/aks.json"
}

# Each check prints one line of detail and returns 0 (pass), 1 (fail) or 3 (skip).

check_rbac_reader() {
  [ -n "$VERIFY_READER_GROUP" ] || { echo "verification.checks.readerGroupObjectId is not set"; return 1; }
  local can_read can_write
  can_read=$(kubectl auth can-i get pods --namespace "$ns" --as verify-reader --as-group "$VERIFY_READER_GROUP" 2>&1) || true
  can_write=$(kubectl auth can-i delete deployments.apps --namespace "$ns" --as verify-reader --as-group "$VERIFY_READER_GROUP" 2>&1) || true
  if [ "$can_read" = "yes" ] && [ "$can_write" = "no" ]; then
    echo "group $VERIFY_READER_GROUP: get pods yes, delete deployments no"
  else
    echo "group $VERIFY_READER_GROUP: get pods '$can_read' (want yes), delete deployments '$can_write' (want no)"; return 1
  fi
}

check_rbac_admin() {
  local all
  all=$(kubectl auth can-i '*' '*' --all-namespaces --as verify-admin --as-group "$VERIFY_ADMIN_GROUP" 2>&1) || true
  if [ "$all" = "yes" ]; then echo "group $VERIFY_ADMIN_GROUP: * on * cluster-wide yes"
  else echo "group $VERIFY_ADMIN_GROUP: * on * cluster-wide '$all' (want yes)"; return 1; fi
}

check_metrics() {
  local q out
  q=$(urlencode "up{namespace=\"$ns\",service=\"$svc\"}")
  out=$(kubectl get --raw "$prom_proxy/api/v1/query?query=$q" 2>&1) || { echo "Prometheus query failed: ${out:0:200}"; return 1; }
  local total up
  total=$(jq -r 'if .status == "success" then (.data.result | length) else -1 end' <<<"$out" 2>/dev/null) || { echo "Prometheus answer is not JSON"; return 1; }
  up=$(jq -r '[.data.result[] | select(.value[1] == "1")] | length' <<<"$out")
  if [ "$total" -gt 0 ] && [ "$up" -eq "$total" ]; then echo "$up/$total targets of $ns/$svc up"
  else echo "$up/$total targets of $ns/$svc up (want all, at least one)"; return 1; fi
}

check_alert_routing() {
  local run now ends out receivers
  run="verify-$(date +%s)-$$"
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ends=$(date -u -d '+5 minutes' +%Y-%m-%dT%H:%M:%SZ)
  jq -n --arg run "$run" --arg sev "$VERIFY_ALERT_SEVERITY" --arg ns "$ns" --arg svc "$svc" --arg now "$now" --arg ends "$ends" \
    '[{labels: {alertname: "ItOpsVerifySynthetic", severity: $sev, namespace: $ns, service: $svc, verify_run: $run},
       annotations: {summary: "Synthetic alert from scripts/verify-staging.sh (resolves itself in 5 minutes)"},
       startsAt: $now, endsAt: $ends}]' >"$work/alert.json"
  out=$(kubectl create --raw "$am_proxy/api/v2/alerts" -f "$work/alert.json" 2>&1) || { echo "posting to Alertmanager failed: ${out:0:200}"; return 1; }
  out=$(kubectl get --raw "$am_proxy/api/v2/alerts?filter=$(urlencode "verify_run=\"$run\"")" 2>&1) || { echo "reading Alertmanager alerts failed: ${out:0:200}"; return 1; }
  receivers=$(jq -r '[.[] | .receivers[].name] | unique | join(",")' <<<"$out" 2>/dev/null) || { echo "Alertmanager answer is not JSON"; return 1; }
  if [[ ",$receivers," == *",$VERIFY_EXPECTED_RECEIVER,"* ]]; then echo "$VERIFY_ALERT_SEVERITY alert routed to $receivers"
  else echo "$VERIFY_ALERT_SEVERITY alert routed to '${receivers:-nothing}' (want $VERIFY_EXPECTED_RECEIVER)"; return 1; fi
}

check_logs() {
  local aks ws customer out rows
  aks=$(aks_json) || { echo "$aks"; return 1; }
  ws=$(jq -r '.addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID // empty' <<<"$aks")
  [ -n "$ws" ] || { echo "Container Insights (omsagent) has no Log Analytics workspace"; return 1; }
  customer=$(az monitor log-analytics workspace show --ids "$ws" --query customerId --output tsv 2>&1) || { echo "workspace lookup failed: ${customer:0:200}"; return 1; }
  out=$(az monitor log-analytics query --workspace "$customer" --output json \
    --analytics-query "ContainerLogV2 | where TimeGenerated > ago(${VERIFY_LOG_WINDOW_MINUTES}m) | where PodNamespace == '$ns' | summarize rows = count()" 2>&1) \
    || { echo "Log Analytics query failed: ${out:0:200}"; return 1; }
  rows=$(jq -r '.[0].rows // 0 | tonumber' <<<"$out" 2>/dev/null) || { echo "Log Analytics answer is not JSON"; return 1; }
  if [ "$rows" -gt 0 ]; then echo "$rows ContainerLogV2 rows from $ns in the last ${VERIFY_LOG_WINDOW_MINUTES}m"
  else echo "no ContainerLogV2 rows from $ns in the last ${VERIFY_LOG_WINDOW_MINUTES}m"; return 1; fi
}

check_local_accounts() {
  local aks v
  aks=$(aks_json) || { echo "$aks"; return 1; }
  v=$(jq -r '.disableLocalAccounts // false' <<<"$aks")
  if [ "$v" = "true" ]; then echo "disableLocalAccounts: true"; else echo "disableLocalAccounts: $v (want true)"; return 1; fi
}

check_policy_addon() {
  local aks v
  aks=$(aks_json) || { echo "$aks"; return 1; }
  v=$(jq -r '.addonProfiles.azurepolicy.enabled // false' <<<"$aks")
  if [ "$v" = "true" ]; then echo "azurepolicy add-on enabled"; else echo "azurepolicy add-on enabled: $v (want true)"; return 1; fi
}

check_defender() {
  [ "$VERIFY_DEFENDER" = "true" ] || { echo "verification.defenderForContainers is off"; return 3; }
  local tier
  tier=$(az security pricing show --name Containers --query pricingTier --output tsv 2>&1) || { echo "az security pricing show failed: ${tier:0:200}"; return 1; }
  if [ "$tier" = "Standard" ]; then echo "Defender for Containers: Standard"; else echo "Defender for Containers: '$tier' (want Standard)"; return 1; fi
}

check_pod_security() {
  local out level
  out=$(kubectl get namespace "$ns" --output json 2>&1) || { echo "kubectl get namespace failed: ${out:0:200}"; return 1; }
  level=$(jq -r '.metadata.labels["pod-security.kubernetes.io/enforce"] // "none"' <<<"$out")
  if [ "$level" = "$VERIFY_POD_SECURITY_LEVEL" ] || [ "$level" = "restricted" ]; then echo "namespace $ns enforces $level"
  else echo "namespace $ns enforces '$level' (want $VERIFY_POD_SECURITY_LEVEL)"; return 1; fi
}

check_network_policies() {
  local out names wide
  out=$(kubectl get networkpolicies --namespace "$ns" --output json 2>&1) || { echo "kubectl get networkpolicies failed: ${out:0:200}"; return 1; }
  names=$(jq -r '[.items[].metadata.name] | join(",")' <<<"$out")
  # A policy selecting every pod (podSelector {}) is the namespace's default deny.
  wide=$(jq -r '[.items[] | select(((.spec.podSelector.matchLabels // {}) | length) == 0 and ((.spec.podSelector.matchExpressions // []) | length) == 0)] | length' <<<"$out")
  if [ -n "$names" ] && [ "$wide" -gt 0 ]; then echo "$ns: $names"
  else echo "$ns: '${names:-none}' (want at least a namespace-wide default-deny policy)"; return 1; fi
}

check_response_time() {
  [ -n "$VERIFY_APP_URL" ] || { echo "verification.checks.appUrl is not set"; return 3; }
  local out code secs ms
  out=$(curl --silent --show-error --output /dev/null --max-time 30 --write-out '%{http_code} %{time_total}' "$VERIFY_APP_URL" 2>&1) || { echo "curl failed: ${out:0:200}"; return 1; }
  read -r code secs <<<"$out"
  ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')
  if [ "$code" -ge 200 ] && [ "$code" -lt 400 ] && [ "$ms" -le "$VERIFY_MAX_RESPONSE_MS" ]; then echo "HTTP $code in ${ms} ms"
  else echo "HTTP $code in ${ms} ms (want 2xx/3xx within ${VERIFY_MAX_RESPONSE_MS} ms)"; return 1; fi
}

check_load_test() {
  [ -n "$VERIFY_LOADTEST_JOB" ] || { echo "verification.loadTest is disabled"; return 3; }
  local out succeeded failed summary
  out=$(kubectl get job "$VERIFY_LOADTEST_JOB" --namespace "$VERIFY_LOADTEST_NAMESPACE" --output json 2>&1) || { echo "kubectl get job failed: ${out:0:200}"; return 1; }
  succeeded=$(jq -r '.status.succeeded // 0' <<<"$out")
  failed=$(jq -r '.status.failed // 0' <<<"$out")
  summary=$(kubectl logs "job/$VERIFY_LOADTEST_JOB" --namespace "$VERIFY_LOADTEST_NAMESPACE" --tail 50 2>/dev/null | grep '"k6Summary"' | tail -n 1 \
    | jq -r '"p95 \(.p95Ms|floor) ms, errors \(.errorRatio), HPA +\(.hpaMaxScaleUp)"' 2>/dev/null) || summary=""
  if [ "$succeeded" -ge 1 ]; then echo "job $VERIFY_LOADTEST_JOB succeeded${summary:+: $summary}"
  elif [ "$failed" -ge 1 ]; then echo "job $VERIFY_LOADTEST_JOB failed (thresholds or scaling missed)${summary:+: $summary}"; return 1
  else echo "job $VERIFY_LOADTEST_JOB has not finished"; return 1; fi
}

# id | plan item | function
rows=(
  "rbac-reader|Entra ID/RBAC: reader group|check_rbac_reader"
  "rbac-admin|Entra ID/RBAC: admin group|check_rbac_admin"
  "metrics|Metrics: app targets up|check_metrics"
  "alert-routing|Alert notification routed|check_alert_routing"
  "logs|Log collection (ContainerLogV2)|check_logs"
  "local-accounts|Security: local accounts off|check_local_accounts"
  "policy-addon|Security: Azure Policy add-on|check_policy_addon"
  "defender|Security: Defender for Containers|check_defender"
  "pod-security|Security: Pod Security labels|check_pod_security"
  "network-policies|Security: NetworkPolicies|check_network_policies"
  "response-time|Response time (external URL)|check_response_time"
  "load-test|Load test and scaling (k6 Job)|check_load_test"
)

passed=0 failed=0 skipped=0
printf '%-17s %-34s %-5s %s\n' "CHECK" "PLAN ITEM" "RESULT" "DETAIL"
for row in "${rows[@]}"; do
  IFS='|' read -r id title fn <<<"$row"
  rc=0
  detail=$("$fn" 2>&1) || rc=$?
  case $rc in
    0) result=PASS; passed=$((passed + 1)) ;;
    3) result=SKIP; skipped=$((skipped + 1)) ;;
    *) result=FAIL; failed=$((failed + 1)) ;;
  esac
  printf '%-17s %-34s %-5s %s\n' "$id" "$title" "$result" "${detail//$'\n'/ }"
done
echo "stack $stack: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
