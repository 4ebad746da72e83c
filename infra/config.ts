/**
 * The typed stack configuration: the ONLY module of the program that reads Pulumi's config.
 *
 * `loadConfig()` reads every key of the `it-ops-infra` namespace once, validates all of them
 * (types, ranges, enums, cross-field rules, naming rules, unknown keys) before any resource is
 * registered, and returns one frozen {@link StackConfig} that the composition hands to components
 * as args. A bad value raises a {@link ConfigError} (a `pulumi.RunError`: the CLI prints its one
 * line without a stack trace) naming the key, the value and what is allowed.
 *
 * Each section of the configuration has its own parser under `infra/config/`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ObjectReader, ReaderContext } from "./config/reader";
import { BackupConfig, parseBackup } from "./config/backup";
import { MigrationConfig, parseMigration } from "./config/migration";
import { MonitoringConfig, parseMonitoring } from "./config/monitoring";
import { AppConfig, parseApp } from "./config/app";
import { parsePlatform, PlatformConfig } from "./config/platform";
import { parseVerification, VerificationConfig } from "./config/verification";
import { checkManagedConflicts, DatabaseConfig, MONGO_CLUSTER_PORT, parseDatabase } from "./config/database";

export { ConfigError } from "./config/reader";

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

/**
 * Parses raw config (`namespace:key` → string, structured values as JSON text, as Pulumi hands
 * them to programs) into a frozen {@link StackConfig}. Pure: usable in tests without a runtime.
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
        values[field] = parseValue(text);
        if (secretKeys.has(key)) secretFields.add(field);
    }
    const ctx: ReaderContext = { secretPlaceholders: opts.secretPlaceholders ?? false, placeholders: [] };
    const root = new ObjectReader(prefix, values, false, ctx, secretFields);

    const platform = parsePlatform(root, stack);
    const monitoring = parseMonitoring(root.object("monitoring"));
    const database = parseDatabase(root.object("database"), { stack, location: platform.clusterMode === "aks" ? platform.location : undefined, oncall: monitoring.oncall });
    const managed = database.mode === "managed";
    if (managed) checkManagedConflicts(values, prefix);
    const backup = parseBackup(root.object("backup"), stack, platform.clusterMode, managed);
    const migration = parseMigration(root.object("migration"), managed);
    const app = parseApp(root.object("app", { required: true }), {
        databaseSubnet: platform.clusterMode === "aks" ? platform.network.subnets.database : undefined,
        ...(managed ? { managedDatabase: { port: MONGO_CLUSTER_PORT } } : {}),
    });
    const verification = parseVerification(root.object("verification"), { namespace: app.namespace, name: app.name, httpPort: app.ports.http });
    const config: StackConfig = { stack, ...platform, app, monitoring, backup, migration, verification, database };
    checkAcrossSections(config);
    root.done();
    return { config: deepFreeze(config), placeholders: [...ctx.placeholders] };
}

/**
 * Rules between sections: Azure-only settings need cluster mode aks; the project's own Grafana reads
 * dashboards only from its namespace; the migration's replicas fit the autoscaler.
 */
function checkAcrossSections(c: StackConfig): void {
    if (c.monitoring.mode === "helm" && c.verification.reportDashboard && c.verification.dashboardNamespace !== c.monitoring.namespace) {
        const key = `${PROJECT}:verification.dashboardNamespace`;
        throw new ConfigError(
            key,
            `${key} must be monitoring.namespace (${c.monitoring.namespace}): Grafana's RBAC is namespaced and its sidecar reads dashboards only there, got ${JSON.stringify(c.verification.dashboardNamespace)}`,
        );
    }
    if (c.migration.enabled && c.migration.replicas.new > c.app.maxReplicas) {
        const key = `${PROJECT}:migration.replicas.new`;
        throw new ConfigError(key, `${key} must not exceed app.maxReplicas (${c.app.maxReplicas}): the new system runs that many replicas during the migration, got ${c.migration.replicas.new}`);
    }
    if (c.clusterMode === "existing" && c.verification.defenderForContainers) {
        const key = `${PROJECT}:verification.defenderForContainers`;
        throw new ConfigError(key, `${key} is only used with cluster.mode aks (Defender for Containers is an Azure subscription plan), got true`);
    }
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
