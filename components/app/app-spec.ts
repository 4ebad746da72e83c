/**
 * Pure building blocks of the IT-Ops workload: image references, the restricted security
 * context, containers, probes, topology spread, the PodDisruptionBudget and the
 * HorizontalPodAutoscaler specs. No resources here; {@link ItOpsApp} assembles them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

type Input<T> = pulumi.Input<T>;

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/** A repository in the stack's registry plus a pinned tag and/or digest (never `latest`). */
export interface ImageRef {
    /** Repository path inside the registry, e.g. `it-ops/frontend`. */
    readonly repository: string;
    /** A version tag such as `1.4.2`; `latest` is refused. */
    readonly tag?: string;
    /** `sha256:<64 hex>`; wins over the tag for what the node pulls. */
    readonly digest?: string;
}

/** Docker distribution repository path grammar (lower-case components separated by '/'). */
export const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
export const REPOSITORY_TEXT = "a repository path such as it-ops/frontend (lower-case letters, digits, '.', '_', '-', components separated by '/'), without registry host, tag or digest";
/** Docker tag grammar. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const TAG_TEXT = "a pinned version tag such as 1.4.2 (letters, digits, '_', '.', '-', at most 128 characters; never latest)";
export const DIGEST = /^sha256:[a-f0-9]{64}$/;
export const DIGEST_TEXT = "an image digest sha256:<64 lower-case hex digits>";
/** Tags that float and so never pin what runs. */
export const FLOATING_TAGS = ["latest"] as const;

/** Whether the first component of a repository path is a registry host (`evil.io/x`, `localhost/x`). */
function looksLikeHost(repository: string): boolean {
    const parts = repository.split("/");
    return parts.length > 1 && (parts[0].includes(".") || parts[0] === "localhost");
}

/** What is wrong with an image reference, per field; empty when it is fine. */
export function imageRefProblems(ref: ImageRef): { field: "repository" | "tag" | "digest"; message: string; value: unknown }[] {
    const out: { field: "repository" | "tag" | "digest"; message: string; value: unknown }[] = [];
    if (typeof ref.repository !== "string" || !REPOSITORY.test(ref.repository) || ref.repository.length > 255 || looksLikeHost(ref.repository)) {
        out.push({ field: "repository", message: `must be ${REPOSITORY_TEXT}`, value: ref.repository });
    }
    if (ref.tag === undefined && ref.digest === undefined) {
        out.push({ field: "tag", message: "is required (or digest): untagged images float like latest; pin a version tag or a sha256 digest", value: undefined });
    }
    if (ref.tag !== undefined) {
        if (typeof ref.tag !== "string" || ref.tag === "") {
            out.push({ field: "tag", message: `must be ${TAG_TEXT}`, value: ref.tag });
        } else if ((FLOATING_TAGS as readonly string[]).includes(ref.tag.toLowerCase())) {
            out.push({ field: "tag", message: "must not be latest: it floats, so what runs is not what was reviewed; pin a version tag or a sha256 digest", value: ref.tag });
        } else if (!TAG.test(ref.tag)) {
            out.push({ field: "tag", message: `must be ${TAG_TEXT}`, value: ref.tag });
        }
    }
    if (ref.digest !== undefined && (typeof ref.digest !== "string" || !DIGEST.test(ref.digest))) {
        out.push({ field: "digest", message: `must be ${DIGEST_TEXT}`, value: ref.digest });
    }
    return out;
}

/** `<loginServer>/<repository>:<tag>`, `<loginServer>/<repository>@<digest>` or both. */
export function imageReference(loginServer: string, ref: ImageRef): string {
    return `${loginServer}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------------------------

/** HTTP paths of the three probes of a container. */
export interface ProbePaths {
    readonly readiness: string;
    readonly liveness: string;
    readonly startup: string;
}

export interface ComputeResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** One application container of the workload. */
export interface AppContainerSpec {
    readonly image: ImageRef;
    readonly probes: ProbePaths;
    readonly resources: ComputeResources;
    /** Paths the process writes to; each gets an emptyDir (the root filesystem is read-only). */
    readonly writablePaths: readonly string[];
}

export const CONTAINER_ROLES = ["frontend", "backend"] as const;
export type ContainerRole = (typeof CONTAINER_ROLES)[number];

export const CPU_QUANTITY = /^(\d+m|\d+(\.\d{1,3})?)$/;
export const MEMORY_QUANTITY = /^\d+(Ki|Mi|Gi)$/;
export const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
export const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;

/** CPU quantity in millicores. */
export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

/** Memory quantity in bytes. */
export function memoryBytes(q: string): number {
    const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
    if (!m) return NaN;
    return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as "Ki" | "Mi" | "Gi"];
}

/** What is wrong with requests/limits (a request above its limit, bad quantities). */
export function resourceProblems(r: ComputeResources): { field: string; message: string; value: unknown }[] {
    const out: { field: string; message: string; value: unknown }[] = [];
    for (const kind of ["requests", "limits"] as const) {
        if (!CPU_QUANTITY.test(r[kind].cpu) || cpuMillis(r[kind].cpu) <= 0) out.push({ field: `${kind}.cpu`, message: "must be a positive CPU quantity such as 250m or 1", value: r[kind].cpu });
        if (!MEMORY_QUANTITY.test(r[kind].memory) || memoryBytes(r[kind].memory) <= 0) out.push({ field: `${kind}.memory`, message: "must be a positive memory quantity such as 256Mi or 1Gi", value: r[kind].memory });
    }
    if (out.length) return out;
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu)) out.push({ field: "requests.cpu", message: `must be <= limits.cpu (${r.limits.cpu})`, value: r.requests.cpu });
    if (memoryBytes(r.requests.memory) > memoryBytes(r.limits.memory)) out.push({ field: "requests.memory", message: `must be <= limits.memory (${r.limits.memory})`, value: r.requests.memory });
    return out;
}

/** The container-level part of the restricted Pod Security Standard, and then some. */
export function restrictedContainerSecurityContext(uid: number): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** The pod-level security context (restricted profile). */
export function restrictedPodSecurityContext(uid: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Name of the emptyDir volume for one writable path of a container. */
export function writableVolumeName(role: ContainerRole, index: number): string {
    return `${role}-writable-${index}`;
}

/** The readiness, liveness and startup probes of a container on a named port. */
export function probes(paths: ProbePaths, port: string): Pick<k8s.types.input.core.v1.Container, "readinessProbe" | "livenessProbe" | "startupProbe"> {
    return {
        readinessProbe: { httpGet: { path: paths.readiness, port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
        livenessProbe: { httpGet: { path: paths.liveness, port }, periodSeconds: 20, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
        // Up to 5 minutes to start before liveness takes over.
        startupProbe: { httpGet: { path: paths.startup, port }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 60, successThreshold: 1 },
    };
}

export interface ContainerPorts {
    /** Frontend HTTP port (named `http`). */
    readonly http: number;
    /** Backend API port (named `api`). */
    readonly api: number;
    /** Backend Prometheus metrics port (named `metrics`). */
    readonly metrics: number;
}

/** One application container (frontend or backend). */
export function appContainer(
    role: ContainerRole,
    spec: AppContainerSpec,
    image: Input<string>,
    ports: ContainerPorts,
    uid: number,
    env: k8s.types.input.core.v1.EnvVar[],
): k8s.types.input.core.v1.Container {
    const containerPorts: k8s.types.input.core.v1.ContainerPort[] =
        role === "frontend"
            ? [{ name: "http", containerPort: ports.http, protocol: "TCP" }]
            : [
                  { name: "api", containerPort: ports.api, protocol: "TCP" },
                  { name: "metrics", containerPort: ports.metrics, protocol: "TCP" },
              ];
    return {
        name: role,
        image,
        imagePullPolicy: "IfNotPresent",
        ports: containerPorts,
        env,
        resources: {
            requests: { cpu: spec.resources.requests.cpu, memory: spec.resources.requests.memory },
            limits: { cpu: spec.resources.limits.cpu, memory: spec.resources.limits.memory },
        },
        ...probes(spec.probes, role === "frontend" ? "http" : "api"),
        securityContext: restrictedContainerSecurityContext(uid),
        volumeMounts: spec.writablePaths.map((p, i) => ({ name: writableVolumeName(role, i), mountPath: p })),
        terminationMessagePolicy: "FallbackToLogsOnError",
    };
}

/** The emptyDir volumes backing the writable paths of the containers. */
export function writableVolumes(containers: { role: ContainerRole; spec: AppContainerSpec }[]): k8s.types.input.core.v1.Volume[] {
    return containers.flatMap(({ role, spec }) =>
        spec.writablePaths.map((_, i) => ({ name: writableVolumeName(role, i), emptyDir: { sizeLimit: "256Mi" } })),
    );
}

// ---------------------------------------------------------------------------------------------
// Scheduling, availability, scaling
// ---------------------------------------------------------------------------------------------

export const SPREAD_MODES = ["DoNotSchedule", "ScheduleAnyway"] as const;
export type SpreadMode = (typeof SPREAD_MODES)[number];

/** Node label AKS puts on every node of a User-mode pool. */
export const USER_POOL_SELECTOR = { "kubernetes.azure.com/mode": "user" } as const;

/** Spread across zones (maxSkew 1, `zoneMode`) and across hosts (maxSkew 1, best effort). */
export function topologySpread(selector: Record<string, string>, zoneMode: SpreadMode): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    const common = {
        maxSkew: 1,
        labelSelector: { matchLabels: { ...selector } },
        // Only the pods of the same rollout count, so a rolling update does not skew the spread.
        matchLabelKeys: ["pod-template-hash"],
        // Tainted nodes (the CriticalAddonsOnly system pool) are not domains this pod can use.
        nodeTaintsPolicy: "Honor",
    };
    return [
        { ...common, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: zoneMode },
        { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
    ];
}

/**
 * Rolling update that never takes a ready pod away before its replacement is ready
 * (maxUnavailable 0), so a rollout never goes below what the PDB protects.
 */
export function rollingUpdate(): k8s.types.input.apps.v1.DeploymentStrategy {
    return { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
}

/** PDB spec: one pod at a time may go (node drains still work), stuck unhealthy pods never block. */
export function pdbSpec(selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: { ...selector } } };
}

export interface ScalingSpec {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuTargetPercent: number;
}

/** HPA spec on CPU utilisation with explicit scale-up/scale-down behaviour. */
export function hpaSpec(deploymentName: string, s: ScalingSpec): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
    return {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
        minReplicas: s.minReplicas,
        maxReplicas: s.maxReplicas,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.cpuTargetPercent } } }],
        behavior: {
            // React fast to load: up to double, or +2 pods, per minute, whichever is more.
            scaleUp: {
                stabilizationWindowSeconds: 0,
                selectPolicy: "Max",
                policies: [
                    { type: "Percent", value: 100, periodSeconds: 60 },
                    { type: "Pods", value: 2, periodSeconds: 60 },
                ],
            },
            // Shrink slowly: 5 minutes of lower load, then one pod per 2 minutes.
            scaleDown: {
                stabilizationWindowSeconds: 300,
                selectPolicy: "Min",
                policies: [{ type: "Pods", value: 1, periodSeconds: 120 }],
            },
        },
    };
}
