/**
 * The `backup` section of the stack configuration: where MongoDB backups go (an immutable,
 * versioned blob container reached through workload identity), when they run, how long they are
 * kept, and the restore drill. Declared by {@link backupSchemas}; read only through `infra/config.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { cronProblem, isTimeZone, maxRunGapMinutes } from "../../components/shared/cron-schedule";
import { ACCOUNT_NAME_PREFIX, isContainerName, STORAGE_SKUS, StorageSku } from "../../components/backup/backup-storage";
import { IPV4_CIDR, isIpv4Cidr, QUANTITY, QUANTITY_TEXT } from "../../components/shared/validation";
import { z } from "zod";
import { ClusterMode } from "./platform";
import { bool, dnsLabel, dnsSubdomain, int, list, notHere, obj, oneOf, optionalSecret, parseContext, pinnedImage, problem, Resolved, SecretRef, section, str, uuid, WHEN_VALID } from "./kit";

/** Kubernetes resource quantities of the backup containers. */
export interface BackupResources {
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly cpuLimit: string;
    readonly memoryLimit: string;
}

export interface BackupStorageConfig {
    /** Start of the generated storage account name (an 8-character random suffix follows). */
    readonly accountNamePrefix: string;
    readonly sku: StorageSku;
    readonly containerName: string;
    /** Days each backup version is immutable (WORM) and kept; the lifecycle rule deletes it afterwards. */
    readonly retentionDays: number;
    /** Days after which backups move to the cool tier (< retentionDays). */
    readonly coolAfterDays: number;
    /** Soft-delete retention of blobs and containers. */
    readonly softDeleteDays: number;
    /** Lock the account's immutability policy (irreversible: the period can then only grow). */
    readonly immutabilityLocked: boolean;
    /**
     * Infrastructure (double) encryption. Only possible when the account is created: an account
     * that exists without it keeps `false` until the backups move to a new account.
     */
    readonly requireInfrastructureEncryption: boolean;
}

/**
 * `backup.existing` (cluster mode `existing`, where the stack creates no Azure storage or
 * identity): the workload identity and blob container the backup CronJobs use.
 */
export interface ExistingBackupTarget {
    /** Client id of a user-assigned managed identity federated with the backup ServiceAccount. */
    readonly identityClientId: string;
    /** URL of the blob container, e.g. `https://<account>.blob.core.windows.net/mongodb-backups`. */
    readonly containerUrl: string;
    /**
     * Client id of a second identity with read access only (Storage Blob Data Reader), federated
     * with the restore ServiceAccount: the restore and restore-drill jobs never hold write access.
     */
    readonly restoreIdentityClientId: string;
}

export interface BackupConfig {
    /** Whether backups (storage, identity, CronJobs, alerts) are deployed. @default true */
    readonly enabled: boolean;
    /** Cluster mode `existing` only: the storage and identity the stack does not create. */
    readonly existing?: ExistingBackupTarget;
    readonly namespace: string;
    /** The backup job's ServiceAccount (federated with the write identity). */
    readonly serviceAccountName: string;
    /** The restore and restore-drill jobs' ServiceAccount (federated with the read-only identity). */
    readonly restoreServiceAccountName: string;
    readonly storage: BackupStorageConfig;
    /** MongoDB connection URI of the source (Pulumi secret). */
    /** Absent with `database.mode managed`: the stack's MongoDatabase is the source. */
    readonly mongoUri?: pulumi.Output<string>;
    /** Whether the source is a replica set (then `mongodump --oplog`, `mongorestore --oplogReplay`). */
    readonly replicaSet: boolean;
    /** Cron schedule of the backup CronJob (in `timeZone`). */
    readonly schedule: string;
    /** IANA time zone of both CronJobs. */
    readonly timeZone: string;
    readonly drillEnabled: boolean;
    /** Cron schedule of the restore-drill CronJob (in `timeZone`). */
    readonly drillSchedule: string;
    readonly startingDeadlineSeconds: number;
    readonly backoffLimit: number;
    /** Upper bound of one backup Job's run time. */
    readonly activeDeadlineSeconds: number;
    /** Upper bound of one restore drill's run time. */
    readonly drillActiveDeadlineSeconds: number;
    readonly successfulJobsHistoryLimit: number;
    readonly failedJobsHistoryLimit: number;
    readonly mongoImage: string;
    readonly azcopyImage: string;
    readonly resources: BackupResources;
    /** Size limit of the scratch volume holding one archive (and the drill's throw-away database). */
    readonly workVolumeSize: string;
    /** BackupTooOld fires when the newest success is older than the schedule's period + this. */
    readonly maxAgeMarginMinutes: number;
    readonly network: BackupNetworkConfig;
}

/**
 * `backup.network`: what the backup pods may reach besides DNS (their namespace is default deny).
 * The database defaults to the app's (`app.database.cidrs`/`port`), the source of the backups.
 */
export interface BackupNetworkConfig {
    /** IPv4 CIDRs of the database. @default app.database.cidrs (undefined here) */
    readonly databaseCidrs?: readonly string[];
    /** TCP port of the database. @default app.database.port (undefined here) */
    readonly databasePort?: number;
    /**
     * Where HTTPS (443) may go: the blob endpoint (the storage private endpoint's subnet when the
     * account is private) and Entra ID's token endpoint for workload identity. @default ["0.0.0.0/0"]
     */
    readonly httpsCidrs: readonly string[];
}

const CIDR_TEXT = "an IPv4 CIDR such as 10.20.8.0/24";

export const DEFAULT_BACKUP_SCHEDULE = "0 2 * * *";
export const DEFAULT_DRILL_SCHEDULE = "0 5 * * 0";
export const DEFAULT_TIME_ZONE = "Asia/Tokyo";
export const DEFAULT_MONGO_IMAGE = "mongo:7.0.14";
export const DEFAULT_AZCOPY_IMAGE = "mcr.microsoft.com/azure-storage/azcopy:10.27.1";

const CONTAINER_URL = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?\/[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$/;

const schedule = (def: string, what: string) =>
    str()
        .superRefine((s, ctx) => {
            const p = cronProblem(s);
            if (p) problem(ctx, [], `must be a Kubernetes CronJob schedule such as "0 2 * * *" (${p})`, s);
            else if (maxRunGapMinutes(s) === undefined) problem(ctx, [], "must be a schedule that runs (this one never matches a date)", s);
        }, WHEN_VALID)
        .default(def)
        .describe(what);

const image = (def: string, what: string) => pinnedImage().default(def).describe(what);

const quantity = (def: string, what: string) => str({ pattern: QUANTITY, text: QUANTITY_TEXT }).default(def).describe(what);
const cidrs = () => list(str({ pattern: IPV4_CIDR, text: CIDR_TEXT }).refine((c) => !IPV4_CIDR.test(c) || isIpv4Cidr(c), { error: `must be ${CIDR_TEXT}` }), { minItems: 1 });

const existingTarget = obj({
    identityClientId: uuid().describe("Client id of a user-assigned managed identity federated with the backup ServiceAccount (write access)."),
    containerUrl: str({ pattern: CONTAINER_URL, text: "an https URL of a blob container, such as https://<account>.blob.core.windows.net/mongodb-backups" }).describe("URL of the blob container."),
    restoreIdentityClientId: uuid().describe("Client id of a second, read-only identity (Storage Blob Data Reader) federated with the restore ServiceAccount."),
})
    .superRefine((e, ctx) => {
        if (e.restoreIdentityClientId.toLowerCase() === e.identityClientId.toLowerCase()) {
            problem(ctx, ["restoreIdentityClientId"], "must differ from identityClientId: restores and drills use an identity that can only read (Storage Blob Data Reader)", e.restoreIdentityClientId);
        }
    }, WHEN_VALID)
    .describe("Cluster mode existing: the storage and identities made outside this stack.");

const storage = section({
    accountNamePrefix: str({ pattern: ACCOUNT_NAME_PREFIX, text: "3-16 lower-case letters or digits (an 8-character random suffix completes the 24-character storage account name)" })
        .optional()
        .describe("Start of the generated storage account name (an 8-character random suffix follows).")
        .meta({ derivedDefault: "itopsbkp + the stack name's first 8 letters/digits" }),
    sku: oneOf(STORAGE_SKUS).default("Standard_ZRS").describe("Storage account SKU."),
    containerName: str()
        .refine(isContainerName, { error: "must be a blob container name (3-63 lower-case letters, digits and single '-', starting and ending with a letter or digit)" })
        .default("mongodb-backups")
        .describe("Blob container of the backups."),
    retentionDays: int({ min: 2, max: 3650 }).default(35).describe("Days each backup version is immutable (WORM) and kept."),
    coolAfterDays: int({ min: 1 }).optional().describe("Days after which backups move to the cool tier (< retentionDays).").meta({ derivedDefault: "min(7, retentionDays - 1)" }),
    softDeleteDays: int({ min: 1, max: 365 }).default(14).describe("Soft-delete retention of blobs and containers."),
    immutabilityLocked: bool().default(false).describe("Lock the immutability policy (irreversible)."),
    requireInfrastructureEncryption: bool().default(true).describe("Infrastructure (double) encryption; chosen at account creation only."),
})
    .superRefine((s, ctx) => {
        if (s.coolAfterDays !== undefined && s.coolAfterDays > s.retentionDays - 1) {
            problem(ctx, ["coolAfterDays"], `must be an integer >= 1 and <= retentionDays - 1 (${s.retentionDays - 1})`, s.coolAfterDays);
        }
    }, WHEN_VALID)
    .transform((s): BackupStorageConfig => ({
        ...s,
        accountNamePrefix: s.accountNamePrefix ?? `itopsbkp${parseContext().stack.replace(/[^a-z0-9]/g, "").slice(0, 8)}`,
        coolAfterDays: s.coolAfterDays ?? Math.min(7, s.retentionDays - 1),
    }))
    .describe("The backup storage account the stack creates (cluster mode aks).");

function backupSchema(mode: ClusterMode) {
    return obj({
        enabled: bool().default(true).describe("Whether backups (storage, identity, CronJobs, alerts) are deployed."),
        existing:
            mode === "existing"
                ? existingTarget.optional()
                : notHere("is only used with cluster.mode existing (in mode aks the stack creates the storage and identity)"),
        storage: mode === "aks" ? storage : notHere("is only used with cluster.mode aks (the stack creates no storage account in mode existing); set backup.existing instead"),
        namespace: dnsLabel().default("itops-backup").describe("Namespace of the backup CronJobs."),
        serviceAccountName: dnsSubdomain().default("mongodb-backup").describe("The backup job's ServiceAccount (federated with the write identity)."),
        restoreServiceAccountName: dnsSubdomain().default("mongodb-restore").describe("The restore and restore-drill jobs' ServiceAccount (read-only identity)."),
        mongodb: section({
            // Not pattern-checked: an error message would have to show the secret.
            uri: optionalSecret().describe("MongoDB connection URI of the source (secret; required when backups are enabled)."),
            replicaSet: bool().default(false).describe("Whether the source is a replica set (mongodump --oplog)."),
        }).describe("The backed-up database."),
        schedule: schedule(DEFAULT_BACKUP_SCHEDULE, "Cron schedule of the backup CronJob (in timeZone)."),
        timeZone: str()
            .refine(isTimeZone, { error: "must be an IANA time zone name such as Asia/Tokyo or UTC" })
            .default(DEFAULT_TIME_ZONE)
            .describe("IANA time zone of both CronJobs."),
        drill: section({
            enabled: bool().default(true).describe("Run the restore drill."),
            schedule: schedule(DEFAULT_DRILL_SCHEDULE, "Cron schedule of the restore-drill CronJob (in timeZone)."),
            activeDeadlineSeconds: int({ min: 300, max: 86_400 }).default(14_400).describe("Upper bound of one restore drill's run time."),
        }).describe("The restore drill."),
        job: section({
            startingDeadlineSeconds: int({ min: 10, max: 86_400 }).default(3600).describe("CronJob startingDeadlineSeconds."),
            backoffLimit: int({ min: 0, max: 10 }).default(2).describe("Job backoffLimit."),
            activeDeadlineSeconds: int({ min: 300, max: 86_400 }).default(10_800).describe("Upper bound of one backup Job's run time (shorter than the schedule's longest gap)."),
            successfulJobsHistoryLimit: int({ min: 1, max: 100 }).default(3).describe("Successful Jobs kept."),
            failedJobsHistoryLimit: int({ min: 1, max: 100 }).default(5).describe("Failed Jobs kept."),
        }).describe("The backup Jobs."),
        images: section({
            mongo: image(DEFAULT_MONGO_IMAGE, "Image with mongodump/mongorestore (pinned)."),
            azcopy: image(DEFAULT_AZCOPY_IMAGE, "Image with azcopy (pinned)."),
        }).describe("Images of the backup containers."),
        resources: section({
            cpuRequest: quantity("250m", "CPU request."),
            memoryRequest: quantity("512Mi", "Memory request."),
            cpuLimit: quantity("1", "CPU limit."),
            memoryLimit: quantity("2Gi", "Memory limit."),
        }).describe("Kubernetes resource quantities of the backup containers."),
        workVolumeSize: str({ pattern: /^\d+(Mi|Gi|Ti)$/, text: "a size such as 20Gi" }).default("20Gi").describe("Size limit of the scratch volume holding one archive."),
        maxAgeMarginMinutes: int({ min: 15, max: 10_080 }).default(120).describe("BackupTooOld fires when the newest success is older than the schedule's period + this."),
        network: section({
            databaseCidrs: cidrs().optional().describe("IPv4 CIDRs of the database.").meta({ derivedDefault: "app.database.cidrs" }),
            databasePort: int({ min: 1, max: 65535 }).optional().describe("TCP port of the database.").meta({ derivedDefault: "app.database.port" }),
            httpsCidrs: cidrs().default(["0.0.0.0/0"]).describe("Where HTTPS (443) may go: the blob endpoint and Entra ID's token endpoint."),
        }).describe("What the backup pods may reach besides DNS."),
    })
        .superRefine((b, ctx) => {
            if (mode === "existing") {
                if (!b.enabled && b.existing !== undefined) problem(ctx, ["existing"], "is only used when backups are enabled", b.existing);
                if (b.enabled && b.existing === undefined) {
                    problem(ctx, ["existing"], "is required with cluster.mode existing: { identityClientId, containerUrl } of storage made outside this stack, or set backup.enabled: false");
                }
            }
            if (b.restoreServiceAccountName === b.serviceAccountName) {
                problem(ctx, ["restoreServiceAccountName"], `must differ from serviceAccountName (${b.serviceAccountName}): restores run as their own, read-only identity`, b.restoreServiceAccountName);
            }
            const gap = maxRunGapMinutes(b.schedule)!;
            if (b.job.activeDeadlineSeconds >= gap * 60) {
                problem(ctx, ["job", "activeDeadlineSeconds"], `must be shorter than the longest gap between two backups of schedule "${b.schedule}" (${gap * 60} s), or runs would overlap`, b.job.activeDeadlineSeconds);
            }
        }, WHEN_VALID)
        .transform((b) => ({
            ...b,
            // Disabled backups need no source; the value is then never used.
            mongodb: { ...b.mongodb, uri: b.enabled ? new SecretRef(b.mongodb.uri.value, {}) : b.mongodb.uri },
        }))
        .prefault({} as never)
        .describe("MongoDB backups, restore drills and their storage.");
}

/** `it-ops-infra:backup` per cluster mode. */
export const backupSchemas = { aks: backupSchema("aks"), existing: backupSchema("existing") } as const;

/** The backup section in the shape the composition uses. */
export function finishBackup(b: Resolved<z.output<(typeof backupSchemas)["aks"]>>): BackupConfig {
    return {
        enabled: b.enabled,
        ...(b.existing ? { existing: b.existing as ExistingBackupTarget } : {}),
        namespace: b.namespace,
        serviceAccountName: b.serviceAccountName,
        restoreServiceAccountName: b.restoreServiceAccountName,
        storage: b.storage as BackupStorageConfig,
        mongoUri: b.mongodb.uri ?? pulumi.secret(""),
        replicaSet: b.mongodb.replicaSet,
        schedule: b.schedule,
        timeZone: b.timeZone,
        drillEnabled: b.drill.enabled,
        drillSchedule: b.drill.schedule,
        startingDeadlineSeconds: b.job.startingDeadlineSeconds,
        backoffLimit: b.job.backoffLimit,
        activeDeadlineSeconds: b.job.activeDeadlineSeconds,
        drillActiveDeadlineSeconds: b.drill.activeDeadlineSeconds,
        successfulJobsHistoryLimit: b.job.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: b.job.failedJobsHistoryLimit,
        mongoImage: b.images.mongo,
        azcopyImage: b.images.azcopy,
        resources: b.resources,
        workVolumeSize: b.workVolumeSize,
        maxAgeMarginMinutes: b.maxAgeMarginMinutes,
        network: { databaseCidrs: b.network.databaseCidrs, databasePort: b.network.databasePort, httpsCidrs: b.network.httpsCidrs },
    };
}

/**
 * Cluster mode existing: `backup.existing` while backups are disabled is one problem, whatever it
 * holds (checked before the schema, which would judge its fields first). Returns the section without it.
 */
export function disabledBackupTarget(raw: unknown): { message: string; value: unknown; rest: unknown } | undefined {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
    const { existing, ...rest } = raw as Record<string, unknown>;
    if ((raw as Record<string, unknown>).enabled !== false || existing === undefined) return undefined;
    return { message: "is only used when backups are enabled", value: existing, rest };
}
