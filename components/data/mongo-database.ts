/**
 * The stack's MongoDB: an Azure DocumentDB for MongoDB (vCore) cluster (`mongocluster.MongoCluster`,
 * Azure REST API 2024-07-01 in the installed @pulumi/azure-native), private only, with its private
 * endpoint and DNS, a random administrator password, diagnostics, Azure Monitor alerts and an
 * optional geo replica. Its `connectionString` output (a secret) is the one source of the app's,
 * the backups' and the migration copy's database URI (docs/database.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as mongocluster from "@pulumi/azure-native/mongocluster";
import * as monitor from "@pulumi/azure-native/monitor";
import type { ManagedDatabaseConfig } from "../../infra/config/database";
import { ArgsValidator } from "../shared/validation";
import { DiagnosticSettings, MONGO_CLUSTER_LOG_CATEGORIES } from "../platform/diagnostics";
import { PrivateEndpoint } from "../platform/private-endpoint";
import { AZURE_SEVERITY, DATABASE_ALERT_LEVELS, DatabaseAlertLevel } from "./alert-routing";
import { BURSTABLE_MAX_STORAGE_GB, BURSTABLE_TIERS, CLUSTER_NAME, CLUSTER_NAME_TEXT, COMPUTE_TIERS, SERVER_VERSIONS, STORAGE_SIZES_GB } from "./service";

/** The ARM resource type (metric namespace, Resource Health resource type). */
export const MONGO_CLUSTER_RESOURCE_TYPE = "Microsoft.DocumentDB/mongoClusters";

/** Length and character classes of the administrator password (the service wants 8-128 characters of 3 classes). */
export const ADMIN_PASSWORD = { length: 32, special: false, minLower: 2, minUpper: 2, minNumeric: 2 } as const;

/**
 * The connection string the service reports (`properties.connectionString`, e.g.
 * `mongodb+srv://<user>:<password>@name.global.mongocluster.cosmos.azure.com/?tls=true&...`) with the
 * administrator's credentials filled in (URL-encoded). Fails loudly if the service's format changes.
 */
export function connectionUri(template: string, user: string, password: string): string {
    if (!template.includes("<user>") || !template.includes("<password>")) {
        throw new pulumi.RunError("MongoDatabase: the cluster's connectionString has no <user>/<password> placeholders; the service changed its format (docs/database.md#connection)");
    }
    return template.replace("<user>", encodeURIComponent(user)).replace("<password>", encodeURIComponent(password));
}

/** One Azure Monitor receiver of an action group: an on-call role's own webhook URL or address, or its channel's integration URL. */
export type AzureAlertReceiver =
    | { readonly name: string; readonly kind: "webhook"; readonly url: pulumi.Input<string> }
    | { readonly name: string; readonly kind: "email"; readonly address: string };

export interface MongoDatabaseAlerts {
    /** The receivers of each level (one action group per level). */
    readonly receivers: Readonly<Record<DatabaseAlertLevel, readonly AzureAlertReceiver[]>>;
    /** `StoragePercent` (maximum over the cluster's nodes) that raises each level. */
    readonly storagePercent: Readonly<Record<DatabaseAlertLevel, number>>;
    /** The stack's name in action group names (`ag-itops-db-level1-<stack>`). */
    readonly stack: string;
}

/**
 * The parsed `database` section (mode managed: cluster name, server version, compute tier, storage,
 * high availability — a standby per shard or none —, administrator name) and where the cluster goes.
 */
export interface MongoDatabaseArgs
    extends Pick<ManagedDatabaseConfig, "clusterName" | "serverVersion" | "computeTier" | "storageSizeGb" | "highAvailability" | "administratorUserName"> {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: string;
    /** The private endpoint's subnet (`network.subnets.database`) and the VNet its DNS zone is linked to. */
    readonly network: { readonly subnetId: pulumi.Input<string>; readonly vnetId: pulumi.Input<string> };
    /** The Log Analytics workspace of the diagnostic setting. */
    readonly workspaceId: pulumi.Input<string>;
    /** A read replica in another region (createMode GeoReplica). @default none */
    readonly geoReplica?: { readonly location: string; readonly clusterName: string };
    /** Azure Monitor alerts (availability from Resource Health, storage from metrics). @default none */
    readonly alerts?: MongoDatabaseAlerts;
    /** Production: `protect` and `retainOnDelete` on the cluster(s) and the password. @default false */
    readonly protect?: boolean;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/** The Resource Health statuses that raise each level. */
export const HEALTH_STATUS_LEVELS: Readonly<Record<DatabaseAlertLevel, readonly string[]>> = { level1: ["Unavailable"], level3: ["Degraded"] };

/**
 * An `itops:data:MongoDatabase`: the cluster (public network access Disabled; reachable only through
 * its private endpoint in `network.subnetId`, whose `privatelink.mongocluster.cosmos.azure.com` zone
 * is linked to the VNet), the administrator password (`random.RandomPassword`, a secret), the cluster's
 * diagnostic setting to Log Analytics, alerts and an optional geo replica (private as well, with its
 * own endpoint in the same subnet and zone).
 */
export class MongoDatabase extends pulumi.ComponentResource {
    public readonly clusterId: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /** The administrator connection string, a secret: the one source of the consumers' URI. */
    public readonly connectionString: pulumi.Output<string>;
    public readonly privateEndpointId: pulumi.Output<string>;
    public readonly privateDnsZoneId: pulumi.Output<string>;
    public readonly replicaClusterId?: pulumi.Output<string>;
    /** The action group of each level (when alerts are set). */
    public readonly actionGroupIds: Partial<Record<DatabaseAlertLevel, pulumi.Output<string>>> = {};

    constructor(name: string, args: MongoDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:data:MongoDatabase", name, {}, opts);
        const v = new ArgsValidator(`MongoDatabase ${name}`);
        v.matches("clusterName", args.clusterName, CLUSTER_NAME, CLUSTER_NAME_TEXT);
        v.oneOf("serverVersion", args.serverVersion, SERVER_VERSIONS);
        v.oneOf("computeTier", args.computeTier, COMPUTE_TIERS);
        if (!(STORAGE_SIZES_GB as readonly number[]).includes(args.storageSizeGb)) throw v.fail("storageSizeGb", `one of ${STORAGE_SIZES_GB.join(", ")}`, args.storageSizeGb);
        const burstable = BURSTABLE_TIERS.includes(args.computeTier);
        if (burstable && (args.highAvailability || args.geoReplica)) throw v.fail("computeTier", "a non-burstable tier (M30 or larger) with high availability or a geo replica", args.computeTier);
        if (burstable && args.storageSizeGb > BURSTABLE_MAX_STORAGE_GB) throw v.fail("storageSizeGb", `at most ${BURSTABLE_MAX_STORAGE_GB} with the burstable tier ${args.computeTier}`, args.storageSizeGb);
        v.matches("administratorUserName", args.administratorUserName, /^[A-Za-z][A-Za-z0-9]{2,31}$/, "3-32 letters and digits, starting with a letter");
        if (args.geoReplica) {
            v.matches("geoReplica.clusterName", args.geoReplica.clusterName, CLUSTER_NAME, CLUSTER_NAME_TEXT);
            if (args.geoReplica.location === args.location) throw v.fail("geoReplica.location", `a region other than location (${args.location})`, args.geoReplica.location);
        }
        if (args.alerts) {
            const s = args.alerts.storagePercent;
            v.integer("alerts.storagePercent.level1", s.level1, 1, 99);
            v.integer("alerts.storagePercent.level3", s.level3, 1, s.level1 - 1);
            for (const level of DATABASE_ALERT_LEVELS) v.nonEmpty(`alerts.receivers.${level}`, args.alerts.receivers[level]);
        }
        const tags = args.tags ?? {};
        const protect = args.protect ?? false;
        // Production: neither `pulumi destroy` nor a replacement may delete the data.
        const keep = protect ? { protect: true, retainOnDelete: true } : {};

        const password = new random.RandomPassword(`${name}-admin-password`, { ...ADMIN_PASSWORD }, { parent: this, ...keep });
        const cluster = new mongocluster.MongoCluster(
            name,
            {
                mongoClusterName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                properties: {
                    createMode: "Default",
                    serverVersion: args.serverVersion,
                    compute: { tier: args.computeTier },
                    storage: { sizeGb: args.storageSizeGb },
                    sharding: { shardCount: 1 },
                    highAvailability: { targetMode: args.highAvailability ? "ZoneRedundantPreferred" : "Disabled" },
                    publicNetworkAccess: "Disabled",
                    administrator: { userName: args.administratorUserName, password: pulumi.secret(password.result) },
                    // Must be set when the cluster is created for a geo replica to be linked to it later.
                    previewFeatures: args.geoReplica ? ["GeoReplicas"] : [],
                },
                tags,
            },
            { parent: this, ...keep },
        );
        const endpoint = new PrivateEndpoint(
            `${name}-endpoint`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                target: "mongoCluster",
                resourceId: cluster.id,
                endpointName: `pe-${args.clusterName}`,
                subnetId: args.network.subnetId,
                vnetId: args.network.vnetId,
                tags,
            },
            { parent: this },
        );
        new DiagnosticSettings(
            `${name}-diagnostics`,
            { resourceUri: cluster.id, workspaceId: args.workspaceId, logCategories: MONGO_CLUSTER_LOG_CATEGORIES, metricCategories: ["AllMetrics"] },
            { parent: this },
        );

        if (args.geoReplica) {
            // The replica inherits compute, storage and the administrator; it has no HA and does not
            // inherit network settings: public access off and its own endpoint (same subnet, same zone).
            const replica = new mongocluster.MongoCluster(
                `${name}-geo`,
                {
                    mongoClusterName: args.geoReplica.clusterName,
                    resourceGroupName: args.resourceGroupName,
                    location: args.geoReplica.location,
                    properties: {
                        createMode: "GeoReplica",
                        replicaParameters: { sourceResourceId: cluster.id, sourceLocation: args.location },
                        publicNetworkAccess: "Disabled",
                    },
                    tags,
                },
                { parent: this, ...keep },
            );
            new PrivateEndpoint(
                `${name}-geo-endpoint`,
                {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    target: "mongoCluster",
                    resourceId: replica.id,
                    endpointName: `pe-${args.geoReplica.clusterName}`,
                    subnetId: args.network.subnetId,
                    vnetId: args.network.vnetId,
                    zoneId: endpoint.zoneId,
                    tags,
                },
                { parent: this },
            );
            this.replicaClusterId = replica.id;
        }

        if (args.alerts) this.createAlerts(name, args, args.alerts, cluster.id, tags);

        this.clusterId = cluster.id;
        this.clusterName = cluster.name;
        this.connectionString = pulumi.secret(
            pulumi.all([cluster.properties, password.result]).apply(([p, pw]) => connectionUri(p.connectionString, args.administratorUserName, pw)),
        );
        this.privateEndpointId = endpoint.endpointId;
        this.privateDnsZoneId = endpoint.zoneId;
        this.registerOutputs({
            clusterId: this.clusterId,
            clusterName: this.clusterName,
            connectionString: this.connectionString,
            privateEndpointId: this.privateEndpointId,
            privateDnsZoneId: this.privateDnsZoneId,
            replicaClusterId: this.replicaClusterId,
        });
    }

    /** Per level: an action group, a Resource Health alert (availability) and a StoragePercent metric alert. */
    private createAlerts(name: string, args: MongoDatabaseArgs, alerts: MongoDatabaseAlerts, clusterId: pulumi.Output<string>, tags: Record<string, string>): void {
        for (const level of DATABASE_ALERT_LEVELS) {
            const receivers = alerts.receivers[level];
            const group = new monitor.ActionGroup(
                `${name}-${level}`,
                {
                    actionGroupName: `ag-itops-db-${level}-${alerts.stack}`,
                    groupShortName: `itopsdb-${level.replace("level", "l")}`,
                    resourceGroupName: args.resourceGroupName,
                    location: "global",
                    enabled: true,
                    emailReceivers: receivers.flatMap((r) => (r.kind === "email" ? [{ name: r.name, emailAddress: r.address, useCommonAlertSchema: true }] : [])),
                    webhookReceivers: receivers.flatMap((r) => (r.kind === "webhook" ? [{ name: r.name, serviceUri: pulumi.secret(r.url), useCommonAlertSchema: true }] : [])),
                    tags,
                },
                { parent: this },
            );
            this.actionGroupIds[level] = group.id;
            const props = { severity: level, service: "mongodb", cluster: args.clusterName, runbook: "docs/runbooks/database-unavailable.md" };
            new monitor.ActivityLogAlert(
                `${name}-availability-${level}`,
                {
                    activityLogAlertName: `alert-itops-db-availability-${level}-${alerts.stack}`,
                    resourceGroupName: args.resourceGroupName,
                    location: "global",
                    enabled: true,
                    description: `MongoDB cluster ${args.clusterName} is ${HEALTH_STATUS_LEVELS[level].join(" or ")} (Resource Health): ${level}, runbook docs/runbooks/database-unavailable.md`,
                    scopes: [clusterId],
                    condition: {
                        allOf: [
                            { field: "category", equals: "ResourceHealth" },
                            { field: "resourceType", equals: MONGO_CLUSTER_RESOURCE_TYPE },
                            { anyOf: HEALTH_STATUS_LEVELS[level].map((status) => ({ field: "properties.currentHealthStatus", equals: status })) },
                        ],
                    },
                    actions: { actionGroups: [{ actionGroupId: group.id, webhookProperties: props }] },
                    tags,
                },
                { parent: this },
            );
            new monitor.MetricAlert(
                `${name}-storage-${level}`,
                {
                    ruleName: `alert-itops-db-storage-${level}-${alerts.stack}`,
                    resourceGroupName: args.resourceGroupName,
                    location: "global",
                    enabled: true,
                    description: `MongoDB cluster ${args.clusterName}: storage at or above ${alerts.storagePercent[level]} % on a node: ${level}, runbook docs/runbooks/database-unavailable.md`,
                    severity: AZURE_SEVERITY[level],
                    scopes: [clusterId],
                    evaluationFrequency: "PT5M",
                    windowSize: "PT15M",
                    autoMitigate: true,
                    criteria: {
                        odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                        allOf: [
                            {
                                criterionType: "StaticThresholdCriterion",
                                name: "storage-percent",
                                metricNamespace: MONGO_CLUSTER_RESOURCE_TYPE,
                                metricName: "StoragePercent",
                                operator: "GreaterThanOrEqual",
                                threshold: alerts.storagePercent[level],
                                timeAggregation: "Maximum",
                            },
                        ],
                    },
                    actions: [{ actionGroupId: group.id, webHookProperties: props }],
                    tags,
                },
                { parent: this },
            );
        }
    }
}
