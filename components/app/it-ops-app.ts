import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { AppNamespace, TrafficRules, validateTraffic } from "./app-namespace";
import {
    APP_LABEL,
    appContainer,
    ContainerPorts,
    ContainerRole,
    hpaSpec,
    imageReference,
    imageRefProblems,
    pdbSpec,
    PORT_NAMES,
    resourceProblems,
    restrictedPodSecurityContext,
    rollingUpdate,
    SpreadMode,
    topologySpread,
    USER_POOL_SELECTOR,
    writableVolumes,
} from "./app-spec";
import { ArgsValidator, ArgumentError } from "../shared/validation";
import type { AppConfig } from "../../infra/config/app";

/** The key of the database URI inside the app's Kubernetes Secret. */
export const DATABASE_URI_KEY = "database-uri";
/** The label that distinguishes frontend and backend pods when the workload is split. */
export const COMPONENT_LABEL = "app.kubernetes.io/component";

/**
 * The workload's settings as the `app` section of the stack configuration gives them: the schema
 * (infra/config/) owns their defaults, ranges and cross-field rules, so they are not repeated here.
 */
export type ItOpsAppSettings = Pick<
    AppConfig,
    "namespace" | "name" | "frontend" | "backend" | "replicas" | "maxReplicas" | "cpuTargetPercent" | "ports" | "split" | "zoneSpread" | "runAsUser" | "ingressNamespaces"
>;

export interface ItOpsAppArgs extends ItOpsAppSettings {
    /** Login server of the stack's registry (`<name>.azurecr.io`); images are pulled from it. */
    readonly registryLoginServer: pulumi.Input<string>;
    /** Namespace allowed to scrape the `metrics` port: where Prometheus runs (`monitoring.prometheus.namespace`). */
    readonly scrapeNamespace: string;
    /** The database endpoint (egress is allowed only there) and its URI (a Pulumi secret; reaches pods only via a Kubernetes Secret). */
    readonly database: { readonly cidrs: readonly string[]; readonly port: number; readonly uri: pulumi.Input<string> };
    /** @default {} */
    readonly labels?: Record<string, string>;
}

/** The args with every default resolved, validated. */
export interface ResolvedItOpsApp {
    readonly namespace: string;
    readonly appName: string;
    readonly replicas: number;
    readonly maxReplicas: number;
    readonly cpuTarget: number;
    readonly ports: ContainerPorts;
    readonly uid: number;
    readonly zoneSpread: SpreadMode;
    readonly split: boolean;
    readonly common: Record<string, string>;
    readonly frontendSelector: Record<string, string>;
    readonly backendSelector: Record<string, string>;
    readonly traffic: TrafficRules;
}

/**
 * Validates the invariants of {@link ItOpsAppArgs} that hold for any caller (DNS names, image
 * references, resources: components/shared/validation.ts) and derives names and selectors, before
 * any resource exists. Ranges and defaults are the config schema's. Throws an {@link ArgumentError}
 * naming the field, the bad value and what is allowed.
 */
export function resolveItOpsAppArgs(name: string, args: ItOpsAppArgs): ResolvedItOpsApp {
    const v = new ArgsValidator(`ItOpsApp ${name}`);
    const namespace = v.dnsLabel("namespace", args.namespace);
    const appName = v.dnsLabel("name", args.name);
    for (const role of ["frontend", "backend"] as const) {
        const spec = args[role];
        const problem = imageRefProblems(spec.image)[0];
        if (problem) throw new ArgumentError(`ItOpsApp ${name}`, `${role}.image.${problem.field}`, `${problem.message}, got ${JSON.stringify(problem.value) ?? "nothing"}`);
        const r = resourceProblems(spec.resources)[0];
        if (r) throw new ArgumentError(`ItOpsApp ${name}`, `${role}.resources.${r.field}`, `${r.message}, got ${JSON.stringify(r.value)}`);
    }
    const split = args.split;
    const common: Record<string, string> = { "app.kubernetes.io/name": appName, "app.kubernetes.io/part-of": "it-ops", "app.kubernetes.io/managed-by": "pulumi", ...(args.labels ?? {}) };
    const frontendSelector: Record<string, string> = split ? { [APP_LABEL]: appName, [COMPONENT_LABEL]: "frontend" } : { [APP_LABEL]: appName };
    const backendSelector: Record<string, string> = split ? { [APP_LABEL]: appName, [COMPONENT_LABEL]: "backend" } : { [APP_LABEL]: appName };

    const traffic: TrafficRules = {
        appName,
        frontendSelector,
        backendSelector,
        splitApiPort: split ? args.ports.api : undefined,
        ingressNamespaces: args.ingressNamespaces,
        scrapeNamespace: args.scrapeNamespace,
        databaseCidrs: args.database.cidrs,
        databasePort: args.database.port,
    };
    validateTraffic(v, traffic, "");

    return {
        namespace,
        appName,
        replicas: args.replicas,
        maxReplicas: args.maxReplicas,
        cpuTarget: args.cpuTargetPercent,
        ports: args.ports,
        uid: args.runAsUser,
        zoneSpread: args.zoneSpread,
        split,
        common,
        frontendSelector,
        backendSelector,
        traffic,
    };
}

/**
 * The IT-Ops system workload: namespace (restricted Pod Security, default-deny network), a
 * ServiceAccount without token, the database Secret, one Deployment with the frontend and backend
 * containers (or two when `split`), Services with ports `http` and `metrics`, a PDB and an HPA
 * per Deployment.
 */
export class ItOpsApp extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** The Service labelled `app: <appName>` with ports `http` and `metrics`. */
    public readonly service: k8s.core.v1.Service;
    /** The Deployment named `<appName>` (the frontend one when split). */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** Every Deployment (1, or 2 when split). */
    public readonly deployments: k8s.apps.v1.Deployment[];
    /** `{ app: <appName> }`: the labels the Service selects and a ServiceMonitor can select. */
    public readonly labels: Record<string, string>;
    public readonly httpPort: number;
    public readonly metricsPort: number;
    /**
     * What monitoring scrapes and alerts on, as plain names derived here once: the namespace, the
     * Service and Deployment, the metrics port's name, and the series' `job` (the Service's
     * {@link APP_LABEL} label, the ServiceMonitor's jobLabel).
     */
    public readonly scrapeTarget: { readonly namespace: string; readonly service: string; readonly deployment: string; readonly metricsPort: string; readonly jobLabel: string; readonly job: string };
    /** The image references the pods run. */
    public readonly images: { readonly frontend: pulumi.Output<string>; readonly backend: pulumi.Output<string> };

    constructor(name: string, args: ItOpsAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:app:ItOpsApp", name, {}, opts);
        const { namespace, appName, replicas, maxReplicas, cpuTarget, ports, uid, zoneSpread, split, common, frontendSelector, backendSelector, traffic } = resolveItOpsAppArgs(
            name,
            args,
        );
        this.labels = { [APP_LABEL]: appName };
        this.scrapeTarget = { namespace, service: appName, deployment: appName, metricsPort: PORT_NAMES.metrics, jobLabel: APP_LABEL, job: appName };
        this.httpPort = ports.http;
        this.metricsPort = ports.metrics;

        const ns = new AppNamespace(`${name}-ns`, { namespace, labels: common, traffic }, { parent: this });
        this.namespace = ns.namespace;

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: { name: appName, namespace: this.namespace, labels: { ...common, ...this.labels } }, automountServiceAccountToken: false },
            { parent: this },
        );
        const secretName = `${appName}-database`;
        const secret = new k8s.core.v1.Secret(
            `${name}-database`,
            {
                metadata: { name: secretName, namespace: this.namespace, labels: { ...common, ...this.labels } },
                type: "Opaque",
                stringData: { [DATABASE_URI_KEY]: pulumi.secret(args.database.uri) },
            },
            { parent: this },
        );

        const image = (role: ContainerRole) => pulumi.output(args.registryLoginServer).apply((ls) => imageReference(ls, args[role].image));
        this.images = { frontend: image("frontend"), backend: image("backend") };
        const backendEnv: k8s.types.input.core.v1.EnvVar[] = [
            { name: "PORT", value: String(ports.api) },
            { name: "METRICS_PORT", value: String(ports.metrics) },
            { name: "DATABASE_URI", valueFrom: { secretKeyRef: { name: secretName, key: DATABASE_URI_KEY } } },
        ];
        const frontendEnv: k8s.types.input.core.v1.EnvVar[] = [
            { name: "PORT", value: String(ports.http) },
            { name: "BACKEND_URL", value: split ? `http://${appName}-backend.${namespace}.svc.cluster.local:${ports.api}` : `http://127.0.0.1:${ports.api}` },
        ];
        const containers = {
            frontend: appContainer("frontend", args.frontend, this.images.frontend, ports, uid, frontendEnv),
            backend: appContainer("backend", args.backend, this.images.backend, ports, uid, backendEnv),
        };

        const deployment = (resourceName: string, deploymentName: string, roles: ContainerRole[], selector: Record<string, string>) => {
            const podLabels = { ...common, ...selector, [COMPONENT_LABEL]: split ? roles[0] : "app" };
            return new k8s.apps.v1.Deployment(
                resourceName,
                {
                    metadata: { name: deploymentName, namespace: this.namespace, labels: podLabels },
                    spec: {
                        replicas,
                        revisionHistoryLimit: 5,
                        selector: { matchLabels: { ...selector } },
                        strategy: rollingUpdate(),
                        minReadySeconds: 5,
                        template: {
                            metadata: { labels: podLabels },
                            spec: {
                                serviceAccountName: serviceAccount.metadata.name,
                                automountServiceAccountToken: false,
                                enableServiceLinks: false,
                                securityContext: restrictedPodSecurityContext(uid),
                                nodeSelector: { ...USER_POOL_SELECTOR },
                                topologySpreadConstraints: topologySpread(selector, zoneSpread),
                                terminationGracePeriodSeconds: 30,
                                containers: roles.map((r) => containers[r]),
                                volumes: writableVolumes(roles.map((role) => ({ role, spec: args[role] }))),
                            },
                        },
                    },
                },
                // Pods start only once their Secret exists and the namespace's NetworkPolicies are in
                // place (never a moment without default-deny); the replica count belongs to the HPA.
                { parent: this, dependsOn: [secret, ns], ignoreChanges: ["spec.replicas"] },
            );
        };
        const parts: { resourceName: string; deploymentName: string; roles: ContainerRole[]; selector: Record<string, string> }[] = split
            ? [
                  { resourceName: name, deploymentName: appName, roles: ["frontend"], selector: frontendSelector },
                  { resourceName: `${name}-backend`, deploymentName: `${appName}-backend`, roles: ["backend"], selector: backendSelector },
              ]
            : [{ resourceName: name, deploymentName: appName, roles: ["frontend", "backend"], selector: frontendSelector }];

        this.deployments = parts.map((p) => deployment(p.resourceName, p.deploymentName, p.roles, p.selector));
        this.deployment = this.deployments[0];
        parts.forEach((p, i) => {
            const labels = { ...common, ...p.selector };
            new k8s.policy.v1.PodDisruptionBudget(
                `${p.resourceName}-pdb`,
                { metadata: { name: p.deploymentName, namespace: this.namespace, labels }, spec: pdbSpec(p.selector) },
                { parent: this },
            );
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${p.resourceName}-hpa`,
                {
                    metadata: { name: p.deploymentName, namespace: this.namespace, labels },
                    spec: hpaSpec(p.deploymentName, { minReplicas: replicas, maxReplicas, cpuTargetPercent: cpuTarget }),
                },
                { parent: this, dependsOn: [this.deployments[i]] },
            );
        });

        // One Service labelled `app: <appName>` with both named ports: `http` resolves to the pods
        // with an `http` port (frontend), `metrics` to those with a `metrics` port (backend).
        this.service = new k8s.core.v1.Service(
            `${name}-svc`,
            {
                metadata: { name: appName, namespace: this.namespace, labels: { ...common, ...this.labels } },
                spec: {
                    type: "ClusterIP",
                    selector: { ...this.labels },
                    ports: [
                        { name: PORT_NAMES.http, port: ports.http, targetPort: PORT_NAMES.http, protocol: "TCP" },
                        { name: PORT_NAMES.metrics, port: ports.metrics, targetPort: PORT_NAMES.metrics, protocol: "TCP" },
                    ],
                },
            },
            { parent: this },
        );
        if (split) {
            new k8s.core.v1.Service(
                `${name}-backend-svc`,
                {
                    metadata: { name: `${appName}-backend`, namespace: this.namespace, labels: { ...common, [APP_LABEL]: `${appName}-backend` } },
                    spec: { type: "ClusterIP", selector: { ...backendSelector }, ports: [{ name: PORT_NAMES.api, port: ports.api, targetPort: PORT_NAMES.api, protocol: "TCP" }] },
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            namespace: this.namespace,
            service: this.service,
            deployment: this.deployment,
            deployments: this.deployments,
            labels: this.labels,
            httpPort: this.httpPort,
            metricsPort: this.metricsPort,
            images: this.images,
        });
    }
}
