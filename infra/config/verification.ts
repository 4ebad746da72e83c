/**
 * The `verification` section: the staging verification suite (in-cluster k6 load test with its
 * scaling check, the monthly report dashboard, Defender for Containers) and the settings
 * `scripts/verify-staging.sh` reads (through the `verifyEnv` stack output / `verify.env`).
 */
import type { PodSecurityLevel } from "../../components/app/app-namespace";
import { PORT_NAMES } from "../../components/app/app-spec";
import { DEFAULT_K6_IMAGE, durationSeconds, K6_DURATION } from "../../components/verification/load-test";
import { KUBE_PROMETHEUS_STACK_RELEASE, type PrometheusEndpoint } from "../../components/monitoring/prometheus-endpoint";
import { MONITORING_PORTS } from "../../components/platform/namespace-policies";
import { PORT_NAME } from "../../components/shared/validation";
import { ObjectReader } from "./reader";

/** The Pod Security levels the checklist may expect of the workload's namespace (the namespace labels' levels, less `privileged`). */
export const CHECKED_POD_SECURITY_LEVELS = ["restricted", "baseline"] as const satisfies readonly PodSecurityLevel[];
export type CheckedPodSecurityLevel = (typeof CHECKED_POD_SECURITY_LEVELS)[number];

export interface LoadTestConfig {
    readonly enabled: boolean;
    /** Namespace of the k6 Job. */
    readonly namespace: string;
    /** Namespace of the app (Service, HPA). */
    readonly appNamespace: string;
    readonly serviceName: string;
    readonly servicePort: number;
    /** Name of the app's container port (NetworkPolicy letting the load in). */
    readonly appPortName: string;
    /** URL the load goes to; default: the app Service's cluster DNS name. */
    readonly targetUrl: string;
    readonly rate: number;
    readonly duration: string;
    readonly preAllocatedVUs: number;
    readonly maxVUs: number;
    readonly p95Ms: number;
    readonly maxErrorRatio: number;
    /** Assert that the HPA scaled up during the load. */
    readonly scalingCheck: boolean;
    readonly hpaName: string;
    readonly minScaleUp: number;
    /**
     * Prometheus remote-write endpoint for k6's metrics (derived: `<monitoring.prometheus.url>/api/v1/write`
     * when `remoteWrite` is on); absent: no export.
     */
    readonly prometheusRemoteWriteUrl?: string;
    readonly runId: string;
    readonly image: string;
}

export interface VerifyChecksConfig {
    /** Entra group whose members only read (must be able to read, must not change). */
    readonly readerGroupObjectId?: string;
    readonly alertmanagerService: string;
    readonly alertmanagerPort: number;
    /** Severity of the synthetic alert and the receiver it must reach. */
    readonly syntheticAlertSeverity: string;
    readonly expectedReceiver: string;
    readonly podSecurityLevel: CheckedPodSecurityLevel;
    /** Minutes back the log query looks for the app's container logs. */
    readonly logWindowMinutes: number;
    /** External URL of the app for the response-time row; absent: the row is skipped. */
    readonly appUrl?: string;
    readonly maxResponseMs: number;
}

export interface VerificationConfig {
    readonly loadTest: LoadTestConfig;
    /** Defender for Containers plan (`Microsoft.Security/pricings/Containers`, Standard) on the subscription. */
    readonly defenderForContainers: boolean;
    /** Ship the monthly report Grafana dashboard. */
    readonly reportDashboard: boolean;
    readonly checks: VerifyChecksConfig;
}

const URL_RE = /^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/;
const URL_TEXT = "an http:// or https:// URL";

/** The default load target: the app Service's cluster DNS name. */
export function defaultTargetUrl(service: string, namespace: string, port: number): string {
    return `http://${service}.${namespace}.svc.cluster.local:${port}/`;
}

/** The workload the suite verifies (from `it-ops-infra:app`), so the two can never disagree. */
export interface VerifiedWorkload {
    readonly namespace: string;
    /** Its Service, Deployment and HPA name. */
    readonly name: string;
    /** Its Service's http port. */
    readonly httpPort: number;
}

/** What else the verification settings derive from. */
export interface VerificationContext {
    /** The stack's Prometheus (`monitoring.prometheus`): where the load test's remote write goes. */
    readonly prometheus: PrometheusEndpoint;
}

/** Parses `verification` (object reader of the section) for the given workload. */
export function parseVerification(r: ObjectReader, app: VerifiedWorkload, ctx: VerificationContext): VerificationConfig {
    const lt = r.object("loadTest");
    const enabled = lt.boolean("enabled", { default: false });
    const namespace = lt.dnsLabel("namespace", { default: "load-test" });
    const appNamespace = app.namespace;
    if (namespace === appNamespace) throw lt.fail("namespace", `must differ from the app's namespace (${appNamespace})`, namespace);
    const serviceName = app.name;
    const servicePort = app.httpPort;
    const appPortName = lt.string("appPortName", { default: PORT_NAMES.http, pattern: PORT_NAME, patternText: "a container port name (at most 15 lower-case letters, digits or '-')" });
    const targetUrl = lt.string("targetUrl", { default: defaultTargetUrl(serviceName, appNamespace, servicePort), pattern: URL_RE, patternText: URL_TEXT });
    const rate = lt.integer("rate", { default: 20, min: 1, max: 10000 });
    const duration = lt.string("duration", { default: "5m", pattern: K6_DURATION, patternText: "a k6 duration such as 90s, 5m or 1h30m" });
    const seconds = durationSeconds(duration);
    if (seconds < 10 || seconds > 7200) throw lt.fail("duration", "must be between 10s and 2h", duration);
    const preAllocatedVUs = lt.integer("preAllocatedVUs", { default: rate, min: 1, max: 10000 });
    const maxVUs = lt.integer("maxVUs", { default: preAllocatedVUs * 5, min: preAllocatedVUs, max: 50000, minText: `preAllocatedVUs (${preAllocatedVUs})` });
    const p95Ms = lt.integer("p95Ms", { default: 500, min: 1, max: 60000 });
    const maxErrorRatio = lt.number("maxErrorRatio", { default: 0.01, min: 0, max: 1 });
    const scalingCheck = lt.boolean("scalingCheck", { default: true });
    const hpaName = app.name;
    const minScaleUp = lt.integer("minScaleUp", { default: 1, min: 1, max: 100 });
    // The stack's own Prometheus (the only one the load test's NetworkPolicy lets it reach): its URL is derived.
    lt.removed({ prometheusRemoteWriteUrl: "Prometheus' URL is derived from monitoring.prometheus: set verification.loadTest.remoteWrite: true" });
    const prometheusRemoteWriteUrl = lt.boolean("remoteWrite", { default: false }) ? `${ctx.prometheus.url}/api/v1/write` : undefined;
    const runId = lt.string("runId", { default: "1", pattern: /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, patternText: "1-40 lower-case letters, digits or '-' (the Job is named k6-load-test-<runId>)" });
    const image = lt.pinnedImage("image", { default: DEFAULT_K6_IMAGE });
    lt.done();

    const ck = r.object("checks");
    ck.removed({
        monitoringNamespace: "the checks use monitoring.namespace and monitoring.prometheus.namespace",
        prometheusService: "Prometheus' Service is derived: monitoring.prometheus.service",
        prometheusPort: "Prometheus' port is derived: monitoring.prometheus.port",
    });
    const checks: VerifyChecksConfig = {
        readerGroupObjectId: ck.has("readerGroupObjectId") ? ck.uuid("readerGroupObjectId") : undefined,
        // Defaults: the chart's Alertmanager (its release's Service and web port).
        alertmanagerService: ck.dnsLabel("alertmanagerService", { default: `${KUBE_PROMETHEUS_STACK_RELEASE}-alertmanager` }),
        alertmanagerPort: ck.integer("alertmanagerPort", { default: MONITORING_PORTS.alertmanagerWeb, min: 1, max: 65535 }),
        syntheticAlertSeverity: ck.enum("syntheticAlertSeverity", ["level1", "level2", "level3", "level4"] as const, { default: "level4" }),
        expectedReceiver: ck.string("expectedReceiver", { default: "level4", pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/, patternText: "an Alertmanager receiver name" }),
        podSecurityLevel: ck.enum("podSecurityLevel", CHECKED_POD_SECURITY_LEVELS, { default: "restricted" }),
        logWindowMinutes: ck.integer("logWindowMinutes", { default: 30, min: 5, max: 1440 }),
        appUrl: ck.optionalString("appUrl", { pattern: URL_RE, patternText: URL_TEXT }),
        maxResponseMs: ck.integer("maxResponseMs", { default: 1000, min: 1, max: 60000 }),
    };
    ck.done();

    r.removed({ dashboardNamespace: "the report dashboard goes to monitoring.namespace (Grafana's dashboard sidecar reads only there)" });
    const out: VerificationConfig = {
        loadTest: { enabled, namespace, appNamespace, serviceName, servicePort, appPortName, targetUrl, rate, duration, preAllocatedVUs, maxVUs, p95Ms, maxErrorRatio, scalingCheck, hpaName, minScaleUp, prometheusRemoteWriteUrl, runId, image },
        defenderForContainers: r.boolean("defenderForContainers", { default: false }),
        reportDashboard: r.boolean("reportDashboard", { default: true }),
        checks,
    };
    r.done();
    return out;
}

/** What scripts/verify-staging.sh needs beyond the verification section. */
export interface VerifyEnvContext {
    readonly stack: string;
    /** `monitoring.namespace` (Alertmanager's, in mode helm the chart's). */
    readonly monitoringNamespace: string;
    /** The stack's Prometheus (`monitoring.prometheus`). */
    readonly prometheus: PrometheusEndpoint;
    readonly resourceGroupName: string;
    readonly clusterName: string;
    readonly adminGroupObjectId: string;
}

/**
 * The environment of `scripts/verify-staging.sh` for a stack (`VERIFY_*` variables). The stack
 * exports it as `verifyEnv`, and the offline render writes it to `<out>/<stack>/verify.env`.
 */
export function verifyScriptEnv(v: VerificationConfig, c: VerifyEnvContext): Record<string, string> {
    const lt = v.loadTest;
    const ck = v.checks;
    return {
        VERIFY_STACK: c.stack,
        VERIFY_RESOURCE_GROUP: c.resourceGroupName,
        VERIFY_CLUSTER: c.clusterName,
        VERIFY_APP_NAMESPACE: lt.appNamespace,
        VERIFY_APP_SERVICE: lt.serviceName,
        VERIFY_ADMIN_GROUP: c.adminGroupObjectId,
        VERIFY_READER_GROUP: ck.readerGroupObjectId ?? "",
        VERIFY_MONITORING_NAMESPACE: c.monitoringNamespace,
        VERIFY_PROMETHEUS_NAMESPACE: c.prometheus.namespace,
        VERIFY_PROMETHEUS_SERVICE: c.prometheus.service,
        VERIFY_PROMETHEUS_PORT: String(c.prometheus.port),
        VERIFY_ALERTMANAGER_SERVICE: ck.alertmanagerService,
        VERIFY_ALERTMANAGER_PORT: String(ck.alertmanagerPort),
        VERIFY_ALERT_SEVERITY: ck.syntheticAlertSeverity,
        VERIFY_EXPECTED_RECEIVER: ck.expectedReceiver,
        VERIFY_POD_SECURITY_LEVEL: ck.podSecurityLevel,
        VERIFY_LOG_WINDOW_MINUTES: String(ck.logWindowMinutes),
        VERIFY_APP_URL: ck.appUrl ?? "",
        VERIFY_MAX_RESPONSE_MS: String(ck.maxResponseMs),
        VERIFY_DEFENDER: String(v.defenderForContainers),
        VERIFY_LOADTEST_NAMESPACE: lt.enabled ? lt.namespace : "",
        VERIFY_LOADTEST_JOB: lt.enabled ? `k6-load-test-${lt.runId}` : "",
    };
}

/** `KEY='value'` lines (shell-quoted) of an environment, sorted. */
export function envFileText(env: Readonly<Record<string, string>>): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return Object.keys(env).sort().map((k) => `${k}=${q(env[k])}`).join("\n") + "\n";
}
