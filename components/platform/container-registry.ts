import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import { ArgsValidator } from "../shared/validation";
import type { RegistryConfig } from "../../infra/config/platform";

export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;
export type RegistrySku = (typeof REGISTRY_SKUS)[number];
/** An Azure Container Registry name: 5-50 alphanumerics. */
export const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;

/**
 * `existing`, `sku` and `zoneRedundant` as the schema parses them (`it-ops-infra:registry`,
 * infra/config/platform.ts, owns their defaults and ranges, so they are not repeated here).
 */
export interface ContainerRegistryArgs extends Pick<RegistryConfig, "existing" | "sku" | "zoneRedundant"> {
    /** Registry name: 5-50 alphanumerics, globally unique. */
    readonly registryName: string;
    /** Resource group of the registry (the existing one's, when `existing`). */
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /**
     * Whether the registry answers on its public endpoint (`network.publicNetworkAccess`). `false`
     * (pull and push only through the private endpoint; image export disabled) needs Premium.
     */
    readonly publicNetworkAccess: boolean;
    /** Days untagged manifests are kept before deletion (Premium); undefined for no retention policy. */
    readonly untaggedRetentionDays: RegistryConfig["untaggedRetentionDays"] | undefined;
    /**
     * Protect the created registry against delete/replace.
     * @default false
     */
    readonly protect?: boolean;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * The registry's network and data-protection settings: public endpoint off with export disabled
 * (images cannot be copied out of a private registry), trusted Azure services allowed through
 * (Defender's image scanning, `az acr import`), dedicated data endpoints, zone redundancy and a
 * retention policy for untagged manifests.
 */
export function registryProtection(p: { publicNetworkAccess: boolean; zoneRedundant: boolean; untaggedRetentionDays?: number }) {
    return {
        publicNetworkAccess: p.publicNetworkAccess ? "Enabled" : "Disabled",
        networkRuleBypassOptions: "AzureServices",
        dataEndpointEnabled: !p.publicNetworkAccess,
        zoneRedundancy: p.zoneRedundant ? "Enabled" : "Disabled",
        policies: {
            exportPolicy: { status: p.publicNetworkAccess ? "enabled" : "disabled" },
            ...(p.untaggedRetentionDays !== undefined ? { retentionPolicy: { days: p.untaggedRetentionDays, status: "enabled" } } : {}),
        },
    };
}

/**
 * An Azure Container Registry (admin user off, anonymous pull off, see {@link registryProtection}),
 * created or referenced. `zoneRedundancy` can only be chosen when a registry is created: it is
 * marked replace-on-change, so switching it on a protected registry stops at preview instead of
 * failing half-way through an update (docs/network.md#settings-fixed-at-creation-infrastructure-encryption-and-zone-redundancy).
 */
export class ContainerRegistry extends pulumi.ComponentResource {
    public readonly registryId: pulumi.Output<string>;
    public readonly registryName: pulumi.Output<string>;
    /** `<name>.azurecr.io`. */
    public readonly loginServer: pulumi.Output<string>;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:ContainerRegistry", name, {}, opts);
        const v = new ArgsValidator(`ContainerRegistry ${name}`);
        v.matches("registryName", args.registryName, REGISTRY_NAME, "5-50 alphanumeric characters");
        const sku = v.oneOf("sku", args.sku, REGISTRY_SKUS);
        const premium = sku === "Premium";
        const { publicNetworkAccess, zoneRedundant, untaggedRetentionDays } = args;
        if (!premium) {
            if (!publicNetworkAccess) throw v.fail("publicNetworkAccess", `true with sku ${sku} (private endpoints need Premium)`, false);
            if (zoneRedundant) throw v.fail("zoneRedundant", `false with sku ${sku} (zone redundancy needs Premium)`, true);
            if (untaggedRetentionDays !== undefined) throw v.fail("untaggedRetentionDays", `unset with sku ${sku} (retention policies need Premium)`, untaggedRetentionDays);
        }
        // Any retention policy: whole days, none negative (the upper limit is the schema's).
        if (untaggedRetentionDays !== undefined) v.integer("untaggedRetentionDays", untaggedRetentionDays, 0);

        if (args.existing) {
            const existing = containerregistry.getRegistryOutput(
                { registryName: args.registryName, resourceGroupName: args.resourceGroupName },
                { parent: this },
            );
            this.registryId = existing.id;
            this.registryName = existing.name;
            this.loginServer = existing.loginServer;
        } else {
            const registry = new containerregistry.Registry(
                name,
                {
                    registryName: args.registryName,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    sku: { name: sku },
                    adminUserEnabled: false,
                    anonymousPullEnabled: false,
                    ...registryProtection({ publicNetworkAccess, zoneRedundant, untaggedRetentionDays }),
                    tags: args.tags ?? {},
                },
                { parent: this, protect: args.protect ?? false, replaceOnChanges: ["zoneRedundancy"] },
            );
            this.registryId = registry.id;
            this.registryName = registry.name;
            this.loginServer = registry.loginServer;
        }
        this.registerOutputs({ registryId: this.registryId, registryName: this.registryName, loginServer: this.loginServer });
    }
}
