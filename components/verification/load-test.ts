/**
 * The staging load test: a Kubernetes Job running k6 (pinned image) with the script
 * `components/verification/container-scripts/load-test.js` shipped in a ConfigMap. A constant-arrival-rate scenario holds the
 * configured request rate; thresholds on p95 latency and error ratio make k6 exit 99 and so fail
 * the Job. The scaling check runs inside the same k6 process: a second scenario reads the app's
 * HorizontalPodAutoscaler through the API server (service-account token, a Role that may only
 * `get` that one HPA) and a threshold fails the run unless `status.currentReplicas` rose by at
 * least `minScaleUp` over its value at the start. The summary is one JSON line in the Job log;
 * with `prometheusRemoteWriteUrl` k6 also pushes its metrics to Prometheus' remote-write receiver.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { createNetworkPolicies, podSecurityLabels } from "../app/app-namespace";
import { loadTestNetworkPolicySpecs, urlPort } from "../platform/namespace-policies";
import { ArgsValidator } from "../shared/validation";
import type { LoadTestConfig } from "../../infra/config/verification";

/** The k6 script shipped to the cluster (and run by the tests with the real k6 binary). */
export const K6_SCRIPT_PATH = path.join(__dirname, "container-scripts", "load-test.js");
/** The pinned k6 image; the tests build the same k6 version (.ci/run). */
export const DEFAULT_K6_IMAGE = "grafana/k6:1.8.1";
/** UID/GID of the `k6` user of the grafana/k6 image. */
export const K6_UID = 12345;

/** k6 durations the config accepts: `90s`, `5m`, `1h30m`. */
export const K6_DURATION = /^(?=\d)((\d+)h)?((\d+)m)?((\d+)s)?$/;

/** Seconds of a k6 duration (`1h30m` → 5400); throws on anything else. */
export function durationSeconds(d: string): number {
    const m = K6_DURATION.exec(d);
    if (!m || d === "") throw new Error(`not a k6 duration: ${d}`);
    return Number(m[2] ?? 0) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[6] ?? 0);
}

/**
 * The load test's settings as `verification.loadTest` of the stack configuration gives them: one
 * type for the config, the component and the k6 script; the schema (infra/config/verification.ts)
 * owns their defaults and ranges.
 */
export type LoadTestSettings = Pick<
    LoadTestConfig,
    "namespace" | "appNamespace" | "targetUrl" | "rate" | "duration" | "preAllocatedVUs" | "maxVUs" | "p95Ms" | "maxErrorRatio" | "minScaleUp" | "prometheusRemoteWriteUrl" | "runId" | "image"
>;

/** What the load test does: the environment of the k6 script (see the script's header). */
export type LoadProfile = Pick<LoadTestSettings, "targetUrl" | "rate" | "duration" | "preAllocatedVUs" | "maxVUs" | "p95Ms" | "maxErrorRatio" | "minScaleUp" | "prometheusRemoteWriteUrl"> & {
    /** API-server URL of the HPA, or undefined for no scaling check. */
    readonly hpaUrl?: string;
    readonly hpaPollSeconds: number;
};

/** The API-server URL of an HPA (autoscaling/v2), as the in-cluster k6 reads it. */
export function hpaApiUrl(namespace: string, hpaName: string, apiServer = "https://kubernetes.default.svc"): string {
    return `${apiServer}/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${hpaName}`;
}

/** The k6 command line: `k6 run [-o experimental-prometheus-rw] <script>`. */
export function k6Args(p: Pick<LoadProfile, "prometheusRemoteWriteUrl">, scriptPath: string): string[] {
    return ["run", ...(p.prometheusRemoteWriteUrl ? ["-o", "experimental-prometheus-rw"] : []), scriptPath];
}

/** The environment of the k6 process (names as read by the script). */
export function k6Env(p: LoadProfile): Record<string, string> {
    const env: Record<string, string> = {
        TARGET_URL: p.targetUrl,
        RATE: String(p.rate),
        DURATION: p.duration,
        PRE_VUS: String(p.preAllocatedVUs),
        MAX_VUS: String(p.maxVUs),
        P95_MS: String(p.p95Ms),
        MAX_ERROR_RATIO: String(p.maxErrorRatio),
        HPA_URL: p.hpaUrl ?? "",
        HPA_POLL_SECONDS: String(p.hpaPollSeconds),
        MIN_SCALE_UP: String(p.minScaleUp),
    };
    if (p.hpaUrl) {
        // Go (k6) reads trust roots from SSL_CERT_FILE: the cluster CA for the API server.
        env.SSL_CERT_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    }
    if (p.prometheusRemoteWriteUrl) {
        env.K6_PROMETHEUS_RW_SERVER_URL = p.prometheusRemoteWriteUrl;
        // Trends as percentiles (the dashboard and the report read p95/p99).
        env.K6_PROMETHEUS_RW_TREND_STATS = "p(95),p(99),min,max,avg";
        env.K6_PROMETHEUS_RW_PUSH_INTERVAL = "5s";
    }
    return env;
}

/** Container resources of the k6 container. */
export interface LoadTestResources {
    readonly cpuRequest: string;
    readonly cpuLimit: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
}

export const DEFAULT_LOAD_TEST_RESOURCES: LoadTestResources = { cpuRequest: "500m", cpuLimit: "2", memoryRequest: "256Mi", memoryLimit: "1Gi" };

export interface LoadTestArgs extends LoadTestSettings, Partial<Pick<LoadTestConfig, "appPortName">> {
    /** Name of the app's HPA for the scaling check; undefined: no scaling check. */
    readonly hpaName?: string;
    /** Labels of the app's pods (NetworkPolicy pod selector): the workload's (`ItOpsApp.labels`). */
    readonly appPodLabels: Readonly<Record<string, string>>;
    /** Namespace of Prometheus, the remote write's destination (`monitoring.prometheus.namespace`). */
    readonly prometheusNamespace: string;
    /** TCP ports of the API server as pods reach it (the scaling check reads the HPA): `monitoring.network.apiServerPorts`. */
    readonly apiServerPorts: readonly number[];
    /** How often the HPA is read, seconds (not a config key). @default 10 */
    readonly hpaPollSeconds?: number;
    /** Resources of the k6 container (not a config key). @default DEFAULT_LOAD_TEST_RESOURCES */
    readonly resources?: LoadTestResources;
}

const JOB_PREFIX = "k6-load-test";
/** Labels of every load-test object and of the k6 pods (NetworkPolicies select the pods by them). */
export const LOAD_TEST_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": JOB_PREFIX, "app.kubernetes.io/part-of": "it-ops-verification", "app.kubernetes.io/managed-by": "pulumi" };

/** The Job's name for a run id. */
export function loadTestJobName(runId: string): string {
    return `${JOB_PREFIX}-${runId}`;
}

/** Loads the k6 script from its file. */
export function loadK6Script(): string {
    return fs.readFileSync(K6_SCRIPT_PATH, "utf8");
}

export class LoadTest extends pulumi.ComponentResource {
    public readonly namespace: string;
    public readonly jobName: string;
    public readonly serviceAccountName: string;

    constructor(name: string, args: LoadTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:verification:LoadTest", name, {}, opts);
        const v = new ArgsValidator("LoadTest");
        // Invariants for any caller (DNS names, the pinned image, a non-empty allow list); the schema
        // owns the settings' defaults and ranges.
        v.dnsLabel("namespace", args.namespace);
        v.dnsLabel("appNamespace", args.appNamespace);
        if (args.hpaName !== undefined) v.dnsLabel("hpaName", args.hpaName);
        const prometheusNamespace = v.dnsLabel("prometheusNamespace", args.prometheusNamespace);
        const { preAllocatedVUs, maxVUs, minScaleUp, runId, appPodLabels, apiServerPorts } = args;
        const seconds = durationSeconds(args.duration);
        const hpaPollSeconds = v.integer("hpaPollSeconds", args.hpaPollSeconds ?? 10, 1, 300);
        const image = v.pinnedImage("image", args.image);
        const res = args.resources ?? DEFAULT_LOAD_TEST_RESOURCES;
        v.nonEmpty("apiServerPorts", apiServerPorts);

        this.namespace = args.namespace;
        this.jobName = loadTestJobName(runId);
        this.serviceAccountName = JOB_PREFIX;
        const labels = { ...LOAD_TEST_LABELS };

        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: args.namespace,
                labels: { ...labels, ...podSecurityLabels() },
            },
        }, { parent: this });

        // Default deny; k6 reaches only the app's pods (+ the API server, Prometheus when used).
        createNetworkPolicies(this, name, args.namespace, loadTestNetworkPolicySpecs({
            podLabels: labels,
            appNamespace: args.appNamespace,
            appPodLabels,
            appPortName: args.appPortName,
            apiServerPorts: args.hpaName !== undefined ? apiServerPorts : undefined,
            prometheus: args.prometheusRemoteWriteUrl !== undefined ? { namespace: prometheusNamespace, port: urlPort(args.prometheusRemoteWriteUrl) } : undefined,
        }), labels, { dependsOn: [ns] });

        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: this.serviceAccountName, namespace: args.namespace, labels },
            automountServiceAccountToken: false,
        }, { parent: this, dependsOn: [ns] });

        const deps: pulumi.Resource[] = [ns, sa];
        if (args.hpaName !== undefined) {
            // Least privilege: read that one HPA in the app namespace, nothing else.
            const role = new k8s.rbac.v1.Role(`${name}-hpa-reader`, {
                metadata: { name: `${JOB_PREFIX}-hpa-reader`, namespace: args.appNamespace, labels },
                rules: [{ apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], resourceNames: [args.hpaName], verbs: ["get"] }],
            }, { parent: this });
            const binding = new k8s.rbac.v1.RoleBinding(`${name}-hpa-reader`, {
                metadata: { name: `${JOB_PREFIX}-hpa-reader`, namespace: args.appNamespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${JOB_PREFIX}-hpa-reader` },
                subjects: [{ kind: "ServiceAccount", name: this.serviceAccountName, namespace: args.namespace }],
            }, { parent: this, dependsOn: [role, sa] });
            deps.push(binding);
        }
        if (args.appPortName !== undefined) {
            deps.push(new k8s.networking.v1.NetworkPolicy(`${name}-allow-load`, {
                metadata: { name: `allow-${JOB_PREFIX}`, namespace: args.appNamespace, labels },
                spec: {
                    podSelector: { matchLabels: { ...appPodLabels } },
                    policyTypes: ["Ingress"],
                    ingress: [{
                        from: [{
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.namespace } },
                            podSelector: { matchLabels: { "app.kubernetes.io/name": JOB_PREFIX } },
                        }],
                        ports: [{ protocol: "TCP", port: args.appPortName }],
                    }],
                },
            }, { parent: this }));
        }

        const script = new k8s.core.v1.ConfigMap(`${name}-script`, {
            metadata: { name: `${JOB_PREFIX}-script`, namespace: args.namespace, labels },
            data: { "load-test.js": loadK6Script() },
        }, { parent: this, dependsOn: [ns] });
        deps.push(script);

        const scriptPath = "/scripts/load-test.js";
        const env = pulumi.output(args.targetUrl).apply((targetUrl) =>
            Object.entries(k6Env({
                targetUrl,
                rate: args.rate,
                duration: args.duration,
                preAllocatedVUs,
                maxVUs,
                p95Ms: args.p95Ms,
                maxErrorRatio: args.maxErrorRatio,
                hpaUrl: args.hpaName !== undefined ? hpaApiUrl(args.appNamespace, args.hpaName) : undefined,
                hpaPollSeconds,
                minScaleUp,
                prometheusRemoteWriteUrl: args.prometheusRemoteWriteUrl,
            })).map(([n, value]) => ({ name: n, value })),
        );

        const job = new k8s.batch.v1.Job(name, {
            metadata: {
                name: this.jobName,
                namespace: args.namespace,
                labels,
                // `pulumi up` does not wait for the load test; scripts/verify-staging.sh reads its result.
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: seconds + 600,
                template: {
                    metadata: { labels },
                    spec: {
                        restartPolicy: "Never",
                        serviceAccountName: this.serviceAccountName,
                        // The token is only needed to read the HPA.
                        automountServiceAccountToken: args.hpaName !== undefined,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: K6_UID,
                            runAsGroup: K6_UID,
                            fsGroup: K6_UID,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [{
                            name: "k6",
                            image,
                            imagePullPolicy: "IfNotPresent",
                            command: ["k6"],
                            args: k6Args({ prometheusRemoteWriteUrl: args.prometheusRemoteWriteUrl }, scriptPath),
                            env,
                            resources: {
                                requests: { cpu: res.cpuRequest, memory: res.memoryRequest },
                                limits: { cpu: res.cpuLimit, memory: res.memoryLimit },
                            },
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                privileged: false,
                                capabilities: { drop: ["ALL"] },
                            },
                            volumeMounts: [
                                { name: "script", mountPath: "/scripts", readOnly: true },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        }],
                        volumes: [
                            { name: "script", configMap: { name: `${JOB_PREFIX}-script` } },
                            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                        ],
                    },
                },
            },
        }, { parent: this, dependsOn: deps });

        this.registerOutputs({ namespace: this.namespace, jobName: this.jobName, serviceAccountName: this.serviceAccountName, job: job.metadata.name });
    }
}
