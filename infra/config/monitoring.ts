/**
 * The monitoring part of the stack configuration (`it-ops-infra:monitoring`): sizes of
 * Prometheus, Alertmanager and Grafana, the monitored app, alert thresholds and the on-call
 * routing. Parsed by {@link parseMonitoring}; read only through `infra/config.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { SEVERITIES, Severity } from "../../components/monitoring/alert-rule";
import { OnCallRole, OnCallSpec, ONCALL_ROLES, RECEIVER_KINDS, ReceiverSpec, WEEKDAY_NAMES, WeekdayName } from "../../components/monitoring/alertmanager-config";
import { DEFAULT_HOLIDAYS } from "../../components/monitoring/japanese-holidays";
import { ComponentResources, DEFAULT_COMPONENT_RESOURCES, HiddenComponents, ResourceSpec } from "../../components/monitoring/kube-prometheus-stack-values";
import { AlertThresholds, DEFAULT_ALERT_THRESHOLDS } from "../../components/monitoring/monitoring-rules";
import { z } from "zod";
import { PrometheusEndpoint, prometheusEndpoint } from "../../components/monitoring/prometheus-endpoint";
import { HTTPS_URL as URL, LABEL_KEY, LABEL_VALUE } from "../../components/shared/validation";
import { bool, dnsLabel, dnsLabelItem, dnsSubdomain, duration, int, list, notHere, num, obj, oneOf, optionalSecret, problem, Resolved, secret, SecretRef, section, str, uuid, WHEN_VALID } from "./kit";

export interface OnCallConfig extends OnCallSpec {
    /** Each receiver's secret (URL, routing key, API key or SMTP password), a Pulumi secret. */
    readonly secrets: Readonly<Partial<Record<OnCallRole, pulumi.Output<string>>>>;
}

export interface AzureAdConfig {
    readonly tenantId: string;
    readonly clientId: string;
    readonly clientSecret: pulumi.Output<string>;
    readonly allowedGroups: readonly string[];
    readonly rootUrl: string;
}

/**
 * How the workload is scraped. What is scraped (namespace, Service labels, metrics port, job) comes
 * from the workload itself (`it-ops-infra:app`), so it cannot disagree with what is deployed.
 */
export interface MonitoredAppConfig {
    /** Path of the metrics endpoint. */
    readonly path: string;
    /** Scrape interval. */
    readonly interval: string;
}

/**
 * How monitoring is deployed (`monitoring.mode`):
 * - `helm` (default): the project's own kube-prometheus-stack (CRD chart, Helm release, Grafana admin
 *   password) plus its monitoring objects;
 * - `existing-operator`: only the project's monitoring objects (ServiceMonitor, PrometheusRule,
 *   dashboard ConfigMaps, the Alertmanager configuration and receiver Secrets) in a cluster that
 *   already runs the Prometheus Operator (an existing kube-prometheus-stack); no chart is downloaded.
 */
export const MONITORING_MODES = ["helm", "existing-operator"] as const;
export type MonitoringMode = (typeof MONITORING_MODES)[number];

/**
 * Keys of `monitoring` that size the project's own kube-prometheus-stack: only for mode helm
 * (`prometheus` is both: its sizing keys are helm-only, its endpoint keys existing-operator-only).
 */
export const HELM_ONLY_MONITORING_KEYS = ["storageClass", "alertmanager", "grafana", "componentResources", "hiddenComponents"] as const;

/** The Prometheus Operator's default Alertmanager retention (`Alertmanager.spec.retention`). */
export const OPERATOR_DEFAULT_ALERTMANAGER_RETENTION = "120h";

interface MonitoringCommon {
    /** The namespace of the monitoring objects (mode helm: created; mode existing-operator: must exist). */
    readonly namespace: string;
    /** URL prefix of docs/runbooks/ (runbook_url = prefix + file). */
    readonly runbookBaseUrl: string;
    readonly app: MonitoredAppConfig;
    readonly alerts: AlertThresholds;
    readonly oncall: OnCallConfig;
    readonly network: MonitoringNetworkConfig;
    /**
     * Where the stack's Prometheus answers (derived by `prometheusEndpoint`: in mode helm from the
     * chart, in mode existing-operator from `monitoring.prometheus.{namespace,service,port}`).
     */
    readonly prometheus: PrometheusEndpoint;
}

/** `monitoring.network`: who may reach Grafana, and how pods reach the API server. */
export interface MonitoringNetworkConfig {
    /** Namespaces whose pods may reach Grafana (the ingress controller's). @default ["app-routing-system"] */
    readonly grafanaIngressNamespaces: readonly string[];
    /** TCP ports of the API server as pods reach it (AKS: 443; kind/k3d: 6443). @default [443] */
    readonly apiServerPorts: readonly number[];
    /**
     * TCP ports of the webhook-style receivers (Slack, PagerDuty, Opsgenie, webhooks) outside the
     * cluster; each e-mail receiver's smarthost port is added to these. @default [443]
     */
    readonly receiverPorts: readonly number[];
}

/** Mode `helm`: the project deploys kube-prometheus-stack itself. */
export interface HelmMonitoringConfig extends MonitoringCommon {
    readonly mode: "helm";
    /** Requests and limits of the stack's other containers (operator, reloader, exporters, sidecars, webhook jobs). */
    readonly componentResources: ComponentResources;
    /** Scrape what AKS hides (control plane; kube-proxy, absent with Cilium). Both false by default. */
    readonly hiddenComponents: HiddenComponents;
    readonly storageClass: string;
    /** The chart's Prometheus: its size, and (derived) where it answers. */
    readonly prometheus: PrometheusEndpoint & { readonly replicas: number; readonly retention: string; readonly retentionSize: string; readonly storageSize: string; readonly resources: ResourceSpec };
    readonly alertmanager: { readonly replicas: number; readonly retention: string; readonly storageSize: string; readonly resources: ResourceSpec };
    readonly grafana: { readonly storageSize: string; readonly resources: ResourceSpec; readonly azureAd?: AzureAdConfig };
}

/** Mode `existing-operator`: the Prometheus Operator, Prometheus, Alertmanager and Grafana already run. */
export interface OperatorMonitoringConfig extends MonitoringCommon {
    readonly mode: "existing-operator";
    readonly existingOperator: {
        /** Labels on the ServiceMonitor and PrometheusRule that the existing Prometheus selects (kube-prometheus-stack: `release: <release name>`). */
        readonly labels: Readonly<Record<string, string>>;
        /** Secret holding `alertmanager.yaml`, for the existing Alertmanager's `spec.configSecret`. */
        readonly alertmanagerConfigSecretName: string;
        /** The existing Alertmanager's `spec.retention` (the level-4 repeat interval must be shorter). */
        readonly alertmanagerRetention: string;
    };
}

export type MonitoringConfig = HelmMonitoringConfig | OperatorMonitoringConfig;

const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;
const SIZE = /^\d+(Mi|Gi|Ti)$/;
const RETENTION_SIZE = /^\d+(\.\d+)?(B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB)$/;
const HHMM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const HOST_PORT = /^[^:\s]+:\d+$/;

/** Seconds of a Prometheus/Alertmanager duration (`1h30m`). */
export function durationSeconds(d: string): number {
    const units: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
    let total = 0;
    for (const m of d.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

/** Bytes of a Prometheus size (`45GB`, decimal or binary units) or a Kubernetes quantity (`50Gi`). */
export function bytes(size: string): number {
    const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(size);
    if (!m) return NaN;
    const units: Record<string, number> = {
        B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, EB: 1e18,
        KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
    };
    return Number(m[1]) * (units[m[2]] ?? NaN);
}

const cpu = () => str({ pattern: CPU, text: "a CPU quantity such as 500m or 2" });
const memory = () => str({ pattern: MEMORY, text: "a memory quantity such as 512Mi or 2Gi" });

function resources(what: string, d: ResourceSpec) {
    return section({
        requests: section({ cpu: cpu().default(d.requests.cpu).describe("CPU request."), memory: memory().default(d.requests.memory).describe("Memory request.") }).describe(`Resource requests of ${what}.`),
        limits: section({
            cpu: d.limits.cpu === undefined ? cpu().optional().describe("CPU limit (none by default).") : cpu().default(d.limits.cpu).describe("CPU limit."),
            memory: memory().default(d.limits.memory).describe("Memory limit."),
        }).describe(`Resource limits of ${what}.`),
    })
        .transform((r): ResourceSpec => ({ requests: r.requests, limits: r.limits.cpu === undefined ? { memory: r.limits.memory } : { cpu: r.limits.cpu, memory: r.limits.memory } }))
        .describe(`Requests and limits of ${what}.`);
}

const size = (def: string, what: string) => str({ pattern: SIZE, text: "a volume size such as 50Gi" }).default(def).describe(what);

const HELM_ONLY = "is only used with monitoring.mode helm (it sizes the project's own kube-prometheus-stack); remove it in mode existing-operator";
const DERIVED_IN_HELM = "is derived from the chart in monitoring.mode helm (Prometheus runs in monitoring.namespace as its release's Service); it is only set in mode existing-operator";

const receiverSecret = (what: string) => secret().describe(`${what} (secret).`);
const receiverSchema = (role: OnCallRole) =>
    z
        .discriminatedUnion(
            "kind",
            [
                obj({ kind: z.literal("slack"), channel: str({ pattern: /^[#@]?[\w.-]+$/, text: "a Slack channel such as #it-ops" }).describe("Slack channel."), url: receiverSecret("Slack webhook URL") }),
                obj({
                    kind: z.literal("email"),
                    to: str({ pattern: EMAIL, text: "an e-mail address" }).describe("Recipient."),
                    from: str({ pattern: EMAIL, text: "an e-mail address" }).describe("Sender."),
                    smarthost: str({ pattern: HOST_PORT, text: "an SMTP host:port such as smtp.example.com:587" }).describe("SMTP host:port."),
                    authUsername: str().optional().describe("SMTP user (then authPassword is required)."),
                    authPassword: optionalSecret().describe("SMTP password (secret; only with authUsername)."),
                })
                    .superRefine((e, ctx) => {
                        if (e.authUsername === undefined && e.authPassword.value !== undefined) problem(ctx, ["authPassword"], "is only allowed with authUsername");
                    }, WHEN_VALID)
                    .transform((e) => ({ ...e, authPassword: e.authUsername !== undefined ? new SecretRef(e.authPassword.value, {}) /* required once authUsername is set */ : undefined })),
                obj({ kind: z.literal("webhook"), url: receiverSecret("Webhook URL") }),
                obj({ kind: z.literal("pagerduty"), routingKey: receiverSecret("PagerDuty routing key") }),
                obj({ kind: z.literal("opsgenie"), apiKey: receiverSecret("Opsgenie API key") }),
            ],
            { error: (i) => (i.input === undefined ? "is required: an object" : `must be one of ${RECEIVER_KINDS.join(", ")}`) },
        )
        .describe(`Where the ${role} role's notifications go (kind and its settings).`);


function validTimeZone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

const REPEAT_DEFAULTS: Record<Severity, string> = { level1: "30m", level2: "2h", level3: "24h", level4: "96h" };

const oncallSchema = obj({
    timezone: str().refine(validTimeZone, { error: "must be an IANA time zone such as Asia/Tokyo" }).default("Asia/Tokyo").describe("IANA time zone of every time interval."),
    businessHours: section({
        start: str({ pattern: HHMM, text: "a time HH:MM" }).default("09:00").describe("Start, HH:MM (inclusive)."),
        end: str({ pattern: HHMM, text: "a time HH:MM (or 24:00)" }).default("18:00").describe("End, HH:MM or 24:00 (exclusive)."),
        weekdays: list(oneOf(WEEKDAY_NAMES), { minItems: 1 }).default(["monday", "tuesday", "wednesday", "thursday", "friday"]).describe("Working days."),
    })
        .superRefine((b, ctx) => {
            if (b.start >= b.end) problem(ctx, ["end"], `must be later than start (${b.start})`, b.end);
            if (new Set(b.weekdays).size !== b.weekdays.length) problem(ctx, ["weekdays"], "must not repeat a day", b.weekdays);
        }, WHEN_VALID)
        .describe("When the first-line team works."),
    holidays: list(
        str({ pattern: DATE, text: "a date YYYY-MM-DD" }).refine((d) => {
            const [y, m, day] = d.split("-").map(Number);
            const dt = new Date(Date.UTC(y, m - 1, day));
            return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === day;
        }, { error: "must be a real calendar date" }),
    )
        .default([...DEFAULT_HOLIDAYS])
        .describe("Holidays (YYYY-MM-DD): no first-line team, the rotation takes level 1-2. Default: Japanese public holidays."),
    receivers: obj(Object.fromEntries(ONCALL_ROLES.map((r) => [r, receiverSchema(r)])) as Record<OnCallRole, ReturnType<typeof receiverSchema>>).describe("The receiver of each on-call role."),
    repeatIntervals: section(
        Object.fromEntries(SEVERITIES.map((s) => [s, duration().refine((d) => durationSeconds(d) > 0, { error: "must be a positive duration" }).default(REPEAT_DEFAULTS[s]).describe(`Repeat interval of ${s} alerts.`)])) as Record<
            Severity,
            z.ZodDefault<z.ZodString>
        >,
    ).describe("How often a still-firing alert is notified again, per level."),
    groupBy: list(str({ pattern: LABEL_NAME, text: "a label name" }), { minItems: 1 }).default(["alertname", "service", "namespace"]).describe("Alertmanager group_by."),
    groupWait: duration().default("30s").describe("Alertmanager group_wait."),
    groupInterval: duration().default("5m").describe("Alertmanager group_interval."),
    resolveTimeout: duration().default("5m").describe("Alertmanager resolve_timeout."),
}).describe("On-call routing: time zone, business hours, holidays, receivers and repeat intervals.");

const d = DEFAULT_ALERT_THRESHOLDS;
const pct = (f: keyof AlertThresholds, what: string) => num({ min: 1, max: 100 }).default(d[f] as number).describe(what);
const dur = (f: keyof AlertThresholds, what: string) => duration().default(d[f] as string).describe(what);

const common = {
    namespace: dnsLabel().default("monitoring").describe("THE monitoring namespace: the project's monitoring objects and, in mode helm, kube-prometheus-stack (mode existing-operator: must exist)."),
    runbookBaseUrl: str({ pattern: URL, text: "an https:// URL of the docs/runbooks/ folder" })
        .default("https://github.com/it-ops/it-ops-infra/blob/main/docs/runbooks/")
        .describe("URL prefix of docs/runbooks/ (runbook_url = prefix + file)."),
    app: section({
        path: str({ pattern: /^\/\S*$/, text: "a URL path starting with /" }).default("/metrics").describe("Path of the metrics endpoint."),
        interval: duration().default("30s").describe("Scrape interval."),
    }).describe("How the workload is scraped."),
    alerts: section({
        cpuPercent: pct("cpuPercent", "HighCPUUsage: CPU usage in % of the limit."),
        cpuFor: dur("cpuFor", "HighCPUUsage: for how long."),
        memoryPercent: pct("memoryPercent", "HighMemoryUsage: memory in % of the limit."),
        memoryFor: dur("memoryFor", "HighMemoryUsage: for how long."),
        downFor: dur("downFor", "ItOpsSystemDown: for how long."),
        noReplicasFor: dur("noReplicasFor", "No available replica: for how long."),
        replicasUnavailableFor: dur("replicasUnavailableFor", "Replicas unavailable: for how long."),
        crashLoopFor: dur("crashLoopFor", "Crash looping: for how long."),
        throttlingPercent: pct("throttlingPercent", "CPU throttling in %."),
        throttlingFor: dur("throttlingFor", "CPU throttling: for how long."),
        errorRatioPercent: pct("errorRatioPercent", "5xx ratio in %."),
        errorRatioFor: dur("errorRatioFor", "5xx ratio: for how long."),
        escalateAfter: dur("escalateAfter", "Escalation after."),
    }).describe("Alert thresholds."),
    network: section({
        grafanaIngressNamespaces: list(dnsLabelItem("a namespace name"), { minItems: 1 }).default(["app-routing-system"]).describe("Namespaces whose pods may reach Grafana."),
        apiServerPorts: list(int({ min: 1, max: 65535 }), { minItems: 1 }).default([443]).describe("TCP ports of the API server as pods reach it (AKS: 443; kind/k3d: 6443)."),
        receiverPorts: list(int({ min: 1, max: 65535 }), { minItems: 1 }).default([443]).describe("TCP ports of the webhook-style receivers outside the cluster."),
    }).describe("Who may reach Grafana, and how pods reach the API server and receivers."),
    oncall: oncallSchema,
};

const helmSchema = obj({
    mode: z.literal("helm").default("helm").describe("helm: the project's own kube-prometheus-stack; existing-operator: only the monitoring objects, for a cluster that runs the Prometheus Operator."),
    ...common,
    storageClass: dnsSubdomain().default("managed-csi-premium").describe("StorageClass of the volumes (mode helm)."),
    prometheus: section({
        replicas: int({ min: 1, max: 3 }).default(1).describe("Prometheus replicas (mode helm)."),
        retention: duration().default("15d").describe("Prometheus retention time (mode helm)."),
        retentionSize: str({ pattern: RETENTION_SIZE, text: "a size such as 45GB" }).default("45GB").describe("Prometheus retention size, below 95% of storageSize (mode helm)."),
        storageSize: size("50Gi", "Prometheus volume size (mode helm)."),
        resources: resources("Prometheus", { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } }),
        namespace: notHere(DERIVED_IN_HELM),
        service: notHere(DERIVED_IN_HELM),
        port: notHere(DERIVED_IN_HELM),
    })
        .superRefine((p, ctx) => {
            if (bytes(p.retentionSize) >= 0.95 * bytes(p.storageSize)) {
                problem(ctx, ["retentionSize"], `must be below 95% of storageSize (${p.storageSize}) so Prometheus deletes old blocks before the volume fills`, p.retentionSize);
            }
        }, WHEN_VALID)
        .describe("Mode helm: the chart's Prometheus size. Mode existing-operator: where the existing Prometheus answers (namespace, service, port)."),
    alertmanager: section({
        replicas: int({ min: 2, max: 5 }).default(2).describe("Alertmanager replicas."),
        retention: duration().default("120h").describe("Alertmanager retention (the level-4 repeat interval must be shorter)."),
        storageSize: size("5Gi", "Alertmanager volume size."),
        resources: resources("Alertmanager", { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } }),
    }).describe("The chart's Alertmanager (mode helm)."),
    grafana: section({
        storageSize: size("10Gi", "Grafana volume size."),
        resources: resources("Grafana", { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } }),
        azureAd: obj({
            tenantId: uuid().describe("Entra tenant."),
            clientId: uuid().describe("App registration's client id."),
            clientSecret: secret().describe("App registration's client secret (secret)."),
            allowedGroups: list(uuid("an Entra group object id (UUID)")).default([]).describe("Entra groups allowed to sign in."),
            rootUrl: str({ pattern: URL, text: "Grafana's https:// URL" }).describe("Grafana's https:// URL."),
        })
            .optional()
            .describe("Entra ID sign-in to Grafana."),
    }).describe("The chart's Grafana (mode helm)."),
    componentResources: section({
        operator: resources("the operator", DEFAULT_COMPONENT_RESOURCES.operator),
        configReloader: resources("the config reloader", DEFAULT_COMPONENT_RESOURCES.configReloader),
        admissionWebhookJobs: resources("the admission webhook jobs", DEFAULT_COMPONENT_RESOURCES.admissionWebhookJobs),
        kubeStateMetrics: resources("kube-state-metrics", DEFAULT_COMPONENT_RESOURCES.kubeStateMetrics),
        nodeExporter: resources("node-exporter", DEFAULT_COMPONENT_RESOURCES.nodeExporter),
        grafanaSidecar: resources("Grafana's sidecar", DEFAULT_COMPONENT_RESOURCES.grafanaSidecar),
    }).describe("Requests and limits of the stack's other containers (mode helm)."),
    hiddenComponents: section({
        controlPlane: bool().default(false).describe("Scrape the control plane (AKS hides it)."),
        kubeProxy: bool().default(false).describe("Scrape kube-proxy (absent with Cilium)."),
    }).describe("Scrape what AKS hides (mode helm)."),
    existingOperator: notHere("is only used with monitoring.mode existing-operator"),
}).superRefine((m, ctx) => {
    if (durationSeconds(m.oncall.repeatIntervals.level4) >= durationSeconds(m.alertmanager.retention)) {
        problem(ctx, ["oncall", "repeatIntervals", "level4"], `must be shorter than monitoring.alertmanager.retention (${m.alertmanager.retention}), or Alertmanager forgets the notification log and repeats early`, m.oncall.repeatIntervals.level4);
    }
}, WHEN_VALID);

const operatorSchema = obj({
    mode: z.literal("existing-operator"),
    ...common,
    prometheus: section({
        namespace: dnsLabel().optional().describe("Namespace of the existing Prometheus (mode existing-operator).").meta({ derivedDefault: "monitoring.namespace" }),
        service: dnsLabel().optional().describe("Service of the existing Prometheus (mode existing-operator; default prometheus-operated)."),
        port: int({ min: 1, max: 65535 }).optional().describe("Port of the existing Prometheus (mode existing-operator; default 9090)."),
        replicas: notHere(HELM_ONLY),
        retention: notHere(HELM_ONLY),
        retentionSize: notHere(HELM_ONLY),
        storageSize: notHere(HELM_ONLY),
        resources: notHere(HELM_ONLY),
    }),
    existingOperator: section({
        labels: z
            .record(z.string(), z.string({ error: "must be a string" }), { error: "must be a map of strings" })
            .default({})
            .superRefine((l, ctx) => {
                for (const [k, v] of Object.entries(l)) {
                    if (!LABEL_KEY.test(k)) problem(ctx, [k], "must be keyed by a Kubernetes label key", k);
                    else if (!LABEL_VALUE.test(v)) problem(ctx, [k], "must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)", v);
                }
            }, WHEN_VALID)
            .describe("Labels on the ServiceMonitor and PrometheusRule that the existing Prometheus selects (kube-prometheus-stack: release: <release name>)."),
        alertmanagerConfigSecretName: dnsSubdomain().default("itops-alertmanager-config").describe("Secret holding alertmanager.yaml, for the existing Alertmanager's spec.configSecret."),
        alertmanagerRetention: duration().default(OPERATOR_DEFAULT_ALERTMANAGER_RETENTION).describe("The existing Alertmanager's spec.retention (the level-4 repeat interval must be shorter)."),
    }).describe("Mode existing-operator: how the existing Prometheus Operator finds the project's objects."),
    ...Object.fromEntries(HELM_ONLY_MONITORING_KEYS.map((k) => [k, notHere(HELM_ONLY)])),
}).superRefine((m, ctx) => {
    if (durationSeconds(m.oncall.repeatIntervals.level4) >= durationSeconds(m.existingOperator.alertmanagerRetention)) {
        problem(ctx, ["oncall", "repeatIntervals", "level4"], `must be shorter than monitoring.existingOperator.alertmanagerRetention (${m.existingOperator.alertmanagerRetention}), or Alertmanager forgets the notification log and repeats early`, m.oncall.repeatIntervals.level4);
    }
}, WHEN_VALID);

/** `it-ops-infra:monitoring`, one schema per `mode`. */
export const monitoringSchema = z
    .discriminatedUnion("mode", [helmSchema, operatorSchema], { error: (i) => (i.input === undefined || (typeof i.input === "object" && i.input !== null) ? `must be one of ${MONITORING_MODES.join(", ")}` : "must be an object") })
    .prefault({} as never)
    .describe("Prometheus, Alertmanager, Grafana, alert thresholds and on-call routing.");

type ParsedOnCall = Resolved<z.output<typeof oncallSchema>>;

function finishOnCall(o: ParsedOnCall): OnCallConfig {
    const receivers = {} as Record<OnCallRole, ReceiverSpec>;
    const secrets: Partial<Record<OnCallRole, pulumi.Output<string>>> = {};
    for (const role of ONCALL_ROLES) {
        const r = o.receivers[role];
        switch (r.kind) {
            case "slack":
                receivers[role] = { kind: r.kind, channel: r.channel, hasSecret: true };
                secrets[role] = r.url;
                break;
            case "email":
                receivers[role] = { kind: r.kind, to: r.to, from: r.from, smarthost: r.smarthost, authUsername: r.authUsername, hasSecret: r.authUsername !== undefined };
                if (r.authPassword) secrets[role] = r.authPassword;
                break;
            case "webhook":
                receivers[role] = { kind: r.kind, hasSecret: true };
                secrets[role] = r.url;
                break;
            case "pagerduty":
                receivers[role] = { kind: r.kind, hasSecret: true };
                secrets[role] = r.routingKey;
                break;
            case "opsgenie":
                receivers[role] = { kind: r.kind, hasSecret: true };
                secrets[role] = r.apiKey;
                break;
        }
    }
    return { ...o, businessHours: { ...o.businessHours, weekdays: [...o.businessHours.weekdays] as WeekdayName[] }, receivers, secrets };
}

/** The monitoring section with its derived Prometheus endpoint and on-call secrets. */
export function finishMonitoring(m: Resolved<z.output<typeof monitoringSchema>>): MonitoringConfig {
    const base = { namespace: m.namespace, runbookBaseUrl: m.runbookBaseUrl, app: m.app, alerts: m.alerts as AlertThresholds, network: m.network, oncall: finishOnCall(m.oncall) };
    if (m.mode === "helm") {
        const { namespace: _n, service: _s, port: _p, ...size } = m.prometheus;
        return {
            mode: "helm",
            ...base,
            storageClass: m.storageClass,
            prometheus: { ...prometheusEndpoint({ mode: "helm", namespace: m.namespace }), ...size, resources: size.resources as ResourceSpec },
            alertmanager: { ...m.alertmanager, resources: m.alertmanager.resources as ResourceSpec },
            grafana: { storageSize: m.grafana.storageSize, resources: m.grafana.resources as ResourceSpec, azureAd: m.grafana.azureAd as AzureAdConfig | undefined },
            componentResources: m.componentResources as ComponentResources,
            hiddenComponents: m.hiddenComponents as HiddenComponents,
        };
    }
    const p = m.prometheus;
    return {
        mode: "existing-operator",
        ...base,
        prometheus: prometheusEndpoint({
            mode: "existing-operator",
            namespace: m.namespace,
            prometheus: { ...(p.namespace ? { namespace: p.namespace } : {}), ...(p.service ? { service: p.service } : {}), ...(p.port ? { port: p.port } : {}) },
        }),
        existingOperator: m.existingOperator,
    };
}
