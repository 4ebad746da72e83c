/**
 * The monitoring part of the alert catalogue: resource, availability and escalation rules for the
 * IT-Ops system, as plain {@link AlertRuleGroupSpec}s built from thresholds (config
 * `monitoring.alerts.*`). Other parts (backups, migration) add their own groups; the stack
 * composition renders all of them together.
 *
 * Metrics used: cAdvisor (`container_cpu_usage_seconds_total`, `container_memory_working_set_bytes`,
 * `container_cpu_cfs_*`), kube-state-metrics (`kube_pod_container_resource_limits`,
 * `kube_deployment_*`, `kube_pod_container_status_waiting_reason`), the scrape health `up` of the
 * app's ServiceMonitor job, and the app's own `http_requests_total{code}` (assumed; the error
 * ratio alert stays silent when the app does not export it).
 */
import { AlertRuleGroupSpec, Severity } from "./alert-rule";

/** Every threshold and duration of the default rules. */
export interface AlertThresholds {
    /** HighCPUUsage: CPU usage in % of the container's CPU limit. */
    readonly cpuPercent: number;
    readonly cpuFor: string;
    /** HighMemoryUsage: working set in % of the memory limit. */
    readonly memoryPercent: number;
    readonly memoryFor: string;
    /** ItOpsSystemDown: no scrape target up (or none at all) for this long. */
    readonly downFor: string;
    /** ItOpsNoReplicasAvailable. */
    readonly noReplicasFor: string;
    /** ItOpsReplicasUnavailable: some replicas unavailable for this long. */
    readonly replicasUnavailableFor: string;
    /** PodCrashLooping: a container in CrashLoopBackOff for this long. */
    readonly crashLoopFor: string;
    /** CPUThrottling: throttled CFS periods in %. */
    readonly throttlingPercent: number;
    readonly throttlingFor: string;
    /** HighHttpErrorRatio: 5xx responses in % of all responses. */
    readonly errorRatioPercent: number;
    readonly errorRatioFor: string;
    /** Level1Escalation: a level-1 alert still firing after the level-1 response time. */
    readonly escalateAfter: string;
}

/** The plan's values: CPU 80 %, memory 85 %; level-1 response time 30 min. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
    cpuPercent: 80,
    cpuFor: "5m",
    memoryPercent: 85,
    memoryFor: "5m",
    downFor: "2m",
    noReplicasFor: "2m",
    replicasUnavailableFor: "15m",
    crashLoopFor: "10m",
    throttlingPercent: 25,
    throttlingFor: "15m",
    errorRatioPercent: 5,
    errorRatioFor: "5m",
    escalateAfter: "30m",
};

/** What the rules watch. */
export interface MonitoredApp {
    /** Namespace of the workload. */
    readonly namespace: string;
    /** The `job` label of its scrape targets (the ServiceMonitor's jobLabel value). */
    readonly job: string;
    /** Its Deployment. */
    readonly deployment: string;
    /** The `service` label of its alerts. */
    readonly service: string;
}

/** Severity of each default alert (the plan's incident levels). */
export const DEFAULT_ALERT_SEVERITIES: Readonly<Record<string, Severity>> = {
    ItOpsSystemDown: "level1",
    ItOpsNoReplicasAvailable: "level1",
    Level1Escalation: "level1",
    HighHttpErrorRatio: "level2",
    ItOpsReplicasUnavailable: "level3",
    PodCrashLooping: "level3",
    HighCPUUsage: "level3",
    HighMemoryUsage: "level3",
    CPUThrottling: "level4",
};

/** `HighCPUUsage` → `high-cpu-usage.md`. */
export function runbookFile(alert: string): string {
    return `${alert
        .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
        .toLowerCase()}.md`;
}

/** The default rule groups of the monitoring part. */
export function defaultAlertGroups(t: AlertThresholds, app: MonitoredApp): AlertRuleGroupSpec[] {
    const ns = `namespace="${app.namespace}"`;
    const ctr = `${ns}, container!="", container!="POD"`;
    const byCtr = "namespace, pod, container";
    const sev = DEFAULT_ALERT_SEVERITIES;
    const base = { service: app.service };
    const up = `up{${ns}, job="${app.job}"}`;
    const dep = `${ns}, deployment="${app.deployment}"`;
    const http = `${ns}, job="${app.job}"`;
    return [
        {
            name: "it-ops-availability",
            rules: [
                {
                    ...base,
                    alert: "ItOpsSystemDown",
                    expr: `sum(${up}) == 0 or absent(${up})`,
                    for: t.downFor,
                    severity: sev.ItOpsSystemDown,
                    summary: "IT-Ops system is down: no scrape target is up",
                    description: `No target of job ${app.job} in namespace ${app.namespace} has been up (or none exists) for ${t.downFor}.`,
                    runbook: runbookFile("ItOpsSystemDown"),
                },
                {
                    ...base,
                    alert: "ItOpsNoReplicasAvailable",
                    expr: `kube_deployment_status_replicas_available{${dep}} == 0 and on (namespace, deployment) kube_deployment_spec_replicas{${dep}} > 0`,
                    for: t.noReplicasFor,
                    severity: sev.ItOpsNoReplicasAvailable,
                    summary: "IT-Ops system has no available replica",
                    description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} wants replicas but has none available for " + t.noReplicasFor + ".",
                    runbook: runbookFile("ItOpsNoReplicasAvailable"),
                },
                {
                    ...base,
                    alert: "ItOpsReplicasUnavailable",
                    expr: `kube_deployment_status_replicas_unavailable{${dep}} > 0`,
                    for: t.replicasUnavailableFor,
                    severity: sev.ItOpsReplicasUnavailable,
                    summary: "IT-Ops system runs with unavailable replicas",
                    description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has {{ $value }} unavailable replica(s) for " + t.replicasUnavailableFor + ".",
                    runbook: runbookFile("ItOpsReplicasUnavailable"),
                },
                {
                    ...base,
                    alert: "PodCrashLooping",
                    expr: `max by (${byCtr}) (kube_pod_container_status_waiting_reason{${ns}, reason="CrashLoopBackOff"}) == 1`,
                    for: t.crashLoopFor,
                    severity: sev.PodCrashLooping,
                    summary: "Container is crash looping",
                    description: "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for " + t.crashLoopFor + ".",
                    runbook: runbookFile("PodCrashLooping"),
                },
                {
                    ...base,
                    alert: "HighHttpErrorRatio",
                    expr:
                        `sum by (namespace, job) (rate(http_requests_total{${http}, code=~"5.."}[5m]))` +
                        ` / sum by (namespace, job) (rate(http_requests_total{${http}}[5m])) * 100 > ${t.errorRatioPercent}`,
                    for: t.errorRatioFor,
                    severity: sev.HighHttpErrorRatio,
                    summary: "High ratio of HTTP 5xx responses",
                    description: `{{ printf "%.1f" $value }}% of the requests to job ${app.job} failed with 5xx (threshold ${t.errorRatioPercent}%) for ${t.errorRatioFor}.`,
                    runbook: runbookFile("HighHttpErrorRatio"),
                },
            ],
        },
        {
            name: "it-ops-resources",
            rules: [
                {
                    ...base,
                    alert: "HighCPUUsage",
                    expr:
                        `sum by (${byCtr}) (rate(container_cpu_usage_seconds_total{${ctr}}[5m]))` +
                        ` / on (${byCtr}) sum by (${byCtr}) (kube_pod_container_resource_limits{${ns}, resource="cpu"}) * 100 > ${t.cpuPercent}`,
                    for: t.cpuFor,
                    severity: sev.HighCPUUsage,
                    summary: "Container CPU usage is high relative to its limit",
                    description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ printf "%.0f" $value }}% of its CPU limit (threshold ${t.cpuPercent}%) for ${t.cpuFor}.`,
                    runbook: runbookFile("HighCPUUsage"),
                },
                {
                    ...base,
                    alert: "HighMemoryUsage",
                    expr:
                        `sum by (${byCtr}) (container_memory_working_set_bytes{${ctr}})` +
                        ` / on (${byCtr}) sum by (${byCtr}) (kube_pod_container_resource_limits{${ns}, resource="memory"}) * 100 > ${t.memoryPercent}`,
                    for: t.memoryFor,
                    severity: sev.HighMemoryUsage,
                    summary: "Container memory usage is high relative to its limit",
                    description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ printf "%.0f" $value }}% of its memory limit (threshold ${t.memoryPercent}%) for ${t.memoryFor}.`,
                    runbook: runbookFile("HighMemoryUsage"),
                },
                {
                    ...base,
                    alert: "CPUThrottling",
                    expr:
                        `sum by (${byCtr}) (increase(container_cpu_cfs_throttled_periods_total{${ctr}}[5m]))` +
                        ` / sum by (${byCtr}) (increase(container_cpu_cfs_periods_total{${ctr}}[5m])) * 100 > ${t.throttlingPercent}`,
                    for: t.throttlingFor,
                    severity: sev.CPUThrottling,
                    summary: "Container is CPU throttled",
                    description: `Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} was throttled in {{ printf "%.0f" $value }}% of its CPU periods (threshold ${t.throttlingPercent}%) for ${t.throttlingFor}.`,
                    runbook: runbookFile("CPUThrottling"),
                },
            ],
        },
        {
            name: "it-ops-escalation",
            rules: [
                {
                    // Keeps the original alert's service so inhibition and routing stay per service.
                    service: "{{ $labels.service }}",
                    alert: "Level1Escalation",
                    expr: `label_replace(max without (alertstate) (ALERTS{alertstate="firing", severity="level1", escalation!="true"}), "escalated_alert", "$1", "alertname", "(.+)")`,
                    for: t.escalateAfter,
                    severity: sev.Level1Escalation,
                    labels: { escalation: "true" },
                    summary: "Level-1 incident not resolved within the response time",
                    description: "Level-1 alert {{ $labels.escalated_alert }} for service {{ $labels.service }} has been firing for more than " + t.escalateAfter + " (the level-1 response time).",
                    runbook: runbookFile("Level1Escalation"),
                },
            ],
        },
    ];
}
