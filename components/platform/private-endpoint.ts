import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { ArgsValidator } from "../shared/validation";

/** What a private endpoint connects to: the sub-resource (group id) and its private DNS zone. */
export const PRIVATE_LINK_TARGETS = {
    /** Azure Container Registry (Premium): login server and data endpoints. */
    registry: { groupId: "registry", zone: "privatelink.azurecr.io" },
    /** Blob service of a Storage account. */
    blob: { groupId: "blob", zone: "privatelink.blob.core.windows.net" },
    /** Azure DocumentDB for MongoDB (vCore) cluster. */
    mongoCluster: { groupId: "MongoCluster", zone: "privatelink.mongocluster.cosmos.azure.com" },
} as const;
export type PrivateLinkTarget = keyof typeof PRIVATE_LINK_TARGETS;

export interface PrivateEndpointArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Which kind of resource (registry or blob), i.e. its group id and private DNS zone. */
    readonly target: PrivateLinkTarget;
    /** ARM id of the resource the endpoint connects to. */
    readonly resourceId: pulumi.Input<string>;
    /** Name of the private endpoint (and the prefix of its NIC). */
    readonly endpointName: string;
    /** Subnet of the endpoint's NIC. */
    readonly subnetId: pulumi.Input<string>;
    /** The VNet the private DNS zone is linked to (where the cluster resolves names). */
    readonly vnetId: pulumi.Input<string>;
    /**
     * An existing private DNS zone of the same target (from another PrivateEndpoint of this stack):
     * the endpoint registers its records there instead of creating the zone (one zone per name per
     * resource group). @default a new zone, linked to `vnetId`
     */
    readonly zoneId?: pulumi.Input<string>;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * A private endpoint with its private DNS: the `privatelink.*` zone, a link to the VNet (no
 * auto-registration) and the endpoint's DNS zone group, so the resource's public name resolves
 * to the endpoint's private IP inside the VNet (and the public endpoint can be disabled).
 */
export class PrivateEndpoint extends pulumi.ComponentResource {
    public readonly endpointId: pulumi.Output<string>;
    public readonly zoneId: pulumi.Output<string>;
    public readonly zoneName: string;

    constructor(name: string, args: PrivateEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:PrivateEndpoint", name, {}, opts);
        const v = new ArgsValidator(`PrivateEndpoint ${name}`);
        const target = PRIVATE_LINK_TARGETS[v.oneOf("target", args.target, Object.keys(PRIVATE_LINK_TARGETS) as PrivateLinkTarget[])];
        v.matches("endpointName", args.endpointName, /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_]$/, "2-64 letters, digits, '_', '.' or '-'");
        const tags = args.tags ?? {};

        let zoneId: pulumi.Input<string>;
        if (args.zoneId !== undefined) {
            zoneId = args.zoneId;
        } else {
            const zone = new privatedns.PrivateZone(
                `${name}-zone`,
                { privateZoneName: target.zone, resourceGroupName: args.resourceGroupName, location: "global", tags },
                { parent: this },
            );
            new privatedns.VirtualNetworkLink(
                `${name}-zone-link`,
                {
                    virtualNetworkLinkName: `${args.endpointName}-link`,
                    privateZoneName: zone.name,
                    resourceGroupName: args.resourceGroupName,
                    location: "global",
                    virtualNetwork: { id: args.vnetId },
                    registrationEnabled: false,
                    tags,
                },
                { parent: this },
            );
            zoneId = zone.id;
        }
        const endpoint = new network.PrivateEndpoint(
            name,
            {
                privateEndpointName: args.endpointName,
                customNetworkInterfaceName: `${args.endpointName}-nic`,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                subnet: { id: args.subnetId },
                privateLinkServiceConnections: [{ name: args.endpointName, privateLinkServiceId: args.resourceId, groupIds: [target.groupId] }],
                tags,
            },
            { parent: this },
        );
        new network.PrivateDnsZoneGroup(
            `${name}-dns`,
            {
                privateDnsZoneGroupName: "default",
                privateEndpointName: endpoint.name,
                resourceGroupName: args.resourceGroupName,
                privateDnsZoneConfigs: [{ name: target.zone.replace(/\./g, "-"), privateDnsZoneId: zoneId }],
            },
            { parent: this },
        );

        this.endpointId = endpoint.id;
        this.zoneId = pulumi.output(zoneId);
        this.zoneName = target.zone;
        this.registerOutputs({ endpointId: this.endpointId, zoneId: this.zoneId, zoneName: this.zoneName });
    }
}
