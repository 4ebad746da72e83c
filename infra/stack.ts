/**
 * The per-stack composition: turns the typed stack configuration into components.
 * Staging and production run the same code; they differ only through their stack files.
 */
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { AksCluster, ContainerRegistry, ItOpsApp } from "../components";
import { PROJECT, StackConfig } from "./config";

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

    const a = cfg.app;
    const app = new ItOpsApp(
        "itops-app",
        {
            namespace: a.namespace,
            appName: a.name,
            registryLoginServer: registry.loginServer,
            frontend: a.frontend,
            backend: a.backend,
            replicas: a.replicas,
            maxReplicas: a.maxReplicas,
            cpuTargetPercent: a.cpuTargetPercent,
            httpPort: a.ports.http,
            apiPort: a.ports.api,
            metricsPort: a.ports.metrics,
            split: a.split,
            zoneSpread: a.zoneSpread,
            runAsUser: a.runAsUser,
            ingressNamespaces: a.ingressNamespaces,
            monitoringNamespace: a.monitoringNamespace,
            databaseCidrs: a.database.cidrs,
            databasePort: a.database.port,
            databaseUri: a.database.uri,
        },
        // After the whole cluster component, so the kubelet's AcrPull grant exists before pods pull.
        { provider: cluster.provider, dependsOn: [cluster] },
    );

    return {
        resourceGroupName: resourceGroup.name,
        clusterName: cluster.clusterName,
        clusterId: cluster.clusterId,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        registryLoginServer: registry.loginServer,
        kubeconfig: pulumi.secret(cluster.kubeconfig),
        appNamespace: app.namespace,
        appServiceName: app.service.metadata.name,
        appServiceHost: pulumi.interpolate`${app.service.metadata.name}.${app.namespace}.svc.cluster.local`,
        appHttpPort: app.httpPort,
        appMetricsPort: app.metricsPort,
        appDeployments: app.deployments.map((d) => d.metadata.name),
        appImages: app.images,
    };
}
