import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as storage from "@pulumi/azure-native/storage";
import { ArgsValidator } from "../shared/validation";
import type { BackupStorageConfig } from "../../infra/config/backup";

/** Redundancy options of the backup account (no premium or non-StorageV2 SKUs). */
export const STORAGE_SKUS = ["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS", "Standard_RAGRS", "Standard_RAGZRS"] as const;
export type StorageSku = (typeof STORAGE_SKUS)[number];

/** The account name's prefix: 3-16 lower-case letters or digits (the random suffix makes 24 at most). */
export const ACCOUNT_NAME_PREFIX = /^[a-z0-9]{3,16}$/;

/** Length of the random suffix of the account name. */
export const ACCOUNT_SUFFIX_LENGTH = 8;

/** Blob container names: 3-63 lower-case letters, digits and single hyphens, alphanumeric at both ends. */
export function isContainerName(name: string): boolean {
    return /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

/** Storage account names: 3-24 lower-case letters and digits (globally unique). */
export function isStorageAccountName(name: string): boolean {
    return /^[a-z0-9]{3,24}$/.test(name);
}

/** The account name: the prefix and a random lower-case alphanumeric suffix. */
export function storageAccountName(prefix: string, suffix: string): string {
    return `${prefix}${suffix}`;
}

/**
 * The account's version-level immutability (WORM): every blob version is immutable for
 * `retentionDays` after it was written. Azure only creates the policy `Unlocked`; `Locked` is a
 * later, irreversible transition (the period may then only grow) — see docs/backup.md#how-to-use.
 */
export function immutabilityPolicy(retentionDays: number, locked: boolean) {
    return {
        enabled: true,
        immutabilityPolicy: {
            immutabilityPeriodSinceCreationInDays: retentionDays,
            state: locked ? "Locked" : "Unlocked",
            allowProtectedAppendWrites: false,
        },
    };
}

/**
 * The lifecycle rule of the backup container: current blobs and versions move to cool after
 * `coolAfterDays` and are deleted once their immutability period (`retentionDays`) is over.
 */
export function lifecyclePolicy(containerName: string, coolAfterDays: number, retentionDays: number) {
    return {
        rules: [
            {
                name: "backups-cool-then-delete",
                enabled: true,
                type: "Lifecycle",
                definition: {
                    filters: { blobTypes: ["blockBlob"], prefixMatch: [`${containerName}/`] },
                    actions: {
                        baseBlob: {
                            tierToCool: { daysAfterModificationGreaterThan: coolAfterDays },
                            delete: { daysAfterModificationGreaterThan: retentionDays },
                        },
                        version: {
                            tierToCool: { daysAfterCreationGreaterThan: coolAfterDays },
                            delete: { daysAfterCreationGreaterThan: retentionDays },
                        },
                    },
                },
            },
        ],
    };
}

/**
 * The backup account: the parsed `backup.storage` section (its defaults and ranges live in the config
 * schema, infra/config/backup.ts) and where the account goes.
 */
export interface BackupStorageArgs extends BackupStorageConfig {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /**
     * Whether the account answers on its public endpoint. With `false` it is reached only through
     * a private endpoint (network rules deny everything else, no bypass).
     */
    readonly publicNetworkAccess: boolean;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/** The account's network settings: the public endpoint on or off; network rules deny by default either way. */
export function storageNetworkSettings(publicNetworkAccess: boolean) {
    return {
        publicNetworkAccess: publicNetworkAccess ? "Enabled" : "Disabled",
        networkRuleSet: { defaultAction: "Deny" as storage.DefaultAction, bypass: "None", ipRules: [], virtualNetworkRules: [] },
    };
}

/** The account's encryption: Microsoft-managed keys, plus the infrastructure layer when required. */
export function storageEncryption(requireInfrastructureEncryption: boolean) {
    return {
        keySource: "Microsoft.Storage",
        requireInfrastructureEncryption,
        services: { blob: { enabled: true, keyType: "Account" } },
    };
}

/**
 * The storage of MongoDB backups: a StorageV2 account reachable only with Entra ID (shared keys
 * off, no public blobs, HTTPS + TLS 1.2), blob versioning with version-level immutability (WORM),
 * soft delete of blobs and containers, a cool-then-delete lifecycle rule and the backup container.
 *
 * The account and the container are protected in every stack and retained on delete: a
 * `pulumi destroy` (or an accidental replace) never takes backups with it.
 *
 * `requireInfrastructureEncryption` can only be chosen when the account is created. It is marked
 * replace-on-change: turning it on for an account that exists without it makes `pulumi preview`
 * stop on the protected account (a replace is never planned silently, and never half-applied).
 * Such an account keeps `requireInfrastructureEncryption: false` in its stack file until the
 * backups move to a new account (docs/network.md#settings-fixed-at-creation-infrastructure-encryption-and-zone-redundancy).
 */
export class BackupStorage extends pulumi.ComponentResource {
    public readonly accountName: pulumi.Output<string>;
    public readonly accountId: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    /** ARM id of the container (the scope of the backup identity's role). */
    public readonly containerId: pulumi.Output<string>;
    /** `https://<account>.blob.core.windows.net/`. */
    public readonly blobEndpoint: pulumi.Output<string>;
    /** ARM id of the blob service (`<account id>/blobServices/default`: the diagnostic setting's target). */
    public readonly blobServiceId: pulumi.Output<string>;

    constructor(name: string, args: BackupStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:BackupStorage", name, {}, opts);
        const v = new ArgsValidator(`BackupStorage ${name}`);
        v.matches("accountNamePrefix", args.accountNamePrefix, ACCOUNT_NAME_PREFIX, "3-16 lower-case letters or digits");
        const containerName = args.containerName;
        if (!isContainerName(containerName)) throw v.fail("containerName", "a blob container name (3-63 lower-case letters, digits and single '-')", containerName);
        const sku = v.oneOf("sku", args.sku, STORAGE_SKUS);
        // Invariants for any caller (the config's ranges are the schema's): the lifecycle rule needs a cool tier before deletion.
        const retentionDays = v.integer("retentionDays", args.retentionDays, 2);
        const coolAfterDays = v.integer("coolAfterDays", args.coolAfterDays, 1, retentionDays - 1);
        const softDeleteDays = v.integer("softDeleteDays", args.softDeleteDays, 1);
        const locked = args.immutabilityLocked;
        const publicNetworkAccess = args.publicNetworkAccess;
        const infrastructureEncryption = args.requireInfrastructureEncryption;
        const tags = args.tags ?? {};
        // Backups must outlive any Pulumi operation: protected against delete/replace, and left in
        // Azure even if someone unprotects and destroys the stack.
        const keep = { parent: this, protect: true, retainOnDelete: true } as const;

        const suffix = new random.RandomString(
            `${name}-suffix`,
            { length: ACCOUNT_SUFFIX_LENGTH, lower: true, upper: false, numeric: true, special: false },
            { parent: this, protect: true },
        );

        const account = new storage.StorageAccount(
            name,
            {
                accountName: suffix.result.apply((s) => storageAccountName(args.accountNamePrefix, s)),
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                kind: "StorageV2",
                sku: { name: sku },
                accessTier: "Hot",
                enableHttpsTrafficOnly: true,
                minimumTlsVersion: "TLS1_2",
                allowBlobPublicAccess: false,
                allowSharedKeyAccess: false,
                defaultToOAuthAuthentication: true,
                allowCrossTenantReplication: false,
                isLocalUserEnabled: false,
                isSftpEnabled: false,
                immutableStorageWithVersioning: immutabilityPolicy(retentionDays, locked),
                ...storageNetworkSettings(publicNetworkAccess),
                encryption: storageEncryption(infrastructureEncryption),
                tags,
            },
            { ...keep, replaceOnChanges: ["encryption.requireInfrastructureEncryption"] },
        );

        const blobService = new storage.BlobServiceProperties(
            `${name}-blob-service`,
            {
                accountName: account.name,
                resourceGroupName: args.resourceGroupName,
                blobServicesName: "default",
                isVersioningEnabled: true,
                deleteRetentionPolicy: { enabled: true, days: softDeleteDays },
                containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays },
            },
            { parent: this },
        );

        new storage.ManagementPolicy(
            `${name}-lifecycle`,
            {
                accountName: account.name,
                resourceGroupName: args.resourceGroupName,
                managementPolicyName: "default",
                policy: lifecyclePolicy(containerName, coolAfterDays, retentionDays),
            },
            { parent: this },
        );

        const container = new storage.BlobContainer(
            `${name}-container`,
            {
                accountName: account.name,
                resourceGroupName: args.resourceGroupName,
                containerName,
                publicAccess: "None",
                immutableStorageWithVersioning: { enabled: true },
            },
            { ...keep, dependsOn: [blobService] },
        );

        this.accountName = account.name;
        this.accountId = account.id;
        this.containerName = container.name;
        this.containerId = container.id;
        this.blobEndpoint = account.primaryEndpoints.apply((e) => e.blob);
        this.blobServiceId = pulumi.interpolate`${account.id}/blobServices/default`;
        this.registerOutputs({
            accountName: this.accountName,
            accountId: this.accountId,
            containerName: this.containerName,
            containerId: this.containerId,
            blobEndpoint: this.blobEndpoint,
            blobServiceId: this.blobServiceId,
        });
    }
}
