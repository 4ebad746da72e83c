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
import { PrometheusEndpoint, prometheusEndpoint } from "../../components/monitoring/prometheus-endpoint";
import { LABEL_KEY, LABEL_VALUE } from "../../components/shared/validation";
import { ObjectReader } from "./reader";

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

/** The sizing keys of `monitoring.prometheus` (mode helm) and its endpoint keys (mode existing-operator). */
const PROMETHEUS_SIZING_KEYS = ["replicas", "retention", "retentionSize", "storageSize", "resources"] as const;
const PROMETHEUS_ENDPOINT_KEYS = ["namespace", "service", "port"] as const;

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
const URL = /^https:\/\/\S+$/;

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

function parseResources(r: ObjectReader, d: ResourceSpec): ResourceSpec {
    const req = r.object("requests");
    const lim = r.object("limits");
    const out: ResourceSpec = {
        requests: {
            cpu: req.string("cpu", { default: d.requests.cpu, pattern: CPU, patternText: "a CPU quantity such as 500m or 2" }),
            memory: req.string("memory", { default: d.requests.memory, pattern: MEMORY, patternText: "a memory quantity such as 512Mi or 2Gi" }),
        },
        limits: {
            cpu: lim.has("cpu") ? lim.string("cpu", { pattern: CPU, patternText: "a CPU quantity such as 500m or 2" }) : d.limits.cpu,
            memory: lim.string("memory", { default: d.limits.memory, pattern: MEMORY, patternText: "a memory quantity such as 512Mi or 2Gi" }),
        },
    };
    req.done();
    lim.done();
    r.done();
    return out;
}

function size(r: ObjectReader, field: string, def: string): string {
    return r.string(field, { default: def, pattern: SIZE, patternText: "a volume size such as 50Gi" });
}

function parseReceiver(root: ObjectReader, role: OnCallRole): { spec: ReceiverSpec; secret?: pulumi.Output<string> } {
    const r = root.object(role, { required: true });
    const kind = r.enum("kind", RECEIVER_KINDS);
    let spec: ReceiverSpec;
    let secret: pulumi.Output<string> | undefined;
    switch (kind) {
        case "slack":
            spec = { kind, channel: r.string("channel", { pattern: /^[#@]?[\w.-]+$/, patternText: "a Slack channel such as #it-ops" }), hasSecret: true };
            secret = r.secretString("url");
            break;
        case "email": {
            const authUsername = r.optionalString("authUsername");
            spec = {
                kind,
                to: r.string("to", { pattern: EMAIL, patternText: "an e-mail address" }),
                from: r.string("from", { pattern: EMAIL, patternText: "an e-mail address" }),
                smarthost: r.string("smarthost", { pattern: HOST_PORT, patternText: "an SMTP host:port such as smtp.example.com:587" }),
                authUsername,
                hasSecret: authUsername !== undefined,
            };
            if (authUsername !== undefined) secret = r.secretString("authPassword");
            else if (r.has("authPassword")) throw r.fail("authPassword", "is only allowed with authUsername");
            break;
        }
        case "webhook":
            spec = { kind, hasSecret: true };
            secret = r.secretString("url");
            break;
        case "pagerduty":
            spec = { kind, hasSecret: true };
            secret = r.secretString("routingKey");
            break;
        case "opsgenie":
            spec = { kind, hasSecret: true };
            secret = r.secretString("apiKey");
            break;
    }
    r.done();
    return { spec, secret };
}

function validTimeZone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

function parseOnCall(o: ObjectReader, amRetention: string, retentionKey: string): OnCallConfig {
    const timezone = o.string("timezone", { default: "Asia/Tokyo" });
    if (!validTimeZone(timezone)) throw o.fail("timezone", "must be an IANA time zone such as Asia/Tokyo", timezone);
    const bh = o.object("businessHours");
    const businessHours: { start: string; end: string; weekdays: WeekdayName[] } = {
        start: bh.string("start", { default: "09:00", pattern: HHMM, patternText: "a time HH:MM" }),
        end: bh.string("end", { default: "18:00", pattern: HHMM, patternText: "a time HH:MM (or 24:00)" }),
        weekdays: bh.array<WeekdayName>("weekdays", (i) => i.string({ pattern: new RegExp(`^(${WEEKDAY_NAMES.join("|")})$`), patternText: `one of ${WEEKDAY_NAMES.join(", ")}` }) as WeekdayName, {
            default: ["monday", "tuesday", "wednesday", "thursday", "friday"] as WeekdayName[],
            minItems: 1,
        }),
    };
    if (businessHours.start >= businessHours.end) throw bh.fail("end", `must be later than start (${businessHours.start})`, businessHours.end);
    if (new Set(businessHours.weekdays).size !== businessHours.weekdays.length) throw bh.fail("weekdays", "must not repeat a day", businessHours.weekdays);
    bh.done();
    const holidays = o.array(
        "holidays",
        (i) => {
            const d = i.string({ pattern: DATE, patternText: "a date YYYY-MM-DD" });
            const [y, m, day] = d.split("-").map(Number);
            const dt = new Date(Date.UTC(y, m - 1, day));
            if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== day) throw i.fail("must be a real calendar date");
            return d;
        },
        { default: [...DEFAULT_HOLIDAYS] },
    );
    const rec = o.object("receivers", { required: true });
    const receivers = {} as Record<OnCallRole, ReceiverSpec>;
    const secrets: Partial<Record<OnCallRole, pulumi.Output<string>>> = {};
    for (const role of ONCALL_ROLES) {
        const { spec, secret } = parseReceiver(rec, role);
        receivers[role] = spec;
        if (secret) secrets[role] = secret;
    }
    rec.done();
    const ri = o.object("repeatIntervals");
    const defaults: Record<Severity, string> = { level1: "30m", level2: "2h", level3: "24h", level4: "96h" };
    const repeatIntervals = {} as Record<Severity, string>;
    for (const s of SEVERITIES) repeatIntervals[s] = ri.duration(s, { default: defaults[s] });
    if (durationSeconds(repeatIntervals.level4) >= durationSeconds(amRetention)) {
        throw ri.fail("level4", `must be shorter than ${retentionKey} (${amRetention}), or Alertmanager forgets the notification log and repeats early`, repeatIntervals.level4);
    }
    for (const s of SEVERITIES) if (durationSeconds(repeatIntervals[s]) <= 0) throw ri.fail(s, "must be a positive duration", repeatIntervals[s]);
    ri.done();
    const out: OnCallConfig = {
        timezone,
        businessHours,
        holidays,
        receivers,
        secrets,
        repeatIntervals,
        groupBy: o.array("groupBy", (i) => i.string({ pattern: LABEL_NAME, patternText: "a label name" }), { default: ["alertname", "service", "namespace"], minItems: 1 }),
        groupWait: o.duration("groupWait", { default: "30s" }),
        groupInterval: o.duration("groupInterval", { default: "5m" }),
        resolveTimeout: o.duration("resolveTimeout", { default: "5m" }),
    };
    o.done();
    return out;
}

function parseAlerts(a: ObjectReader): AlertThresholds {
    const d = DEFAULT_ALERT_THRESHOLDS;
    const pct = (f: keyof AlertThresholds) => a.number(f, { default: d[f] as number, min: 1, max: 100 });
    const dur = (f: keyof AlertThresholds) => a.duration(f, { default: d[f] as string });
    const t: AlertThresholds = {
        cpuPercent: pct("cpuPercent"),
        cpuFor: dur("cpuFor"),
        memoryPercent: pct("memoryPercent"),
        memoryFor: dur("memoryFor"),
        downFor: dur("downFor"),
        noReplicasFor: dur("noReplicasFor"),
        replicasUnavailableFor: dur("replicasUnavailableFor"),
        crashLoopFor: dur("crashLoopFor"),
        throttlingPercent: pct("throttlingPercent"),
        throttlingFor: dur("throttlingFor"),
        errorRatioPercent: pct("errorRatioPercent"),
        errorRatioFor: dur("errorRatioFor"),
        escalateAfter: dur("escalateAfter"),
    };
    a.done();
    return t;
}

function parseApp(r: ObjectReader): MonitoredAppConfig {
    const app: MonitoredAppConfig = {
        path: r.string("path", { default: "/metrics", pattern: /^\/\S*$/, patternText: "a URL path starting with /" }),
        interval: r.duration("interval", { default: "30s" }),
    };
    r.done();
    return app;
}

/** Parses `it-ops-infra:monitoring`. */
export function parseMonitoring(m: ObjectReader): MonitoringConfig {
    const mode = m.enum("mode", MONITORING_MODES, { default: "helm" });
    return mode === "helm" ? parseHelmMonitoring(m) : parseOperatorMonitoring(m);
}

/** The keys both modes share (namespace, runbooks, scraped app, alert thresholds). */
function parseCommon(m: ObjectReader) {
    const namespace = m.dnsLabel("namespace", { default: "monitoring" });
    const runbookBaseUrl = m.string("runbookBaseUrl", {
        default: "https://github.com/it-ops/it-ops-infra/blob/main/docs/runbooks/",
        pattern: URL,
        patternText: "an https:// URL of the docs/runbooks/ folder",
    });
    const app = parseApp(m.object("app"));
    const alerts = parseAlerts(m.object("alerts"));
    const network = parseNetwork(m.object("network"));
    return { namespace, runbookBaseUrl, app, alerts, network };
}

/** `monitoring.network` (both modes: the load test and the namespace policies use the API server and receiver ports). */
function parseNetwork(n: ObjectReader): MonitoringNetworkConfig {
    const network: MonitoringNetworkConfig = {
        grafanaIngressNamespaces: n.array("grafanaIngressNamespaces", (i) => i.dnsLabel("a namespace name"), {
            default: ["app-routing-system"],
            minItems: 1,
        }),
        apiServerPorts: n.array("apiServerPorts", (i) => i.integer({ min: 1, max: 65535 }), { default: [443], minItems: 1 }),
        receiverPorts: n.array("receiverPorts", (i) => i.integer({ min: 1, max: 65535 }), { default: [443], minItems: 1 }),
    };
    n.done();
    return network;
}

/** Mode `existing-operator`: the objects only; keys that size kube-prometheus-stack are errors. */
function parseOperatorMonitoring(m: ObjectReader): OperatorMonitoringConfig {
    for (const key of HELM_ONLY_MONITORING_KEYS) {
        if (m.has(key)) throw m.fail(key, "is only used with monitoring.mode helm (it sizes the project's own kube-prometheus-stack); remove it in mode existing-operator", m.rawValue(key));
    }
    const common = parseCommon(m);
    // Where the existing Prometheus answers; each field defaults to what the Prometheus Operator creates.
    const p = m.object("prometheus");
    for (const key of PROMETHEUS_SIZING_KEYS) {
        if (p.has(key)) throw p.fail(key, "is only used with monitoring.mode helm (it sizes the project's own kube-prometheus-stack); remove it in mode existing-operator", p.rawValue(key));
    }
    const prometheus = prometheusEndpoint({
        mode: "existing-operator",
        namespace: common.namespace,
        // Absent fields take prometheusEndpoint's defaults (monitoring.namespace, prometheus-operated, 9090).
        prometheus: {
            ...(p.has("namespace") ? { namespace: p.dnsLabel("namespace") } : {}),
            ...(p.has("service") ? { service: p.dnsLabel("service") } : {}),
            ...(p.has("port") ? { port: p.integer("port", { min: 1, max: 65535 }) } : {}),
        },
    });
    p.done();
    const e = m.object("existingOperator");
    const existingOperator = {
        labels: e.stringMap("labels", { default: {} }),
        alertmanagerConfigSecretName: e.dnsSubdomain("alertmanagerConfigSecretName", { default: "itops-alertmanager-config" }),
        alertmanagerRetention: e.duration("alertmanagerRetention", { default: OPERATOR_DEFAULT_ALERTMANAGER_RETENTION }),
    };
    for (const [k, v] of Object.entries(existingOperator.labels)) {
        if (!LABEL_KEY.test(k)) throw e.fail(`labels.${k}`, "must be keyed by a Kubernetes label key", k);
        if (!LABEL_VALUE.test(v)) throw e.fail(`labels.${k}`, "must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)", v);
    }
    e.done();
    const oncall = parseOnCall(m.object("oncall", { required: true }), existingOperator.alertmanagerRetention, "monitoring.existingOperator.alertmanagerRetention");
    m.done();
    return { mode: "existing-operator", ...common, prometheus, existingOperator, oncall };
}

function parseHelmMonitoring(m: ObjectReader): HelmMonitoringConfig {
    if (m.has("existingOperator")) throw m.fail("existingOperator", "is only used with monitoring.mode existing-operator", m.rawValue("existingOperator"));
    const { namespace, runbookBaseUrl, app, alerts, network } = parseCommon(m);
    const storageClass = m.dnsSubdomain("storageClass", { default: "managed-csi-premium" });

    const p = m.object("prometheus");
    for (const key of PROMETHEUS_ENDPOINT_KEYS) {
        if (p.has(key)) throw p.fail(key, `is derived from the chart in monitoring.mode helm (Prometheus runs in monitoring.namespace as its release's Service); it is only set in mode existing-operator`, p.rawValue(key));
    }
    const prometheus = {
        ...prometheusEndpoint({ mode: "helm", namespace }),
        replicas: p.integer("replicas", { default: 1, min: 1, max: 3 }),
        retention: p.duration("retention", { default: "15d" }),
        retentionSize: p.string("retentionSize", { default: "45GB", pattern: RETENTION_SIZE, patternText: "a size such as 45GB" }),
        storageSize: size(p, "storageSize", "50Gi"),
        resources: parseResources(p.object("resources"), { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } }),
    };
    if (bytes(prometheus.retentionSize) >= 0.95 * bytes(prometheus.storageSize)) {
        throw p.fail("retentionSize", `must be below 95% of storageSize (${prometheus.storageSize}) so Prometheus deletes old blocks before the volume fills`, prometheus.retentionSize);
    }
    p.done();

    const a = m.object("alertmanager");
    const alertmanager = {
        replicas: a.integer("replicas", { default: 2, min: 2, max: 5 }),
        retention: a.duration("retention", { default: "120h" }),
        storageSize: size(a, "storageSize", "5Gi"),
        resources: parseResources(a.object("resources"), { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } }),
    };
    a.done();

    const g = m.object("grafana");
    let azureAd: AzureAdConfig | undefined;
    if (g.has("azureAd")) {
        const z = g.object("azureAd");
        azureAd = {
            tenantId: z.uuid("tenantId"),
            clientId: z.uuid("clientId"),
            clientSecret: z.secretString("clientSecret")!,
            allowedGroups: z.array("allowedGroups", (i) => i.string({ pattern: /^[0-9a-fA-F-]{36}$/, patternText: "an Entra group object id (UUID)" }), { default: [] }),
            rootUrl: z.string("rootUrl", { pattern: URL, patternText: "Grafana's https:// URL" }),
        };
        z.done();
    }
    const grafana = {
        storageSize: size(g, "storageSize", "10Gi"),
        resources: parseResources(g.object("resources"), { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } }),
        azureAd,
    };
    g.done();

    const oncall = parseOnCall(m.object("oncall", { required: true }), alertmanager.retention, "monitoring.alertmanager.retention");

    const cr = m.object("componentResources");
    const d = DEFAULT_COMPONENT_RESOURCES;
    const componentResources: ComponentResources = {
        operator: parseResources(cr.object("operator"), d.operator),
        configReloader: parseResources(cr.object("configReloader"), d.configReloader),
        admissionWebhookJobs: parseResources(cr.object("admissionWebhookJobs"), d.admissionWebhookJobs),
        kubeStateMetrics: parseResources(cr.object("kubeStateMetrics"), d.kubeStateMetrics),
        nodeExporter: parseResources(cr.object("nodeExporter"), d.nodeExporter),
        grafanaSidecar: parseResources(cr.object("grafanaSidecar"), d.grafanaSidecar),
    };
    cr.done();

    const h = m.object("hiddenComponents");
    const hiddenComponents: HiddenComponents = { controlPlane: h.boolean("controlPlane", { default: false }), kubeProxy: h.boolean("kubeProxy", { default: false }) };
    h.done();
    m.done();
    return { mode: "helm", namespace, storageClass, runbookBaseUrl, prometheus, alertmanager, grafana, app, alerts, oncall, componentResources, hiddenComponents, network };
}
