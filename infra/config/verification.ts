/**
 * The `verification` section: the staging verification suite (in-cluster k6 load test with its
 * scaling check, the monthly report dashboard, Defender for Containers) and the settings
 * `scripts/verify-staging.sh` reads (through the `verifyEnv` stack output / `verify.env`).
 */
import type { PodSecurityLevel } from "../../components/app/app-namespace";
import { DEFAULT_K6_IMAGE, durationSeconds, K6_DURATION } from "../../components/verification/load-test";
import { z } from "zod";
import { KUBE_PROMETHEUS_STACK_RELEASE, type PrometheusEndpoint } from "../../components/monitoring/prometheus-endpoint";
import { MONITORING_PORTS } from "../../components/platform/namespace-policies";
import { PORT_NAMES } from "../../components/app/app-spec";
import { PORT_NAME } from "../../components/shared/validation";
import { SEVERITIES } from "../../components/monitoring/alert-rule";
import { bool, ConfigError, ConfigProblem, dnsLabel, formatIssues, int, show, num, oneOf, pinnedImage, problem, section, str, uuid, WHEN_VALID } from "./kit";

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

/** What the verification section derives from other sections. */
export interface VerificationContext {
    /** The stack's Prometheus (`monitoring.prometheus`): where the load test's remote write goes. */
    readonly prometheus: PrometheusEndpoint;
}

/** `it-ops-infra:verification`. */
export const verificationSchema = section({
    loadTest: section({
        enabled: bool().default(false).describe("Run the in-cluster k6 load test."),
        namespace: dnsLabel().default("load-test").describe("Namespace of the k6 Job (not the app's)."),
        appPortName: str({ pattern: PORT_NAME, text: "a container port name (at most 15 lower-case letters, digits or '-')" })
            .default(PORT_NAMES.http)
            .describe("Name of the app's container port (NetworkPolicy letting the load in)."),
        targetUrl: str({ pattern: URL_RE, text: URL_TEXT }).optional().describe("URL the load goes to.").meta({ derivedDefault: "http://<app.name>.<app.namespace>.svc.cluster.local:<app.ports.http>/" }),
        rate: int({ min: 1, max: 10000 }).default(20).describe("Requests per second."),
        duration: str({ pattern: K6_DURATION, text: "a k6 duration such as 90s, 5m or 1h30m" })
            .refine((d) => !K6_DURATION.test(d) || (durationSeconds(d) >= 10 && durationSeconds(d) <= 7200), { error: "must be between 10s and 2h" })
            .default("5m")
            .describe("Length of the load (10s to 2h)."),
        preAllocatedVUs: int({ min: 1, max: 10000 }).optional().describe("k6 preAllocatedVUs.").meta({ derivedDefault: "rate" }),
        maxVUs: int({ max: 50000 }).optional().describe("k6 maxVUs (>= preAllocatedVUs).").meta({ derivedDefault: "5 × preAllocatedVUs" }),
        p95Ms: int({ min: 1, max: 60000 }).default(500).describe("Threshold of the p95 latency in ms."),
        maxErrorRatio: num({ min: 0, max: 1 }).default(0.01).describe("Threshold of the error ratio (0-1)."),
        scalingCheck: bool().default(true).describe("Assert that the HPA scaled up during the load."),
        minScaleUp: int({ min: 1, max: 100 }).default(1).describe("Replicas the HPA must add during the load."),
        remoteWrite: bool().default(false).describe("Push k6's metrics to the stack's Prometheus (its remote-write receiver at <monitoring.prometheus.url>/api/v1/write, derived)."),
        runId: str({ pattern: /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, text: "1-40 lower-case letters, digits or '-' (the Job is named k6-load-test-<runId>)" })
            .default("1")
            .describe("Part of the Job's name: a new run id reruns the load test."),
        image: pinnedImage()
            .default(DEFAULT_K6_IMAGE)
            .describe("k6 image (pinned)."),
    })
        .transform((l) => {
            const preAllocatedVUs = l.preAllocatedVUs ?? l.rate;
            return { ...l, preAllocatedVUs, maxVUs: l.maxVUs ?? preAllocatedVUs * 5, maxVUsGiven: l.maxVUs !== undefined };
        })
        .superRefine((l, ctx) => {
            if (l.maxVUsGiven && l.maxVUs < l.preAllocatedVUs) problem(ctx, ["maxVUs"], `must be an integer >= preAllocatedVUs (${l.preAllocatedVUs}) and <= 50000`, l.maxVUs);
        }, WHEN_VALID)
        .describe("The in-cluster k6 load test and its scaling check."),
    defenderForContainers: bool().default(false).describe("Defender for Containers plan on the subscription (cluster mode aks only)."),
    reportDashboard: bool().default(true).describe("Ship the monthly report Grafana dashboard (to monitoring.namespace)."),
    checks: section({
        readerGroupObjectId: uuid().optional().describe("Entra group whose members only read (must be able to read, must not change)."),
        alertmanagerService: dnsLabel().default(`${KUBE_PROMETHEUS_STACK_RELEASE}-alertmanager`).describe("Alertmanager's Service."),
        alertmanagerPort: int({ min: 1, max: 65535 }).default(MONITORING_PORTS.alertmanagerWeb).describe("Alertmanager's port."),
        syntheticAlertSeverity: oneOf(SEVERITIES).default("level4").describe("Severity of the synthetic alert."),
        expectedReceiver: str({ pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/, text: "an Alertmanager receiver name" }).default("level4").describe("The receiver the synthetic alert must reach."),
        podSecurityLevel: oneOf(CHECKED_POD_SECURITY_LEVELS).default("restricted").describe("Pod Security level the workload's namespace must enforce."),
        logWindowMinutes: int({ min: 5, max: 1440 }).default(30).describe("Minutes back the log query looks for the app's container logs."),
        appUrl: str({ pattern: URL_RE, text: URL_TEXT }).optional().describe("External URL of the app for the response-time row; absent: the row is skipped."),
        maxResponseMs: int({ min: 1, max: 60000 }).default(1000).describe("Highest tolerated response time in ms."),
    }).describe("Settings of scripts/verify-staging.sh."),
}).describe("Staging verification suite: load test, report dashboard, Defender, verify-staging.sh settings.");

/** The verification section for the given workload (its namespace, Service and port come from the app). */
export function finishVerification(v: z.output<typeof verificationSchema>, app: VerifiedWorkload, ctx: VerificationContext, fail: (path: string, message: string, value?: unknown) => void): VerificationConfig {
    const { maxVUsGiven: _g, targetUrl, remoteWrite, ...lt } = v.loadTest;
    if (lt.namespace === app.namespace) fail("verification.loadTest.namespace", `must differ from the app's namespace (${app.namespace})`, lt.namespace);
    return {
        loadTest: {
            ...lt,
            appNamespace: app.namespace,
            serviceName: app.name,
            servicePort: app.httpPort,
            hpaName: app.name,
            targetUrl: targetUrl ?? defaultTargetUrl(app.name, app.namespace, app.httpPort),
            // The stack's own Prometheus (the only one the load test's NetworkPolicy lets it reach): its URL is derived.
            prometheusRemoteWriteUrl: remoteWrite ? `${ctx.prometheus.url}/api/v1/write` : undefined,
        },
        defenderForContainers: v.defenderForContainers,
        reportDashboard: v.reportDashboard,
        checks: { ...v.checks, readerGroupObjectId: v.checks.readerGroupObjectId, appUrl: v.checks.appUrl },
    };
}

/** Parses a raw `verification` section alone (tests and tools): a {@link ConfigError} lists its problems. */
export function parseVerification(raw: unknown, app: VerifiedWorkload, ctx: VerificationContext): VerificationConfig {
    const prefix = "it-ops-infra:";
    const r = verificationSchema.safeParse(raw, { reportInput: true });
    const problems: ConfigProblem[] = r.success ? [] : formatIssues(r.error.issues, prefix, ["verification"]);
    if (!r.success) throw ConfigError.of(problems);
    const out = finishVerification(r.data, app, ctx, (path, message, value) => problems.push({ key: `${prefix}${path}`, message: `${prefix}${path} ${message}${value !== undefined ? `, got ${show(value)}` : ""}` }));
    if (problems.length) throw ConfigError.of(problems);
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
