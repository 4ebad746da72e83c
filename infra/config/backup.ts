/**
 * The `backup` section of the stack configuration: where MongoDB backups go (an immutable,
 * versioned blob container reached through workload identity), when they run, how long they are
 * kept, and the restore drill. Parsed by {@link parseBackup}; read only through `infra/config.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { cronProblem, isTimeZone, maxRunGapMinutes } from "../../components/shared/cron-schedule";
import { isContainerName, STORAGE_SKUS, StorageSku } from "../../components/backup/backup-storage";
import { imagePinProblem } from "../../components/backup/mongo-backup";
import { ClusterMode } from "./platform";
import { ObjectReader } from "./reader";

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

const CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
const CIDR_TEXT = "an IPv4 CIDR such as 10.20.8.0/24";

export const DEFAULT_BACKUP_SCHEDULE = "0 2 * * *";
export const DEFAULT_DRILL_SCHEDULE = "0 5 * * 0";
export const DEFAULT_TIME_ZONE = "Asia/Tokyo";
export const DEFAULT_MONGO_IMAGE = "mongo:7.0.14";
export const DEFAULT_AZCOPY_IMAGE = "mcr.microsoft.com/azure-storage/azcopy:10.27.1";

const ACCOUNT_PREFIX = /^[a-z0-9]{3,16}$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

function schedule(r: ObjectReader, field: string, def: string): string {
    const s = r.string(field, { default: def });
    const problem = cronProblem(s);
    if (problem) throw r.fail(field, `must be a Kubernetes CronJob schedule such as "0 2 * * *" (${problem})`, s);
    if (maxRunGapMinutes(s) === undefined) throw r.fail(field, "must be a schedule that runs (this one never matches a date)", s);
    return s;
}

function image(r: ObjectReader, field: string, def: string): string {
    const v = r.string(field, { default: def });
    const problem = imagePinProblem(v);
    if (problem) throw r.fail(field, `must be a pinned image reference (repo:tag other than latest, or repo@sha256:digest): ${problem}`, v);
    return v;
}

function quantity(r: ObjectReader, field: string, def: string): string {
    return r.string(field, { default: def, pattern: QUANTITY, patternText: "a Kubernetes quantity such as 500m, 1, 512Mi or 2Gi" });
}

const CONTAINER_URL = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?\/[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$/;

/**
 * `backup.enabled` and `backup.existing`. In cluster mode `existing` the stack creates no storage
 * account or managed identity, so enabled backups need `backup.existing` and `backup.storage` is
 * an error; in mode `aks` `backup.existing` is an error.
 */
function parseBackupTarget(b: ObjectReader, clusterMode: ClusterMode): { enabled: boolean; existing?: ExistingBackupTarget } {
    const enabled = b.boolean("enabled", { default: true });
    if (clusterMode === "aks") {
        if (b.has("existing")) throw b.fail("existing", "is only used with cluster.mode existing (in mode aks the stack creates the storage and identity)", b.rawValue("existing"));
        return { enabled };
    }
    if (b.has("storage")) throw b.fail("storage", "is only used with cluster.mode aks (the stack creates no storage account in mode existing); set backup.existing instead", b.rawValue("storage"));
    if (!enabled) {
        if (b.has("existing")) throw b.fail("existing", "is only used when backups are enabled", b.rawValue("existing"));
        return { enabled };
    }
    if (!b.has("existing")) {
        throw b.fail("existing", "is required with cluster.mode existing: { identityClientId, containerUrl } of storage made outside this stack, or set backup.enabled: false");
    }
    const e = b.object("existing");
    const existing: ExistingBackupTarget = {
        identityClientId: e.uuid("identityClientId"),
        containerUrl: e.string("containerUrl", { pattern: CONTAINER_URL, patternText: "an https URL of a blob container, such as https://<account>.blob.core.windows.net/mongodb-backups" }),
        restoreIdentityClientId: e.uuid("restoreIdentityClientId"),
    };
    if (existing.restoreIdentityClientId.toLowerCase() === existing.identityClientId.toLowerCase()) {
        throw e.fail("restoreIdentityClientId", "must differ from identityClientId: restores and drills use an identity that can only read (Storage Blob Data Reader)", existing.restoreIdentityClientId);
    }
    e.done();
    return { enabled, existing };
}

/** Parses `it-ops-infra:backup` (`clusterMode` decides between created and existing storage). */
export function parseBackup(b: ObjectReader, stack: string, clusterMode: ClusterMode = "aks", managedDatabase = false): BackupConfig {
    const target = parseBackupTarget(b, clusterMode);
    const namespace = b.dnsLabel("namespace", { default: "itops-backup" });
    const serviceAccountName = b.dnsSubdomain("serviceAccountName", { default: "mongodb-backup" });
    const restoreServiceAccountName = b.dnsSubdomain("restoreServiceAccountName", { default: "mongodb-restore" });
    if (restoreServiceAccountName === serviceAccountName) {
        throw b.fail("restoreServiceAccountName", `must differ from serviceAccountName (${serviceAccountName}): restores run as their own, read-only identity`, restoreServiceAccountName);
    }

    const s = b.object("storage");
    const retentionDays = s.integer("retentionDays", { default: 35, min: 2, max: 3650 });
    const storage: BackupStorageConfig = {
        accountNamePrefix: s.string("accountNamePrefix", {
            default: `itopsbkp${stack.replace(/[^a-z0-9]/g, "").slice(0, 8)}`,
            pattern: ACCOUNT_PREFIX,
            patternText: "3-16 lower-case letters or digits (an 8-character random suffix completes the 24-character storage account name)",
        }),
        sku: s.enum("sku", STORAGE_SKUS, { default: "Standard_ZRS" }),
        containerName: s.string("containerName", { default: "mongodb-backups" }),
        retentionDays,
        coolAfterDays: s.integer("coolAfterDays", { default: Math.min(7, retentionDays - 1), min: 1, max: retentionDays - 1, maxText: `retentionDays - 1 (${retentionDays - 1})` }),
        softDeleteDays: s.integer("softDeleteDays", { default: 14, min: 1, max: 365 }),
        immutabilityLocked: s.boolean("immutabilityLocked", { default: false }),
        requireInfrastructureEncryption: s.boolean("requireInfrastructureEncryption", { default: true }),
    };
    if (!isContainerName(storage.containerName)) {
        throw s.fail("containerName", "must be a blob container name (3-63 lower-case letters, digits and single '-', starting and ending with a letter or digit)", storage.containerName);
    }
    s.done();

    const m = b.object("mongodb");
    // Not pattern-checked: an error message would have to show the secret.
    // Disabled backups need no source; the value is then never used.
    // With database.mode managed the source is the stack's MongoDatabase (`uri` is rejected before).
    const mongoUri = managedDatabase ? undefined : (m.secretString("uri", { optional: !target.enabled }) ?? pulumi.secret(""));
    const replicaSet = m.boolean("replicaSet", { default: false });
    m.done();

    const backupSchedule = schedule(b, "schedule", DEFAULT_BACKUP_SCHEDULE);
    const timeZone = b.string("timeZone", { default: DEFAULT_TIME_ZONE });
    if (!isTimeZone(timeZone)) throw b.fail("timeZone", "must be an IANA time zone name such as Asia/Tokyo or UTC", timeZone);

    const d = b.object("drill");
    const drillEnabled = d.boolean("enabled", { default: true });
    const drillSchedule = schedule(d, "schedule", DEFAULT_DRILL_SCHEDULE);
    const drillActiveDeadlineSeconds = d.integer("activeDeadlineSeconds", { default: 14_400, min: 300, max: 86_400 });
    d.done();

    const j = b.object("job");
    const startingDeadlineSeconds = j.integer("startingDeadlineSeconds", { default: 3600, min: 10, max: 86_400 });
    const backoffLimit = j.integer("backoffLimit", { default: 2, min: 0, max: 10 });
    const activeDeadlineSeconds = j.integer("activeDeadlineSeconds", { default: 10_800, min: 300, max: 86_400 });
    const successfulJobsHistoryLimit = j.integer("successfulJobsHistoryLimit", { default: 3, min: 1, max: 100 });
    const failedJobsHistoryLimit = j.integer("failedJobsHistoryLimit", { default: 5, min: 1, max: 100 });
    j.done();
    const gap = maxRunGapMinutes(backupSchedule)!;
    if (activeDeadlineSeconds >= gap * 60) {
        throw j.fail("activeDeadlineSeconds", `must be shorter than the longest gap between two backups of schedule "${backupSchedule}" (${gap * 60} s), or runs would overlap`, activeDeadlineSeconds);
    }

    const i = b.object("images");
    const mongoImage = image(i, "mongo", DEFAULT_MONGO_IMAGE);
    const azcopyImage = image(i, "azcopy", DEFAULT_AZCOPY_IMAGE);
    i.done();

    const r = b.object("resources");
    const resources: BackupResources = {
        cpuRequest: quantity(r, "cpuRequest", "250m"),
        memoryRequest: quantity(r, "memoryRequest", "512Mi"),
        cpuLimit: quantity(r, "cpuLimit", "1"),
        memoryLimit: quantity(r, "memoryLimit", "2Gi"),
    };
    r.done();
    const workVolumeSize = b.string("workVolumeSize", { default: "20Gi", pattern: /^\d+(Mi|Gi|Ti)$/, patternText: "a size such as 20Gi" });

    const maxAgeMarginMinutes = b.integer("maxAgeMarginMinutes", { default: 120, min: 15, max: 10_080 });

    const n = b.object("network");
    const network: BackupNetworkConfig = {
        databaseCidrs: n.has("databaseCidrs") ? n.array("databaseCidrs", (i) => i.string({ pattern: CIDR, patternText: CIDR_TEXT }), { minItems: 1 }) : undefined,
        databasePort: n.has("databasePort") ? n.integer("databasePort", { min: 1, max: 65535 }) : undefined,
        httpsCidrs: n.array("httpsCidrs", (i) => i.string({ pattern: CIDR, patternText: CIDR_TEXT }), { default: ["0.0.0.0/0"], minItems: 1 }),
    };
    n.done();
    b.done();

    return {
        ...target,
        namespace,
        serviceAccountName,
        restoreServiceAccountName,
        storage,
        mongoUri,
        replicaSet,
        schedule: backupSchedule,
        timeZone,
        drillEnabled,
        drillSchedule,
        startingDeadlineSeconds,
        backoffLimit,
        activeDeadlineSeconds,
        drillActiveDeadlineSeconds,
        successfulJobsHistoryLimit,
        failedJobsHistoryLimit,
        mongoImage,
        azcopyImage,
        resources,
        workVolumeSize,
        maxAgeMarginMinutes,
        network,
    };
}
