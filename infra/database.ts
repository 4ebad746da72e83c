/**
 * The stack's database (`database.mode`): in mode `managed` the `itops:data:MongoDatabase` in the
 * stack's VNet, whose connection string is the one source of the app's, the backups' and the
 * migration copy's URI; in mode `external` nothing (the three URIs come from their config keys).
 */
import * as pulumi from "@pulumi/pulumi";
import { AzureAlertReceiver, DATABASE_ALERT_LEVELS, DatabaseAlertLevel, MongoDatabase, needsIntegrationUrl, rolesForLevel } from "../components/data";
import { RECEIVER_NAMES } from "../components/monitoring";
import { ConfigError, PROJECT, StackConfig } from "./config";
import { ManagedDatabaseConfig, MONGO_CLUSTER_PORT } from "./config/database";
import type { AzurePlatform } from "./stack";

/** What the consumers of the database get from it. */
export interface StackDatabase {
    readonly component: MongoDatabase;
    /** The administrator connection string (a secret). */
    readonly uri: pulumi.Output<string>;
    readonly port: number;
}

/**
 * The Azure Monitor receivers of each database alert level: the on-call roles Alertmanager routes
 * that level to, each as itself (webhook URL, e-mail address) or through its channel's Azure
 * Monitor integration URL (`database.alerts.receiverUrls.<role>`).
 */
export function databaseAlertReceivers(db: ManagedDatabaseConfig, oncall: StackConfig["monitoring"]["oncall"]): Record<DatabaseAlertLevel, AzureAlertReceiver[]> {
    const receiver = (role: Parameters<typeof needsIntegrationUrl>[1]): AzureAlertReceiver => {
        const spec = oncall.receivers[role];
        const name = RECEIVER_NAMES[role];
        if (needsIntegrationUrl(oncall, role)) return { name, kind: "webhook", url: db.alerts.receiverUrls[role] };
        if (spec.kind === "email") return { name, kind: "email", address: spec.to! };
        const url = oncall.secrets[role];
        if (url === undefined) throw new ConfigError(`${PROJECT}:monitoring.oncall.receivers.${role}.url`, `${PROJECT}:monitoring.oncall.receivers.${role}.url is required: the database's alerts use it`);
        return { name, kind: "webhook", url };
    };
    return Object.fromEntries(DATABASE_ALERT_LEVELS.map((level) => [level, rolesForLevel(oncall, level).map(receiver)])) as Record<DatabaseAlertLevel, AzureAlertReceiver[]>;
}

/** Mode `managed`: the MongoDatabase (private endpoint in `network.subnets.database`); mode `external`: undefined. */
export function deployDatabase(cfg: StackConfig, azure: AzurePlatform | undefined): StackDatabase | undefined {
    const d = cfg.database;
    if (d.mode === "external") return undefined;
    if (!azure) throw new ConfigError(`${PROJECT}:database.mode`, `${PROJECT}:database.mode managed needs cluster.mode aks`);
    const component = new MongoDatabase("itops-database", {
        resourceGroupName: azure.resourceGroupName,
        location: azure.location,
        clusterName: d.clusterName,
        serverVersion: d.serverVersion,
        computeTier: d.computeTier,
        storageSizeGb: d.storageSizeGb,
        highAvailability: d.highAvailability,
        administratorUserName: d.administratorUserName,
        network: { subnetId: azure.network.databaseSubnetId, vnetId: azure.network.vnetId },
        workspaceId: azure.logAnalyticsWorkspaceId,
        geoReplica: d.geoReplica,
        alerts: { receivers: databaseAlertReceivers(d, cfg.monitoring.oncall), storagePercent: d.alerts.storagePercent, stack: cfg.stack },
        protect: cfg.protect,
        tags: azure.tags,
    });
    return { component, uri: component.connectionString, port: MONGO_CLUSTER_PORT };
}

/** A consumer's URI: the managed database's, else its own config key (required in mode external). */
export function consumerUri(db: StackDatabase | undefined, configured: pulumi.Output<string> | undefined, key: string): pulumi.Output<string> {
    if (db) return db.uri;
    if (configured === undefined) throw new ConfigError(`${PROJECT}:${key}`, `${PROJECT}:${key} is required with database.mode external`);
    return configured;
}
