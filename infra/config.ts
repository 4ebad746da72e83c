/**
 * The typed stack configuration: the ONLY module of the program that reads Pulumi's config.
 *
 * Every key of the `it-ops-infra` namespace is declared once, in a zod schema per section
 * (`infra/config/*.ts`): its type, default, range, allowed values, cross-field rules and doc
 * string. `loadConfig()` validates all of them before any resource is registered and returns one
 * frozen {@link StackConfig} that the composition hands to components as args. Problems raise a
 * {@link ConfigError} (a `pulumi.RunError`: the CLI prints it without a stack trace) that lists
 * EVERY problem of the stack file, one line each, naming the key, the value and what is allowed.
 *
 * The stack files' JSON schema, the declared keys of Pulumi.yaml and docs/configuration.md are
 * generated from these schemas (`npm run schema`).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AppConfig, appSchema, finishApp } from "./config/app";
import { BackupConfig, backupSchemas, disabledBackupTarget, finishBackup } from "./config/backup";
import { ConfigError, ConfigProblem, formatIssues, keyOf, ParseContext, resolveSecrets, show, withContext } from "./config/kit";
import { finishMigration, MigrationConfig, migrationSchemas } from "./config/migration";
import { finishMonitoring, MonitoringConfig, monitoringSchema } from "./config/monitoring";
import { aksPlatformShape, CLUSTER_MODES, existingPlatformShape, finishAksPlatform, finishExistingPlatform, PlatformConfig, rawClusterMode } from "./config/platform";
import { finishVerification, VerificationConfig, verificationSchema } from "./config/verification";
import { databaseSchema, DatabaseConfig, finishDatabase, managedConflicts, prepareDatabase, withoutManagedSources } from "./config/database";

export { ConfigError } from "./config/kit";

/** The Pulumi project name, and so the namespace of the project's config keys. */
export const PROJECT = "it-ops-infra";

/** Everything the program needs to know about one stack: its platform (AKS or an existing cluster) and its sections. */
export type StackConfig = PlatformConfig & StackSections;

/** The sections every stack has, whatever its cluster mode. */
export interface StackSections {
    /** The stack name (`staging`, `production`, `local`). */
    readonly stack: string;
    /** MongoDB backups, restore drills and their storage. */
    readonly backup: BackupConfig;
    /** The staged migration from the old system (issue #6); `{ enabled: false }` when not migrating. */
    readonly migration: MigrationConfig;
    /** Prometheus, Alertmanager, Grafana, alert thresholds and on-call routing. */
    readonly monitoring: MonitoringConfig;
    /** Staging verification suite: load test, report dashboard, Defender, verify-staging.sh settings. */
    readonly verification: VerificationConfig;
    /** The IT-Ops system workload (`it-ops-infra:app`). */
    readonly app: AppConfig;
    /** The MongoDB: `external` (created outside the program) or `managed` (the stack's MongoDatabase). */
    readonly database: DatabaseConfig;
}

/** The sections' schemas (root keys of the namespace besides the platform's). */
const sectionShape = (mode: "aks" | "existing") => ({
    // In the order the sections were always read (so the render's placeholder notes keep their order).
    backup: backupSchemas[mode],
    migration: z.union([migrationSchemas.disabled, migrationSchemas.full]).describe("The staged migration from the old system (weighted routing, replicas, data copy, health gate); see docs/migration.md."),
    monitoring: monitoringSchema,
    app: appSchema,
    verification: verificationSchema,
    // Last: its rules need location and monitoring.oncall.
    database: databaseSchema,
});

/**
 * The whole `it-ops-infra` namespace per cluster mode: one strict object whose keys are the root
 * keys (`it-ops-infra:<key>`). Built once, at load.
 */
export const NAMESPACE_SCHEMAS = {
    aks: z.strictObject({ ...aksPlatformShape, ...sectionShape("aks") }),
    existing: z.strictObject({ ...existingPlatformShape, ...sectionShape("existing") }),
} as const;

export interface LoadOptions {
    /**
     * Offline render only: required secrets that the stack file does not hold become secret
     * placeholders instead of errors (they are rendered as `[secret]` either way).
     */
    readonly secretPlaceholders?: boolean | ((key: string) => boolean);
    /** Receives the keys that were given placeholders. */
    readonly placeholdersOut?: string[];
}

/** The result of parsing, with the keys that were given placeholders. */
export interface ParsedConfig {
    readonly config: StackConfig;
    readonly placeholders: readonly string[];
}

/** Drops `null` object fields (Pulumi's and `--set k=null`'s way of unsetting a key). */
function dropNulls(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(dropNulls);
    if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
        return out;
    }
    return v;
}

/**
 * Parses raw config (`namespace:key` → string, structured values as JSON text, as Pulumi hands
 * them to programs) into a frozen {@link StackConfig}. Pure: usable in tests without a runtime.
 * Throws a {@link ConfigError} listing every problem.
 */
export function parseStackConfig(
    stack: string,
    raw: Readonly<Record<string, string>>,
    secretKeys: ReadonlySet<string> = new Set(),
    opts: LoadOptions = {},
): ParsedConfig {
    const prefix = `${PROJECT}:`;
    const values: Record<string, unknown> = {};
    const secretFields = new Set<string>();
    for (const [key, text] of Object.entries(raw)) {
        if (!key.startsWith(prefix)) continue; // provider namespaces (azure-native:, kubernetes:) are theirs
        const field = key.slice(prefix.length);
        const v = dropNulls(parseValue(text));
        if (v !== null) values[field] = v;
        if (secretKeys.has(key)) secretFields.add(field);
    }
    const managedDatabase = (values.database as { mode?: unknown } | undefined)?.mode === "managed";
    const ctx: ParseContext = { stack, secretFields, secretPlaceholders: opts.secretPlaceholders ?? false, placeholders: [], managedDatabase };
    const config = withContext(ctx, () => parseValues(values, ctx, prefix));
    return { config: deepFreeze(config), placeholders: [...ctx.placeholders] };
}

function parseValues(raw: Record<string, unknown>, ctx: ParseContext, prefix: string): StackConfig {
    let values = raw;
    const problems: ConfigProblem[] = [];
    const fail = (path: string, message: string, value?: unknown) => {
        const key = `${prefix}${path}`;
        if (problems.some((p) => p.key === key)) return;
        problems.push({ key, message: `${key} ${message}${value !== undefined ? `, got ${show(value)}` : ""}` });
    };
    const rawMode = (values.cluster as { mode?: unknown } | undefined)?.mode;
    if (rawMode !== undefined && !(CLUSTER_MODES as readonly unknown[]).includes(rawMode)) {
        // Which keys exist depends on the mode: without a valid one, nothing else can be judged.
        fail("cluster.mode", `must be one of ${CLUSTER_MODES.join(", ")}`, rawMode);
        throw ConfigError.of(problems);
    }
    const mode = rawClusterMode(values.cluster);
    const backupProblem = mode === "existing" ? disabledBackupTarget(values.backup) : undefined;
    if (backupProblem) {
        fail("backup.existing", backupProblem.message, backupProblem.value);
        values = { ...values, backup: backupProblem.rest };
    }
    // database.mode managed: the stack's MongoDatabase is the one source of the connection (rule 3 of infra/config/database.ts).
    let managed = ctx.managedDatabase === true;
    if (managed && mode !== "aks") {
        fail("database.mode", "managed needs cluster.mode aks: the database's private endpoint lives in the stack's VNet", "managed");
        managed = false;
    }
    if (managed) {
        values = managedConflicts(values, (path, message) => fail(path, message));
    }
    const schema = NAMESPACE_SCHEMAS[mode];
    const shape = schema.shape as Record<string, z.ZodType>;
    // Each root key alone, so that one bad section does not hide the problems of another.
    const out: Record<string, unknown> = {};
    const ok = new Set<string>();
    const unknown = Object.keys(values).filter((k) => !(k in shape));
    if (unknown.length) {
        const known = Object.keys(shape).filter((k) => !shape[k].meta()?.notHere).sort().join(", ");
        for (const k of unknown) problems.push(...formatIssues([{ code: "unrecognized_keys", keys: [k], path: [], message: `known here: ${known}`, input: values } as z.core.$ZodIssue], prefix));
    }
    const has = (...keys: string[]) => keys.every((k) => ok.has(k));
    for (const [k, s] of Object.entries(shape)) {
        let v = values[k];
        let sch = s;
        if (k === "migration") sch = isDisabledMigration(v) ? migrationSchemas.disabled : migrationSchemas.full;
        const r = sch.safeParse(v, { reportInput: true });
        if (!r.success) {
            problems.push(...formatIssues(r.error.issues, prefix, [k]));
            continue;
        }
        let data: unknown = r.data;
        if (managed) data = withoutManagedSources(k, data);
        if (k === "database" && has("monitoring")) {
            const location = mode === "aks" && has("location") ? (out.location as string) : undefined;
            data = prepareDatabase(data as never, { location, oncall: finishMonitoring(out.monitoring as never).oncall }, fail);
        }
        v = resolveSecrets(data, [k], prefix, ctx, problems);
        out[k] = v;
        ok.add(k);
    }
    let platform: PlatformConfig | undefined;
    if (mode === "aks" && has("location", "resourceGroupName", "protect", "tags", "regionZones", "registry", "cluster", "network")) {
        platform = finishAksPlatform(out as never, ctx.stack, fail);
    } else if (mode === "existing" && has("protect", "registry", "cluster")) {
        platform = finishExistingPlatform(out as never);
    }
    const databaseSubnet = platform?.clusterMode === "aks" ? platform.network.subnets.database : undefined;
    const app = has("app") ? finishApp(out.app as never, { databaseSubnet, cidrsRequired: mode === "existing" }, fail) : undefined;
    const monitoring = has("monitoring") ? finishMonitoring(out.monitoring as never) : undefined;
    const finishedBackup = has("backup") ? finishBackup(out.backup as never) : undefined;
    // Mode managed: the backups' source is the stack's MongoDatabase (backup.mongodb.uri is rejected).
    const backup = finishedBackup && managed ? { ...finishedBackup, mongoUri: undefined } : finishedBackup;
    const migration = has("migration") && app ? finishMigration(out.migration as never, { appService: { namespace: app.namespace, service: app.name } }) : undefined;
    const verification = has("verification") && app && monitoring ? finishVerification(out.verification as never, { namespace: app.namespace, name: app.name, httpPort: app.ports.http }, { prometheus: monitoring.prometheus }, fail) : undefined;
    const database = has("database") ? finishDatabase(out.database as never, { stack: ctx.stack, location: platform?.clusterMode === "aks" ? platform.location : undefined }) : undefined;
    // Rules between sections.
    // Checked in a prepared (not yet enabled) section too: enabling it must not be the moment it breaks.
    const newReplicas = (out.migration as { replicas?: { new: number } } | undefined)?.replicas?.new;
    if (newReplicas !== undefined && app && newReplicas > app.maxReplicas) {
        fail("migration.replicas.new", `must not exceed app.maxReplicas (${app.maxReplicas}): the new system runs that many replicas during the migration`, newReplicas);
    }
    if (mode === "existing" && verification?.defenderForContainers) {
        fail("verification.defenderForContainers", "is only used with cluster.mode aks (Defender for Containers is an Azure subscription plan)", true);
    }
    if (problems.length || !platform || !app || !monitoring || !backup || !migration || !verification || !database) {
        throw ConfigError.of(problems.length ? problems : [{ key: keyOf(prefix, []), message: `${prefix} is invalid` }]);
    }
    return { stack: ctx.stack, ...platform, app, monitoring, backup, migration, verification, database };
}

/** `migration` absent or holding nothing but `enabled` (not true): not migrating, nothing to validate. */
function isDisabledMigration(v: unknown): boolean {
    if (v === undefined) return true;
    if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    return Object.keys(o).every((k) => k === "enabled") && o.enabled !== true;
}

/** Reads and validates the running stack's configuration. Call once, before creating resources. */
export function loadConfig(opts: LoadOptions = {}): StackConfig {
    const raw = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.keys(raw).filter((k) => isSecretKey(k)));
    const parsed = parseStackConfig(pulumi.getStack(), raw, secretKeys, opts);
    opts.placeholdersOut?.push(...parsed.placeholders);
    return parsed.config;
}

function isSecretKey(key: string): boolean {
    // The SDK exposes this check only from its runtime module (it reads PULUMI_CONFIG_SECRET_KEYS).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (k: string) => boolean };
    return runtimeConfig.isConfigSecret?.(key) ?? false;
}

/** Pulumi hands structured values as JSON text and plain values as strings. */
function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function deepFreeze<T>(value: T): T {
    if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value) || Object.isFrozen(value)) return value;
    for (const v of Object.values(value as object)) deepFreeze(v);
    return Object.freeze(value);
}

/** True for errors that are configuration mistakes (exit 2 in the offline render). */
export function isConfigError(e: unknown): e is ConfigError {
    return e instanceof ConfigError;
}
