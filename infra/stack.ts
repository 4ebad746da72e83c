/**
 * The per-stack composition: turns the typed stack configuration into components.
 * Staging and production run the same code; they differ only through their stack files.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { AksCluster, ContainerRegistry, DefenderPlan, LoadTest, ReportDashboard } from "../components";
import { PROJECT, StackConfig } from "./config";
import { verifyScriptEnv } from "./config/verification";

/** Tags on every Azure resource. */
export function stackTags(cfg: StackConfig): Record<string, string> {
    return { project: PROJECT, stack: cfg.stack, "managed-by": "pulumi", ...cfg.tags };
}

/** Creates the stack's resources and returns its outputs. */
export function deployStack(cfg: StackConfig) {
    const tags = stackTags(cfg);
    const resourceGroup = new resources.ResourceGroup(
        "itops",
        { resourceGroupName: cfg.resourceGroupName, location: cfg.location, tags },
        { protect: cfg.protect },
    );

    const registry = new ContainerRegistry("itops-registry", {
        registryName: cfg.registry.name,
        resourceGroupName: cfg.registry.resourceGroupName ?? resourceGroup.name,
        location: cfg.location,
        existing: cfg.registry.existing,
        sku: cfg.registry.sku,
        protect: cfg.protect,
        tags,
    });

    const c = cfg.cluster;
    const cluster = new AksCluster("itops-aks", {
        clusterName: c.name,
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        kubernetesVersion: c.kubernetesVersion,
        dnsPrefix: c.dnsPrefix,
        skuTier: c.skuTier,
        zones: c.zones,
        adminGroupObjectIds: c.adminGroupObjectIds,
        tenantId: c.tenantId,
        autoUpgradeChannel: c.autoUpgradeChannel,
        nodeOsUpgradeChannel: c.nodeOsUpgradeChannel,
        kubeloginMode: c.kubeloginMode,
        podCidr: c.podCidr,
        serviceCidr: c.serviceCidr,
        dnsServiceIP: c.dnsServiceIP,
        systemPool: c.systemPool,
        userPool: c.userPool,
        upgradeWindow: c.upgradeWindow,
        nodeOsWindow: c.nodeOsWindow,
        logRetentionDays: c.logRetentionDays,
        registryId: registry.registryId,
        protect: cfg.protect,
        tags,
    });

    // --- Verification suite (issue #8): load test, monthly report dashboard, Defender for Containers.
    const ver = cfg.verification;
    const k8sOpts = { provider: cluster.provider };
    if (ver.loadTest.enabled) {
        const lt = ver.loadTest;
        // Wired from config (the app Service's DNS name by default); at merge this may take the
        // workload's Service and dependOn the app namespace, HPA and Prometheus.
        new LoadTest("itops-load-test", {
            namespace: lt.namespace,
            appNamespace: lt.appNamespace,
            targetUrl: lt.targetUrl,
            rate: lt.rate,
            duration: lt.duration,
            preAllocatedVUs: lt.preAllocatedVUs,
            maxVUs: lt.maxVUs,
            p95Ms: lt.p95Ms,
            maxErrorRatio: lt.maxErrorRatio,
            hpaName: lt.scalingCheck ? lt.hpaName : undefined,
            minScaleUp: lt.minScaleUp,
            appPortName: lt.appPortName,
            prometheusRemoteWriteUrl: lt.prometheusRemoteWriteUrl,
            runId: lt.runId,
            image: lt.image,
        }, k8sOpts);
    }
    if (ver.reportDashboard) {
        new ReportDashboard("itops-monthly-report", { namespace: ver.dashboardNamespace, dashboard: "monthly-report" }, k8sOpts);
    }
    if (ver.defenderForContainers) {
        const client = authorization.getClientConfigOutput();
        new DefenderPlan("itops-defender-containers", { subscriptionId: client.subscriptionId, plan: "Containers", pricingTier: "Standard" });
    }

    return {
        verifyEnv: verifyScriptEnv(ver, {
            stack: cfg.stack,
            resourceGroupName: cfg.resourceGroupName,
            clusterName: c.name,
            adminGroupObjectId: c.adminGroupObjectIds[0],
        }),
        resourceGroupName: resourceGroup.name,
        clusterName: cluster.clusterName,
        clusterId: cluster.clusterId,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        registryLoginServer: registry.loginServer,
        kubeconfig: pulumi.secret(cluster.kubeconfig),
    };
}
