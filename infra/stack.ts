/**
 * The per-stack composition: turns the typed stack configuration into components.
 * Staging and production run the same code; they differ only through their stack files.
 *
 * Order: platform (AKS on Azure, or only a Kubernetes provider for an existing cluster: see
 * `cluster.mode`, docs/local-stack.md) → workload → monitoring (scrapes the workload, carries every part's
 * alerts) → backups → migration (routes to the workload's Service) → verification.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import { AksCluster, BLOB_LOG_CATEGORIES, BackupTraffic, ContainerRegistry, DefenderPlan, DiagnosticSettings, MonitoringTraffic, PodSecurityPolicy, PrivateEndpoint, REGISTRY_LOG_CATEGORIES, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID, STORAGE_BLOB_DATA_READER_ROLE_ID, StackNetwork, WorkloadIdentity } from "../components/platform";
import { AlertRuleGroupSpec, AlertRules, AppDashboard, defaultAlertGroups, Monitoring, OperatorMonitoring, PrometheusEndpoint, ReportDashboard, ServiceMonitor } from "../components/monitoring";
import { backupAlertGroup, BackupStorage, MongoBackup } from "../components/backup";
import { ItOpsApp } from "../components/app";
import { LOAD_TEST_LABELS, LoadTest } from "../components/verification";
import { ConfigError, PROJECT, StackConfig } from "./config";
import { AksPlatformConfig, ExistingClusterConfig, ExistingPlatformConfig } from "./config/platform";
import { verifyScriptEnv } from "./config/verification";
import { Migration, MigrationAlertPlacement, newSystemReplicas } from "../components/migration";
import { consumerUri, deployDatabase, StackDatabase } from "./database";

/** Tags on every Azure resource. */
export function stackTags(cfg: StackConfig): Record<string, string> {
    return { project: PROJECT, stack: cfg.stack, "managed-by": "pulumi", ...cfg.tags };
}

/** What monitoring watches: the workload's namespace, Service labels and metrics port. */
export interface MonitoredApp {
    readonly namespace: string;
    /** Labels of the app's Service (the ServiceMonitor selector). */
    readonly selector: Readonly<Record<string, string>>;
    /** Name of the Service port serving metrics. */
    readonly port: string;
    /** The Service label whose value becomes the series' `job` (the ServiceMonitor's jobLabel). */
    readonly jobLabel: string;
    /** The `job` label of its series. */
    readonly job: string;
    readonly deployment: string;
    /** The `service` label of its alerts. */
    readonly service: string;
}

/** The monitored target of the workload, from the workload component (names it derived once, never typed again here). */
export function monitoredApp(app: Pick<ItOpsApp, "labels" | "scrapeTarget">): MonitoredApp {
    const t = app.scrapeTarget;
    return { namespace: t.namespace, selector: app.labels, port: t.metricsPort, jobLabel: t.jobLabel, job: t.job, deployment: t.deployment, service: t.service };
}

/** What the Kubernetes side of the stack gets from the platform it runs on. */
export interface Platform {
    /** The Kubernetes provider every Kubernetes object is created with. */
    readonly provider: k8s.Provider;
    /** Host images are pulled from (the stack's ACR, or `registry.loginServer` of an existing cluster). */
    readonly registryLoginServer: pulumi.Input<string>;
    /** What the workload waits for before its pods pull images (AKS: the cluster with its AcrPull grant). */
    readonly workloadDependsOn: pulumi.Resource[];
    /** Mode `aks` only: the Azure resources the backups and outputs build on. */
    readonly azure?: AzurePlatform;
}

/** The Azure side of an `aks` platform. */
export interface AzurePlatform {
    readonly resourceGroupName: pulumi.Output<string>;
    readonly location: string;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly cluster: AksCluster;
    readonly registry: ContainerRegistry;
    /** The stack's VNet and subnets (private endpoints go into its endpoint subnet). */
    readonly network: StackNetwork;
    /** Whether ACR and Storage keep a public endpoint (`network.publicNetworkAccess`). */
    readonly publicNetworkAccess: boolean;
    /** The Log Analytics workspace every diagnostic setting sends to. */
    readonly logAnalyticsWorkspaceId: pulumi.Output<string>;
    readonly tags: Record<string, string>;
}

/**
 * Mode `aks`: resource group, network (VNet, subnets, egress), registry, AKS (+ its Kubernetes
 * provider), the registry's private endpoint, diagnostic settings of AKS and ACR, and the pod
 * security initiative on the cluster.
 */
export function deployAksPlatform(cfg: StackConfig & AksPlatformConfig): Platform {
    const tags = stackTags(cfg);
    const resourceGroup = new resources.ResourceGroup(
        "itops",
        { resourceGroupName: cfg.resourceGroupName, location: cfg.location, tags },
        { protect: cfg.protect },
    );
    const n = cfg.network;
    const network = new StackNetwork("itops-network", {
        ...n,
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        zones: cfg.cluster.zones,
        tags,
    });
    const registry = new ContainerRegistry("itops-registry", {
        ...cfg.registry,
        registryName: cfg.registry.name,
        resourceGroupName: cfg.registry.resourceGroupName ?? resourceGroup.name,
        location: cfg.location,
        publicNetworkAccess: n.publicNetworkAccess,
        protect: cfg.protect,
        tags,
    });
    const c = cfg.cluster;
    const cluster = new AksCluster("itops-aks", {
        // The cluster section as parsed (version, tier, zones, pools, windows, CIDRs, ...), plus what the platform derives.
        ...c,
        clusterName: c.name,
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        registryId: registry.registryId,
        network: {
            nodeSubnetId: network.nodeSubnetId,
            apiServerSubnetId: network.apiServerSubnetId,
            outboundType: network.outboundType,
            roleScopes: network.clusterRoleScopes,
        },
        protect: cfg.protect,
        tags,
    });
    // The kubelet pulls through the registry's private endpoint (its public endpoint may be off).
    const registryEndpoint = new PrivateEndpoint("itops-registry-endpoint", {
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        target: "registry",
        resourceId: registry.registryId,
        endpointName: `pe-${cfg.registry.name}`,
        subnetId: network.privateEndpointSubnetId,
        vnetId: network.vnetId,
        tags,
    });
    new DiagnosticSettings("itops-aks-diagnostics", {
        resourceUri: cluster.clusterId,
        workspaceId: cluster.logAnalyticsWorkspaceId,
        logCategories: c.diagnosticLogCategories,
        metricCategories: ["AllMetrics"],
    });
    new DiagnosticSettings("itops-registry-diagnostics", {
        resourceUri: registry.registryId,
        workspaceId: cluster.logAnalyticsWorkspaceId,
        logCategories: REGISTRY_LOG_CATEGORIES,
        metricCategories: ["AllMetrics"],
    });
    // Monitoring's namespace is exempt: node-exporter needs the host's network, PID namespace and
    // paths by design (its own Pod Security labels say privileged).
    new PodSecurityPolicy("itops-pod-security", {
        clusterId: cluster.clusterId,
        assignmentName: `pod-security-${c.podSecurityPolicy.level}`,
        level: c.podSecurityPolicy.level,
        effect: c.podSecurityPolicy.effect,
        excludedNamespaces: [cfg.monitoring.namespace, ...c.podSecurityPolicy.excludedNamespaces],
    });
    return {
        provider: cluster.provider,
        registryLoginServer: registry.loginServer,
        // After the whole cluster component (the kubelet's AcrPull grant) and the registry's
        // private endpoint with its DNS, so the pods' first pull already goes through it.
        workloadDependsOn: [cluster, registryEndpoint],
        azure: {
            resourceGroupName: resourceGroup.name,
            location: cfg.location,
            oidcIssuerUrl: cluster.oidcIssuerUrl,
            cluster,
            registry,
            network,
            publicNetworkAccess: n.publicNetworkAccess,
            logAnalyticsWorkspaceId: cluster.logAnalyticsWorkspaceId,
            tags,
        },
    };
}

/** Name of the Kubernetes provider of an existing cluster. */
export const EXISTING_PROVIDER_NAME = "itops-k8s";

/**
 * Mode `existing`: only a Kubernetes provider, for a cluster (or a YAML directory) that exists
 * outside the stack. No Azure resource is created.
 */
export function deployExistingPlatform(cfg: StackConfig & ExistingPlatformConfig): Platform {
    return {
        provider: new k8s.Provider(EXISTING_PROVIDER_NAME, existingProviderArgs(cfg.cluster)),
        registryLoginServer: cfg.registry.loginServer,
        workloadDependsOn: [],
    };
}

/** The provider args of `cluster.existing`: rendered YAML, or a kubeconfig file read now (a secret). */
export function existingProviderArgs(e: ExistingClusterConfig, baseDir = process.cwd()): k8s.ProviderArgs {
    if (e.renderYamlToDirectory !== undefined) return { renderYamlToDirectory: e.renderYamlToDirectory };
    return { kubeconfig: pulumi.secret(readKubeconfig(e.kubeconfigPath!, baseDir)), context: e.context };
}

/** The content of the kubeconfig file (relative paths from `baseDir`, the project directory). */
export function readKubeconfig(file: string, baseDir = process.cwd()): string {
    const full = path.resolve(baseDir, file);
    const key = `${PROJECT}:cluster.existing.kubeconfigPath`;
    if (!fs.existsSync(full) || !fs.statSync(full).isFile()) {
        throw new ConfigError(key, `${key} names no readable file: ${full} does not exist (create the cluster, e.g. \`kind get kubeconfig --name itops > ${file}\`)`);
    }
    return fs.readFileSync(full, "utf8");
}

/** The platform of the stack's cluster mode. */
export function deployPlatform(cfg: StackConfig): Platform {
    return cfg.clusterMode === "existing" ? deployExistingPlatform(cfg) : deployAksPlatform(cfg);
}

/** Creates the stack's resources and returns its outputs. */
export function deployStack(cfg: StackConfig) {
    // --- Platform: AKS on Azure, or an existing cluster (only its Kubernetes provider).
    const platform = deployPlatform(cfg);
    const azure = platform.azure;
    const k8sOpts = { provider: platform.provider };

    // --- The database (database.mode managed): its connection string is the one source of the
    // app's, the backups' and the migration copy's URI; mode external: each from its own key.
    const database = deployDatabase(cfg, azure);

    // --- The IT-Ops system (during a migration: the new system, at the migration's replica count).
    const a = cfg.app;
    const app = new ItOpsApp(
        "itops-app",
        {
            ...a,
            replicas: newSystemReplicas(cfg.migration, a.replicas),
            registryLoginServer: platform.registryLoginServer,
            // Scrapes come from Prometheus' namespace (derived from monitoring.*: set once).
            scrapeNamespace: cfg.monitoring.prometheus.namespace,
            // Mode managed: the database's connection string and its subnet/port (derived by the config).
            database: { cidrs: a.database.cidrs, port: a.database.port, uri: consumerUri(database, a.database.uri, "app.database.uri") },
        },
        // Mode managed: pods start once the cluster and its private endpoint (with DNS) exist.
        { ...k8sOpts, dependsOn: database ? [...platform.workloadDependsOn, database.component] : platform.workloadDependsOn },
    );

    // --- MongoDB backups: immutable blob storage, workload identity (mode aks), CronJobs.
    const b = cfg.backup;
    const backup = b.enabled ? deployBackup(cfg, azure, k8sOpts, database) : undefined;

    // --- Monitoring: scrapes the workload; the alert catalogue holds every part's rules.
    const alertGroups: AlertRuleGroupSpec[] = [
        ...(backup ? [backupAlertGroup({ namespace: b.namespace, schedule: b.schedule, maxAgeMarginMinutes: b.maxAgeMarginMinutes })] : []),
    ];
    const monitoring = deployMonitoring(cfg, monitoredApp(app), k8sOpts, alertGroups, platform.registryLoginServer);

    // --- Staged migration from the old system, routed to the workload's Service; its alert group
    // goes where the stack's Prometheus reads rules.
    const migration = cfg.migration.enabled
        ? new Migration(
              "itops-migration",
              {
                  migration: cfg.migration,
                target: { namespace: app.namespace, service: app.service, deployment: app.deployment, httpPort: app.httpPort, name: app.scrapeTarget.service, ...(database ? { database: { uri: database.uri, port: database.port } } : {}) },
                  alerts: migrationAlertPlacement(cfg, monitoring),
              },
              k8sOpts,
          )
        : undefined;

    // --- Verification suite: load test against the workload, monthly report dashboard, Defender.
    const ver = cfg.verification;
    if (ver.loadTest.enabled) {
        const lt = ver.loadTest;
        new LoadTest(
            "itops-load-test",
            {
                // The target (default: the workload Service's cluster URL) and the HPA are the workload's, derived by the config.
                ...lt,
                hpaName: lt.scalingCheck ? lt.hpaName : undefined,
                appPodLabels: app.labels,
                prometheusNamespace: cfg.monitoring.prometheus.namespace,
                apiServerPorts: cfg.monitoring.network.apiServerPorts,
            },
            // The app (namespace, Service, HPA) and Prometheus must exist before the load runs.
            { ...k8sOpts, dependsOn: [app, monitoring] },
        );
    }
    if (ver.reportDashboard) {
        new ReportDashboard("itops-monthly-report", { namespace: cfg.monitoring.namespace, dashboard: "monthly-report" }, { ...k8sOpts, dependsOn: [monitoring] });
    }
    if (ver.defenderForContainers && azure) {
        const client = authorization.getClientConfigOutput();
        new DefenderPlan("itops-defender-containers", { subscriptionId: client.subscriptionId, plan: "Containers", pricingTier: "Standard" });
    }

    // Outputs of parts a stack does not have (Azure in mode existing, disabled backups) are left out.
    return {
        ...(azure ? { resourceGroupName: azure.resourceGroupName, clusterName: azure.cluster.clusterName, clusterId: azure.cluster.clusterId, oidcIssuerUrl: azure.oidcIssuerUrl } : {}),
        registryLoginServer: platform.registryLoginServer,
        ...(azure ? { kubeconfig: pulumi.secret(azure.cluster.kubeconfig) } : {}),
        appNamespace: app.namespace,
        appServiceName: app.service.metadata.name,
        appServiceHost: pulumi.interpolate`${app.service.metadata.name}.${app.namespace}.svc.cluster.local`,
        appHttpPort: app.httpPort,
        appMetricsPort: app.metricsPort,
        appDeployments: app.deployments.map((d) => d.metadata.name),
        appImages: app.images,
        monitoringNamespace: monitoring.namespace,
        // Where Prometheus answers (scripts/migrate.sh's health gate reads it: `pulumi stack output prometheus --json`).
        prometheus: prometheusOutput(cfg),
        // Mode existing-operator: Grafana is not the stack's.
        ...(monitoring instanceof Monitoring ? { grafanaAdminSecret: monitoring.grafanaAdminSecretName } : {}),
        ...(backup?.storage ? { backupStorageAccountName: backup.storage.accountName, backupContainerName: backup.storage.containerName } : {}),
        ...(backup ? { backupIdentityClientId: backup.identityClientId, restoreIdentityClientId: backup.restoreIdentityClientId, backupNamespace: backup.cronJobs.namespace } : {}),
        ...(azure ? { vnetId: azure.network.vnetId } : {}),
        ...(migration ? { migration: migration.stackOutput } : {}),
        // The health gate's series (migration.gate.selector, by default derived from app.*): scripts/migrate.sh reads it.
        ...(cfg.migration.enabled ? { migrationGateSelector: cfg.migration.gate.selector } : {}),
        // Mode managed: the database, and which objects take its connection string (the one source).
        ...(database ? { database: databaseOutputs(database, [app, backup?.cronJobs, migration?.dataCopy]) } : {}),
        // verify-staging.sh checks an AKS cluster through Azure: not for an existing cluster.
        ...(cfg.clusterMode === "aks"
            ? {
                  verifyEnv: verifyScriptEnv(ver, {
                      stack: cfg.stack,
                      monitoringNamespace: cfg.monitoring.namespace,
                      prometheus: prometheusOutput(cfg),
                      resourceGroupName: cfg.resourceGroupName,
                      clusterName: cfg.cluster.name,
                      adminGroupObjectId: cfg.cluster.adminGroupObjectIds[0],
                  }),
              }
            : {}),
    };
}

/** The backups of a stack: the Azure storage and identity (mode aks), and the CronJobs. */
export interface DeployedBackup {
    readonly cronJobs: MongoBackup;
    readonly identityClientId: pulumi.Input<string>;
    /** Client id of the read-only identity of restores and drills. */
    readonly restoreIdentityClientId: pulumi.Input<string>;
    /** Mode aks only: the storage the stack created. */
    readonly storage?: BackupStorage;
}

/**
 * MongoDB backups. Mode `aks`: immutable blob storage and a workload identity with write access
 * to it; mode `existing`: both come from `backup.existing`. Then the CronJobs (both modes).
 */
export function deployBackup(cfg: StackConfig, azure: AzurePlatform | undefined, k8sOpts: pulumi.ComponentResourceOptions, database?: StackDatabase): DeployedBackup {
    const b = cfg.backup;
    let target: { identityClientId: pulumi.Input<string>; restoreIdentityClientId: pulumi.Input<string>; containerUrl: pulumi.Input<string>; storage?: BackupStorage };
    if (azure) {
        const storage = new BackupStorage("itops-backup-storage", {
            ...b.storage,
            resourceGroupName: azure.resourceGroupName,
            location: azure.location,
            publicNetworkAccess: azure.publicNetworkAccess,
            tags: azure.tags,
        });
        // The jobs reach the account through its private endpoint (its public endpoint may be off).
        new PrivateEndpoint("itops-backup-storage-endpoint", {
            resourceGroupName: azure.resourceGroupName,
            location: azure.location,
            target: "blob",
            resourceId: storage.accountId,
            endpointName: `pe-itops-backup-${cfg.stack}`,
            subnetId: azure.network.privateEndpointSubnetId,
            vnetId: azure.network.vnetId,
            tags: azure.tags,
        });
        new DiagnosticSettings("itops-backup-storage-diagnostics", {
            resourceUri: storage.blobServiceId,
            workspaceId: azure.logAnalyticsWorkspaceId,
            logCategories: BLOB_LOG_CATEGORIES,
            metricCategories: ["Transaction"],
        });
        const identity = new WorkloadIdentity("itops-backup-identity", {
            resourceGroupName: azure.resourceGroupName,
            location: azure.location,
            identityName: `id-itops-backup-${cfg.stack}`,
            oidcIssuerUrl: azure.oidcIssuerUrl,
            namespace: b.namespace,
            serviceAccountName: b.serviceAccountName,
            roleId: STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
            scope: storage.containerId,
            tags: azure.tags,
        });
        // Restore and restore drill: their own identity, which can only read the backups.
        const reader = new WorkloadIdentity("itops-restore-identity", {
            resourceGroupName: azure.resourceGroupName,
            location: azure.location,
            identityName: `id-itops-restore-${cfg.stack}`,
            oidcIssuerUrl: azure.oidcIssuerUrl,
            namespace: b.namespace,
            serviceAccountName: b.restoreServiceAccountName,
            roleId: STORAGE_BLOB_DATA_READER_ROLE_ID,
            scope: storage.containerId,
            tags: azure.tags,
        });
        target = {
            identityClientId: identity.clientId,
            restoreIdentityClientId: reader.clientId,
            containerUrl: pulumi.interpolate`${storage.blobEndpoint}${storage.containerName}`,
            storage,
        };
    } else if (b.existing) {
        target = { identityClientId: b.existing.identityClientId, restoreIdentityClientId: b.existing.restoreIdentityClientId, containerUrl: b.existing.containerUrl };
    } else {
        // parseBackup requires backup.existing for enabled backups in mode existing.
        throw new ConfigError(`${PROJECT}:backup.existing`, `${PROJECT}:backup.existing is required with cluster.mode existing`);
    }
    const cronJobs = new MongoBackup(
        "itops-backup",
        {
            ...b,
            identityClientId: target.identityClientId,
            restoreIdentityClientId: target.restoreIdentityClientId,
            containerUrl: target.containerUrl,
            stackName: cfg.stack,
            mongoUri: consumerUri(database, b.mongoUri, "backup.mongodb.uri"),
            network: backupTraffic(cfg),
        },
        k8sOpts,
    );
    return { cronJobs, identityClientId: target.identityClientId, restoreIdentityClientId: target.restoreIdentityClientId, storage: target.storage };
}

/**
 * The `database` stack output of mode managed: the cluster, its connection string (a secret) and the
 * components that take it (the app's database Secret, the backups' credentials Secret, the migration
 * copy's TARGET_URI), so the render shows the one source of all three.
 */
export function databaseOutputs(database: StackDatabase, consumers: readonly (pulumi.Resource | undefined)[]) {
    return {
        mode: "managed",
        clusterId: database.component.clusterId,
        clusterName: database.component.clusterName,
        privateEndpointId: database.component.privateEndpointId,
        ...(database.component.replicaClusterId ? { replicaClusterId: database.component.replicaClusterId } : {}),
        port: database.port,
        connectionString: database.uri,
        connectionSource: { source: database.component.urn, output: "connectionString", consumers: consumers.filter((c) => c !== undefined).map((c) => c.urn) },
    };
}

/** Where the backup pods may connect: the database (the app's unless `backup.network` says otherwise) and HTTPS. */
export function backupTraffic(cfg: StackConfig): BackupTraffic {
    const n = cfg.backup.network;
    return { databaseCidrs: n.databaseCidrs ?? cfg.app.database.cidrs, databasePort: n.databasePort ?? cfg.app.database.port, httpsCidrs: n.httpsCidrs };
}

/** The TCP ports the Alertmanager receivers listen on outside the cluster: `monitoring.network.receiverPorts`, and each e-mail smarthost's port. */
export function receiverPorts(monitoring: StackConfig["monitoring"]): number[] {
    const ports = new Set<number>(monitoring.network.receiverPorts);
    for (const r of Object.values(monitoring.oncall.receivers)) if (r.kind === "email" && r.smarthost) ports.add(Number(r.smarthost.split(":").pop()));
    return [...ports].sort((a, b) => a - b);
}

/** The stack's Prometheus endpoint (`monitoring.prometheus`) alone, without mode helm's sizing: the `prometheus` stack output. */
export function prometheusOutput(cfg: StackConfig): PrometheusEndpoint {
    const p = cfg.monitoring.prometheus;
    return { namespace: p.namespace, service: p.service, port: p.port, url: p.url };
}

/** The monitoring namespace's allowed flows, from the stack configuration. */
export function monitoringTraffic(cfg: StackConfig): MonitoringTraffic {
    const lt = cfg.verification.loadTest;
    return {
        grafanaIngressNamespaces: cfg.monitoring.network.grafanaIngressNamespaces,
        apiServerPorts: cfg.monitoring.network.apiServerPorts,
        receiverPorts: receiverPorts(cfg.monitoring),
        ...(remoteWriteEnabled(cfg) ? { remoteWrite: { namespace: lt.namespace, podLabels: LOAD_TEST_LABELS } } : {}),
    };
}

/** The load test pushes its metrics by remote write when it is on and given Prometheus' URL. */
export function remoteWriteEnabled(cfg: StackConfig): boolean {
    return cfg.verification.loadTest.enabled && cfg.verification.loadTest.prometheusRemoteWriteUrl !== undefined;
}

/**
 * Monitoring: kube-prometheus-stack with the on-call Alertmanager configuration, the app's
 * ServiceMonitor, the alert catalogue (monitoring's default groups plus `extraAlertGroups` from
 * other parts) and the app dashboard. Every custom resource depends on the CRD chart.
 */
export function deployMonitoring(
    cfg: StackConfig,
    app: MonitoredApp,
    k8sOpts: pulumi.ComponentResourceOptions,
    extraAlertGroups: readonly AlertRuleGroupSpec[],
    registryLoginServer: pulumi.Input<string>,
) {
    const m = cfg.monitoring;
    if (m.mode === "existing-operator") {
        // The operator, its CRDs, Prometheus, Alertmanager and Grafana exist: only the project's objects.
        const monitoring = new OperatorMonitoring(
            "itops-monitoring",
            {
                namespace: m.namespace,
                oncall: m.oncall,
                alertmanagerConfigSecretName: m.existingOperator.alertmanagerConfigSecretName,
            },
            k8sOpts,
        );
        monitoringObjects(cfg, app, { namespace: monitoring.namespace, labels: m.existingOperator.labels }, k8sOpts, k8sOpts, extraAlertGroups);
        return monitoring;
    }
    const monitoring = new Monitoring(
        "itops-monitoring",
        {
            namespace: m.namespace,
            storageClass: m.storageClass,
            // The load test pushes its metrics by remote write when it is given Prometheus' URL.
            prometheus: {
                replicas: m.prometheus.replicas,
                retention: m.prometheus.retention,
                retentionSize: m.prometheus.retentionSize,
                storageSize: m.prometheus.storageSize,
                resources: m.prometheus.resources,
                remoteWriteReceiver: remoteWriteEnabled(cfg),
            },
            alertmanager: m.alertmanager,
            grafana: m.grafana,
            oncall: m.oncall,
            grafanaAzureAd: m.grafana.azureAd,
            protect: cfg.protect,
            registryLoginServer,
            componentResources: m.componentResources,
            hiddenComponents: m.hiddenComponents,
            network: monitoringTraffic(cfg),
        },
        k8sOpts,
    );
    monitoringObjects(cfg, app, { namespace: monitoring.namespace }, { ...k8sOpts, dependsOn: [monitoring.crds] }, k8sOpts, extraAlertGroups);
    return monitoring;
}

/** Where the migration's alert group goes: beside the alert catalogue, with its labels, after the CRDs (mode helm). */
export function migrationAlertPlacement(cfg: StackConfig, monitoring: Monitoring | OperatorMonitoring): MigrationAlertPlacement {
    const m = cfg.monitoring;
    return {
        namespace: monitoring.namespace,
        runbookBaseUrl: m.runbookBaseUrl,
        ...(m.mode === "existing-operator" ? { labels: m.existingOperator.labels } : {}),
        ...(monitoring instanceof Monitoring ? { dependsOn: [monitoring.crds] } : {}),
    };
}

/**
 * The project's own monitoring objects, in both monitoring modes: the workload's ServiceMonitor, the
 * alert catalogue (PrometheusRule) and the app dashboard. `crOpts` make the custom resources wait for
 * the CRDs (mode helm); `labels` are what an existing Prometheus selects (mode existing-operator).
 */
function monitoringObjects(
    cfg: StackConfig,
    app: MonitoredApp,
    where: { namespace: pulumi.Output<string>; labels?: Readonly<Record<string, string>> },
    crOpts: pulumi.ComponentResourceOptions,
    k8sOpts: pulumi.ComponentResourceOptions,
    extraAlertGroups: readonly AlertRuleGroupSpec[],
): void {
    const m = cfg.monitoring;
    const labels = where.labels ? { ...where.labels } : undefined;
    // The workload's scrape target (path and interval from monitoring.app).
    new ServiceMonitor(
        "it-ops-system",
        {
            namespace: where.namespace,
            selector: app.selector,
            port: app.port,
            path: m.app.path,
            interval: m.app.interval,
            jobLabel: app.jobLabel,
            targetNamespaces: [app.namespace],
            ...(labels ? { labels } : {}),
        },
        crOpts,
    );

    const monitoringGroups = defaultAlertGroups(m.alerts, { namespace: app.namespace, job: app.job, deployment: app.deployment, service: app.service });
    new AlertRules(
        "it-ops-alerts",
        { namespace: where.namespace, groups: [...monitoringGroups, ...extraAlertGroups], runbookBaseUrl: m.runbookBaseUrl, ...(labels ? { labels } : {}) },
        crOpts,
    );

    new AppDashboard("it-ops-dashboard", { namespace: where.namespace, target: { namespace: app.namespace, job: app.job } }, k8sOpts);
}
