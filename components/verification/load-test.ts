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
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

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

/** What the load test does; the environment of the k6 script (see the script's header). */
export interface LoadProfile {
    readonly targetUrl: string;
    readonly rate: number;
    readonly duration: string;
    readonly preAllocatedVUs: number;
    readonly maxVUs: number;
    readonly p95Ms: number;
    readonly maxErrorRatio: number;
    /** API-server URL of the HPA, or undefined for no scaling check. */
    readonly hpaUrl?: string;
    readonly hpaPollSeconds: number;
    readonly minScaleUp: number;
    readonly prometheusRemoteWriteUrl?: string;
}

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

export interface LoadTestArgs {
    /** Namespace the Job runs in (created by the component, Pod Security `restricted`). */
    readonly namespace: string;
    /** Namespace of the app (its HPA and Service); must exist. */
    readonly appNamespace: string;
    /** URL k6 sends its load to (the app's Service or route). */
    readonly targetUrl: pulumi.Input<string>;
    /** Requests per second (constant-arrival-rate). */
    readonly rate: number;
    /** How long the rate is held (k6 duration, 10s to 2h). */
    readonly duration: string;
    /** Threshold: p95 of the response time in milliseconds. */
    readonly p95Ms: number;
    /** Threshold: largest tolerated ratio of failed requests (0-1). */
    readonly maxErrorRatio: number;
    /** Pre-allocated virtual users. @default rate */
    readonly preAllocatedVUs?: number;
    /** Most virtual users k6 may start. @default 5 × preAllocatedVUs */
    readonly maxVUs?: number;
    /** Name of the app's HPA for the scaling check; undefined: no scaling check. @default undefined */
    readonly hpaName?: string;
    /** Replicas the HPA must add during the run. @default 1 */
    readonly minScaleUp?: number;
    /** How often the HPA is read, seconds. @default 10 */
    readonly hpaPollSeconds?: number;
    /** Name of the app's container port (NetworkPolicy allowing the load in); undefined: no policy. @default undefined */
    readonly appPortName?: string;
    /** Labels of the app's pods (NetworkPolicy pod selector). @default { app: "it-ops-system" } */
    readonly appPodLabels?: Readonly<Record<string, string>>;
    /** Prometheus remote-write endpoint (receiver must be enabled). @default undefined (no export) */
    readonly prometheusRemoteWriteUrl?: string;
    /** Suffix of the Job name; change it to run the test again. @default "1" */
    readonly runId?: string;
    /** k6 image, pinned. @default DEFAULT_K6_IMAGE */
    readonly image?: string;
    /** Namespace of Prometheus, the remote write's destination. @default "monitoring" */
    readonly prometheusNamespace?: string;
    /** TCP ports of the API server as pods reach it (the scaling check reads the HPA). @default [443] */
    readonly apiServerPorts?: readonly number[];
    /** Resources of the k6 container. @default DEFAULT_LOAD_TEST_RESOURCES */
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
        v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.matches("appNamespace", args.appNamespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        if (args.namespace === args.appNamespace) throw v.fail("namespace", `a namespace other than appNamespace (${args.appNamespace})`, args.namespace);
        if (typeof args.targetUrl === "string") v.matches("targetUrl", args.targetUrl, /^https?:\/\/[^\s/?#]+(\/\S*)?$/, "an http:// or https:// URL");
        v.integer("rate", args.rate, 1, 10000);
        v.matches("duration", args.duration, K6_DURATION, "a k6 duration such as 90s, 5m or 1h30m");
        const seconds = durationSeconds(args.duration);
        if (seconds < 10 || seconds > 7200) throw v.fail("duration", "between 10s and 2h", args.duration);
        v.integer("p95Ms", args.p95Ms, 1, 60000);
        if (!(typeof args.maxErrorRatio === "number" && args.maxErrorRatio >= 0 && args.maxErrorRatio <= 1)) throw v.fail("maxErrorRatio", "a number from 0 to 1", args.maxErrorRatio);
        const preAllocatedVUs = v.integer("preAllocatedVUs", args.preAllocatedVUs ?? args.rate, 1, 10000);
        const maxVUs = v.integer("maxVUs", args.maxVUs ?? preAllocatedVUs * 5, preAllocatedVUs, 50000);
        if (args.hpaName !== undefined) v.matches("hpaName", args.hpaName, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const minScaleUp = v.integer("minScaleUp", args.minScaleUp ?? 1, 1, 100);
        const hpaPollSeconds = v.integer("hpaPollSeconds", args.hpaPollSeconds ?? 10, 1, 300);
        if (args.appPortName !== undefined) v.matches("appPortName", args.appPortName, /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, "a container port name (IANA_SVC_NAME, at most 15 characters)");
        if (args.prometheusRemoteWriteUrl !== undefined) v.matches("prometheusRemoteWriteUrl", args.prometheusRemoteWriteUrl, /^https?:\/\/[^\s/]+\/\S*$/, "an http(s) URL with a path");
        const runId = v.matches("runId", args.runId ?? "1", /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, "1-40 lower-case letters, digits or '-'");
        const image = v.pinnedImage("image", args.image ?? DEFAULT_K6_IMAGE);
        const res = args.resources ?? DEFAULT_LOAD_TEST_RESOURCES;
        const appPodLabels = args.appPodLabels ?? { app: "it-ops-system" };
        const prometheusNamespace = v.matches("prometheusNamespace", args.prometheusNamespace ?? "monitoring", DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const apiServerPorts = args.apiServerPorts ?? [443];
        v.nonEmpty("apiServerPorts", apiServerPorts);
        for (const p of apiServerPorts) v.integer("apiServerPorts", p, 1, 65535);

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
