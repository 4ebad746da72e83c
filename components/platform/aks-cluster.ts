import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import { cidrsOverlap, OUTBOUND_TYPES, OutboundType, parseCidr } from "./network";
import { convertKubeconfig, KUBELOGIN_LOGIN_MODES } from "./kubeconfig";
import { ArgsValidator } from "../shared/validation";
import { roleDefinitionId } from "./workload-identity";
import type { ClusterConfig } from "../../infra/config/platform";

export const SKU_TIERS = ["Free", "Standard", "Premium"] as const;
export type SkuTier = (typeof SKU_TIERS)[number];

export const UPGRADE_CHANNELS = ["none", "patch", "stable", "rapid", "node-image"] as const;
export type UpgradeChannel = (typeof UPGRADE_CHANNELS)[number];

export const NODE_OS_UPGRADE_CHANNELS = ["None", "Unmanaged", "NodeImage", "SecurityPatch"] as const;
export type NodeOsUpgradeChannel = (typeof NODE_OS_UPGRADE_CHANNELS)[number];

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** An AKS cluster name: 1-63 letters, digits, '_' or '-', starting and ending with a letter or digit. */
export const AKS_CLUSTER_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;
/** `major.minor` or `major.minor.patch`. */
export const KUBERNETES_VERSION = /^\d+\.\d+(\.\d+)?$/;
/** A node pool name: a lower-case letter, then up to 11 lower-case letters or digits. */
export const NODE_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
/** An availability zone number. */
export const AVAILABILITY_ZONE = /^[1-9]$/;

/** Built-in role `AcrPull`. */
export const ACR_PULL_ROLE_ID = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
/** Built-in role `Network Contributor` (the cluster identity on its subnets, route table, NAT gateway). */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";
/** Taint that keeps application pods off the system pool. */
export const CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly=true:NoSchedule";

/** How the API server is reached: a private cluster, or a public endpoint limited to IP ranges. */
export const API_SERVER_ACCESS_MODES = ["private", "authorizedRanges"] as const;
export type ApiServerAccessMode = (typeof API_SERVER_ACCESS_MODES)[number];

/** The API server's exposure (its defaults are the schema's, `cluster.apiServer` in infra/config/platform.ts). */
export interface ApiServerSpec {
    readonly access: ApiServerAccessMode;
    /** Public CIDRs allowed to reach the API server (access `authorizedRanges` only; non-empty there). */
    readonly authorizedIpRanges: readonly string[];
    /** Disable `az aks command invoke` (run command). */
    readonly disableRunCommand: boolean;
}

/** The cluster's place in the stack's VNet (see StackNetwork). */
export interface ClusterNetworkSpec {
    /** Subnet of every node pool. */
    readonly nodeSubnetId: pulumi.Input<string>;
    /** Delegated subnet of API server VNet integration. */
    readonly apiServerSubnetId: pulumi.Input<string>;
    readonly outboundType: OutboundType;
    /** Where the cluster identity needs Network Contributor before the cluster is created. */
    readonly roleScopes: readonly pulumi.Input<string>[];
}

/**
 * The AKS `apiServerAccessProfile`: run command off; with a VNet, API server VNet integration;
 * then either a private cluster (no public FQDN, AKS-managed private DNS zone) or a public
 * endpoint restricted to `authorizedIpRanges`.
 */
export function apiServerAccessProfile(spec: ApiServerSpec, apiServerSubnetId?: pulumi.Input<string>) {
    const base = {
        disableRunCommand: spec.disableRunCommand,
        ...(apiServerSubnetId !== undefined ? { enableVnetIntegration: true, subnetId: apiServerSubnetId } : {}),
    };
    if (spec.access === "private") {
        return { ...base, enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, privateDNSZone: "system" };
    }
    return { ...base, enablePrivateCluster: false, authorizedIPRanges: [...spec.authorizedIpRanges] };
}

/** Why a list of authorized ranges is not acceptable, or undefined. */
export function authorizedRangesProblem(ranges: readonly string[]): string | undefined {
    if (ranges.length === 0) return "must list at least one CIDR (an empty list leaves the API server open to the Internet)";
    if (ranges.length > 200) return "must list at most 200 CIDRs (the AKS limit)";
    for (const r of ranges) {
        const c = parseCidr(r);
        if (!c) return `must hold IPv4 CIDRs without host bits, such as 203.0.113.0/24 (${r})`;
        if (c.prefix < 8) return `must not hold a block wider than /8 (${r} opens the API server to a large part of the Internet)`;
        if (cidrsOverlap(r, "10.0.0.0/8") || cidrsOverlap(r, "172.16.0.0/12") || cidrsOverlap(r, "192.168.0.0/16")) {
            return `must hold public ranges only (${r} is private: private callers reach the API server through VNet integration)`;
        }
    }
    return undefined;
}

/** A node pool with the cluster autoscaler on. */
export interface NodePoolSpec {
    /** Pool name: a lower-case letter, then up to 11 lower-case letters or digits. */
    readonly name: string;
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
    /** OS disk size in GB (default and range: the schema's). */
    readonly osDiskSizeGB: number;
    /** Maximum pods per node (default and range: the schema's). */
    readonly maxPods: number;
}

/** A weekly planned maintenance window. */
export interface MaintenanceWindowSpec {
    readonly dayOfWeek: Weekday;
    /** `HH:MM` in `utcOffset`. */
    readonly startTime: string;
    readonly durationHours: number;
    /** e.g. `+09:00`. */
    readonly utcOffset: string;
    readonly intervalWeeks: number;
}

/**
 * The cluster's settings as the schema parses them (`it-ops-infra:cluster`, infra/config/platform.ts,
 * owns their defaults and ranges, so they are not repeated here), plus what the platform derives.
 */
export interface AksClusterArgs
    extends Pick<
        ClusterConfig,
        | "kubernetesVersion"
        | "dnsPrefix"
        | "skuTier"
        | "zones"
        | "adminGroupObjectIds"
        | "autoUpgradeChannel"
        | "nodeOsUpgradeChannel"
        | "kubeloginMode"
        | "podCidr"
        | "serviceCidr"
        | "dnsServiceIP"
        | "systemPool"
        | "userPool"
        | "upgradeWindow"
        | "nodeOsWindow"
        | "logRetentionDays"
        | "apiServer"
    > {
    /** AKS resource name. */
    readonly clusterName: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Entra tenant; the deploying identity's when absent. @default the current tenant */
    readonly tenantId?: pulumi.Input<string>;
    /** Registry the kubelet pulls from (AcrPull is granted). @default none */
    readonly registryId?: pulumi.Input<string>;
    /** Protect the cluster and its log workspace against delete/replace. @default false */
    readonly protect?: boolean;
    /**
     * Bring-your-own VNet: node subnet, API server VNet integration, outbound type; the cluster then
     * runs as a user-assigned identity that is Network Contributor on `roleScopes` before it is
     * created. @default none (AKS-managed VNet, system-assigned identity, load balancer outbound)
     */
    readonly network?: ClusterNetworkSpec;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/** The autoscaled pool properties shared by the inline system pool and the user AgentPool. */
export function nodePoolProperties(pool: NodePoolSpec, zones: readonly string[]) {
    return {
        vmSize: pool.vmSize,
        enableAutoScaling: true,
        count: pool.minCount,
        minCount: pool.minCount,
        maxCount: pool.maxCount,
        maxPods: pool.maxPods,
        osDiskSizeGB: pool.osDiskSizeGB,
        osDiskType: "Ephemeral",
        osType: "Linux",
        osSKU: "AzureLinux",
        type: "VirtualMachineScaleSets",
        availabilityZones: [...zones],
        upgradeSettings: { maxSurge: "33%" },
    };
}

/** The AKS `maintenanceWindow` of a weekly window. */
export function maintenanceWindow(w: MaintenanceWindowSpec): containerservice.MaintenanceConfigurationArgs["maintenanceWindow"] {
    return {
        schedule: { weekly: { dayOfWeek: w.dayOfWeek, intervalWeeks: w.intervalWeeks } },
        durationHours: w.durationHours,
        startTime: w.startTime,
        utcOffset: w.utcOffset,
    };
}

/**
 * Fields Azure changes by itself and that must not be reverted by the next `pulumi up`:
 * - the pools' `count`: the cluster autoscaler moves it between minCount and maxCount;
 * - `kubernetesVersion`: with the `stable`/`rapid` channels AKS moves the minor version itself.
 */
export function clusterIgnoreChanges(channel: UpgradeChannel): string[] {
    const fields = ["agentPoolProfiles[0].count"];
    if (channel === "stable" || channel === "rapid") fields.push("kubernetesVersion");
    return fields;
}

/**
 * An AKS cluster with Entra ID + Azure RBAC, local accounts off, OIDC issuer and workload
 * identity, Azure CNI overlay with Cilium, an autoscaled user pool, planned maintenance windows,
 * Container Insights and Azure Policy, plus a Kubernetes provider for downstream components.
 */
export class AksCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterId: pulumi.Output<string>;
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The cluster's OIDC issuer URL (for federated identity credentials). */
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Object id of the kubelet identity. */
    public readonly kubeletObjectId: pulumi.Output<string>;
    public readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
    /** The user kubeconfig, converted for `kubeloginMode` (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Kubernetes provider for everything deployed into the cluster. */
    public readonly provider: k8s.Provider;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:AksCluster", name, {}, opts);
        const v = new ArgsValidator(`AksCluster ${name}`);
        v.matches("clusterName", args.clusterName, AKS_CLUSTER_NAME, "1-63 letters, digits, '_' or '-'");
        v.matches("kubernetesVersion", args.kubernetesVersion, KUBERNETES_VERSION, "a version such as 1.33");
        v.nonEmpty("adminGroupObjectIds", args.adminGroupObjectIds);
        const skuTier = v.oneOf("skuTier", args.skuTier, SKU_TIERS);
        const upgradeChannel = v.oneOf("autoUpgradeChannel", args.autoUpgradeChannel, UPGRADE_CHANNELS);
        const nodeOsChannel = v.oneOf("nodeOsUpgradeChannel", args.nodeOsUpgradeChannel, NODE_OS_UPGRADE_CHANNELS);
        const loginMode = v.oneOf("kubeloginMode", args.kubeloginMode, KUBELOGIN_LOGIN_MODES);
        for (const [field, pool] of [["systemPool", args.systemPool], ["userPool", args.userPool]] as const) {
            v.matches(`${field}.name`, pool.name, NODE_POOL_NAME, "a lower-case letter and up to 11 lower-case letters or digits");
            // Any autoscaled pool: at least one node, maxCount >= minCount (the upper limits are the schema's).
            v.integer(`${field}.minCount`, pool.minCount, 1);
            v.integer(`${field}.maxCount`, pool.maxCount, pool.minCount);
        }
        const zones = args.zones;
        for (const z of zones) v.matches("zones", z, AVAILABILITY_ZONE, "zone numbers such as \"1\"");
        const retention = v.integer("logRetentionDays", args.logRetentionDays, 1);
        const apiServer = args.apiServer;
        const access = v.oneOf("apiServer.access", apiServer.access, API_SERVER_ACCESS_MODES);
        if (access === "authorizedRanges") {
            const problem = authorizedRangesProblem(apiServer.authorizedIpRanges);
            if (problem) throw v.fail("apiServer.authorizedIpRanges", `valid authorized ranges: it ${problem}`, apiServer.authorizedIpRanges);
        } else if (apiServer.authorizedIpRanges.length > 0) {
            throw v.fail("apiServer.authorizedIpRanges", "empty for a private API server (it has no public endpoint to restrict)", apiServer.authorizedIpRanges);
        }
        if (args.network) {
            v.oneOf("network.outboundType", args.network.outboundType, OUTBOUND_TYPES);
            v.nonEmpty("network.roleScopes", args.network.roleScopes);
        }
        const protect = args.protect ?? false;
        const tags = args.tags ?? {};

        const workspace = new operationalinsights.Workspace(
            `${name}-logs`,
            {
                workspaceName: `log-${args.clusterName}`,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                sku: { name: "PerGB2018" },
                retentionInDays: retention,
                tags,
            },
            { parent: this, protect },
        );

        const tenantId = args.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId;

        // Bring-your-own VNet: the control plane must be allowed to join the subnets (and use the
        // route table / NAT gateway) when the cluster is created, so its identity exists first.
        let identity: containerservice.ManagedClusterArgs["identity"] = { type: "SystemAssigned" };
        const networkGrants: pulumi.Resource[] = [];
        if (args.network) {
            const controlPlane = new managedidentity.UserAssignedIdentity(
                `${name}-identity`,
                { resourceName: `id-${args.clusterName}`, resourceGroupName: args.resourceGroupName, location: args.location, tags },
                { parent: this },
            );
            const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
            args.network.roleScopes.forEach((scope, i) => {
                networkGrants.push(
                    new authorization.RoleAssignment(
                        `${name}-network-${i}`,
                        {
                            principalId: controlPlane.principalId,
                            principalType: "ServicePrincipal",
                            roleDefinitionId: subscriptionId.apply((sub) => roleDefinitionId(sub, NETWORK_CONTRIBUTOR_ROLE_ID)),
                            scope,
                        },
                        { parent: this },
                    ),
                );
            });
            identity = { type: "UserAssigned", userAssignedIdentities: [controlPlane.id] };
        }
        const subnetOf = args.network ? { vnetSubnetID: args.network.nodeSubnetId } : {};

        const cluster = new containerservice.ManagedCluster(
            name,
            {
                resourceName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                dnsPrefix: args.dnsPrefix,
                kubernetesVersion: args.kubernetesVersion,
                sku: { name: "Base", tier: skuTier },
                identity,
                enableRBAC: true,
                aadProfile: {
                    managed: true,
                    enableAzureRBAC: true,
                    adminGroupObjectIDs: [...args.adminGroupObjectIds],
                    tenantID: tenantId,
                },
                disableLocalAccounts: true,
                apiServerAccessProfile: apiServerAccessProfile(apiServer, args.network?.apiServerSubnetId),
                oidcIssuerProfile: { enabled: true },
                securityProfile: {
                    workloadIdentity: { enabled: true },
                    imageCleaner: { enabled: true, intervalHours: 168 },
                },
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    networkDataplane: "cilium",
                    networkPolicy: "cilium",
                    podCidr: args.podCidr,
                    serviceCidr: args.serviceCidr,
                    dnsServiceIP: args.dnsServiceIP,
                    loadBalancerSku: "standard",
                    ...(args.network ? { outboundType: args.network.outboundType } : {}),
                },
                agentPoolProfiles: [
                    {
                        name: args.systemPool.name,
                        mode: "System",
                        nodeTaints: [CRITICAL_ADDONS_TAINT],
                        ...nodePoolProperties(args.systemPool, zones),
                        ...subnetOf,
                    },
                ],
                autoUpgradeProfile: { upgradeChannel, nodeOSUpgradeChannel: nodeOsChannel },
                addonProfiles: {
                    omsagent: {
                        enabled: true,
                        config: { logAnalyticsWorkspaceResourceID: workspace.id, useAADAuth: "true" },
                    },
                    azurepolicy: { enabled: true, config: { version: "v2" } },
                },
                tags,
            },
            { parent: this, protect, ignoreChanges: clusterIgnoreChanges(upgradeChannel), dependsOn: networkGrants },
        );

        const userPool = new containerservice.AgentPool(
            `${name}-${args.userPool.name}`,
            {
                agentPoolName: args.userPool.name,
                resourceName: cluster.name,
                resourceGroupName: args.resourceGroupName,
                mode: "User",
                ...nodePoolProperties(args.userPool, zones),
                ...subnetOf,
                tags,
            },
            // `count` is the autoscaler's; AKS upgrades `orchestratorVersion` with the control plane.
            { parent: this, ignoreChanges: ["count", "orchestratorVersion"] },
        );

        new containerservice.MaintenanceConfiguration(
            `${name}-upgrade-window`,
            {
                configName: "aksManagedAutoUpgradeSchedule",
                resourceName: cluster.name,
                resourceGroupName: args.resourceGroupName,
                maintenanceWindow: maintenanceWindow(args.upgradeWindow),
            },
            { parent: this },
        );
        new containerservice.MaintenanceConfiguration(
            `${name}-node-os-window`,
            {
                configName: "aksManagedNodeOSUpgradeSchedule",
                resourceName: cluster.name,
                resourceGroupName: args.resourceGroupName,
                maintenanceWindow: maintenanceWindow(args.nodeOsWindow),
            },
            { parent: this },
        );

        this.kubeletObjectId = cluster.identityProfile.apply((p) => p?.["kubeletidentity"]?.objectId ?? "");
        if (args.registryId !== undefined) {
            const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
            new authorization.RoleAssignment(
                `${name}-acr-pull`,
                {
                    principalId: this.kubeletObjectId,
                    principalType: "ServicePrincipal",
                    roleDefinitionId: subscriptionId.apply((sub) => roleDefinitionId(sub, ACR_PULL_ROLE_ID)),
                    scope: args.registryId,
                },
                { parent: this },
            );
        }

        const credentials = containerservice.listManagedClusterUserCredentialsOutput(
            { resourceGroupName: args.resourceGroupName, resourceName: cluster.name, format: "exec" },
            { parent: this },
        );
        this.kubeconfig = pulumi.secret(
            credentials.kubeconfigs.apply((ks) => convertKubeconfig(Buffer.from(ks[0].value, "base64").toString("utf8"), loginMode)),
        );

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: this.kubeconfig,
                // The cluster's resource id identifies the cluster, so rotated credentials
                // (a new kubeconfig) do not replace every Kubernetes resource.
                clusterIdentifier: cluster.id,
                enableServerSideApply: true,
            },
            { parent: this, dependsOn: [userPool] },
        );

        this.clusterName = cluster.name;
        this.clusterId = cluster.id;
        this.resourceGroupName = pulumi.output(args.resourceGroupName);
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
        this.logAnalyticsWorkspaceId = workspace.id;
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterId: this.clusterId,
            resourceGroupName: this.resourceGroupName,
            oidcIssuerUrl: this.oidcIssuerUrl,
            kubeletObjectId: this.kubeletObjectId,
            logAnalyticsWorkspaceId: this.logAnalyticsWorkspaceId,
            kubeconfig: this.kubeconfig,
        });
    }
}
