/**
 * The `database` section of the stack configuration: whether the stack owns its MongoDB (an Azure
 * DocumentDB for MongoDB vCore cluster, `itops:data:MongoDatabase`) or uses one created outside the
 * program. Parsed by {@link parseDatabase}; read only through `infra/config.ts`. Self-contained: every
 * key, default, range and rule is listed here (docs/database.md explains the choices).
 *
 * Keys (`it-ops-infra:database.*`):
 *
 * | key                               | type / allowed                                   | default                                  |
 * |-----------------------------------|--------------------------------------------------|------------------------------------------|
 * | `mode`                            | `managed` \| `external`                          | `external`                               |
 * | `clusterName`                     | 3-40 of `a-z0-9` in `-`-separated groups         | `mongo-it-ops-<stack>`                   |
 * | `serverVersion`                   | {@link SERVER_VERSIONS}                          | `7.0` (the backup tools' major version)  |
 * | `computeTier`                     | {@link COMPUTE_TIERS}                            | `M30`                                    |
 * | `storageSizeGb`                   | {@link STORAGE_SIZES_GB}                         | `128`                                    |
 * | `highAvailability`                | boolean                                          | `true` in stack `production`, else false |
 * | `administratorUserName`           | 3-32 letters/digits, starting with a letter      | `itopsadmin`                             |
 * | `geoReplica.enabled`              | boolean                                          | `true` in stack `production`, else false |
 * | `geoReplica.location`             | an Azure region of {@link MONGO_CLUSTER_REGIONS} | the pair of `location` ({@link PAIRED_REGIONS}) |
 * | `geoReplica.clusterName`          | as `clusterName`                                 | `<clusterName>-geo`                      |
 * | `alerts.storagePercent.level1`    | integer 50-99                                    | `90`                                     |
 * | `alerts.storagePercent.level3`    | integer 30-98, < level1                          | `80`                                     |
 * | `alerts.receiverUrls.<role>`      | secret string (https URL)                        | — (see rules)                            |
 *
 * Rules (each error names the key):
 * 1. `mode: external` (the default) accepts no other `database.*` key: nothing of it is created, and
 *    today's stacks render unchanged.
 * 2. `mode: managed` needs `cluster.mode aks` (a private endpoint in the stack's VNet).
 * 3. `mode: managed` rejects the keys that would give a second source of the connection or of its
 *    network allow ({@link MANAGED_CONFLICTS}): `app.database.uri`, `app.database.cidrs`,
 *    `app.database.port`, `backup.mongodb.uri`, `backup.network.databaseCidrs`,
 *    `backup.network.databasePort`, `migration.copy.targetUri`. The component's connection string
 *    feeds the app, the backups and the migration copy; the egress allow is `network.subnets.database`
 *    on port {@link MONGO_CLUSTER_PORT}.
 * 4. Stack `production`: `highAvailability` must stay true.
 * 5. Burstable tiers ({@link BURSTABLE_TIERS}) support neither high availability nor geo replicas,
 *    and at most 128 GB of storage.
 * 6. `geoReplica.location` must differ from `location`; without a default pair for `location` it is required.
 * 7. `alerts.receiverUrls.<role>` is required (in managed mode) for each on-call role that routes a
 *    level-1 or level-3 alert and whose kind has no Azure Monitor equivalent (slack, pagerduty,
 *    opsgenie): the URL of that same channel's Azure Monitor integration (common alert schema). It is
 *    rejected for roles that route neither level, and for webhook/email roles (those reuse the on-call
 *    receiver itself). Needs the parsed `monitoring.oncall` (context `oncall`).
 */
import * as pulumi from "@pulumi/pulumi";
import { databaseAlertRoles, needsIntegrationUrl } from "../../components/data/alert-routing";
import { ONCALL_ROLES, OnCallRole, OnCallSpec } from "../../components/monitoring/alertmanager-config";
import { BURSTABLE_MAX_STORAGE_GB, BURSTABLE_TIERS, COMPUTE_TIERS, ComputeTier, MONGO_CLUSTER_PORT, SERVER_VERSIONS, ServerVersion, STORAGE_SIZES_GB } from "../../components/data/service";
import { ConfigError, ObjectReader } from "./reader";

// The service's own choices live with the component (one place); the config re-exports them.
export { BURSTABLE_MAX_STORAGE_GB, BURSTABLE_TIERS, COMPUTE_TIERS, MONGO_CLUSTER_PORT, SERVER_VERSIONS, STORAGE_SIZES_GB };
export type { ComputeTier, ServerVersion };

export const DATABASE_MODES = ["managed", "external"] as const;
export type DatabaseMode = (typeof DATABASE_MODES)[number];

/** Regions that offer the service (Azure's regional availability list), by ARM location name. */
export const MONGO_CLUSTER_REGIONS = [
    "southafricanorth", "southafricawest", "australiacentral", "australiacentral2", "australiaeast", "centralindia", "eastasia",
    "japaneast", "japanwest", "koreacentral", "koreasouth", "southeastasia", "southindia", "canadacentral", "canadaeast",
    "francecentral", "francesouth", "germanynorth", "germanywestcentral", "italynorth", "northeurope", "norwayeast", "norwaywest",
    "polandcentral", "swedencentral", "switzerlandnorth", "switzerlandwest", "westeurope", "mexicocentral", "israelcentral",
    "uaecentral", "uaenorth", "brazilsouth", "brazilsoutheast", "uksouth", "ukwest", "centralus", "eastus", "eastus2",
    "northcentralus", "southcentralus", "westcentralus", "westus", "westus2", "westus3",
] as const;

/**
 * Azure region pairs where both regions offer the service: the default `geoReplica.location`.
 * (Pairs whose partner lacks the service, such as australiaeast → australiasoutheast, are left out:
 * set `geoReplica.location` there.)
 */
export const PAIRED_REGIONS: Readonly<Record<string, string>> = {
    japaneast: "japanwest", japanwest: "japaneast",
    koreacentral: "koreasouth", koreasouth: "koreacentral",
    eastasia: "southeastasia", southeastasia: "eastasia",
    centralindia: "southindia", southindia: "centralindia",
    australiacentral: "australiacentral2", australiacentral2: "australiacentral",
    canadacentral: "canadaeast", canadaeast: "canadacentral",
    northeurope: "westeurope", westeurope: "northeurope",
    francecentral: "francesouth", francesouth: "francecentral",
    germanywestcentral: "germanynorth", germanynorth: "germanywestcentral",
    norwayeast: "norwaywest", norwaywest: "norwayeast",
    switzerlandnorth: "switzerlandwest", switzerlandwest: "switzerlandnorth",
    uksouth: "ukwest", ukwest: "uksouth",
    uaenorth: "uaecentral", uaecentral: "uaenorth",
    southafricanorth: "southafricawest", southafricawest: "southafricanorth",
    eastus: "westus", westus: "eastus",
    eastus2: "centralus", centralus: "eastus2",
    northcentralus: "southcentralus", southcentralus: "northcentralus",
    westus2: "westcentralus", westcentralus: "westus2",
};

/** Cluster names: the service's rule (they become DNS names under mongocluster.cosmos.azure.com). */
export const CLUSTER_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const CLUSTER_NAME_TEXT = "3-40 lower-case letters and digits in groups separated by single '-' (a global DNS name)";

/**
 * The keys that give the connection (or its network allow) a second source: rejected in managed mode.
 * Paths below `it-ops-infra:`.
 */
export const MANAGED_CONFLICTS = [
    "app.database.uri",
    "app.database.cidrs",
    "app.database.port",
    "backup.mongodb.uri",
    "backup.network.databaseCidrs",
    "backup.network.databasePort",
    "migration.copy.targetUri",
] as const;

export interface GeoReplicaConfig {
    readonly location: string;
    readonly clusterName: string;
}

export interface ManagedDatabaseConfig {
    readonly mode: "managed";
    readonly clusterName: string;
    readonly serverVersion: ServerVersion;
    readonly computeTier: ComputeTier;
    readonly storageSizeGb: number;
    readonly highAvailability: boolean;
    readonly administratorUserName: string;
    /** A read replica in another region, or undefined. */
    readonly geoReplica?: GeoReplicaConfig;
    readonly alerts: {
        readonly storagePercent: { readonly level1: number; readonly level3: number };
        /** Azure Monitor integration URLs (secrets) of on-call roles whose kind Azure cannot call itself. */
        readonly receiverUrls: Readonly<Record<string, pulumi.Output<string>>>;
    };
}

export type DatabaseConfig = { readonly mode: "external" } | ManagedDatabaseConfig;

export interface DatabaseContext {
    readonly stack: string;
    /** The on-call receivers (`monitoring.oncall`): who gets the database's alerts. */
    readonly oncall: OnCallSpec;
    /** `location` (cluster mode aks), undefined for an existing cluster. */
    readonly location?: string;
}

/** Parses `it-ops-infra:database`. */
export function parseDatabase(r: ObjectReader, ctx: DatabaseContext): DatabaseConfig {
    const mode = r.enum("mode", DATABASE_MODES, { default: "external" });
    if (mode === "external") {
        const other = r.fields().find((f) => f !== "mode");
        if (other !== undefined) throw r.fail(other, "is only used with database.mode managed (database.mode is external)", r.rawValue(other));
        r.done();
        return { mode };
    }
    if (ctx.location === undefined) throw r.fail("mode", "managed needs cluster.mode aks: the database's private endpoint lives in the stack's VNet", mode);
    const production = ctx.stack === "production";
    const name = (rd: ObjectReader, field: string, def: string) => {
        const v = rd.string(field, { default: def, minLength: 3, maxLength: 40, pattern: CLUSTER_NAME, patternText: CLUSTER_NAME_TEXT });
        return v;
    };
    const clusterName = name(r, "clusterName", `mongo-it-ops-${ctx.stack}`);
    const serverVersion = r.enum("serverVersion", SERVER_VERSIONS, { default: "7.0" });
    const computeTier = r.enum("computeTier", COMPUTE_TIERS, { default: "M30" });
    const burstable = BURSTABLE_TIERS.includes(computeTier);
    const storageRaw = r.rawValue("storageSizeGb");
    const storageSizeGb = r.integer("storageSizeGb", { default: 128 });
    if (!(STORAGE_SIZES_GB as readonly number[]).includes(storageSizeGb)) throw r.fail("storageSizeGb", `must be one of ${STORAGE_SIZES_GB.join(", ")}`, storageRaw);
    if (burstable && storageSizeGb > BURSTABLE_MAX_STORAGE_GB) {
        throw r.fail("storageSizeGb", `must be at most ${BURSTABLE_MAX_STORAGE_GB} with the burstable tier ${computeTier}`, storageSizeGb);
    }
    const highAvailability = r.boolean("highAvailability", { default: production && !burstable });
    if (production && !highAvailability) throw r.fail("highAvailability", "must be true in production (a standby per shard, in another zone where the region has zones)", highAvailability);
    if (burstable && highAvailability) throw r.fail("highAvailability", `is not supported by the burstable tier ${computeTier} (use M30 or larger)`, highAvailability);
    const administratorUserName = r.string("administratorUserName", {
        default: "itopsadmin",
        pattern: /^[A-Za-z][A-Za-z0-9]{2,31}$/,
        patternText: "3-32 letters and digits, starting with a letter",
    });
    if (["admin", "root", "administrator", "azureuser", "guest"].includes(administratorUserName.toLowerCase())) {
        throw r.fail("administratorUserName", "must not be a reserved name (admin, root, administrator, azureuser, guest)", administratorUserName);
    }

    const g = r.object("geoReplica");
    const geoEnabled = g.boolean("enabled", { default: production && !burstable });
    let geoReplica: GeoReplicaConfig | undefined;
    if (geoEnabled) {
        if (burstable) throw g.fail("enabled", `is not supported by the burstable tier ${computeTier} (use M30 or larger)`, true);
        const pair = PAIRED_REGIONS[ctx.location];
        const location = g.string("location", pair !== undefined ? { default: pair } : undefined);
        if (!(MONGO_CLUSTER_REGIONS as readonly string[]).includes(location)) {
            throw g.fail("location", "must be a region that offers Azure DocumentDB for MongoDB vCore (docs/database.md#geo-replica), such as japanwest", location);
        }
        if (location === ctx.location) throw g.fail("location", `must differ from location (${ctx.location}): a geo replica lives in another region`, location);
        const replicaName = name(g, "clusterName", `${clusterName}-geo`.slice(0, 40).replace(/-+$/, ""));
        if (replicaName === clusterName) throw g.fail("clusterName", `must differ from database.clusterName (${clusterName})`, replicaName);
        geoReplica = { location, clusterName: replicaName };
    } else {
        for (const f of ["location", "clusterName"]) if (g.has(f)) throw g.fail(f, "is only used with geoReplica.enabled true", g.rawValue(f));
    }
    g.done();

    const a = r.object("alerts");
    const s = a.object("storagePercent");
    const level1 = s.integer("level1", { default: 90, min: 50, max: 99 });
    const level3 = s.integer("level3", { default: 80, min: 30, max: level1 - 1, maxText: `level1 - 1 (${level1 - 1})` });
    s.done();
    const receiverUrls = parseReceiverUrls(a.object("receiverUrls"), ctx.oncall);
    a.done();
    r.done();
    return { mode, clusterName, serverVersion, computeTier, storageSizeGb, highAvailability, administratorUserName, geoReplica, alerts: { storagePercent: { level1, level3 }, receiverUrls } };
}

/**
 * Rule 3: in managed mode none of {@link MANAGED_CONFLICTS} may be set. `raw` is the namespace's
 * parsed values (`{ app: { database: { uri } } }`); `prefix` is `it-ops-infra:`.
 */
export function checkManagedConflicts(raw: Readonly<Record<string, unknown>>, prefix: string): void {
    for (const path of MANAGED_CONFLICTS) {
        let v: unknown = raw;
        for (const part of path.split(".")) v = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
        if (v === undefined || v === null) continue;
        const key = `${prefix}${path}`;
        throw new ConfigError(
            key,
            `${key} must not be set with database.mode managed: the stack's MongoDatabase is the one source of the connection and of its network allow (network.subnets.database, port ${MONGO_CLUSTER_PORT}); remove it with \`pulumi config rm --path '${path}'\``,
        );
    }
}


/**
 * Rule 7: `alerts.receiverUrls` holds exactly the roles that route a database alert level and whose
 * kind Azure Monitor cannot call itself (see components/data/alert-routing.ts).
 */
function parseReceiverUrls(u: ObjectReader, oncall: OnCallSpec): Record<string, pulumi.Output<string>> {
    const roles = databaseAlertRoles(oncall);
    const needed = roles.filter((role) => needsIntegrationUrl(oncall, role));
    for (const role of u.fields()) {
        if (!(ONCALL_ROLES as readonly string[]).includes(role)) throw u.fail(role, `is not an on-call role (one of ${ONCALL_ROLES.join(", ")})`);
        if (!roles.includes(role as OnCallRole)) throw u.fail(role, `is not used: ${role} receives no level-1 or level-3 alert (roles used: ${roles.join(", ")})`);
        if (!needed.includes(role as OnCallRole)) throw u.fail(role, `is not used: ${role} is a ${oncall.receivers[role as OnCallRole].kind} receiver, which Azure Monitor calls as it is`);
    }
    const out: Record<string, pulumi.Output<string>> = {};
    for (const role of needed) {
        out[role] = u.secretString(role, { pattern: /^https:\/\/\S+$/, patternText: `an https URL: the Azure Monitor integration of ${role}'s ${oncall.receivers[role].kind} channel` })!;
    }
    u.done();
    return out;
}
