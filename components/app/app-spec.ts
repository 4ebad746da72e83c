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

// The image, DNS and resource rules are components/shared/validation.ts' (one copy for config and components).
export { DIGEST, DIGEST_TEXT, FLOATING_TAGS, REPOSITORY, REPOSITORY_TEXT, TAG, TAG_TEXT, imageRefProblems } from "../shared/validation";
export type { ImageRef } from "../shared/validation";

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

import type { ComputeResources, ImageRef } from "../shared/validation";

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

export { ABSOLUTE_PATH, CPU_QUANTITY, HTTP_PATH, MEMORY_QUANTITY, cpuMillis, memoryBytes, resourceProblems } from "../shared/validation";
export type { ComputeResources } from "../shared/validation";

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

/** Names of the workload's ports: container, Service, NetworkPolicy and ServiceMonitor ports refer to them by these names. */
export const PORT_NAMES = { http: "http", api: "api", metrics: "metrics" } as const;
/** The label naming the workload (`app: <name>`): the Services select it, and it is the ServiceMonitor's jobLabel (so the series' `job` is the name). */
export const APP_LABEL = "app";

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
            ? [{ name: PORT_NAMES.http, containerPort: ports.http, protocol: "TCP" }]
            : [
                  { name: PORT_NAMES.api, containerPort: ports.api, protocol: "TCP" },
                  { name: PORT_NAMES.metrics, containerPort: ports.metrics, protocol: "TCP" },
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
        ...probes(spec.probes, role === "frontend" ? PORT_NAMES.http : PORT_NAMES.api),
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
