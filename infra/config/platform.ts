/**
 * The Azure platform part of the stack configuration: region, resource group, registry and the
 * AKS cluster. Declared by the schemas below (one per root key); read only through `infra/config.ts`.
 */
import {
    AKS_CLUSTER_NAME,
    AVAILABILITY_ZONE,
    KUBERNETES_VERSION,
    MaintenanceWindowSpec,
    NODE_POOL_NAME,
    NODE_OS_UPGRADE_CHANNELS,
    NodeOsUpgradeChannel,
    NodePoolSpec,
    SKU_TIERS,
    SkuTier,
    UPGRADE_CHANNELS,
    UpgradeChannel,
    WEEKDAYS,
} from "../../components/platform/aks-cluster";
import { API_SERVER_ACCESS_MODES, ApiServerAccessMode, authorizedRangesProblem } from "../../components/platform/aks-cluster";
import { REGISTRY_NAME, REGISTRY_SKUS, RegistrySku } from "../../components/platform/container-registry";
import { AKS_LOG_CATEGORIES, AksLogCategory, DEFAULT_AKS_LOG_CATEGORIES } from "../../components/platform/diagnostics";
import { POD_SECURITY_INITIATIVE_LEVELS, PodSecurityInitiativeLevel, POLICY_EFFECTS, PolicyEffect } from "../../components/platform/pod-security-policy";
import { NetworkConfig, networkSchema, finishNetwork } from "./network";
import { KUBELOGIN_LOGIN_MODES, KubeloginLoginMode } from "../../components/platform/kubeconfig";
import { z } from "zod";
import { IPV4, isIpv4 } from "../../components/shared/validation";
import { bool, dnsLabelItem, IPV4_CIDR, isIpv4Cidr, int, list, notHere, obj, oneOf, problem, section, str, stringMap, uuid, WHEN_VALID } from "./kit";

/** A node pool of the cluster (autoscaled between minCount and maxCount). */
export type NodePoolConfig = Required<NodePoolSpec>;
/** A weekly planned maintenance window (AKS maintenance configuration). */
export type MaintenanceWindowConfig = MaintenanceWindowSpec;

export interface ClusterConfig {
    readonly name: string;
    readonly dnsPrefix: string;
    /** `major.minor` (AKS keeps the patch level current) or `major.minor.patch`. */
    readonly kubernetesVersion: string;
    readonly skuTier: SkuTier;
    /** Availability zones of every node pool; empty for none. */
    readonly zones: readonly string[];
    /** Entra ID groups whose members are cluster admins. */
    readonly adminGroupObjectIds: readonly string[];
    /** Entra tenant of the cluster; the deploying identity's tenant when absent. */
    readonly tenantId?: string;
    readonly autoUpgradeChannel: UpgradeChannel;
    readonly nodeOsUpgradeChannel: NodeOsUpgradeChannel;
    readonly kubeloginMode: KubeloginLoginMode;
    readonly podCidr: string;
    readonly serviceCidr: string;
    readonly dnsServiceIP: string;
    readonly systemPool: NodePoolConfig;
    readonly userPool: NodePoolConfig;
    /** Window for Kubernetes version upgrades (`aksManagedAutoUpgradeSchedule`). */
    readonly upgradeWindow: MaintenanceWindowConfig;
    /** Window for node OS patches (`aksManagedNodeOSUpgradeSchedule`). */
    readonly nodeOsWindow: MaintenanceWindowConfig;
    /** Log Analytics retention: how long the cluster's, the registry's and the storage's logs are kept. */
    readonly logRetentionDays: number;
    /** The API server's exposure (`cluster.apiServer`). */
    readonly apiServer: ApiServerConfig;
    /** The built-in pod security initiative assigned to the cluster (`cluster.podSecurityPolicy`). */
    readonly podSecurityPolicy: PodSecurityPolicyConfig;
    /** AKS resource log categories sent to Log Analytics (`cluster.diagnostics.logCategories`). */
    readonly diagnosticLogCategories: readonly AksLogCategory[];
}

/** `cluster.apiServer`: private (default) or public limited to authorized ranges; run command off. */
export interface ApiServerConfig {
    readonly access: ApiServerAccessMode;
    /** Public CIDRs allowed to reach the API server (access `authorizedRanges` only). */
    readonly authorizedIpRanges: readonly string[];
    readonly disableRunCommand: boolean;
}

/** `cluster.podSecurityPolicy`: Azure Policy's pod security initiative on the cluster. */
export interface PodSecurityPolicyConfig {
    readonly level: PodSecurityInitiativeLevel;
    /** `deny` rejects violating pods (production default); `audit` only reports them. */
    readonly effect: PolicyEffect;
    /** Namespaces exempted besides the AKS system ones and monitoring (node-exporter needs host access). */
    readonly excludedNamespaces: readonly string[];
}

export interface RegistryConfig {
    /** ACR name: 5-50 alphanumerics, globally unique. */
    readonly name: string;
    /** Reference an existing registry instead of creating one. */
    readonly existing: boolean;
    /** Resource group of an existing registry (defaults to the stack's). */
    readonly resourceGroupName?: string;
    readonly sku: RegistrySku;
    /** Zone-redundant registry (Premium; chosen at creation only). */
    readonly zoneRedundant: boolean;
    /** Days untagged manifests are kept (Premium retention policy). */
    readonly untaggedRetentionDays: number;
}

/** Where the Kubernetes side runs: a cluster this stack creates on Azure, or one that exists. */
export const CLUSTER_MODES = ["aks", "existing"] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/**
 * `cluster.existing` (mode `existing`): how to reach the cluster. Exactly one of
 * `kubeconfigPath` (a kubeconfig file the program reads at run time) and `renderYamlToDirectory`
 * (write the manifests to a directory instead of applying them).
 */
export interface ExistingClusterConfig {
    /** Path of a kubeconfig file, absolute or relative to the project directory (no `~`). */
    readonly kubeconfigPath?: string;
    /** Context of the kubeconfig to use; its current context when absent. */
    readonly context?: string;
    /** Directory the Kubernetes provider renders YAML into (relative to the project directory). */
    readonly renderYamlToDirectory?: string;
}

/** The registry of an existing cluster's images (mode `existing`). */
export interface ExistingRegistryConfig {
    /** Host (optionally `:port`) images are pulled from, e.g. `localhost:5001`. */
    readonly loginServer: string;
}

/** Mode `existing`: no Azure resource; only a Kubernetes provider for an existing cluster. */
export interface ExistingPlatformConfig {
    readonly clusterMode: "existing";
    /** Whether stateful Kubernetes resources (monitoring's volumes) are protected against delete. */
    readonly protect: boolean;
    /** Always empty: there is no Azure resource to tag. */
    readonly tags: Readonly<Record<string, string>>;
    readonly registry: ExistingRegistryConfig;
    readonly cluster: ExistingClusterConfig;
}

/** The platform settings: an AKS platform (default) or an existing cluster. */
export type PlatformConfig = AksPlatformConfig | ExistingPlatformConfig;

/** Mode `aks` (the default): resource group, registry and AKS cluster on Azure. */
export interface AksPlatformConfig {
    readonly clusterMode: "aks";
    readonly location: string;
    readonly resourceGroupName: string;
    /** Whether stateful resources (cluster, registry, resource group) are protected against delete. */
    readonly protect: boolean;
    readonly tags: Readonly<Record<string, string>>;
    /** Availability zones per region; `cluster.zones` must be listed here for `location`. */
    readonly regionZones: Readonly<Record<string, readonly string[]>>;
    readonly registry: RegistryConfig;
    readonly cluster: ClusterConfig;
    /** The VNet, subnets, outbound path and public access of ACR/Storage (`network`). */
    readonly network: NetworkConfig;
}

/** Regions with availability zones that the project has been checked against. */
export const DEFAULT_REGION_ZONES: Readonly<Record<string, readonly string[]>> = {
    japaneast: ["1", "2", "3"],
    eastasia: ["1", "2", "3"],
    southeastasia: ["1", "2", "3"],
    koreacentral: ["1", "2", "3"],
    australiaeast: ["1", "2", "3"],
    westeurope: ["1", "2", "3"],
    northeurope: ["1", "2", "3"],
    eastus: ["1", "2", "3"],
    eastus2: ["1", "2", "3"],
    westus2: ["1", "2", "3"],
};

const RESOURCE_GROUP = /^[-\w._()]{0,89}[-\w_()]$/;
const VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const UTC_OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;
const DNS_PREFIX = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$/;
const DNS_PREFIX_TEXT = "1-54 letters, digits or '-', starting and ending with a letter or digit";

function nodePool(role: string, d: { name: string; vmSize: string; minCount: number; maxCount: number }) {
    return section({
        name: str({ pattern: NODE_POOL_NAME, text: "a node pool name (lower-case letter, then up to 11 lower-case letters or digits)" }).default(d.name).describe(`Name of the ${role} node pool.`),
        vmSize: str({ pattern: VM_SIZE, text: "an Azure VM size such as Standard_D4ds_v5" }).default(d.vmSize).describe(`VM size of the ${role} pool's nodes.`),
        minCount: int({ min: 1, max: 1000 }).default(d.minCount).describe(`The autoscaler's minimum node count of the ${role} pool.`),
        maxCount: int({ max: 1000 }).default(d.maxCount).describe(`The autoscaler's maximum node count of the ${role} pool (>= minCount, <= 1000).`),
        osDiskSizeGB: int({ min: 30, max: 2048 }).default(128).describe("OS disk size in GB."),
        maxPods: int({ min: 10, max: 250 }).default(110).describe("Maximum pods per node."),
    })
        .superRefine((p, ctx) => {
            if (p.maxCount < p.minCount) problem(ctx, ["maxCount"], `must be an integer >= minCount (${p.minCount}) and <= 1000`, p.maxCount);
        }, WHEN_VALID)
        .describe(`The ${role} node pool (autoscaled between minCount and maxCount).`);
}

function window(what: string, d: MaintenanceWindowConfig) {
    return section({
        dayOfWeek: oneOf(WEEKDAYS).default(d.dayOfWeek).describe("Day of the window."),
        startTime: str({ pattern: HHMM, text: "a time HH:MM (00:00-23:59)" }).default(d.startTime).describe("Start time HH:MM (in utcOffset)."),
        durationHours: int({ min: 4, max: 24 }).default(d.durationHours).describe("Length of the window in hours."),
        utcOffset: str({ pattern: UTC_OFFSET, text: "a UTC offset such as +09:00" }).default(d.utcOffset).describe("UTC offset of startTime."),
        intervalWeeks: int({ min: 1, max: 4 }).default(d.intervalWeeks).describe("Every how many weeks the window recurs."),
    }).describe(what);
}

function ipv4Cidr(text = "an IPv4 CIDR such as 10.0.0.0/16") {
    return str({ pattern: IPV4_CIDR, text }).refine((v) => !IPV4_CIDR.test(v) || isIpv4Cidr(v), { error: `must be ${text}` });
}

function ipInCidr(ip: string, block: string): boolean {
    const toInt = (s: string) => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const [base, bits] = block.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = toInt(base) - (toInt(base) % size);
    const v = toInt(ip);
    return v >= start && v < start + size;
}

const zone = () => str({ pattern: AVAILABILITY_ZONE, text: "an availability zone number such as \"1\"" });

/** Root keys (and `registry` / `cluster` fields) that only mean something on Azure (mode `aks`). */
export const AKS_ONLY_ROOT_KEYS = ["location", "resourceGroupName", "regionZones", "tags", "network"] as const;
export const AKS_ONLY_REGISTRY_KEYS = ["name", "existing", "resourceGroupName", "sku", "zoneRedundant", "untaggedRetentionDays"] as const;
export const AKS_ONLY_CLUSTER_KEYS = [
    "name", "dnsPrefix", "kubernetesVersion", "skuTier", "zones", "adminGroupObjectIds", "tenantId", "autoUpgradeChannel", "nodeOsUpgradeChannel",
    "kubeloginMode", "podCidr", "serviceCidr", "dnsServiceIP", "systemPool", "userPool", "upgradeWindow", "nodeOsWindow", "logRetentionDays",
    "apiServer", "podSecurityPolicy", "diagnostics",
] as const;

/** A registry host name with an optional port, e.g. `localhost:5001` or `registry.example.com`. */
const LOGIN_SERVER = /^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/;
/** A path without `~` (Pulumi does not expand it) and without NUL. */
const PLAIN_PATH = /^[^~\0][^\0]*$/;
const PATH_TEXT = "a file path, absolute or relative to the project directory (`~` is not expanded)";

const AKS_ONLY = "is only used with cluster.mode aks (an Azure setting); remove it in cluster.mode existing";
const aksOnly = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, notHere(AKS_ONLY)])) as Record<K, ReturnType<typeof notHere>>;

/** `it-ops-infra:registry` in cluster mode aks. */
export const registrySchema = obj({
    name: str({ pattern: REGISTRY_NAME, text: "5-50 alphanumeric characters (Azure Container Registry naming rules)" }).describe("Azure Container Registry name (5-50 alphanumerics, globally unique)."),
    existing: bool().default(false).describe("Reference an existing registry instead of creating one."),
    resourceGroupName: str({ pattern: RESOURCE_GROUP, text: "a resource group name" }).optional().describe("Resource group of an existing registry (registry.existing: true only; default: the stack's)."),
    sku: oneOf(REGISTRY_SKUS).default("Premium").describe("Registry SKU; a created registry must be Premium (private endpoint, zone redundancy, retention policy)."),
    zoneRedundant: bool().optional().describe("Zone-redundant registry (Premium; chosen at creation only). Default true; only for a created registry."),
    untaggedRetentionDays: int({ min: 0, max: 365 }).optional().describe("Days untagged manifests are kept (Premium retention policy). Default 7; only for a created registry."),
    loginServer: notHere("is only used with cluster.mode existing (in mode aks it is the registry's own login server)"),
})
    .superRefine((r, ctx) => {
        if (!r.existing && r.sku !== "Premium") problem(ctx, ["sku"], "must be Premium: the registry is reached through a private endpoint, and zone redundancy and the retention policy need Premium too", r.sku);
        if (r.existing) {
            for (const f of ["zoneRedundant", "untaggedRetentionDays"] as const) {
                if (r[f] !== undefined) problem(ctx, [f], "is only used for a registry the stack creates (registry.existing: false)", r[f]);
            }
        }
        if (r.resourceGroupName && !r.existing) problem(ctx, ["resourceGroupName"], "is only allowed with registry.existing: true", r.resourceGroupName);
    }, WHEN_VALID)
    .transform((r): RegistryConfig => ({
        name: r.name,
        existing: r.existing,
        resourceGroupName: r.resourceGroupName,
        sku: r.sku,
        zoneRedundant: r.zoneRedundant ?? true,
        untaggedRetentionDays: r.untaggedRetentionDays ?? 7,
    }))
    .describe("The container registry (cluster mode aks).");

const apiServerSchema = section({
    access: oneOf(API_SERVER_ACCESS_MODES).default("private").describe("private (no public endpoint) or authorizedRanges (public, limited to authorizedIpRanges)."),
    authorizedIpRanges: list(str()).optional().describe("Public CIDRs allowed to reach the API server (access authorizedRanges only)."),
    disableRunCommand: bool().default(true).describe("Disable AKS run command."),
})
    .superRefine((a, ctx) => {
        if (a.access === "authorizedRanges") {
            const p = authorizedRangesProblem(a.authorizedIpRanges ?? []);
            if (p) problem(ctx, ["authorizedIpRanges"], `${p} (access authorizedRanges)`, a.authorizedIpRanges ?? []);
        } else if (a.authorizedIpRanges !== undefined) {
            problem(ctx, ["authorizedIpRanges"], "is only used with access authorizedRanges (a private API server has no public endpoint)", a.authorizedIpRanges);
        }
    }, WHEN_VALID)
    .transform((a): ApiServerConfig => ({ access: a.access, authorizedIpRanges: a.authorizedIpRanges ?? [], disableRunCommand: a.disableRunCommand }))
    .describe("The API server's exposure.");

const diagnosticsSchema = section({
    logCategories: list(oneOf(AKS_LOG_CATEGORIES), { minItems: 1 })
        .default([...DEFAULT_AKS_LOG_CATEGORIES])
        .superRefine((c, ctx) => {
            if (new Set(c).size !== c.length) problem(ctx, [], "must not repeat a category", c);
            else if (!c.includes("kube-audit-admin") && !c.includes("kube-audit")) {
                problem(ctx, [], "must include kube-audit-admin (or kube-audit): the API server's audit log is the record of who changed what", c);
            }
        }, WHEN_VALID)
        .describe("AKS resource log categories sent to Log Analytics."),
}).describe("AKS diagnostic settings.");

/** `it-ops-infra:cluster` in cluster mode aks. */
export const aksClusterSchema = obj({
    mode: z.literal("aks", { error: "must be one of aks, existing" }).default("aks").describe("aks: a cluster this stack creates on Azure; existing: a cluster that exists."),
    name: str({ pattern: AKS_CLUSTER_NAME, text: "an AKS cluster name (1-63 letters, digits, '_' or '-', starting and ending with a letter or digit)" }).describe("AKS cluster name."),
    dnsPrefix: str({ pattern: DNS_PREFIX, text: DNS_PREFIX_TEXT }).optional().describe("DNS prefix of the API server.").meta({ derivedDefault: "the cluster name, lower-case, '_' as '-'" }),
    kubernetesVersion: str({ pattern: KUBERNETES_VERSION, text: "a Kubernetes version such as 1.33 or 1.33.2" }).describe("`major.minor` (AKS keeps the patch level current) or `major.minor.patch`."),
    skuTier: oneOf(SKU_TIERS).default("Standard").describe("AKS pricing tier (Standard: uptime SLA)."),
    zones: list(zone()).default([]).describe("Availability zones of every node pool; empty for none (must be listed in regionZones for location)."),
    adminGroupObjectIds: list(uuid("an Entra group object id (UUID)"), { minItems: 1 }).describe("Entra ID groups whose members are cluster admins."),
    tenantId: uuid().optional().describe("Entra tenant of the cluster; the deploying identity's tenant when absent."),
    autoUpgradeChannel: oneOf(UPGRADE_CHANNELS).default("patch").describe("AKS auto-upgrade channel."),
    nodeOsUpgradeChannel: oneOf(NODE_OS_UPGRADE_CHANNELS).default("NodeImage").describe("Node OS upgrade channel."),
    kubeloginMode: oneOf(KUBELOGIN_LOGIN_MODES).default("azurecli").describe("kubelogin login mode of the exported kubeconfig."),
    podCidr: ipv4Cidr().default("10.244.0.0/16").describe("Pod CIDR (Azure CNI overlay)."),
    serviceCidr: ipv4Cidr().default("10.0.0.0/16").describe("Service CIDR."),
    dnsServiceIP: str({ pattern: IPV4, text: "an IPv4 address" }).refine((v) => !IPV4.test(v) || isIpv4(v), { error: "must be an IPv4 address" }).default("10.0.0.10").describe("Cluster DNS Service IP (inside serviceCidr)."),
    systemPool: nodePool("system", { name: "system", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 }),
    userPool: nodePool("user", { name: "user", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 }),
    upgradeWindow: window("Window for Kubernetes version upgrades.", { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 }),
    nodeOsWindow: window("Window for node OS patches.", { dayOfWeek: "Saturday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 }),
    logRetentionDays: int({ min: 30, max: 730 }).default(30).describe("Log Analytics retention in days."),
    apiServer: apiServerSchema,
    podSecurityPolicy: section({
        level: oneOf(POD_SECURITY_INITIATIVE_LEVELS as unknown as readonly [PodSecurityInitiativeLevel, ...PodSecurityInitiativeLevel[]]).default("baseline").describe("Azure Policy pod security initiative level."),
        effect: oneOf(POLICY_EFFECTS).default("deny").describe("deny rejects violating pods; audit only reports them."),
        excludedNamespaces: list(dnsLabelItem("a namespace name")).default([]).describe("Namespaces exempted besides the AKS system ones and monitoring."),
    }).describe("The built-in pod security initiative assigned to the cluster."),
    diagnostics: diagnosticsSchema,
    existing: notHere("is only used with cluster.mode existing"),
})
    .superRefine((c, ctx) => {
        if (!ipInCidr(c.dnsServiceIP, c.serviceCidr)) problem(ctx, ["dnsServiceIP"], `must be inside serviceCidr (${c.serviceCidr})`, c.dnsServiceIP);
        if (ipInCidr(c.podCidr.split("/")[0], c.serviceCidr) || ipInCidr(c.serviceCidr.split("/")[0], c.podCidr)) {
            problem(ctx, ["podCidr"], `must not overlap serviceCidr (${c.serviceCidr})`, c.podCidr);
        }
        if (c.systemPool.name === c.userPool.name) problem(ctx, ["userPool", "name"], "must differ from systemPool.name", c.userPool.name);
        if (c.autoUpgradeChannel === "node-image" && c.nodeOsUpgradeChannel !== "NodeImage") {
            problem(ctx, ["nodeOsUpgradeChannel"], "must be NodeImage when autoUpgradeChannel is node-image", c.nodeOsUpgradeChannel);
        }
        const dnsPrefix = c.dnsPrefix ?? c.name.toLowerCase().replace(/_/g, "-");
        if (c.dnsPrefix === undefined && !DNS_PREFIX.test(dnsPrefix)) problem(ctx, ["dnsPrefix"], `must be ${DNS_PREFIX_TEXT}`, dnsPrefix);
    }, WHEN_VALID)
    .transform(({ mode: _mode, existing: _existing, dnsPrefix, diagnostics, ...c }): ClusterConfig => ({
        ...c,
        dnsPrefix: dnsPrefix ?? c.name.toLowerCase().replace(/_/g, "-"),
        diagnosticLogCategories: diagnostics.logCategories,
    }))
    .describe("The AKS cluster (cluster mode aks).");

/** `cluster.existing`: exactly one of kubeconfigPath and renderYamlToDirectory; context optional. */
export const existingClusterSchema = obj({
    kubeconfigPath: str({ pattern: PLAIN_PATH, text: PATH_TEXT }).optional().describe("Path of a kubeconfig file, absolute or relative to the project directory (no `~`)."),
    context: str({ pattern: /^\S+$/, text: "a kubeconfig context name (no spaces)" }).optional().describe("Context of the kubeconfig to use; its current context when absent."),
    renderYamlToDirectory: str({ pattern: PLAIN_PATH, text: PATH_TEXT.replace("file", "directory") }).optional().describe("Directory the Kubernetes provider renders YAML into instead of applying."),
})
    .superRefine((e, ctx) => {
        if (e.kubeconfigPath !== undefined && e.renderYamlToDirectory !== undefined) {
            problem(ctx, ["kubeconfigPath"], "and renderYamlToDirectory are exclusive: set exactly one (apply to a cluster, or render YAML)", e.kubeconfigPath);
        } else if (e.kubeconfigPath === undefined && e.renderYamlToDirectory === undefined) {
            problem(ctx, [], "must set exactly one of kubeconfigPath (a cluster to deploy to) and renderYamlToDirectory (render YAML only)");
        } else if (e.context !== undefined && e.renderYamlToDirectory !== undefined) {
            problem(ctx, ["context"], "is only used with kubeconfigPath (renderYamlToDirectory reaches no cluster)", e.context);
        }
    }, WHEN_VALID)
    .transform((e): ExistingClusterConfig => ({ kubeconfigPath: e.kubeconfigPath, context: e.context, renderYamlToDirectory: e.renderYamlToDirectory }))
    .describe("How to reach the existing cluster: exactly one of kubeconfigPath and renderYamlToDirectory.");

/** `it-ops-infra:cluster` in cluster mode existing. */
export const existingModeClusterSchema = obj({
    mode: z.literal("existing").describe("aks: a cluster this stack creates on Azure; existing: a cluster that exists."),
    existing: existingClusterSchema,
    ...aksOnly(AKS_ONLY_CLUSTER_KEYS),
})
    .transform((c) => c.existing)
    .describe("An existing cluster (kind, k3d, ...): mode existing and how to reach it; the stack creates no Azure resource.");

/** `it-ops-infra:registry` in cluster mode existing. */
export const existingRegistrySchema = obj({
    loginServer: str({ pattern: LOGIN_SERVER, text: "a registry host name with an optional port, such as localhost:5001 (no scheme, no path)" }).describe("Host (optionally :port) images are pulled from (cluster mode existing)."),
    ...aksOnly(AKS_ONLY_REGISTRY_KEYS),
})
    .transform(({ loginServer }): ExistingRegistryConfig => ({ loginServer }))
    .describe("The registry the existing cluster pulls the images from.");

/** `it-ops-infra:regionZones`: availability zones per region (merged over {@link DEFAULT_REGION_ZONES}). */
const regionZonesSchema = z
    .record(z.string(), list(zone()), { error: (i) => (i.input === undefined ? "is required: an object" : "must be an object") })
    .default({})
    .transform((r) => ({ ...DEFAULT_REGION_ZONES, ...r }) as Readonly<Record<string, readonly string[]>>)
    .describe("Availability zones per region (added to the built-in list); cluster.zones must be listed here for location.");

/** The platform root keys of cluster mode aks. */
export const aksPlatformShape = {
    location: str({ pattern: /^[a-z][a-z0-9]+$/, text: "an Azure region name such as japaneast" }).describe("Azure region of every resource (cluster mode aks)."),
    resourceGroupName: str({ pattern: RESOURCE_GROUP, text: "a resource group name (1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.')" })
        .optional()
        .describe("Resource group of the stack.")
        .meta({ derivedDefault: "rg-it-ops-<stack>" }),
    protect: bool().default(false).describe("Protect stateful resources (cluster, registry, resource group, volumes) against delete."),
    tags: stringMap().default({}).describe("Azure tags of every resource."),
    regionZones: regionZonesSchema,
    registry: registrySchema,
    cluster: aksClusterSchema,
    network: networkSchema,
};

/** The platform root keys of cluster mode existing. */
export const existingPlatformShape = {
    protect: bool().default(false).describe("Protect stateful resources (cluster, registry, resource group, volumes) against delete."),
    registry: existingRegistrySchema,
    cluster: existingModeClusterSchema,
    ...aksOnly(AKS_ONLY_ROOT_KEYS),
};

type Parsed<S extends Record<string, z.ZodType>> = { [K in keyof S]: z.output<S[K]> };
type Fail = (path: string, message: string, value?: unknown) => void;

/** The platform settings of mode aks from their parsed root keys, with the rules across them. */
export function finishAksPlatform(p: Parsed<typeof aksPlatformShape>, stack: string, fail: Fail): AksPlatformConfig {
    const regionZoneList = p.regionZones[p.location] ?? [];
    const zones = p.cluster.zones;
    if (zones.some((z) => !regionZoneList.includes(z))) {
        fail("cluster.zones", `must only use zones listed for ${p.location} in it-ops-infra:regionZones (${regionZoneList.length ? regionZoneList.join(", ") : "none listed"})`, zones);
    } else if (new Set(zones).size !== zones.length) fail("cluster.zones", "must not repeat a zone", zones);
    const network = finishNetwork(p.network, { stack, podCidr: p.cluster.podCidr, serviceCidr: p.cluster.serviceCidr, pools: [p.cluster.systemPool, p.cluster.userPool] }, fail);
    return {
        clusterMode: "aks",
        location: p.location,
        resourceGroupName: p.resourceGroupName ?? `rg-it-ops-${stack}`,
        protect: p.protect,
        tags: p.tags,
        regionZones: p.regionZones,
        registry: p.registry,
        cluster: p.cluster,
        network,
    };
}

/** The platform settings of mode existing. */
export function finishExistingPlatform(p: Parsed<typeof existingPlatformShape>): ExistingPlatformConfig {
    return { clusterMode: "existing", protect: p.protect, tags: {}, registry: p.registry, cluster: p.cluster };
}

/** `cluster.mode` of a raw configuration (default `aks`; a bad value is reported by the schema of mode aks). */
export function rawClusterMode(cluster: unknown): ClusterMode {
    const mode = cluster !== null && typeof cluster === "object" && !Array.isArray(cluster) ? (cluster as Record<string, unknown>).mode : undefined;
    return mode === "existing" ? "existing" : "aks";
}
