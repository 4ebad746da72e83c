/**
 * The `database` section of the stack configuration: whether the stack owns its MongoDB (an Azure
 * DocumentDB for MongoDB vCore cluster, `itops:data:MongoDatabase`) or uses one created outside the
 * program. Declared by {@link databaseSchema} (rules needing other sections: {@link finishDatabase}); read only through `infra/config.ts`. Self-contained: every
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
import { z } from "zod";
import { databaseAlertRoles, needsIntegrationUrl } from "../../components/data/alert-routing";
import { ONCALL_ROLES, OnCallRole, OnCallSpec } from "../../components/monitoring/alertmanager-config";
import { BURSTABLE_MAX_STORAGE_GB, BURSTABLE_TIERS, CLUSTER_NAME, CLUSTER_NAME_TEXT, COMPUTE_TIERS, ComputeTier, MONGO_CLUSTER_PORT, SERVER_VERSIONS, ServerVersion, STORAGE_SIZES_GB } from "../../components/data/service";
import { HTTPS_URL } from "../../components/shared/validation";
import { bool, int, obj, OptionalSecretRef, oneOf, parseContext, problem, rangeText, SecretRef, section, str, WHEN_VALID } from "./kit";

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

const RESERVED_ADMINS = ["admin", "root", "administrator", "azureuser", "guest"];
const clusterName = () => str({ pattern: CLUSTER_NAME, text: CLUSTER_NAME_TEXT });
const burstableText = (tier: string) => `is not supported by the burstable tier ${tier} (use M30 or larger)`;

/** `it-ops-infra:database` (rules 1, 4, 5 and the ranges; rules 2, 6, 7 in {@link finishDatabase}, rule 3 in {@link managedConflicts}). */
export const databaseSchema = obj({
    mode: oneOf(DATABASE_MODES).default("external").describe("external: a MongoDB created outside the program (app.database.uri, backup.mongodb.uri, migration.copy.targetUri); managed: the stack's own Azure DocumentDB for MongoDB (vCore) cluster, the one source of all three (docs/database.md)."),
    clusterName: clusterName().optional().describe("Name of the cluster (a global DNS name).").meta({ derivedDefault: "mongo-it-ops-<stack>" }),
    serverVersion: oneOf(SERVER_VERSIONS).optional().describe("MongoDB server version.").meta({ default: "7.0" }),
    computeTier: oneOf(COMPUTE_TIERS).optional().describe(`Compute tier (burstable: ${BURSTABLE_TIERS.join(", ")}: no HA, no geo replica, at most ${BURSTABLE_MAX_STORAGE_GB} GB).`).meta({ default: "M30" }),
    storageSizeGb: int().refine((v) => (STORAGE_SIZES_GB as readonly number[]).includes(v), { error: `must be one of ${STORAGE_SIZES_GB.join(", ")}` }).optional().describe(`Storage per shard in GB: one of ${STORAGE_SIZES_GB.join(", ")} (at most ${BURSTABLE_MAX_STORAGE_GB} on burstable tiers).`).meta({ default: 128 }),
    highAvailability: bool().optional().describe("A standby per shard (required in production; not on burstable tiers).").meta({ derivedDefault: "true in stack production (non-burstable tier), else false" }),
    administratorUserName: str({ pattern: /^[A-Za-z][A-Za-z0-9]{2,31}$/, text: "3-32 letters and digits, starting with a letter" })
        .refine((v) => !RESERVED_ADMINS.includes(v.toLowerCase()), { error: `must not be a reserved name (${RESERVED_ADMINS.join(", ")})` })
        .optional()
        .describe("The cluster's administrator user (its password is a random Pulumi secret).")
        .meta({ default: "itopsadmin" }),
    geoReplica: section({
        enabled: bool().optional().describe("A read replica cluster in another region.").meta({ derivedDefault: "true in stack production (non-burstable tier), else false" }),
        location: str().optional().describe("Region of the replica (one that offers the service).").meta({ derivedDefault: "the pair of location" }),
        clusterName: clusterName().optional().describe("Name of the replica cluster.").meta({ derivedDefault: "<clusterName>-geo" }),
    }).describe("Geo replica (docs/database.md#geo-replica)."),
    alerts: section({
        storagePercent: section({
            level1: int({ min: 50, max: 99 }).default(90).describe("Storage used (%) that raises a level-1 alert."),
            level3: int({ min: 30, max: 98 }).default(80).describe("Storage used (%) that raises a level-3 alert (below level1)."),
        }).describe("Storage alert thresholds."),
        receiverUrls: z
            .record(z.string(), z.string({ error: "must be a string" }).optional().transform((v) => new OptionalSecretRef(v, { optional: true, pattern: HTTPS_URL })))
            .prefault({})
            .describe("Per on-call role (slack, pagerduty or opsgenie kind, routing level 1 or 3): the Azure Monitor integration URL of that channel (secret).")
            .meta({ secret: true }),
    }).describe("The database's Azure Monitor alerts (routed to the on-call roles of level 1 and 3)."),
})
    .superRefine((d, ctx) => {
        if (d.mode === "external") {
            for (const k of ["clusterName", "serverVersion", "computeTier", "storageSizeGb", "highAvailability", "administratorUserName"] as const) {
                if (d[k] !== undefined) return problem(ctx, [k], "is only used with database.mode managed (database.mode is external)", d[k]);
            }
            for (const k of ["enabled", "location", "clusterName"] as const) {
                if (d.geoReplica[k] !== undefined) return problem(ctx, ["geoReplica", k], "is only used with database.mode managed (database.mode is external)", d.geoReplica[k]);
            }
            const roles = Object.keys(d.alerts.receiverUrls);
            if (roles.length) return problem(ctx, ["alerts", "receiverUrls", roles[0]], "is only used with database.mode managed (database.mode is external)");
            return;
        }
        const production = parseContext().stack === "production";
        const tier = d.computeTier ?? "M30";
        const burstable = (BURSTABLE_TIERS as readonly string[]).includes(tier);
        if (burstable && (d.storageSizeGb ?? 128) > BURSTABLE_MAX_STORAGE_GB) problem(ctx, ["storageSizeGb"], `must be at most ${BURSTABLE_MAX_STORAGE_GB} with the burstable tier ${tier}`, d.storageSizeGb ?? 128);
        if (production && d.highAvailability === false) problem(ctx, ["highAvailability"], "must be true in production (a standby per shard, in another zone where the region has zones)", false);
        if (burstable && d.highAvailability === true) problem(ctx, ["highAvailability"], burstableText(tier), true);
        if (burstable && d.geoReplica.enabled === true) problem(ctx, ["geoReplica", "enabled"], burstableText(tier), true);
        const geoOn = d.geoReplica.enabled ?? (production && !burstable);
        if (!geoOn) for (const f of ["location", "clusterName"] as const) if (d.geoReplica[f] !== undefined) problem(ctx, ["geoReplica", f], "is only used with geoReplica.enabled true", d.geoReplica[f]);
        const { level1, level3 } = d.alerts.storagePercent;
        if (level3 >= level1) problem(ctx, ["alerts", "storagePercent", "level3"], `must be ${rangeText("an integer", { min: 30, max: level1 - 1, maxText: `level1 - 1 (${level1 - 1})` })}`, level3);
    }, WHEN_VALID)
    .prefault({} as never)
    .describe("The MongoDB: mode external (default, created outside the program) or managed (the stack's own cluster); see docs/database.md.");

export type ParsedDatabase = z.output<typeof databaseSchema>;

export interface DatabaseContext {
    /** `location` (cluster mode aks), undefined for an existing cluster. */
    readonly location?: string;
    /** The on-call receivers (`monitoring.oncall`): who gets the database's alerts. */
    readonly oncall: OnCallSpec;
}

/**
 * Rules 2, 6 and 7 (they need `location` and `monitoring.oncall`), run on the parsed section before
 * its secrets are resolved: the receiver URLs of the roles that need one become required secrets.
 */
export function prepareDatabase(d: ParsedDatabase, ctx: DatabaseContext, fail: (path: string, message: string, value?: unknown) => void): ParsedDatabase {
    if (d.mode === "external") return d;
    if (ctx.location === undefined) {
        fail("database.mode", "managed needs cluster.mode aks: the database's private endpoint lives in the stack's VNet", d.mode);
        return d;
    }
    const production = parseContext().stack === "production";
    const burstable = (BURSTABLE_TIERS as readonly string[]).includes(d.computeTier ?? "M30");
    if (d.geoReplica.enabled ?? (production && !burstable)) {
        const location = d.geoReplica.location ?? PAIRED_REGIONS[ctx.location];
        const name = d.clusterName ?? `mongo-it-ops-${parseContext().stack}`;
        if (location === undefined) fail("database.geoReplica.location", `is required: ${ctx.location} has no default pair that offers the service`);
        else if (!(MONGO_CLUSTER_REGIONS as readonly string[]).includes(location)) {
            fail("database.geoReplica.location", "must be a region that offers Azure DocumentDB for MongoDB vCore (docs/database.md#geo-replica), such as japanwest", location);
        } else if (location === ctx.location) fail("database.geoReplica.location", `must differ from location (${ctx.location}): a geo replica lives in another region`, location);
        const replicaName = d.geoReplica.clusterName ?? `${name}-geo`.slice(0, 40).replace(/-+$/, "");
        if (replicaName === name) fail("database.geoReplica.clusterName", `must differ from database.clusterName (${name})`, replicaName);
    }
    // Rule 7: exactly the roles that route a database alert level and whose kind Azure cannot call.
    const oncall = ctx.oncall;
    const roles = databaseAlertRoles(oncall);
    const needed = roles.filter((role) => needsIntegrationUrl(oncall, role));
    const urls: Record<string, SecretRef> = {};
    for (const [role, ref] of Object.entries(d.alerts.receiverUrls)) {
        const key = `database.alerts.receiverUrls.${role}`;
        if (!(ONCALL_ROLES as readonly string[]).includes(role)) fail(key, `is not an on-call role (one of ${ONCALL_ROLES.join(", ")})`);
        else if (!roles.includes(role as OnCallRole)) fail(key, `is not used: ${role} receives no level-1 or level-3 alert (roles used: ${roles.join(", ")})`);
        else if (!needed.includes(role as OnCallRole)) fail(key, `is not used: ${role} is a ${oncall.receivers[role as OnCallRole].kind} receiver, which Azure Monitor calls as it is`);
        else urls[role] = ref;
    }
    for (const role of needed) {
        urls[role] = new SecretRef(d.alerts.receiverUrls[role]?.value, { pattern: HTTPS_URL, text: `an https URL: the Azure Monitor integration of ${role}'s ${oncall.receivers[role].kind} channel` });
    }
    return { ...d, alerts: { ...d.alerts, receiverUrls: urls as never } };
}

/** The section once its secrets are resolved: defaults applied. */
export function finishDatabase(d: ParsedDatabase & { alerts: { receiverUrls: Record<string, unknown> } }, ctx: { stack: string; location?: string }): DatabaseConfig {
    if (d.mode === "external") return { mode: "external" };
    const production = ctx.stack === "production";
    const computeTier = (d.computeTier ?? "M30") as ComputeTier;
    const burstable = (BURSTABLE_TIERS as readonly string[]).includes(computeTier);
    const clusterName = d.clusterName ?? `mongo-it-ops-${ctx.stack}`;
    const geoOn = d.geoReplica.enabled ?? (production && !burstable);
    return {
        mode: "managed",
        clusterName,
        serverVersion: (d.serverVersion ?? "7.0") as ServerVersion,
        computeTier,
        storageSizeGb: d.storageSizeGb ?? 128,
        highAvailability: d.highAvailability ?? (production && !burstable),
        administratorUserName: d.administratorUserName ?? "itopsadmin",
        geoReplica: geoOn
            ? { location: d.geoReplica.location ?? PAIRED_REGIONS[ctx.location ?? ""], clusterName: d.geoReplica.clusterName ?? `${clusterName}-geo`.slice(0, 40).replace(/-+$/, "") }
            : undefined,
        alerts: { storagePercent: d.alerts.storagePercent, receiverUrls: d.alerts.receiverUrls as Record<string, pulumi.Output<string>> },
    };
}

/**
 * Rule 3: in managed mode none of {@link MANAGED_CONFLICTS} may be set. `raw` is the namespace's
 * values (`{ app: { database: { uri } } }`). Reports each key set (one line naming it) and returns
 * the values without them, so that each is one problem.
 */
export function managedConflicts(raw: Readonly<Record<string, unknown>>, fail: (path: string, message: string) => void): Record<string, unknown> {
    const out = structuredClone(raw) as Record<string, unknown>;
    for (const path of MANAGED_CONFLICTS) {
        const parts = path.split(".");
        let parent: unknown = out;
        for (const part of parts.slice(0, -1)) parent = parent && typeof parent === "object" && !Array.isArray(parent) ? (parent as Record<string, unknown>)[part] : undefined;
        if (!parent || typeof parent !== "object" || Array.isArray(parent)) continue;
        const last = parts[parts.length - 1];
        const v = (parent as Record<string, unknown>)[last];
        if (v === undefined || v === null) continue;
        fail(path, `must not be set with database.mode managed: the stack's MongoDatabase is the one source of the connection and of its network allow (network.subnets.database, port ${MONGO_CLUSTER_PORT}); remove it with \`pulumi config rm --path '${path}'\``);
        delete (parent as Record<string, unknown>)[last];
    }
    return out;
}

/** The connection keys that managed mode leaves unset: optional (undefined) in the parsed sections. */
export function withoutManagedSources(section: string, data: unknown): unknown {
    const paths = MANAGED_CONFLICTS.filter((p) => p.startsWith(`${section}.`)).map((p) => p.split(".").slice(1));
    const clone = (v: unknown, path: string[]): unknown => {
        if (!v || typeof v !== "object" || v instanceof SecretRef) return v;
        const o = { ...(v as Record<string, unknown>) };
        for (const p of paths) if (p.length > path.length && p.slice(0, path.length).every((x, i) => x === path[i])) {
            const k = p[path.length];
            if (p.length === path.length + 1) {
                if (o[k] instanceof SecretRef) o[k] = new OptionalSecretRef(undefined, { optional: true });
                else if (k === "port") o[k] = MONGO_CLUSTER_PORT;
            } else o[k] = clone(o[k], [...path, k]);
        }
        return o;
    };
    return clone(data, []);
}
