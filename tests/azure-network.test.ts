/**
 * Issue 15, the Azure side: the stack's VNet and subnets, the nodes' egress (NAT gateway or a
 * firewall route), the private or IP-restricted API server with run command off, private
 * endpoints with private DNS for ACR and the backup storage, public access off, ACR protections,
 * diagnostic settings to Log Analytics, the pod security initiative — exact inputs per stack and
 * per variant, every validation rule fed bad input, and the pure helpers.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { apiServerAccessProfile, authorizedRangesProblem, cidrContains, cidrsOverlap, ContainerRegistry, DEFAULT_AKS_LOG_CATEGORIES, DiagnosticSettings, firewallRoutes, NETWORK_CONTRIBUTOR_ROLE_ID, parseCidr, parseVnetId, POD_SECURITY_INITIATIVES, podSecurityParameters, PodSecurityPolicy, PrivateEndpoint, registryProtection, requiredNodeIps, StackNetwork, StackNetworkArgs } from "../components/platform";
import { ArgumentError } from "../components/shared";
import { ConfigError, parseStackConfig } from "../infra/config";
import { defaultSubnets } from "../infra/config/network";
import { MOCK_SUBSCRIPTION_ID } from "../tools/render/mocks";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { all, manifests, one, PROJECT_DIR, record, render, synthCliAsync } from "./helpers";

const SUB = `/subscriptions/${MOCK_SUBSCRIPTION_ID}`;
const rgId = (stack: string) => `${SUB}/resourceGroups/rg-it-ops-${stack}`;
const vnetId = (stack: string) => `${rgId(stack)}/providers/Microsoft.Network/virtualNetworks/vnet-it-ops-${stack}`;
const subnetId = (stack: string, name: string) => `${vnetId(stack)}/subnets/${name}`;
const CLUSTER = "azure-native:containerservice:ManagedCluster";

const NET = {
    staging: { base: "10.30", apiServer: { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] }, effect: "audit" },
    production: { base: "10.20", apiServer: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, privateDNSZone: "system" }, effect: "deny" },
} as const;

for (const stack of ["staging", "production"] as const) {
    const e = NET[stack];
    describe(`${stack}: network isolation`, () => {
        it("one VNet with four subnets, created one after another, none with default outbound access", async () => {
            const r = await render(stack);
            const vnet = one(r, "azure-native:network:VirtualNetwork");
            assert.deepEqual(
                { ...vnet.inputs, tags: undefined },
                {
                    virtualNetworkName: `vnet-it-ops-${stack}`,
                    resourceGroupName: `rg-it-ops-${stack}`,
                    location: "japaneast",
                    addressSpace: { addressPrefixes: [`${e.base}.0.0/16`] },
                    // The SDK's defaults.
                    enableDdosProtection: false,
                    enableVmProtection: false,
                    tags: undefined,
                },
            );
            assert.deepEqual(vnet.options.ignoreChanges, ["subnets"], "standalone subnets are not dropped by VNet updates");
            const subnets = all(r, "azure-native:network:Subnet");
            assert.deepEqual(
                subnets.map((s) => [s.inputs.subnetName, s.inputs.addressPrefix, s.inputs.virtualNetworkName, s.inputs.defaultOutboundAccess]),
                [
                    ["snet-aks-nodes", `${e.base}.0.0/22`, `vnet-it-ops-${stack}`, false],
                    ["snet-aks-apiserver", `${e.base}.4.0/28`, `vnet-it-ops-${stack}`, false],
                    ["snet-private-endpoints", `${e.base}.5.0/24`, `vnet-it-ops-${stack}`, false],
                    ["snet-database", `${e.base}.8.0/24`, `vnet-it-ops-${stack}`, false],
                ],
            );
            assert.deepEqual(subnets[1].inputs.delegations, [{ name: "aks-apiserver", serviceName: "Microsoft.ContainerService/managedClusters" }]);
            assert.equal(subnets[2].inputs.privateEndpointNetworkPolicies, "Enabled");
            assert.equal(subnets[3].inputs.privateEndpointNetworkPolicies, "Enabled");
            // Serialised: each subnet waits for the previous one (the first for the VNet).
            assert.deepEqual(subnets.map((s) => s.options.dependsOn), [[vnet.urn], [subnets[0].urn], [subnets[1].urn], [subnets[2].urn]]);
        });

        it("nodes egress through a NAT gateway with a static Standard public IP; no route table", async () => {
            const r = await render(stack);
            const ip = one(r, "azure-native:network:PublicIPAddress").inputs;
            assert.deepEqual([ip.publicIpAddressName, ip.sku, ip.publicIPAllocationMethod, ip.zones], [`pip-vnet-it-ops-${stack}-nat`, { name: "Standard", tier: "Regional" }, "Static", stack === "production" ? ["1", "2", "3"] : []]);
            const nat = one(r, "azure-native:network:NatGateway").inputs as any;
            assert.deepEqual([nat.natGatewayName, nat.sku, nat.idleTimeoutInMinutes], [`ng-vnet-it-ops-${stack}`, { name: "Standard" }, 4]);
            assert.deepEqual(nat.publicIpAddresses, [{ id: `${rgId(stack)}/providers/Microsoft.Network/publicIPAddresses/pip-vnet-it-ops-${stack}-nat` }]);
            const nodes = one(r, "azure-native:network:Subnet", "itops-network-nodes").inputs as any;
            assert.deepEqual(nodes.natGateway, { id: `${rgId(stack)}/providers/Microsoft.Network/natGateways/ng-vnet-it-ops-${stack}` });
            assert.equal(nodes.routeTable, undefined);
            assert.equal(all(r, "azure-native:network:RouteTable").length, 0);
        });

        it(`API server: ${stack === "production" ? "private" : "authorized ranges only"}, VNet-integrated, run command disabled; nodes in the node subnet`, async () => {
            const r = await render(stack);
            const c = one(r, CLUSTER).inputs as any;
            assert.deepEqual(c.apiServerAccessProfile, {
                disableRunCommand: true,
                enableVnetIntegration: true,
                subnetId: subnetId(stack, "snet-aks-apiserver"),
                ...e.apiServer,
            });
            assert.equal(c.networkProfile.outboundType, "userAssignedNATGateway");
            assert.equal(c.networkProfile.networkPluginMode, "overlay", "Azure CNI overlay stays");
            assert.equal(c.agentPoolProfiles[0].vnetSubnetID, subnetId(stack, "snet-aks-nodes"));
            assert.equal(one(r, "azure-native:containerservice:AgentPool").inputs.vnetSubnetID, subnetId(stack, "snet-aks-nodes"));
        });

        it("the control-plane identity is Network Contributor on the node and API server subnets and the NAT gateway before the cluster exists", async () => {
            const r = await render(stack);
            const id = one(r, "azure-native:managedidentity:UserAssignedIdentity", "itops-aks-identity");
            assert.equal(id.inputs.resourceName, `id-aks-it-ops-${stack}`);
            const grants = all(r, "azure-native:authorization:RoleAssignment").filter((x) => x.name.startsWith("itops-aks-network-"));
            assert.deepEqual(
                grants.map((g) => [g.inputs.scope, g.inputs.roleDefinitionId, g.inputs.principalType]),
                [subnetId(stack, "snet-aks-nodes"), subnetId(stack, "snet-aks-apiserver"), `${rgId(stack)}/providers/Microsoft.Network/natGateways/ng-vnet-it-ops-${stack}`].map((scope) => [
                    scope,
                    `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
                    "ServicePrincipal",
                ]),
            );
            assert.deepEqual(one(r, CLUSTER).options.dependsOn, grants.map((g) => g.urn));
        });

        it("ACR: Premium, public access off, export disabled, zone-redundant, retention on, trusted services, data endpoints", async () => {
            const r = await render(stack);
            const reg = one(r, "azure-native:containerregistry:Registry");
            const i = reg.inputs as any;
            assert.deepEqual(
                { sku: i.sku, publicNetworkAccess: i.publicNetworkAccess, networkRuleBypassOptions: i.networkRuleBypassOptions, dataEndpointEnabled: i.dataEndpointEnabled, zoneRedundancy: i.zoneRedundancy, policies: i.policies },
                {
                    sku: { name: "Premium" },
                    publicNetworkAccess: "Disabled",
                    networkRuleBypassOptions: "AzureServices",
                    dataEndpointEnabled: true,
                    zoneRedundancy: "Enabled",
                    policies: { exportPolicy: { status: "disabled" }, retentionPolicy: { days: 7, status: "enabled" } },
                },
            );
            assert.deepEqual(reg.options.replaceOnChanges, ["zoneRedundancy"]);
        });

        it("private endpoints: ACR (registry) and Storage (blob), each with its privatelink zone linked to the VNet", async () => {
            const r = await render(stack);
            const pe = one(r, "azure-native:network:PrivateEndpoint", "itops-registry-endpoint").inputs as any;
            assert.deepEqual(
                { ...pe, tags: undefined },
                {
                    privateEndpointName: `pe-itops${stack}acr`,
                    customNetworkInterfaceName: `pe-itops${stack}acr-nic`,
                    resourceGroupName: `rg-it-ops-${stack}`,
                    location: "japaneast",
                    // A reference to the subnet (the SDK adds its subnet defaults; only the id counts).
                    subnet: { id: subnetId(stack, "snet-private-endpoints"), privateEndpointNetworkPolicies: "Disabled", privateLinkServiceNetworkPolicies: "Enabled" },
                    privateLinkServiceConnections: [
                        { name: `pe-itops${stack}acr`, privateLinkServiceId: `${rgId(stack)}/providers/Microsoft.ContainerRegistry/registries/itops${stack}acr`, groupIds: ["registry"] },
                    ],
                    tags: undefined,
                },
            );
            const zones = all(r, "azure-native:privatedns:PrivateZone").map((z) => [z.inputs.privateZoneName, z.inputs.location]);
            // Staging (database.mode managed) adds its MongoDB cluster's zone (tests/database.test.ts), created before the backups'.
            const databaseZone = stack === "staging" ? [["privatelink.mongocluster.cosmos.azure.com", "global"]] : [];
            assert.deepEqual(zones, [["privatelink.azurecr.io", "global"], ...databaseZone, ["privatelink.blob.core.windows.net", "global"]]);
            for (const link of all(r, "azure-native:privatedns:VirtualNetworkLink")) {
                assert.deepEqual([link.inputs.virtualNetwork, link.inputs.registrationEnabled, link.inputs.location], [{ id: vnetId(stack) }, false, "global"]);
            }
            const group = one(r, "azure-native:network:PrivateDnsZoneGroup", "itops-registry-endpoint-dns").inputs as any;
            assert.deepEqual(group.privateDnsZoneConfigs, [{ name: "privatelink-azurecr-io", privateDnsZoneId: `${rgId(stack)}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io` }]);
            // Pods are created only after the registry's endpoint (and its DNS) exists.
            const app = one(r, "itops:app:ItOpsApp");
            assert.ok(app.options.dependsOn?.includes(one(r, "itops:azure:PrivateEndpoint", "itops-registry-endpoint").urn), String(app.options.dependsOn));
        });

        it("diagnostic settings: AKS audit (admin), guard and control plane; ACR events; all to the stack's workspace", async () => {
            const r = await render(stack);
            const ws = `${rgId(stack)}/providers/Microsoft.OperationalInsights/workspaces/log-aks-it-ops-${stack}`;
            const aks = one(r, "azure-native:monitor:DiagnosticSetting", "itops-aks-diagnostics").inputs as any;
            assert.deepEqual(aks, {
                name: "itops-to-log-analytics",
                resourceUri: `${rgId(stack)}/providers/Microsoft.ContainerService/managedClusters/aks-it-ops-${stack}`,
                workspaceId: ws,
                logAnalyticsDestinationType: "Dedicated",
                logs: ["kube-audit-admin", "guard", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager"].map((category) => ({ category, enabled: true })),
                metrics: [{ category: "AllMetrics", enabled: true }],
            });
            const acr = one(r, "azure-native:monitor:DiagnosticSetting", "itops-registry-diagnostics").inputs as any;
            assert.equal(acr.resourceUri, `${rgId(stack)}/providers/Microsoft.ContainerRegistry/registries/itops${stack}acr`);
            assert.equal(acr.workspaceId, ws);
            assert.deepEqual(acr.logs, [{ category: "ContainerRegistryRepositoryEvents", enabled: true }, { category: "ContainerRegistryLoginEvents", enabled: true }]);
            // Retention is the workspace's (cluster.logRetentionDays); no retired per-setting retention.
            assert.equal(one(r, "azure-native:operationalinsights:Workspace").inputs.retentionInDays, stack === "production" ? 90 : 30);
            for (const d of all(r, "azure-native:monitor:DiagnosticSetting")) assert.ok(!JSON.stringify(d.inputs).includes("retentionPolicy"), d.name);
        });

        it(`Azure Policy: the built-in pod security baseline initiative on the cluster, effect ${e.effect}, monitoring exempt`, async () => {
            const r = await render(stack);
            const a = one(r, "azure-native:authorization:PolicyAssignment").inputs as any;
            assert.equal(a.policyAssignmentName, "pod-security-baseline");
            assert.equal(a.scope, `${rgId(stack)}/providers/Microsoft.ContainerService/managedClusters/aks-it-ops-${stack}`);
            assert.equal(a.policyDefinitionId, "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d");
            assert.equal(a.enforcementMode, "Default");
            assert.deepEqual(a.parameters, {
                effect: { value: e.effect },
                excludedNamespaces: { value: ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system", "monitoring"] },
            });
        });

        it("the app's database egress is network.subnets.database (one fact, one place)", async () => {
            const r = await render(stack);
            assert.ok(r.config.clusterMode === "aks");
            assert.deepEqual(r.config.app.database.cidrs, [r.config.network.subnets.database]);
            const egress = manifests(r, "NetworkPolicy").filter((n) => JSON.stringify(n.spec.egress ?? []).includes("ipBlock"));
            const blocks = egress.flatMap((n) => n.spec.egress.flatMap((x: any) => (x.to ?? []).filter((t: any) => t.ipBlock).map((t: any) => t.ipBlock.cidr)));
            assert.ok(blocks.includes(`${e.base}.8.0/24`), blocks.join());
            assert.equal(r.outputs.vnetId, vnetId(stack));
        });
    });
}

describe("variants (by config)", () => {
    it("userDefinedRouting: a route table sends 0.0.0.0/0 to the firewall; no NAT gateway; the cluster says so", async () => {
        const r = await render("production", ["network.outbound.type=userDefinedRouting", "network.outbound.firewallPrivateIp=10.100.0.4"]);
        const rt = one(r, "azure-native:network:RouteTable");
        assert.deepEqual([rt.inputs.routeTableName, rt.inputs.disableBgpRoutePropagation], ["rt-vnet-it-ops-production-nodes", true]);
        assert.deepEqual(rt.inputs.routes, [{ name: "default-to-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.100.0.4" }]);
        const rtId = `${rgId("production")}/providers/Microsoft.Network/routeTables/rt-vnet-it-ops-production-nodes`;
        assert.deepEqual(one(r, "azure-native:network:Subnet", "itops-network-nodes").inputs.routeTable, { id: rtId });
        assert.equal(all(r, "azure-native:network:NatGateway").length + all(r, "azure-native:network:PublicIPAddress").length, 0);
        assert.equal((one(r, CLUSTER).inputs as any).networkProfile.outboundType, "userDefinedRouting");
        assert.ok(all(r, "azure-native:authorization:RoleAssignment").some((g) => g.name.startsWith("itops-aks-network-") && g.inputs.scope === rtId));
    });

    it("an existing VNet by id: no VNet is created, the subnets go into it (its resource group)", async () => {
        const id = `${SUB}/resourceGroups/rg-network-hub/providers/Microsoft.Network/virtualNetworks/vnet-spoke-itops`;
        const r = await render("production", [`network.existingVnetId=${id}`, "network.addressSpace=null"]);
        assert.equal(all(r, "azure-native:network:VirtualNetwork").length, 0);
        for (const s of all(r, "azure-native:network:Subnet")) assert.deepEqual([s.inputs.virtualNetworkName, s.inputs.resourceGroupName], ["vnet-spoke-itops", "rg-network-hub"]);
        assert.equal((one(r, CLUSTER).inputs as any).agentPoolProfiles[0].vnetSubnetID, `${id}/subnets/snet-aks-nodes`);
        for (const link of all(r, "azure-native:privatedns:VirtualNetworkLink")) assert.deepEqual(link.inputs.virtualNetwork, { id });
    });

    it("publicNetworkAccess true (a debugging staging): ACR and Storage public endpoints on, ACR export allowed, network rules still deny", async () => {
        const r = await render("staging", ["network.publicNetworkAccess=true"]);
        const reg = one(r, "azure-native:containerregistry:Registry").inputs as any;
        assert.deepEqual([reg.publicNetworkAccess, reg.policies.exportPolicy, reg.dataEndpointEnabled], ["Enabled", { status: "enabled" }, false]);
        const sa = one(r, "azure-native:storage:StorageAccount").inputs as any;
        assert.equal(sa.publicNetworkAccess, "Enabled");
        assert.equal(sa.networkRuleSet.defaultAction, "Deny");
    });

    it("restricted initiative and extra exclusions by config", async () => {
        const r = await render("staging", ["cluster.podSecurityPolicy.level=restricted", 'cluster.podSecurityPolicy.excludedNamespaces=["debug"]']);
        const a = one(r, "azure-native:authorization:PolicyAssignment").inputs as any;
        assert.equal(a.policyDefinitionId, POD_SECURITY_INITIATIVES.restricted.id);
        assert.equal(a.policyDefinitionId, "/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00");
        assert.deepEqual(a.parameters.excludedNamespaces.value.slice(-2), ["monitoring", "debug"]);
    });
});

// ---------------------------------------------------------------------------------------------
// Config validation: each rule fed bad input, the message names the key
// ---------------------------------------------------------------------------------------------

function parse(stack: string, sets: string[]) {
    let raw = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
    for (const s of sets) raw = applySet(raw, s);
    return parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true }).config;
}

/** Each case: what, stack, --set overrides, the first line, and how many problems (lines) the input has (default 1). */
const BAD: [string, string, string[], RegExp, number?][] = [
    ["subnet without host bits", "production", ["network.subnets.database=10.20.8.1/24"], /^it-ops-infra:network\.subnets\.database must be an IPv4 CIDR without host bits, such as 10\.20\.8\.0\/24, got "10\.20\.8\.1\/24"$/],
    ["API server subnet smaller than /28", "production", ["network.subnets.apiServer=10.20.4.0/29"], /^it-ops-infra:network\.subnets\.apiServer must be at least a \/28 \(API server VNet integration\), got "10\.20\.4\.0\/29"$/],
    ["overlapping subnets", "production", ["network.subnets.database=10.20.5.128/25"], /^it-ops-infra:network\.subnets\.database must not overlap subnets\.privateEndpoints \(10\.20\.5\.0\/24\)/],
    ["subnet outside the address space", "production", ["network.subnets.database=10.21.8.0/24"], /^it-ops-infra:network\.subnets\.database must lie inside network\.addressSpace \(10\.20\.0\.0\/16\)/],
    ["subnet in the pod overlay", "production", ["network.addressSpace=[\"10.20.0.0/16\",\"10.244.0.0/16\"]", "network.subnets.database=10.244.8.0/24"], /^it-ops-infra:network\.subnets\.database must not overlap cluster\.podCidr \(10\.244\.0\.0\/16\)/, 2],
    ["address space over the Service CIDR", "staging", ["network.addressSpace=[\"10.0.0.0/8\"]", "network.subnets=null"], /^it-ops-infra:network\.subnets\.nodes must not overlap cluster\.serviceCidr \(10\.0\.0\.0\/16\)/, 5],
    ["node subnet too small for the pools", "production", ["network.subnets.nodes=10.20.0.0/28"], /^it-ops-infra:network\.subnets\.nodes must hold at least 21 node IPs .* has 11, got "10\.20\.0\.0\/28"$/],
    ["managedNATGateway (AKS-managed VNet only)", "production", ["network.outbound.type=managedNATGateway"], /^it-ops-infra:network\.outbound\.type must be one of userAssignedNATGateway, userDefinedRouting \(managedNATGateway only exists for an AKS-managed VNet/],
    ["userDefinedRouting without a firewall", "production", ["network.outbound.type=userDefinedRouting"], /^it-ops-infra:network\.outbound\.firewallPrivateIp is required/],
    ["a firewall IP inside a stack subnet", "production", ["network.outbound.type=userDefinedRouting", "network.outbound.firewallPrivateIp=10.20.0.4"], /^it-ops-infra:network\.outbound\.firewallPrivateIp must not lie in subnets\.nodes/],
    ["a firewall IP with an octet above 255", "production", ["network.outbound.type=userDefinedRouting", "network.outbound.firewallPrivateIp=10.100.0.300"], /^it-ops-infra:network\.outbound\.firewallPrivateIp must be the firewall's private IPv4 address/],
    ["a firewall IP with a NAT gateway", "production", ["network.outbound.firewallPrivateIp=10.100.0.4"], /^it-ops-infra:network\.outbound\.firewallPrivateIp is only used with type userDefinedRouting/],
    ["an idle timeout with a firewall", "production", ["network.outbound.type=userDefinedRouting", "network.outbound.firewallPrivateIp=10.100.0.4", "network.outbound.idleTimeoutMinutes=10"], /^it-ops-infra:network\.outbound\.idleTimeoutMinutes is only used with type userAssignedNATGateway/],
    ["NAT idle timeout out of range", "production", ["network.outbound.idleTimeoutMinutes=121"], /^it-ops-infra:network\.outbound\.idleTimeoutMinutes must be an integer >= 4 and <= 120, got 121$/],
    ["a malformed VNet id", "production", ["network.existingVnetId=vnet-hub", "network.addressSpace=null"], /^it-ops-infra:network\.existingVnetId must be a virtual network resource id/],
    ["an existing VNet and an address space", "production", [`network.existingVnetId=${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-x`], /^it-ops-infra:network\.addressSpace is only used for a VNet the stack creates/],
    ["an existing VNet without subnets", "production", [`network.existingVnetId=${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-x`, "network.addressSpace=null", "network.subnets=null"], /^it-ops-infra:network\.subnets is required: an object$/],
    ["no network at all", "production", ["network=null"], /^it-ops-infra:network is required: an object$/],
    ["a small address space without subnets", "staging", ["network.addressSpace=[\"10.30.0.0/24\"]", "network.subnets=null"], /^it-ops-infra:network\.subnets\.nodes is required: the first addressSpace block \(10\.30\.0\.0\/24\) is smaller than \/20/],
    ["authorized ranges empty", "staging", ["cluster.apiServer.authorizedIpRanges=[]"], /^it-ops-infra:cluster\.apiServer\.authorizedIpRanges must list at least one CIDR \(an empty list leaves the API server open to the Internet\)/],
    ["authorized ranges 0.0.0.0/0", "staging", ["cluster.apiServer.authorizedIpRanges=[\"0.0.0.0/0\"]"], /^it-ops-infra:cluster\.apiServer\.authorizedIpRanges must not hold a block wider than \/8/],
    ["authorized ranges private", "staging", ["cluster.apiServer.authorizedIpRanges=[\"10.1.0.0/16\"]"], /^it-ops-infra:cluster\.apiServer\.authorizedIpRanges must hold public ranges only/],
    ["authorized ranges with a private API server", "production", ["cluster.apiServer.authorizedIpRanges=[\"203.0.113.0/24\"]"], /^it-ops-infra:cluster\.apiServer\.authorizedIpRanges is only used with access authorizedRanges/],
    ["an unknown API server access", "production", ["cluster.apiServer.access=public"], /^it-ops-infra:cluster\.apiServer\.access must be one of private, authorizedRanges, got "public"$/],
    ["an unknown policy effect", "production", ["cluster.podSecurityPolicy.effect=warn"], /^it-ops-infra:cluster\.podSecurityPolicy\.effect must be one of audit, deny, got "warn"$/],
    ["an unknown pod security level", "production", ["cluster.podSecurityPolicy.level=privileged"], /^it-ops-infra:cluster\.podSecurityPolicy\.level must be one of baseline, restricted, got "privileged"$/],
    ["diagnostics without the audit log", "production", ["cluster.diagnostics.logCategories=[\"guard\"]"], /^it-ops-infra:cluster\.diagnostics\.logCategories must include kube-audit-admin \(or kube-audit\)/],
    ["an unknown log category", "production", ["cluster.diagnostics.logCategories=[\"kube-audit-admin\",\"etcd\"]"], /^it-ops-infra:cluster\.diagnostics\.logCategories\[1\] must be one of kube-apiserver, /],
    ["a repeated log category", "production", ["cluster.diagnostics.logCategories=[\"guard\",\"guard\"]"], /^it-ops-infra:cluster\.diagnostics\.logCategories must not repeat a category/],
    ["a Standard registry", "staging", ["registry.sku=Standard"], /^it-ops-infra:registry\.sku must be Premium: the registry is reached through a private endpoint/],
    ["ACR settings on an existing registry", "production", ["registry.existing=true", "registry.zoneRedundant=false"], /^it-ops-infra:registry\.zoneRedundant is only used for a registry the stack creates/],
    ["a retention beyond 365 days", "production", ["registry.untaggedRetentionDays=400"], /^it-ops-infra:registry\.untaggedRetentionDays must be an integer >= 0 and <= 365, got 400$/],
    ["database CIDRs outside the database subnet", "production", ["app.database.cidrs=[\"10.20.9.0/24\"]"], /^it-ops-infra:app\.database\.cidrs must lie inside network\.subnets\.database \(10\.20\.8\.0\/24\)/],
    ["the restore ServiceAccount is the writer's", "production", ["backup.restoreServiceAccountName=mongodb-backup"], /^it-ops-infra:backup\.restoreServiceAccountName must differ from serviceAccountName \(mongodb-backup\)/],
    ["infrastructure encryption not a boolean", "production", ["backup.storage.requireInfrastructureEncryption=\"yes\""], /^it-ops-infra:backup\.storage\.requireInfrastructureEncryption must be true or false, got "yes"$/],
    ["network in cluster mode existing", "local", ["network.addressSpace=[\"10.20.0.0/16\"]"], /^it-ops-infra:network is only used with cluster\.mode aks/],
    ["the API server in cluster mode existing", "local", ["cluster.apiServer.access=private"], /^it-ops-infra:cluster\.apiServer is only used with cluster\.mode aks/],
];

describe("config validation (each rule, bad input, the key named)", () => {
    for (const [what, stack, sets, message, lines = 1] of BAD) {
        it(`rejects ${what}`, () => {
            let error: unknown;
            try {
                parse(stack, sets);
            } catch (e) {
                error = e;
            }
            assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
            assert.match((error as Error).message, message);
            // Every problem of the input is reported, one line each, each naming its key.
            const all = (error as Error).message.split("\n");
            assert.equal(all.length, lines, (error as Error).message);
            for (const l of all) assert.match(l, /^it-ops-infra:[\w.[\]-]+ /);
        });
    }

    it("the synth CLI exits 2 with one line naming the key, and writes nothing", async () => {
        const r = await synthCliAsync(["--stack", "production", "--quiet", "--set", "network.subnets.apiServer=10.20.4.0/29"]);
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
        assert.deepEqual(lines, ['error: it-ops-infra:network.subnets.apiServer must be at least a /28 (API server VNet integration), got "10.20.4.0/29"']);
        assert.equal(fs.existsSync(path.join(r.out, "production")), false);
    });

    it("accepts a narrower database allow (the endpoint's /32) and derives the default subnet layout from the address space", () => {
        const c = parse("production", ["app.database.cidrs=[\"10.20.8.4/32\"]", "network.subnets=null"]);
        assert.ok(c.clusterMode === "aks");
        assert.deepEqual(c.app.database.cidrs, ["10.20.8.4/32"]);
        assert.deepEqual(c.network.subnets, { nodes: "10.20.0.0/22", apiServer: "10.20.4.0/28", privateEndpoints: "10.20.5.0/24", database: "10.20.8.0/24" });
    });

    it("production-grade defaults: private API server with run command off, deny, NAT gateway, no public access, infrastructure encryption", () => {
        const c = parse("staging", ["cluster.apiServer=null", "cluster.podSecurityPolicy=null", "network.outbound=null", "network.publicNetworkAccess=null", "registry.sku=null"]);
        assert.ok(c.clusterMode === "aks");
        assert.deepEqual(c.cluster.apiServer, { access: "private", authorizedIpRanges: [], disableRunCommand: true });
        assert.deepEqual(c.cluster.podSecurityPolicy, { level: "baseline", effect: "deny", excludedNamespaces: [] });
        assert.deepEqual(c.cluster.diagnosticLogCategories, DEFAULT_AKS_LOG_CATEGORIES);
        assert.deepEqual(c.network.outbound, { type: "userAssignedNATGateway", idleTimeoutMinutes: 4 });
        assert.equal(c.network.publicNetworkAccess, false);
        assert.deepEqual([c.registry.sku, c.registry.zoneRedundant, c.registry.untaggedRetentionDays], ["Premium", true, 7]);
        assert.equal(c.backup.storage.requireInfrastructureEncryption, true);
        assert.equal(c.backup.restoreServiceAccountName, "mongodb-restore");
    });

    it("the local stack is unaffected: no network, database CIDRs from its own file", () => {
        const c = parse("local", []);
        assert.equal(c.clusterMode, "existing");
        assert.ok(!("network" in c));
        assert.deepEqual(c.app.database.cidrs, ["172.18.0.0/16"]);
    });
});

// ---------------------------------------------------------------------------------------------
// Pure helpers and component validation
// ---------------------------------------------------------------------------------------------

describe("pure network logic", () => {
    it("CIDR arithmetic", () => {
        const table: [string, boolean][] = [["10.20.0.0/16", true], ["10.20.8.0/24", true], ["10.20.8.1/24", false], ["10.20.8.0/33", false], ["256.0.0.0/8", false], ["10.0.0.0", false]];
        for (const [c, ok] of table) assert.equal(parseCidr(c) !== undefined, ok, c);
        assert.equal(cidrContains("10.20.0.0/16", "10.20.8.0/24"), true);
        assert.equal(cidrContains("10.20.8.0/24", "10.20.0.0/16"), false);
        assert.equal(cidrContains("10.20.8.0/24", "10.20.8.4/32"), true);
        assert.equal(cidrsOverlap("10.20.5.0/24", "10.20.5.128/25"), true);
        assert.equal(cidrsOverlap("10.20.4.0/28", "10.20.4.16/28"), false);
    });
    it("node IPs: every pool at its maximum plus 33 % surge", () => {
        assert.equal(requiredNodeIps([{ maxCount: 5 }, { maxCount: 10 }]), 5 + 2 + 10 + 4);
        assert.equal(requiredNodeIps([{ maxCount: 1 }]), 2);
    });
    it("default subnets from a /16, none from a block smaller than /20", () => {
        assert.deepEqual(defaultSubnets("172.16.0.0/16"), { nodes: "172.16.0.0/22", apiServer: "172.16.4.0/28", privateEndpoints: "172.16.5.0/24", database: "172.16.8.0/24" });
        assert.equal(defaultSubnets("10.30.0.0/21"), undefined);
    });
    it("VNet ids", () => {
        assert.deepEqual(parseVnetId(`${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-a`), { subscriptionId: MOCK_SUBSCRIPTION_ID, resourceGroupName: "rg-hub", name: "vnet-a" });
        assert.equal(parseVnetId(`${SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/networkSecurityGroups/x`), undefined);
    });
    it("API server profile per access mode; authorized ranges rules", () => {
        assert.deepEqual(apiServerAccessProfile({ access: "private", authorizedIpRanges: [], disableRunCommand: true }, "subnet"), { disableRunCommand: true, enableVnetIntegration: true, subnetId: "subnet", enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, privateDNSZone: "system" });
        assert.deepEqual(apiServerAccessProfile({ access: "authorizedRanges", authorizedIpRanges: ["198.51.100.0/24"], disableRunCommand: true }), { disableRunCommand: true, enablePrivateCluster: false, authorizedIPRanges: ["198.51.100.0/24"] });
        assert.equal(authorizedRangesProblem(["198.51.100.7/32"]), undefined);
        for (const bad of [[], ["0.0.0.0/0"], ["192.168.1.0/24"], ["198.51.100.1/24"]]) assert.ok(authorizedRangesProblem(bad), JSON.stringify(bad));
    });
    it("registry protection follows public access; firewall route; policy parameters keep the system namespaces", () => {
        assert.deepEqual(registryProtection({ publicNetworkAccess: false, zoneRedundant: true, untaggedRetentionDays: 7 }).policies, { exportPolicy: { status: "disabled" }, retentionPolicy: { days: 7, status: "enabled" } });
        assert.deepEqual(firewallRoutes("10.1.2.3"), [{ name: "default-to-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.1.2.3" }]);
        assert.deepEqual(podSecurityParameters("audit", ["kube-system", "monitoring"]).excludedNamespaces.value, ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system", "monitoring"]);
        assert.equal(POD_SECURITY_INITIATIVES.baseline.displayName, "Kubernetes cluster pod security baseline standards for Linux-based workloads");
    });
});

describe("component validation (before any child)", () => {
    const net: StackNetworkArgs = {
        resourceGroupName: "rg",
        location: "japaneast",
        vnetName: "vnet",
        addressSpace: ["10.20.0.0/16"],
        subnets: { nodes: "10.20.0.0/22", apiServer: "10.20.4.0/28", privateEndpoints: "10.20.5.0/24", database: "10.20.8.0/24" },
        outbound: { type: "userAssignedNATGateway", idleTimeoutMinutes: 4 },
        zones: [],
    };
    const cases: [string, () => unknown, RegExp][] = [
        ["StackNetwork addressSpace", () => new StackNetwork("n", { ...net, addressSpace: [] }), /StackNetwork n: args\.addressSpace must be a non-empty list/],
        ["StackNetwork existingVnetId", () => new StackNetwork("n", { ...net, existingVnetId: "vnet" }), /args\.existingVnetId must be a virtual network resource id/],
        ["StackNetwork subnets.apiServer", () => new StackNetwork("n", { ...net, subnets: { ...net.subnets, apiServer: "10.20.4.0/29" } }), /args\.subnets\.apiServer must be at least a \/28/],
        ["StackNetwork firewallPrivateIp", () => new StackNetwork("n", { ...net, outbound: { type: "userDefinedRouting", firewallPrivateIp: "fw" } }), /args\.outbound\.firewallPrivateIp must be an IPv4 address/],
        ["StackNetwork outbound.idleTimeoutMinutes", () => new StackNetwork("n", { ...net, outbound: { type: "userAssignedNATGateway", idleTimeoutMinutes: 0 } }), /args\.outbound\.idleTimeoutMinutes must be an integer >= 1, got 0/],
        ["StackNetwork outbound.type", () => new StackNetwork("n", { ...net, outbound: { type: "managedNATGateway" } as never }), /args\.outbound\.type must be one of userAssignedNATGateway, userDefinedRouting/],
        ["PrivateEndpoint target", () => new PrivateEndpoint("p", { resourceGroupName: "rg", location: "l", target: "queue" as never, resourceId: "id", endpointName: "pe-x", subnetId: "s", vnetId: "v" }), /PrivateEndpoint p: args\.target must be one of registry, blob/],
        ["DiagnosticSettings logCategories", () => new DiagnosticSettings("d", { resourceUri: "r", workspaceId: "w", logCategories: [] }), /DiagnosticSettings d: args\.logCategories must be a non-empty list/],
        ["PodSecurityPolicy effect", () => new PodSecurityPolicy("p", { clusterId: "c", assignmentName: "a", level: "baseline", effect: "warn" as never, excludedNamespaces: [] }), /PodSecurityPolicy p: args\.effect must be one of audit, deny/],
        ["ContainerRegistry private below Premium", () => new ContainerRegistry("r", { registryName: "itopsacr", resourceGroupName: "rg", location: "l", existing: false, sku: "Standard", publicNetworkAccess: false, zoneRedundant: false, untaggedRetentionDays: undefined }), /args\.publicNetworkAccess must be true with sku Standard \(private endpoints need Premium\)/],
        ["ContainerRegistry zone redundancy below Premium", () => new ContainerRegistry("r", { registryName: "itopsacr", resourceGroupName: "rg", location: "l", existing: false, sku: "Basic", publicNetworkAccess: true, zoneRedundant: true, untaggedRetentionDays: undefined }), /args\.zoneRedundant must be false with sku Basic/],
    ];
    for (const [what, make, message] of cases) {
        it(`${what}`, async () => {
            let error: unknown;
            const rec = await record(() => {
                try {
                    make();
                } catch (e) {
                    error = e;
                }
            });
            assert.ok(error instanceof ArgumentError, String(error));
            assert.match((error as Error).message, message);
            assert.deepEqual(rec.resources.filter((x) => x.custom), [], "no child created");
        });
    }
});
