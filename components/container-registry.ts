import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import { ArgsValidator } from "./validation";

export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;
export type RegistrySku = (typeof REGISTRY_SKUS)[number];

export interface ContainerRegistryArgs {
    /** Registry name: 5-50 alphanumerics, globally unique. */
    readonly registryName: string;
    /** Resource group of the registry (the existing one's, when `existing`). */
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /**
     * Reference an existing registry by name instead of creating one.
     * @default false
     */
    readonly existing?: boolean;
    /** @default "Standard" */
    readonly sku?: RegistrySku;
    /**
     * Protect the created registry against delete/replace.
     * @default false
     */
    readonly protect?: boolean;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/** An Azure Container Registry (admin user off, anonymous pull off), created or referenced. */
export class ContainerRegistry extends pulumi.ComponentResource {
    public readonly registryId: pulumi.Output<string>;
    public readonly registryName: pulumi.Output<string>;
    /** `<name>.azurecr.io`. */
    public readonly loginServer: pulumi.Output<string>;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:ContainerRegistry", name, {}, opts);
        const v = new ArgsValidator(`ContainerRegistry ${name}`);
        v.matches("registryName", args.registryName, /^[a-zA-Z0-9]{5,50}$/, "5-50 alphanumeric characters");
        const sku = v.oneOf("sku", args.sku ?? "Standard", REGISTRY_SKUS);

        if (args.existing ?? false) {
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
                    tags: args.tags ?? {},
                },
                { parent: this, protect: args.protect ?? false },
            );
            this.registryId = registry.id;
            this.registryName = registry.name;
            this.loginServer = registry.loginServer;
        }
        this.registerOutputs({ registryId: this.registryId, registryName: this.registryName, loginServer: this.loginServer });
    }
}
