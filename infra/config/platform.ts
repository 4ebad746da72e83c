/**
 * The Azure platform part of the stack configuration: region, resource group, registry and the
 * AKS cluster. Parsed from the raw config by {@link parsePlatform}; read only through `infra/config.ts`.
 */
import {
    MaintenanceWindowSpec,
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
import { REGISTRY_SKUS, RegistrySku } from "../../components/platform/container-registry";
import { AKS_LOG_CATEGORIES, AksLogCategory, DEFAULT_AKS_LOG_CATEGORIES } from "../../components/platform/diagnostics";
import { requiredNodeIps } from "../../components/platform/network";
import { POD_SECURITY_INITIATIVE_LEVELS, PodSecurityInitiativeLevel, POLICY_EFFECTS, PolicyEffect } from "../../components/platform/pod-security-policy";
import { NetworkConfig, parseNetwork } from "./network";
import { KUBELOGIN_LOGIN_MODES, KubeloginLoginMode } from "../../components/platform/kubeconfig";
import { IPV4, IPV4_CIDR, isIpv4Cidr } from "../../components/shared/validation";
import { ItemReader, ObjectReader } from "./reader";

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
const AKS_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;
const ACR_NAME = /^[a-zA-Z0-9]{5,50}$/;
const VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;
const K8S_VERSION = /^\d+\.\d+(\.\d+)?$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const UTC_OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

function parseNodePool(r: ObjectReader, defaults: { name: string; vmSize: string; minCount: number; maxCount: number }): NodePoolConfig {
    const name = r.string("name", { default: defaults.name, pattern: POOL_NAME, patternText: "a node pool name (lower-case letter, then up to 11 lower-case letters or digits)" });
    const vmSize = r.string("vmSize", { default: defaults.vmSize, pattern: VM_SIZE, patternText: "an Azure VM size such as Standard_D4ds_v5" });
    const minCount = r.integer("minCount", { default: defaults.minCount, min: 1, max: 1000 });
    const maxCount = r.integer("maxCount", { default: defaults.maxCount, min: minCount, max: 1000, minText: `minCount (${minCount})` });
    const osDiskSizeGB = r.integer("osDiskSizeGB", { default: 128, min: 30, max: 2048 });
    const maxPods = r.integer("maxPods", { default: 110, min: 10, max: 250 });
    r.done();
    return { name, vmSize, minCount, maxCount, osDiskSizeGB, maxPods };
}

function parseWindow(r: ObjectReader, defaults: MaintenanceWindowConfig): MaintenanceWindowConfig {
    const w: MaintenanceWindowConfig = {
        dayOfWeek: r.enum("dayOfWeek", WEEKDAYS, { default: defaults.dayOfWeek }),
        startTime: r.string("startTime", { default: defaults.startTime, pattern: HHMM, patternText: "a time HH:MM (00:00-23:59)" }),
        durationHours: r.integer("durationHours", { default: defaults.durationHours, min: 4, max: 24 }),
        utcOffset: r.string("utcOffset", { default: defaults.utcOffset, pattern: UTC_OFFSET, patternText: "a UTC offset such as +09:00" }),
        intervalWeeks: r.integer("intervalWeeks", { default: defaults.intervalWeeks, min: 1, max: 4 }),
    };
    r.done();
    return w;
}

function cidr(r: ObjectReader, field: string, def: string): string {
    const v = r.string(field, { default: def, pattern: IPV4_CIDR, patternText: "an IPv4 CIDR such as 10.0.0.0/16" });
    if (!isIpv4Cidr(v)) throw r.fail(field, "must be an IPv4 CIDR such as 10.0.0.0/16", v);
    return v;
}

function ipInCidr(ip: string, block: string): boolean {
    const toInt = (s: string) => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const [base, bits] = block.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = toInt(base) - (toInt(base) % size);
    const v = toInt(ip);
    return v >= start && v < start + size;
}

function zoneList(i: ItemReader): string {
    return i.string({ pattern: /^[1-9]$/, patternText: "an availability zone number such as \"1\"" });
}

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

/** Parses the platform settings from the project namespace root. */
export function parsePlatform(root: ObjectReader, stack: string): PlatformConfig {
    const mode = clusterMode(root);
    return mode === "existing" ? parseExistingPlatform(root) : parseAksPlatform(root, stack);
}

/** `cluster.mode` (default `aks`), read without consuming the rest of the cluster object. */
function clusterMode(root: ObjectReader): ClusterMode {
    const raw = root.rawValue("cluster");
    const mode = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>).mode : undefined;
    if (mode === undefined || mode === null) return "aks";
    if (typeof mode !== "string" || !(CLUSTER_MODES as readonly string[]).includes(mode)) {
        throw root.fail("cluster.mode", `must be one of ${CLUSTER_MODES.join(", ")}`, mode);
    }
    return mode as ClusterMode;
}

/** Fails on the first of `keys` that is set: it has no meaning outside mode `aks`. */
function rejectAksOnly(r: ObjectReader, keys: readonly string[]): void {
    for (const key of keys) {
        if (r.has(key)) throw r.fail(key, "is only used with cluster.mode aks (an Azure setting); remove it in cluster.mode existing", r.rawValue(key));
    }
}

/** Mode `existing`: `cluster.existing` and `registry.loginServer`; Azure keys are errors. */
function parseExistingPlatform(root: ObjectReader): ExistingPlatformConfig {
    rejectAksOnly(root, AKS_ONLY_ROOT_KEYS);
    const protect = root.boolean("protect", { default: false });

    const reg = root.object("registry", { required: true });
    rejectAksOnly(reg, AKS_ONLY_REGISTRY_KEYS);
    const registry: ExistingRegistryConfig = {
        loginServer: reg.string("loginServer", { pattern: LOGIN_SERVER, patternText: "a registry host name with an optional port, such as localhost:5001 (no scheme, no path)" }),
    };
    reg.done();

    const c = root.object("cluster", { required: true });
    c.enum("mode", CLUSTER_MODES);
    rejectAksOnly(c, AKS_ONLY_CLUSTER_KEYS);
    const cluster = parseExistingCluster(c.object("existing", { required: true }));
    c.done();
    return { clusterMode: "existing", protect, tags: {}, registry, cluster };
}

/** `cluster.existing`: exactly one of kubeconfigPath and renderYamlToDirectory; context optional. */
export function parseExistingCluster(e: ObjectReader): ExistingClusterConfig {
    const pathText = "a file path, absolute or relative to the project directory (`~` is not expanded)";
    const kubeconfigPath = e.optionalString("kubeconfigPath", { pattern: PLAIN_PATH, patternText: pathText });
    const renderYamlToDirectory = e.optionalString("renderYamlToDirectory", { pattern: PLAIN_PATH, patternText: pathText.replace("file", "directory") });
    const context = e.optionalString("context", { pattern: /^\S+$/, patternText: "a kubeconfig context name (no spaces)" });
    if (kubeconfigPath !== undefined && renderYamlToDirectory !== undefined) {
        throw e.fail("kubeconfigPath", "and renderYamlToDirectory are exclusive: set exactly one (apply to a cluster, or render YAML)", kubeconfigPath);
    }
    if (kubeconfigPath === undefined && renderYamlToDirectory === undefined) {
        throw e.fail("", "must set exactly one of kubeconfigPath (a cluster to deploy to) and renderYamlToDirectory (render YAML only)");
    }
    if (context !== undefined && renderYamlToDirectory !== undefined) {
        throw e.fail("context", "is only used with kubeconfigPath (renderYamlToDirectory reaches no cluster)", context);
    }
    e.done();
    return { kubeconfigPath, context, renderYamlToDirectory };
}

/** Mode `aks`: the Azure platform (today's configuration, unchanged). */
function parseAksPlatform(root: ObjectReader, stack: string): AksPlatformConfig {
    const location = root.string("location", { pattern: /^[a-z][a-z0-9]+$/, patternText: "an Azure region name such as japaneast" });
    const resourceGroupName = root.string("resourceGroupName", {
        default: `rg-it-ops-${stack}`,
        pattern: RESOURCE_GROUP,
        patternText: "a resource group name (1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.')",
    });
    const protect = root.boolean("protect", { default: false });
    const tags = root.stringMap("tags");
    const zonesRoot = root.object("regionZones");
    const regionZones: Record<string, readonly string[]> = { ...DEFAULT_REGION_ZONES };
    for (const region of zonesRoot.fields()) regionZones[region] = zonesRoot.array(region, zoneList);
    zonesRoot.done();

    const reg = root.object("registry", { required: true });
    const registry: RegistryConfig = {
        name: reg.string("name", { pattern: ACR_NAME, patternText: "5-50 alphanumeric characters (Azure Container Registry naming rules)" }),
        existing: reg.boolean("existing", { default: false }),
        resourceGroupName: reg.optionalString("resourceGroupName", { pattern: RESOURCE_GROUP, patternText: "a resource group name" }),
        sku: reg.enum("sku", REGISTRY_SKUS, { default: "Premium" }),
        zoneRedundant: reg.boolean("zoneRedundant", { default: true }),
        untaggedRetentionDays: reg.integer("untaggedRetentionDays", { default: 7, min: 0, max: 365 }),
    };
    if (!registry.existing && registry.sku !== "Premium") {
        throw reg.fail("sku", "must be Premium: the registry is reached through a private endpoint, and zone redundancy and the retention policy need Premium too", registry.sku);
    }
    if (registry.existing) {
        for (const f of ["zoneRedundant", "untaggedRetentionDays"]) {
            if (reg.has(f)) throw reg.fail(f, "is only used for a registry the stack creates (registry.existing: false)", reg.rawValue(f));
        }
    }
    if (registry.resourceGroupName && !registry.existing) {
        throw reg.fail("resourceGroupName", "is only allowed with registry.existing: true", registry.resourceGroupName);
    }
    if (reg.has("loginServer")) throw reg.fail("loginServer", "is only used with cluster.mode existing (in mode aks it is the registry's own login server)", reg.rawValue("loginServer"));
    reg.done();

    const c = root.object("cluster", { required: true });
    const name = c.string("name", { pattern: AKS_NAME, patternText: "an AKS cluster name (1-63 letters, digits, '_' or '-', starting and ending with a letter or digit)" });
    const zones = c.array("zones", zoneList, { default: [] });
    const regionZoneList = regionZones[location] ?? [];
    for (const z of zones) {
        if (!regionZoneList.includes(z)) {
            throw c.fail("zones", `must only use zones listed for ${location} in it-ops-infra:regionZones (${regionZoneList.length ? regionZoneList.join(", ") : "none listed"})`, zones);
        }
    }
    if (new Set(zones).size !== zones.length) throw c.fail("zones", "must not repeat a zone", zones);
    const skuTier = c.enum("skuTier", SKU_TIERS, { default: "Standard" });
    const serviceCidr = cidr(c, "serviceCidr", "10.0.0.0/16");
    const dnsServiceIP = c.string("dnsServiceIP", { default: "10.0.0.10", pattern: IPV4, patternText: "an IPv4 address" });
    if (!ipInCidr(dnsServiceIP, serviceCidr)) throw c.fail("dnsServiceIP", `must be inside serviceCidr (${serviceCidr})`, dnsServiceIP);
    const cluster: ClusterConfig = {
        name,
        dnsPrefix: c.string("dnsPrefix", { default: name.toLowerCase().replace(/_/g, "-"), pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]{0,52}[a-zA-Z0-9]$/, patternText: "1-54 letters, digits or '-', starting and ending with a letter or digit" }),
        kubernetesVersion: c.string("kubernetesVersion", { pattern: K8S_VERSION, patternText: "a Kubernetes version such as 1.33 or 1.33.2" }),
        skuTier,
        zones,
        adminGroupObjectIds: c.array("adminGroupObjectIds", (i) => i.string({ pattern: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, patternText: "an Entra group object id (UUID)" }), { minItems: 1 }),
        tenantId: c.has("tenantId") ? c.uuid("tenantId") : undefined,
        autoUpgradeChannel: c.enum("autoUpgradeChannel", UPGRADE_CHANNELS, { default: "patch" }),
        nodeOsUpgradeChannel: c.enum("nodeOsUpgradeChannel", NODE_OS_UPGRADE_CHANNELS, { default: "NodeImage" }),
        kubeloginMode: c.enum("kubeloginMode", KUBELOGIN_LOGIN_MODES, { default: "azurecli" }),
        podCidr: cidr(c, "podCidr", "10.244.0.0/16"),
        serviceCidr,
        dnsServiceIP,
        systemPool: parseNodePool(c.object("systemPool"), { name: "system", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 }),
        userPool: parseNodePool(c.object("userPool"), { name: "user", vmSize: "Standard_D4ds_v5", minCount: 1, maxCount: 3 }),
        upgradeWindow: parseWindow(c.object("upgradeWindow"), { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 }),
        nodeOsWindow: parseWindow(c.object("nodeOsWindow"), { dayOfWeek: "Saturday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 }),
        logRetentionDays: c.integer("logRetentionDays", { default: 30, min: 30, max: 730 }),
        apiServer: parseApiServer(c.object("apiServer")),
        podSecurityPolicy: parsePodSecurityPolicy(c.object("podSecurityPolicy")),
        diagnosticLogCategories: parseDiagnostics(c.object("diagnostics")),
    };
    if (ipInCidr(cluster.podCidr.split("/")[0], serviceCidr) || ipInCidr(serviceCidr.split("/")[0], cluster.podCidr)) {
        throw c.fail("podCidr", `must not overlap serviceCidr (${serviceCidr})`, cluster.podCidr);
    }
    if (cluster.systemPool.name === cluster.userPool.name) {
        throw c.fail("userPool.name", "must differ from systemPool.name", cluster.userPool.name);
    }
    if (cluster.autoUpgradeChannel === "node-image" && cluster.nodeOsUpgradeChannel !== "NodeImage") {
        throw c.fail("nodeOsUpgradeChannel", "must be NodeImage when autoUpgradeChannel is node-image", cluster.nodeOsUpgradeChannel);
    }
    c.enum("mode", CLUSTER_MODES, { default: "aks" });
    if (c.has("existing")) throw c.fail("existing", "is only used with cluster.mode existing", c.rawValue("existing"));
    c.done();
    const network = parseNetwork(root.object("network", { required: true }), {
        stack,
        podCidr: cluster.podCidr,
        serviceCidr: cluster.serviceCidr,
        requiredNodeIps: requiredNodeIps([cluster.systemPool, cluster.userPool]),
    });
    return { clusterMode: "aks", location, resourceGroupName, protect, tags, regionZones, registry, cluster, network };
}

/** `cluster.apiServer`. */
function parseApiServer(a: ObjectReader): ApiServerConfig {
    const access = a.enum("access", API_SERVER_ACCESS_MODES, { default: "private" });
    const authorizedIpRanges = a.array("authorizedIpRanges", (i) => i.string(), { default: [] });
    if (access === "authorizedRanges") {
        const problem = authorizedRangesProblem(authorizedIpRanges);
        if (problem) throw a.fail("authorizedIpRanges", `${problem} (access authorizedRanges)`, authorizedIpRanges);
    } else if (a.has("authorizedIpRanges")) {
        throw a.fail("authorizedIpRanges", "is only used with access authorizedRanges (a private API server has no public endpoint)", authorizedIpRanges);
    }
    const disableRunCommand = a.boolean("disableRunCommand", { default: true });
    a.done();
    return { access, authorizedIpRanges, disableRunCommand };
}

/** `cluster.podSecurityPolicy`. */
function parsePodSecurityPolicy(p: ObjectReader): PodSecurityPolicyConfig {
    const level = p.enum("level", POD_SECURITY_INITIATIVE_LEVELS, { default: "baseline" });
    const effect = p.enum("effect", POLICY_EFFECTS, { default: "deny" });
    const excludedNamespaces = p.array("excludedNamespaces", (i) => i.dnsLabel("a namespace name"), { default: [] });
    p.done();
    return { level, effect, excludedNamespaces };
}

/** `cluster.diagnostics`. */
function parseDiagnostics(d: ObjectReader): readonly AksLogCategory[] {
    const categories = d.array(
        "logCategories",
        (i) => {
            const v = i.string();
            if (!(AKS_LOG_CATEGORIES as readonly string[]).includes(v)) throw i.fail(`must be one of ${AKS_LOG_CATEGORIES.join(", ")}`);
            return v as AksLogCategory;
        },
        { default: [...DEFAULT_AKS_LOG_CATEGORIES], minItems: 1 },
    );
    if (new Set(categories).size !== categories.length) throw d.fail("logCategories", "must not repeat a category", categories);
    if (!categories.includes("kube-audit-admin") && !categories.includes("kube-audit")) {
        throw d.fail("logCategories", "must include kube-audit-admin (or kube-audit): the API server's audit log is the record of who changed what", categories);
    }
    d.done();
    return categories;
}
