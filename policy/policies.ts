/**
 * The it-ops-infra policies, as plain objects so tests can call each `validateResource` /
 * `validateStack` directly. `index.ts` bundles them into the PolicyPack that
 * `pulumi preview --policy-pack policy` runs.
 *
 * Policies that depend on the stack (its registry, whether it is production, whether a public
 * LoadBalancer is allowed) read that from their policy config (`args.getConfig()`), which
 * `index.ts` fills from the stack's own configuration ({@link policyConfigFor}).
 */
import type {
    PolicyPackConfig,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

import { chartImagesFromStackRegistry, grafanaRbacNamespaced, namespaceDefaultDeny } from "./cluster-policies";

type Obj = Record<string, any>;

/** The minimal part of the policy arguments the policies read (tests build exactly this). */
export type ResourceArgs = Pick<ResourceValidationArgs, "type" | "props" | "urn" | "name"> & { getConfig<T extends object>(): T };
export type StackArgs = { resources: Pick<StackValidationArgs["resources"][number], "type" | "props" | "urn" | "name">[]; getConfig<T extends object>(): T };

/** A resource policy whose `validateResource` is one function (callable from tests). */
export interface ItOpsResourcePolicy extends ResourceValidationPolicy {
    validateResource: (args: ResourceArgs, reportViolation: ReportViolation) => void;
}
export interface ItOpsStackPolicy extends StackValidationPolicy {
    validateStack: (args: StackArgs, reportViolation: ReportViolation) => void;
}

// ---------------------------------------------------------------------------------------------
// Pod specs of the Kubernetes workload kinds
// ---------------------------------------------------------------------------------------------

/** Kinds whose pods run for a long time (probes make sense), by Pulumi type token. */
const LONG_RUNNING = /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|core\/v1:Pod)$/;
/** Every kind that carries a pod template, by Pulumi type token. */
const POD_BEARING = /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|core\/v1:Pod|batch\/v1:(Job|CronJob))$/;

/** The pod spec of a workload resource, or undefined for other types (and for patches). */
export function podSpecOf(type: string, props: Obj): Obj | undefined {
    if (!POD_BEARING.test(type)) return undefined;
    if (type === "kubernetes:core/v1:Pod") return props.spec;
    if (type === "kubernetes:batch/v1:CronJob") return props.spec?.jobTemplate?.spec?.template?.spec;
    return props.spec?.template?.spec;
}

interface ContainerRef {
    readonly container: Obj;
    /** `containers[0]`, `initContainers[1]`, ... */
    readonly where: string;
    readonly init: boolean;
}

/** Every container of a pod spec (init and ephemeral containers included). */
export function containersOf(pod: Obj): ContainerRef[] {
    const out: ContainerRef[] = [];
    for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
        const list = Array.isArray(pod[field]) ? pod[field] : [];
        list.forEach((c: Obj, i: number) => out.push({ container: c ?? {}, where: `${field}[${i}] (${c?.name ?? "?"})`, init: field !== "containers" }));
    }
    return out;
}

function label(args: { type: string; props: Obj; name: string }): string {
    const m = args.props?.metadata ?? {};
    const kind = args.type.split(":").pop();
    return m.name ? `${kind} ${m.namespace ? `${m.namespace}/` : ""}${m.name}` : `${kind} ${args.name}`;
}

/** Runs `check` on every pod-bearing resource. */
function forPods(check: (pod: Obj, args: ResourceArgs, report: (msg: string) => void) => void) {
    return (args: ResourceArgs, reportViolation: ReportViolation): void => {
        const pod = podSpecOf(args.type, args.props);
        if (!pod) return;
        check(pod, args, (msg) => reportViolation(`${label(args)}: ${msg}`));
    };
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

export interface ImagePolicyConfig {
    /** Login servers images may come from (the stack's registry), e.g. `itopsproductionacr.azurecr.io`. */
    readonly registries?: string[];
}

/** Splits an image reference into registry host, repository, tag and digest. */
export function parseImage(image: string): { registry?: string; repository: string; tag?: string; digest?: string } {
    let rest = image;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    const slash = rest.indexOf("/");
    let registry: string | undefined;
    if (slash >= 0) {
        const first = rest.slice(0, slash);
        if (first.includes(".") || first.includes(":") || first === "localhost") {
            registry = first;
            rest = rest.slice(slash + 1);
        }
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    return { registry, repository: rest, tag, digest };
}

export const imagesFromStackRegistry: ItOpsResourcePolicy = {
    name: "images-from-stack-registry",
    description: "Container images come only from the stack's Azure Container Registry and are pinned to a version tag or digest (never latest, never untagged).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { registries: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: forPods((pod, args, report) => {
        const registries = (args.getConfig<ImagePolicyConfig>().registries ?? []).map((r) => r.toLowerCase());
        for (const { container, where } of containersOf(pod)) {
            const image = container.image;
            if (typeof image !== "string" || image === "") {
                report(`${where} has no image`);
                continue;
            }
            const ref = parseImage(image);
            if (!ref.registry || !registries.includes(ref.registry.toLowerCase())) {
                report(
                    `${where} image ${image} is not from the stack's registry (${registries.length ? registries.join(", ") : "none configured: set the policy config `registries`"}); import it with \`az acr import\` and reference it there`,
                );
            }
            if (ref.tag === undefined && ref.digest === undefined) {
                report(`${where} image ${image} has no tag or digest; pin a version tag or a sha256 digest`);
            } else if (ref.tag !== undefined && ref.tag.toLowerCase() === "latest") {
                report(`${where} image ${image} uses the floating tag latest; pin a version tag or a sha256 digest`);
            }
        }
    }),
};

// ---------------------------------------------------------------------------------------------
// Containers: resources, probes, security context, host access
// ---------------------------------------------------------------------------------------------

export const containerResources: ItOpsResourcePolicy = {
    name: "container-resources",
    description: "Every container sets CPU and memory requests and limits.",
    enforcementLevel: "mandatory",
    validateResource: forPods((pod, _args, report) => {
        for (const { container, where } of containersOf(pod)) {
            const missing: string[] = [];
            for (const kind of ["requests", "limits"]) {
                for (const res of ["cpu", "memory"]) {
                    const v = container.resources?.[kind]?.[res];
                    if (v === undefined || v === null || v === "" || v === 0 || v === "0") missing.push(`${kind}.${res}`);
                }
            }
            if (missing.length) report(`${where} must set resources ${missing.join(", ")}`);
        }
    }),
};

export const containerProbes: ItOpsResourcePolicy = {
    name: "container-probes",
    description: "Every container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod) has a readiness and a liveness probe.",
    enforcementLevel: "mandatory",
    validateResource: forPods((pod, args, report) => {
        if (!LONG_RUNNING.test(args.type)) return; // Jobs run to completion; probes do not apply.
        for (const { container, where, init } of containersOf(pod)) {
            if (init) continue;
            const missing = ["readinessProbe", "livenessProbe"].filter((p) => !container[p]);
            if (missing.length) report(`${where} must have ${missing.join(" and ")}`);
        }
    }),
};

/** Capabilities the restricted Pod Security profile lets a container add back. */
const ALLOWED_ADDED_CAPABILITIES = ["NET_BIND_SERVICE"];

export const restrictedSecurityContext: ItOpsResourcePolicy = {
    name: "restricted-security-context",
    description:
        "Every container meets the restricted Pod Security profile and more: runAsNonRoot, a non-zero runAsUser and runAsGroup, readOnlyRootFilesystem, allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault (or Localhost).",
    enforcementLevel: "mandatory",
    validateResource: forPods((pod, _args, report) => {
        const psc = pod.securityContext ?? {};
        for (const { container, where } of containersOf(pod)) {
            const sc = container.securityContext ?? {};
            const eff = (f: string) => (sc[f] !== undefined ? sc[f] : psc[f]);
            const problems: string[] = [];
            if (eff("runAsNonRoot") !== true) problems.push("runAsNonRoot must be true");
            for (const f of ["runAsUser", "runAsGroup"]) {
                const v = eff(f);
                if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) problems.push(`${f} must be set to a non-zero id`);
            }
            if (sc.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem must be true (mount emptyDir volumes for writable paths)");
            if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation must be false");
            const drop: string[] = sc.capabilities?.drop ?? [];
            if (!drop.includes("ALL")) problems.push("capabilities.drop must include ALL");
            const add: string[] = sc.capabilities?.add ?? [];
            const badAdd = add.filter((c) => !ALLOWED_ADDED_CAPABILITIES.includes(c));
            if (badAdd.length) problems.push(`capabilities.add may only contain ${ALLOWED_ADDED_CAPABILITIES.join(", ")}, not ${badAdd.join(", ")}`);
            const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push("seccompProfile.type must be RuntimeDefault (container or pod level)");
            if (problems.length) report(`${where} security context: ${problems.join("; ")}`);
        }
    }),
};

export const noHostAccess: ItOpsResourcePolicy = {
    name: "no-host-access",
    description: "No hostNetwork, hostPID, hostIPC, hostPath volumes, host ports or privileged containers.",
    enforcementLevel: "mandatory",
    validateResource: forPods((pod, _args, report) => {
        for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f] === true) report(`${f} must not be true`);
        for (const v of Array.isArray(pod.volumes) ? pod.volumes : []) if (v?.hostPath) report(`volume ${v.name} must not be a hostPath volume`);
        for (const { container, where } of containersOf(pod)) {
            if (container.securityContext?.privileged === true) report(`${where} must not be privileged`);
            for (const p of Array.isArray(container.ports) ? container.ports : []) {
                if (p?.hostPort) report(`${where} must not use hostPort ${p.hostPort}`);
            }
        }
    }),
};

// ---------------------------------------------------------------------------------------------
// Production availability (stack policy: needs Deployments and PDBs together)
// ---------------------------------------------------------------------------------------------

export interface HaPolicyConfig {
    /** Whether the stack is production (the checks apply only then). */
    readonly production?: boolean;
    /** @default 2 */
    readonly minReplicas?: number;
}

const DEPLOYMENT = /^kubernetes:apps\/v1:(Deployment|StatefulSet)$/;
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** Whether a `matchLabels` selector selects pods with these labels. */
export function selects(selector: Obj | undefined, labels: Record<string, string>): boolean {
    const ml: Record<string, string> = selector?.matchLabels ?? {};
    const keys = Object.keys(ml);
    if (keys.length === 0 && !(selector?.matchExpressions?.length)) return false;
    if (!keys.every((k) => labels[k] === ml[k])) return false;
    for (const e of selector?.matchExpressions ?? []) {
        const v = labels[e.key];
        if (e.operator === "In" && !(v !== undefined && (e.values ?? []).includes(v))) return false;
        if (e.operator === "NotIn" && v !== undefined && (e.values ?? []).includes(v)) return false;
        if (e.operator === "Exists" && v === undefined) return false;
        if (e.operator === "DoesNotExist" && v !== undefined) return false;
    }
    return true;
}

export const productionHighAvailability: ItOpsStackPolicy = {
    name: "production-high-availability",
    description: "In production, every Deployment/StatefulSet has >= 2 replicas, a PodDisruptionBudget selecting its pods, and topology spread constraints.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { production: { type: "boolean", default: false }, minReplicas: { type: "integer", default: 2 } } },
    validateStack: (args, reportViolation) => {
        const cfg = args.getConfig<HaPolicyConfig>();
        if (!cfg.production) return;
        const min = cfg.minReplicas ?? 2;
        const pdbs = args.resources.filter((r) => r.type === PDB);
        for (const r of args.resources.filter((x) => DEPLOYMENT.test(x.type))) {
            const p = r.props ?? {};
            const what = label(r);
            const ns = p.metadata?.namespace;
            const replicas = p.spec?.replicas ?? 1;
            if (typeof replicas !== "number" || replicas < min) reportViolation(`${what}: production needs >= ${min} replicas, has ${replicas}`, r.urn);
            const podLabels: Record<string, string> = p.spec?.template?.metadata?.labels ?? {};
            const covered = pdbs.some((b) => b.props?.metadata?.namespace === ns && selects(b.props?.spec?.selector, podLabels));
            if (!covered) reportViolation(`${what}: production needs a PodDisruptionBudget selecting its pods`, r.urn);
            const spread = p.spec?.template?.spec?.topologySpreadConstraints ?? [];
            if (!Array.isArray(spread) || spread.length === 0) reportViolation(`${what}: production needs topologySpreadConstraints (zones and hosts)`, r.urn);
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

export interface LoadBalancerPolicyConfig {
    /** Whether a public (non-internal) LoadBalancer Service is allowed in this stack. */
    readonly allowPublicLoadBalancer?: boolean;
}

export const AZURE_INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";

export const noPublicLoadBalancer: ItOpsResourcePolicy = {
    name: "no-public-load-balancer",
    description: "No Service of type LoadBalancer with a public IP (internal Azure load balancers are fine) unless the stack allows it (app.allowPublicLoadBalancer).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowPublicLoadBalancer: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Service" || args.props?.spec?.type !== "LoadBalancer") return;
        if (args.getConfig<LoadBalancerPolicyConfig>().allowPublicLoadBalancer) return;
        const internal = String(args.props?.metadata?.annotations?.[AZURE_INTERNAL_LB_ANNOTATION] ?? "").toLowerCase() === "true";
        if (!internal) {
            reportViolation(
                `${label(args)}: a LoadBalancer Service gets a public IP; annotate it ${AZURE_INTERNAL_LB_ANNOTATION}: "true", route through the ingress/Gateway, or set it-ops-infra:app.allowPublicLoadBalancer`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Azure resources
// ---------------------------------------------------------------------------------------------

const AKS = /^azure-native:containerservice(\/v\w+)?:ManagedCluster$/;
const STORAGE = /^azure-native:storage(\/v\w+)?:StorageAccount$/;
const REGISTRY = /^azure-native:containerregistry(\/v\w+)?:Registry$/;

export const aksClusterHardened: ItOpsResourcePolicy = {
    name: "aks-cluster-hardened",
    description: "AKS clusters have local accounts disabled, Entra ID with Azure RBAC on, and workload identity (with the OIDC issuer) on.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!AKS.test(args.type)) return;
        const p = args.props ?? {};
        const problems: string[] = [];
        if (p.disableLocalAccounts !== true) problems.push("disableLocalAccounts must be true");
        if (p.aadProfile?.managed !== true || p.aadProfile?.enableAzureRBAC !== true) problems.push("aadProfile must be managed with enableAzureRBAC true");
        if (p.securityProfile?.workloadIdentity?.enabled !== true) problems.push("securityProfile.workloadIdentity.enabled must be true");
        if (p.oidcIssuerProfile?.enabled !== true) problems.push("oidcIssuerProfile.enabled must be true (workload identity needs it)");
        if (problems.length) reportViolation(`AKS cluster ${p.resourceName ?? args.name}: ${problems.join("; ")}`);
    },
};

export const storageAccountHardened: ItOpsResourcePolicy = {
    name: "storage-account-hardened",
    description: "Storage accounts deny public blob access and shared-key access, and require TLS 1.2 or newer over HTTPS only.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!STORAGE.test(args.type)) return;
        const p = args.props ?? {};
        const problems: string[] = [];
        if (p.allowBlobPublicAccess !== false) problems.push("allowBlobPublicAccess must be false");
        if (p.allowSharedKeyAccess !== false) problems.push("allowSharedKeyAccess must be false (use Entra ID)");
        if (p.minimumTlsVersion !== "TLS1_2" && p.minimumTlsVersion !== "TLS1_3") problems.push(`minimumTlsVersion must be TLS1_2 or newer, is ${p.minimumTlsVersion ?? "unset"}`);
        if (p.enableHttpsTrafficOnly === false) problems.push("enableHttpsTrafficOnly must not be false");
        if (problems.length) reportViolation(`storage account ${p.accountName ?? args.name}: ${problems.join("; ")}`);
    },
};

export const registryAdminDisabled: ItOpsResourcePolicy = {
    name: "registry-admin-disabled",
    description: "Container registries have the admin user off (pull with Entra ID / AcrPull).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!REGISTRY.test(args.type)) return;
        const p = args.props ?? {};
        if (p.adminUserEnabled !== false) reportViolation(`container registry ${p.registryName ?? args.name}: adminUserEnabled must be false`);
    },
};

// ---------------------------------------------------------------------------------------------
// Network exposure of Azure resources (issue 15)
// ---------------------------------------------------------------------------------------------

export interface PublicNetworkPolicyConfig {
    /** Whether the stack allows ACR/Storage public endpoints (`network.publicNetworkAccess`; never in production). */
    readonly allowPublicNetworkAccess?: boolean;
}

export const registryPrivateNetwork: ItOpsResourcePolicy = {
    name: "registry-private-network",
    description: "Container registries answer only on their private endpoint: publicNetworkAccess Disabled and image export disabled (unless the stack allows public access; never in production).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowPublicNetworkAccess: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
        if (!REGISTRY.test(args.type)) return;
        if (args.getConfig<PublicNetworkPolicyConfig>().allowPublicNetworkAccess) return;
        const p = args.props ?? {};
        const problems: string[] = [];
        if (p.publicNetworkAccess !== "Disabled") problems.push(`publicNetworkAccess must be Disabled, is ${p.publicNetworkAccess ?? "unset (Enabled)"}`);
        if (p.policies?.exportPolicy?.status !== "disabled") problems.push("policies.exportPolicy.status must be disabled (no copying images out)");
        if (problems.length) reportViolation(`container registry ${p.registryName ?? args.name}: ${problems.join("; ")} (set it-ops-infra:network.publicNetworkAccess false)`);
    },
};

export const storagePrivateNetwork: ItOpsResourcePolicy = {
    name: "storage-private-network",
    description: "Storage accounts deny network access by default, and answer only on their private endpoint (publicNetworkAccess Disabled) unless the stack allows public access (never in production).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowPublicNetworkAccess: { type: "boolean", default: false } } },
    validateResource: (args, reportViolation) => {
        if (!STORAGE.test(args.type)) return;
        const p = args.props ?? {};
        const problems: string[] = [];
        if (p.networkRuleSet?.defaultAction !== "Deny") problems.push(`networkRuleSet.defaultAction must be Deny, is ${p.networkRuleSet?.defaultAction ?? "unset (Allow)"}`);
        if (!args.getConfig<PublicNetworkPolicyConfig>().allowPublicNetworkAccess && p.publicNetworkAccess !== "Disabled") {
            problems.push(`publicNetworkAccess must be Disabled, is ${p.publicNetworkAccess ?? "unset (Enabled)"}`);
        }
        if (problems.length) reportViolation(`storage account ${p.accountName ?? args.name}: ${problems.join("; ")}`);
    },
};

const MONGO_CLUSTER = /^azure-native:mongocluster(\/v\w+)?:MongoCluster$/;
const MONGO_FIREWALL_RULE = /^azure-native:mongocluster(\/v\w+)?:FirewallRule$/;

export const mongoClusterPrivateNetwork: ItOpsResourcePolicy = {
    name: "mongo-cluster-private-network",
    description: "MongoDB (vCore) clusters, replicas included, answer only on their private endpoint: properties.publicNetworkAccess Disabled and no firewall rules (in every stack).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (MONGO_FIREWALL_RULE.test(args.type)) {
            const p = args.props ?? {};
            reportViolation(`MongoDB cluster firewall rule ${p.firewallRuleName ?? args.name}: firewall rules open the public endpoint; reach the cluster through its private endpoint`);
            return;
        }
        if (!MONGO_CLUSTER.test(args.type)) return;
        const p = args.props ?? {};
        const access = p.properties?.publicNetworkAccess;
        if (access !== "Disabled") {
            reportViolation(`MongoDB cluster ${p.mongoClusterName ?? args.name}: properties.publicNetworkAccess must be Disabled, is ${access ?? "unset (Enabled)"}`);
        }
    },
};

export interface MongoHaPolicyConfig {
    /** Whether the stack is production (then every primary cluster needs high availability). */
    readonly production?: boolean;
}

export const mongoClusterHighAvailability: ItOpsResourcePolicy = {
    name: "mongo-cluster-high-availability",
    description: "In production, MongoDB (vCore) clusters (geo replicas excepted: the service gives them no HA) run with high availability (a standby per shard).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { production: { type: "boolean", default: true } } },
    validateResource: (args, reportViolation) => {
        if (!MONGO_CLUSTER.test(args.type)) return;
        if (args.getConfig<MongoHaPolicyConfig>().production === false) return;
        const p = args.props ?? {};
        const mode = p.properties?.createMode;
        if (mode === "GeoReplica" || mode === "Replica") return;
        const ha = p.properties?.highAvailability?.targetMode;
        if (ha !== "ZoneRedundantPreferred" && ha !== "SameZone") {
            reportViolation(`MongoDB cluster ${p.mongoClusterName ?? args.name}: properties.highAvailability.targetMode must be ZoneRedundantPreferred (or SameZone) in production, is ${ha ?? "unset (Disabled)"}`);
        }
    },
};

/** Whether a list of authorized ranges opens the API server to everyone. */
function opensToInternet(ranges: unknown[]): boolean {
    return ranges.some((r) => typeof r === "string" && /\/0$/.test(r));
}

export const aksApiServerRestricted: ItOpsResourcePolicy = {
    name: "aks-api-server-restricted",
    description: "The AKS API server is private, or public only for authorized IP ranges (never 0.0.0.0/0), and run command is disabled.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!AKS.test(args.type)) return;
        const p = args.props ?? {};
        const a = p.apiServerAccessProfile ?? {};
        const problems: string[] = [];
        const ranges: unknown[] = Array.isArray(a.authorizedIPRanges) ? a.authorizedIPRanges : [];
        if (a.enablePrivateCluster !== true) {
            if (ranges.length === 0) problems.push("the API server is public without authorizedIPRanges (make it private or list the allowed ranges)");
            else if (opensToInternet(ranges)) problems.push("authorizedIPRanges must not contain a /0 block");
        }
        if (a.disableRunCommand !== true) problems.push("apiServerAccessProfile.disableRunCommand must be true");
        if (problems.length) reportViolation(`AKS cluster ${p.resourceName ?? args.name}: ${problems.join("; ")}`);
    },
};

// ---------------------------------------------------------------------------------------------
// The pack's contents and its per-stack config
// ---------------------------------------------------------------------------------------------

export const RESOURCE_POLICIES: readonly ItOpsResourcePolicy[] = [
    imagesFromStackRegistry,
    chartImagesFromStackRegistry,
    grafanaRbacNamespaced,
    containerResources,
    containerProbes,
    restrictedSecurityContext,
    noHostAccess,
    noPublicLoadBalancer,
    aksClusterHardened,
    storageAccountHardened,
    registryAdminDisabled,
    registryPrivateNetwork,
    storagePrivateNetwork,
    aksApiServerRestricted,
    mongoClusterPrivateNetwork,
    mongoClusterHighAvailability,
];
export const STACK_POLICIES: readonly ItOpsStackPolicy[] = [productionHighAvailability, namespaceDefaultDeny];

/** What the per-stack policy config is derived from (the stack's own settings). */
export interface StackFacts {
    readonly stack: string;
    /** `it-ops-infra:registry.name`. */
    readonly registryName?: string;
    /** `it-ops-infra:registry.loginServer` (cluster mode `existing`: a registry outside Azure). */
    readonly registryLoginServer?: string;
    /** `it-ops-infra:app.allowPublicLoadBalancer`. */
    readonly allowPublicLoadBalancer?: boolean;
    /** `it-ops-infra:network.publicNetworkAccess` (ignored in production, where it is never allowed). */
    readonly publicNetworkAccess?: boolean;
}

/** The login servers of the stack's registry: the ACR of `registry.name`, or `registry.loginServer`. */
function stackRegistries(facts: StackFacts): string[] {
    if (facts.registryLoginServer) return [facts.registryLoginServer.toLowerCase()];
    return facts.registryName ? [`${facts.registryName.toLowerCase()}.azurecr.io`] : [];
}

/** The policy config of a stack: its registry's login server, production or not, LB allowance. */
export function policyConfigFor(facts: StackFacts): PolicyPackConfig {
    const isProduction = facts.stack === "production" || facts.stack === "";
    return {
        [imagesFromStackRegistry.name]: { registries: stackRegistries(facts) },
        [chartImagesFromStackRegistry.name]: { registries: stackRegistries(facts) },
        // An unknown stack name (an engine that does not pass it) gets the production checks: fail closed.
        [productionHighAvailability.name]: { production: facts.stack === "production" || facts.stack === "", minReplicas: 2 },
        [noPublicLoadBalancer.name]: { allowPublicLoadBalancer: facts.allowPublicLoadBalancer ?? false },
        [mongoClusterHighAvailability.name]: { production: isProduction },
        // Production (or an unknown stack: fail closed) never allows public ACR/Storage endpoints.
        ...Object.fromEntries(
            [registryPrivateNetwork, storagePrivateNetwork].map((p) => [p.name, { allowPublicNetworkAccess: !isProduction && (facts.publicNetworkAccess ?? false) }]),
        ),
    };
}

/** The config one policy sees under {@link policyConfigFor} (what `args.getConfig()` returns). */
export function configOf(config: PolicyPackConfig, policyName: string): object {
    const c = config[policyName];
    return c && typeof c === "object" ? (c as object) : {};
}
