/**
 * The Azure platform: exact inputs of the AKS cluster, node pools, maintenance windows, registry,
 * AcrPull role assignment and the downstream Kubernetes provider, per stack; component validation.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { ACR_PULL_ROLE_ID, AksCluster, AksClusterArgs, clusterIgnoreChanges, ContainerRegistry, ContainerRegistryArgs, convertKubeconfig, CRITICAL_ADDONS_TAINT, maintenanceWindow } from "../components/platform";
import { ArgumentError } from "../components/shared";
import { AKS_AAD_SERVER_ID, mockAksKubeconfig, mockUuid, MOCK_SUBSCRIPTION_ID } from "../tools/render/mocks";
import { all, one, record, render } from "./helpers";

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const POOL = "azure-native:containerservice:AgentPool";

describe("AKS cluster per stack", () => {
    for (const stack of ["staging", "production"] as const) {
        const prod = stack === "production";
        it(`${stack}: Entra ID + Azure RBAC, local accounts off, OIDC + workload identity, Cilium overlay`, async () => {
            const r = await render(stack);
            const c = one(r, CLUSTER).inputs as any;
            assert.equal(c.resourceName, `aks-it-ops-${stack}`);
            assert.equal(c.enableRBAC, true);
            assert.equal(c.disableLocalAccounts, true);
            assert.deepEqual(c.aadProfile, {
                managed: true,
                enableAzureRBAC: true,
                adminGroupObjectIDs: [r.config.clusterMode === "aks" ? r.config.cluster.adminGroupObjectIds[0] : "not an AKS stack"],
                tenantID: "11111111-1111-1111-1111-111111111111",
            });
            assert.deepEqual(c.oidcIssuerProfile, { enabled: true });
            assert.deepEqual(c.securityProfile.workloadIdentity, { enabled: true });
            // A user-assigned control-plane identity (Network Contributor on its subnets before creation).
            assert.deepEqual(c.identity, { type: "UserAssigned", userAssignedIdentities: [`/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-it-ops-${stack}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks-it-ops-${stack}`] });
            assert.equal(c.networkProfile.networkPlugin, "azure");
            assert.equal(c.networkProfile.networkPluginMode, "overlay");
            assert.equal(c.networkProfile.networkDataplane, "cilium");
            assert.equal(c.networkProfile.networkPolicy, "cilium");
            assert.equal(c.kubernetesVersion, "1.33");
        });

        it(`${stack}: tier, zones on every pool, autoscaler bounds, system pool tainted`, async () => {
            const r = await render(stack);
            const c = one(r, CLUSTER).inputs as any;
            assert.deepEqual(c.sku, { name: "Base", tier: prod ? "Standard" : "Free" });
            const zones = prod ? ["1", "2", "3"] : [];
            assert.equal(c.agentPoolProfiles.length, 1);
            const sys = c.agentPoolProfiles[0];
            assert.equal(sys.mode, "System");
            assert.deepEqual(sys.nodeTaints, [CRITICAL_ADDONS_TAINT]);
            assert.deepEqual(sys.availabilityZones, zones);
            assert.equal(sys.enableAutoScaling, true);
            assert.deepEqual([sys.minCount, sys.maxCount], prod ? [3, 5] : [1, 2]);
            const user = one(r, POOL).inputs as any;
            assert.equal(user.mode, "User");
            assert.equal(user.agentPoolName, "user");
            assert.equal(user.resourceName, `aks-it-ops-${stack}`);
            assert.deepEqual(user.availabilityZones, zones);
            assert.equal(user.enableAutoScaling, true);
            assert.deepEqual([user.minCount, user.maxCount], prod ? [3, 10] : [1, 4]);
            assert.equal(user.nodeTaints, undefined, "the user pool takes workloads");
            assert.equal(user.vmSize, prod ? "Standard_D8ds_v5" : "Standard_D4ds_v5");
        });

        it(`${stack}: upgrade channels, maintenance windows, Container Insights with AAD auth, Azure Policy`, async () => {
            const r = await render(stack);
            const c = one(r, CLUSTER).inputs as any;
            assert.deepEqual(c.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
            const ws = one(r, "azure-native:operationalinsights:Workspace");
            assert.equal(c.addonProfiles.omsagent.enabled, true);
            assert.equal(c.addonProfiles.omsagent.config.useAADAuth, "true");
            assert.match(c.addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID, new RegExp(`/workspaces/${ws.inputs.workspaceName}$`));
            assert.equal(ws.inputs.retentionInDays, prod ? 90 : 30);
            assert.equal(c.addonProfiles.azurepolicy.enabled, true);
            const windows = all(r, "azure-native:containerservice:MaintenanceConfiguration").map((x) => x.inputs as any);
            assert.deepEqual(windows.map((w) => w.configName).sort(), ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
            const upgrade = windows.find((w) => w.configName === "aksManagedAutoUpgradeSchedule");
            assert.deepEqual(upgrade.maintenanceWindow, {
                schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
                durationHours: 4,
                startTime: "02:00",
                utcOffset: "+09:00",
            });
        });

        it(`${stack}: AcrPull for the kubelet identity on the registry; admin user off`, async () => {
            const r = await render(stack);
            const reg = one(r, "azure-native:containerregistry:Registry").inputs as any;
            assert.equal(reg.adminUserEnabled, false);
            assert.equal(reg.anonymousPullEnabled, false);
            const ra = one(r, "azure-native:authorization:RoleAssignment", "itops-aks-acr-pull").inputs as any;
            assert.equal(ra.roleDefinitionId, `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE_ID}`);
            assert.equal(ra.principalId, mockUuid(`kubelet-object/aks-it-ops-${stack}`), "the kubelet identity's object id");
            assert.equal(ra.principalType, "ServicePrincipal");
            assert.match(ra.scope, new RegExp(`/registries/itops${stack}acr$`));
        });

        it(`${stack}: Kubernetes provider from the user kubeconfig, secret, with a stable cluster identifier`, async () => {
            const r = await render(stack);
            const p = one(r, "pulumi:providers:kubernetes");
            const cluster = one(r, CLUSTER);
            assert.equal(p.inputs.kubeconfig, "[secret]");
            assert.match(String(p.inputs.clusterIdentifier), new RegExp(`/managedClusters/aks-it-ops-${stack}$`));
            assert.equal(p.parent, cluster.parent, "owned by the AksCluster component");
            assert.equal(r.outputs.kubeconfig, "[secret]");
            assert.equal(r.outputs.registryLoginServer, `itops${stack}acr.azurecr.io`);
            assert.match(String(r.outputs.oidcIssuerUrl), /^https:\/\/japaneast\.oic\.prod-aks\.azure\.com\//);
        });

        it(`${stack}: protection and ignoreChanges`, async () => {
            const r = await render(stack);
            for (const t of [CLUSTER, "azure-native:containerregistry:Registry", "azure-native:resources:ResourceGroup", "azure-native:operationalinsights:Workspace"]) {
                assert.equal(one(r, t).options.protect, prod ? true : undefined, `${t} protect`);
            }
            assert.deepEqual(one(r, CLUSTER).options.ignoreChanges, ["agentPoolProfiles[0].count"]);
            assert.deepEqual(one(r, POOL).options.ignoreChanges, ["count", "orchestratorVersion"]);
        });
    }
});

describe("pure platform logic", () => {
    it("ignoreChanges follows the upgrade channel", () => {
        const table: [Parameters<typeof clusterIgnoreChanges>[0], string[]][] = [
            ["none", ["agentPoolProfiles[0].count"]],
            ["patch", ["agentPoolProfiles[0].count"]],
            ["node-image", ["agentPoolProfiles[0].count"]],
            ["stable", ["agentPoolProfiles[0].count", "kubernetesVersion"]],
            ["rapid", ["agentPoolProfiles[0].count", "kubernetesVersion"]],
        ];
        for (const [channel, fields] of table) assert.deepEqual(clusterIgnoreChanges(channel), fields, channel);
    });

    it("maintenanceWindow renders a weekly schedule", () => {
        assert.deepEqual(maintenanceWindow({ dayOfWeek: "Wednesday", startTime: "23:30", durationHours: 6, utcOffset: "+09:00", intervalWeeks: 2 }), {
            schedule: { weekly: { dayOfWeek: "Wednesday", intervalWeeks: 2 } },
            durationHours: 6,
            startTime: "23:30",
            utcOffset: "+09:00",
        });
    });

    it("convertKubeconfig switches kubelogin to a non-interactive login, keeping only the server id", () => {
        for (const mode of ["azurecli", "workloadidentity"] as const) {
            const out = YAML.parse(convertKubeconfig(mockAksKubeconfig("aks"), mode));
            assert.deepEqual(out.users[0].user.exec.args, ["get-token", "--login", mode, "--server-id", AKS_AAD_SERVER_ID]);
            assert.equal(out.users[0].user.exec.command, "kubelogin");
            assert.equal(out.clusters[0].cluster.server, "https://aks-dns.hcp.japaneast.azmk8s.io:443");
        }
    });

    it("convertKubeconfig refuses kubeconfigs it cannot convert", () => {
        assert.throws(() => convertKubeconfig("users:\n- name: u\n  user:\n    token: abc\n", "azurecli"), /no kubelogin exec user/);
        const noServer = mockAksKubeconfig("aks").replace(/--server-id\n\s+- \S+\n/, "");
        assert.throws(() => convertKubeconfig(noServer, "azurecli"), /no --server-id/);
    });
});

describe("component validation", () => {
    const base: AksClusterArgs = {
        clusterName: "aks",
        resourceGroupName: "rg",
        location: "japaneast",
        kubernetesVersion: "1.33",
        adminGroupObjectIds: ["8c4e2a9d-1b7f-4d3e-a5c8-6f0e9b2d7a14"],
        // Every field the schema defaults is passed explicitly: the component has no defaults of its own.
        dnsPrefix: "aks",
        skuTier: "Standard",
        zones: [],
        autoUpgradeChannel: "patch",
        nodeOsUpgradeChannel: "NodeImage",
        kubeloginMode: "azurecli",
        podCidr: "10.244.0.0/16",
        serviceCidr: "10.0.0.0/16",
        dnsServiceIP: "10.0.0.10",
        systemPool: { name: "system", vmSize: "Standard_D2ds_v5", minCount: 1, maxCount: 2, osDiskSizeGB: 128, maxPods: 110 },
        userPool: { name: "user", vmSize: "Standard_D2ds_v5", minCount: 1, maxCount: 2, osDiskSizeGB: 128, maxPods: 110 },
        upgradeWindow: { dayOfWeek: "Sunday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 },
        nodeOsWindow: { dayOfWeek: "Saturday", startTime: "02:00", durationHours: 4, utcOffset: "+09:00", intervalWeeks: 1 },
        logRetentionDays: 30,
        apiServer: { access: "private", authorizedIpRanges: [], disableRunCommand: true },
    };
    const BAD: [string, Partial<AksClusterArgs>, RegExp][] = [
        ["clusterName", { clusterName: "bad name" }, /AksCluster c: args\.clusterName must be 1-63 letters/],
        ["kubernetesVersion", { kubernetesVersion: "latest" }, /args\.kubernetesVersion must be a version/],
        ["adminGroupObjectIds", { adminGroupObjectIds: [] }, /args\.adminGroupObjectIds must be a non-empty list/],
        ["skuTier", { skuTier: "Gold" as never }, /args\.skuTier must be one of Free, Standard, Premium, got "Gold"/],
        ["userPool.maxCount", { userPool: { ...base.userPool, minCount: 3, maxCount: 2 } }, /args\.userPool\.maxCount must be an integer >= 3, got 2/],
        ["systemPool.name", { systemPool: { ...base.systemPool, name: "Sys" } }, /args\.systemPool\.name must be/],
        ["zones", { zones: ["a"] }, /args\.zones must be zone numbers/],
        ["logRetentionDays", { logRetentionDays: 0 }, /args\.logRetentionDays must be an integer >= 1, got 0/],
        ["kubeloginMode", { kubeloginMode: "devicecode" as never }, /args\.kubeloginMode must be one of azurecli, workloadidentity/],
        ["apiServer.access", { apiServer: { ...base.apiServer, access: "public" as never } }, /args\.apiServer\.access must be one of private, authorizedRanges, got "public"/],
        ["apiServer.authorizedIpRanges (empty)", { apiServer: { ...base.apiServer, access: "authorizedRanges", authorizedIpRanges: [] } }, /args\.apiServer\.authorizedIpRanges must be valid authorized ranges: it must list at least one CIDR/],
        ["apiServer.authorizedIpRanges (0.0.0.0/0)", { apiServer: { ...base.apiServer, access: "authorizedRanges", authorizedIpRanges: ["0.0.0.0/0"] } }, /must not hold a block wider than \/8/],
        ["apiServer.authorizedIpRanges (private cluster)", { apiServer: { ...base.apiServer, authorizedIpRanges: ["203.0.113.0/24"] } }, /args\.apiServer\.authorizedIpRanges must be empty for a private API server/],
        ["network.outboundType", { network: { nodeSubnetId: "n", apiServerSubnetId: "a", outboundType: "loadBalancer" as never, roleScopes: ["n"] } }, /args\.network\.outboundType must be one of userAssignedNATGateway, userDefinedRouting/],
        ["network.roleScopes", { network: { nodeSubnetId: "n", apiServerSubnetId: "a", outboundType: "userAssignedNATGateway", roleScopes: [] } }, /args\.network\.roleScopes must be a non-empty list/],
    ];
    for (const [field, patch, message] of BAD) {
        it(`AksCluster rejects a bad ${field} before creating any child`, async () => {
            let error: unknown;
            const rec = await record(() => {
                try {
                    new AksCluster("c", { ...base, ...patch });
                } catch (e) {
                    error = e;
                }
            });
            assert.ok(error instanceof ArgumentError, String(error));
            assert.match((error as Error).message, message);
            assert.deepEqual(rec.resources.filter((x) => x.parent?.includes("AksCluster")), [], "no child created");
        });
    }

    const registry: ContainerRegistryArgs = {
        registryName: "itopsacr01",
        resourceGroupName: "rg",
        location: "japaneast",
        existing: false,
        sku: "Premium",
        publicNetworkAccess: false,
        zoneRedundant: true,
        untaggedRetentionDays: 7,
    };
    it("ContainerRegistry rejects a negative untaggedRetentionDays (any retention policy is whole days >= 0)", async () => {
        await record(() => {
            assert.throws(() => new ContainerRegistry("r", { ...registry, untaggedRetentionDays: -1 }), /args\.untaggedRetentionDays must be an integer >= 0, got -1/);
        });
    });

    it("ContainerRegistry validates its name and references an existing registry without creating one", async () => {
        await record(() => {
            assert.throws(() => new ContainerRegistry("bad", { ...registry, registryName: "a-b" }), /args\.registryName must be 5-50 alphanumeric/);
        });
        const rec = await record(() => {
            const reg = new ContainerRegistry("r", { ...registry, registryName: "sharedacr01", resourceGroupName: "rg-shared", existing: true });
            return { loginServer: reg.loginServer };
        });
        assert.equal(all(rec, "azure-native:containerregistry:Registry").length, 0);
        assert.equal(rec.outputs.loginServer, "sharedacr01.azurecr.io");
    });
});
