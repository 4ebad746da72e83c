/**
 * The per-stack composition: turns the typed stack configuration into components.
 * Staging and production run the same code; they differ only through their stack files.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import {
    AksCluster,
    backupAlertGroup,
    BackupStorage,
    ContainerRegistry,
    MongoBackup,
    STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
    WorkloadIdentity,
    AlertRuleGroupSpec,
    alertmanagerConfig,
    AlertRules,
    AppDashboard,
    defaultAlertGroups,
    Monitoring,
    ONCALL_ROLES,
    receiverSecretKey,
    ServiceMonitor,
    DefenderPlan,
    LoadTest,
    ReportDashboard,
} from "../components";
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

    // MongoDB backups: immutable blob storage, workload identity, CronJobs, alerts (as data).
    const b = cfg.backup;
    const backupStorage = new BackupStorage("itops-backup-storage", {
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        accountNamePrefix: b.storage.accountNamePrefix,
        containerName: b.storage.containerName,
        sku: b.storage.sku,
        retentionDays: b.storage.retentionDays,
        coolAfterDays: b.storage.coolAfterDays,
        softDeleteDays: b.storage.softDeleteDays,
        immutabilityLocked: b.storage.immutabilityLocked,
        tags,
    });
    const backupIdentity = new WorkloadIdentity("itops-backup-identity", {
        resourceGroupName: resourceGroup.name,
        location: cfg.location,
        identityName: `id-itops-backup-${cfg.stack}`,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        namespace: b.namespace,
        serviceAccountName: b.serviceAccountName,
        roleId: STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
        scope: backupStorage.containerId,
        tags,
    });
    const backup = new MongoBackup(
        "itops-backup",
        {
            namespace: b.namespace,
            serviceAccountName: b.serviceAccountName,
            identityClientId: backupIdentity.clientId,
            containerUrl: pulumi.interpolate`${backupStorage.blobEndpoint}${backupStorage.containerName}`,
            stackName: cfg.stack,
            mongoUri: b.mongoUri,
            replicaSet: b.replicaSet,
            schedule: b.schedule,
            timeZone: b.timeZone,
            drillEnabled: b.drillEnabled,
            drillSchedule: b.drillSchedule,
            startingDeadlineSeconds: b.startingDeadlineSeconds,
            backoffLimit: b.backoffLimit,
            activeDeadlineSeconds: b.activeDeadlineSeconds,
            drillActiveDeadlineSeconds: b.drillActiveDeadlineSeconds,
            successfulJobsHistoryLimit: b.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: b.failedJobsHistoryLimit,
            mongoImage: b.mongoImage,
            azcopyImage: b.azcopyImage,
            cpuRequest: b.resources.cpuRequest,
            memoryRequest: b.resources.memoryRequest,
            cpuLimit: b.resources.cpuLimit,
            memoryLimit: b.resources.memoryLimit,
            workVolumeSize: b.workVolumeSize,
        },
        { provider: cluster.provider },
    );
    // For the shared alert catalogue (the monitoring part renders every group into its PrometheusRule).
    const backupAlerts = backupAlertGroup({ namespace: b.namespace, schedule: b.schedule, maxAgeMarginMinutes: b.maxAgeMarginMinutes });

    const monitoring = deployMonitoring(cfg, { provider: cluster.provider }, [backupAlerts]);

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
        new ReportDashboard("itops-monthly-report", { namespace: ver.dashboardNamespace, dashboard: "monthly-report" }, { ...k8sOpts, dependsOn: [monitoring] });
    }
    if (ver.defenderForContainers) {
        const client = authorization.getClientConfigOutput();
        new DefenderPlan("itops-defender-containers", { subscriptionId: client.subscriptionId, plan: "Containers", pricingTier: "Standard" });
    }

    return {
        monitoringNamespace: monitoring.namespace,
        grafanaAdminSecret: monitoring.grafanaAdminSecretName,
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
        backupStorageAccountName: backupStorage.accountName,
        backupContainerName: backupStorage.containerName,
        backupIdentityClientId: backupIdentity.clientId,
        backupNamespace: backup.namespace,
    };
}

/**
 * The TZif data of a time zone from the deploying machine's zone database, for Alertmanager's
 * `location` (its image ships none). Asia/Tokyo has had no DST since 1951, so the data is stable.
 */
export function zoneinfoBase64(zone: string, dir = process.env.ZONEINFO_DIR ?? "/usr/share/zoneinfo"): string {
    const file = `${dir}/${zone}`;
    if (!fs.existsSync(file)) {
        throw new pulumi.RunError(`time zone data for ${zone} not found at ${file}: install tzdata (apt-get install tzdata) or set ZONEINFO_DIR`);
    }
    return fs.readFileSync(file).toString("base64");
}

/** Name of the Secret with the Alertmanager receivers' secrets (mounted into Alertmanager). */
export const ALERTMANAGER_RECEIVER_SECRET = "alertmanager-receivers";

/**
 * Monitoring: kube-prometheus-stack with the on-call Alertmanager configuration, the app's
 * ServiceMonitor, the alert catalogue (monitoring's default groups plus `extraAlertGroups` from
 * other parts) and the app dashboard. Every custom resource depends on the CRD chart.
 */
export function deployMonitoring(cfg: StackConfig, k8sOpts: pulumi.ComponentResourceOptions, extraAlertGroups: readonly AlertRuleGroupSpec[] = []) {
    const m = cfg.monitoring;
    const receiverSecrets: Record<string, pulumi.Input<string>> = {};
    for (const role of ONCALL_ROLES) {
        const secret = m.oncall.secrets[role];
        if (secret) receiverSecrets[receiverSecretKey(role)] = secret;
    }
    const monitoring = new Monitoring(
        "itops-monitoring",
        {
            namespace: m.namespace,
            storageClass: m.storageClass,
            prometheus: m.prometheus,
            alertmanager: m.alertmanager,
            grafana: m.grafana,
            alertmanagerConfig: alertmanagerConfig(m.oncall, { secretName: ALERTMANAGER_RECEIVER_SECRET }),
            receiverSecretName: ALERTMANAGER_RECEIVER_SECRET,
            receiverSecrets,
            grafanaAzureAd: m.grafana.azureAd,
            alertmanagerZoneinfo: { zone: m.oncall.timezone, tzifBase64: zoneinfoBase64(m.oncall.timezone) },
            protect: cfg.protect,
        },
        k8sOpts,
    );
    const crOpts = { ...k8sOpts, dependsOn: [monitoring.crds] };

    // The app's scrape target. TODO(merge): take namespace/selector/port from the workload's outputs (#4).
    const app = m.app;
    new ServiceMonitor(
        "it-ops-system",
        {
            namespace: monitoring.namespace,
            selector: app.selector,
            port: app.port,
            path: app.path,
            interval: app.interval,
            jobLabel: app.jobLabel,
            targetNamespaces: [app.namespace],
        },
        crOpts,
    );

    const monitoringGroups = defaultAlertGroups(m.alerts, { namespace: app.namespace, job: app.job, deployment: app.deployment, service: app.service });
    new AlertRules("it-ops-alerts", { namespace: monitoring.namespace, groups: [...monitoringGroups, ...extraAlertGroups], runbookBaseUrl: m.runbookBaseUrl }, crOpts);

    new AppDashboard("it-ops-dashboard", { namespace: monitoring.namespace, target: { namespace: app.namespace, job: app.job } }, k8sOpts);
    return monitoring;
}
