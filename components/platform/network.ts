import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { ArgsValidator, IPV4, IPV4_CIDR } from "../shared/validation";

// ---------------------------------------------------------------------------------------------
// IPv4 CIDR arithmetic (pure; shared by the config parser and the component's validation)
// ---------------------------------------------------------------------------------------------


/** A parsed IPv4 block: first address (as an integer), prefix length, number of addresses. */
export interface Ipv4Block {
    readonly start: number;
    readonly prefix: number;
    readonly size: number;
}

/** Parses an IPv4 address; undefined when it is not one. */
export function parseIpv4(ip: string): number | undefined {
    const m = IPV4.exec(ip);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return octets.reduce((a, o) => a * 256 + o, 0);
}

/**
 * Parses an IPv4 CIDR; undefined when it is not one, or when it has host bits set
 * (`10.20.8.1/24`): Azure rejects such address prefixes, and they usually hide a typo.
 */
export function parseCidr(cidr: string): Ipv4Block | undefined {
    const m = IPV4_CIDR.exec(cidr);
    if (!m) return undefined;
    const start = parseIpv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
    const prefix = Number(m[5]);
    if (start === undefined || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    if (start % size !== 0) return undefined;
    return { start, prefix, size };
}

/** Whether `inner` lies entirely inside `outer` (both valid CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
    const o = parseCidr(outer);
    const i = parseCidr(inner);
    return !!o && !!i && i.start >= o.start && i.start + i.size <= o.start + o.size;
}

/** Whether two valid CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    return !!x && !!y && x.start < y.start + y.size && y.start < x.start + x.size;
}

/** Whether an IPv4 address lies inside a CIDR. */
export function ipInCidrBlock(ip: string, cidr: string): boolean {
    const v = parseIpv4(ip);
    const c = parseCidr(cidr);
    return v !== undefined && !!c && v >= c.start && v < c.start + c.size;
}

/** Azure reserves 5 addresses of every subnet (network, gateway, 2 DNS, broadcast). */
export const AZURE_RESERVED_IPS_PER_SUBNET = 5;

/** Addresses of a subnet that Azure hands out. */
export function usableSubnetIps(cidr: string): number {
    const c = parseCidr(cidr);
    return c ? Math.max(0, c.size - AZURE_RESERVED_IPS_PER_SUBNET) : 0;
}

/**
 * Node IPs the node subnet must hold (Azure CNI overlay: one IP per node, pods use the overlay):
 * every pool at its autoscaler maximum plus the upgrade surge (33 % of each pool, rounded up).
 */
export function requiredNodeIps(pools: readonly { maxCount: number }[], surgePercent = 33): number {
    return pools.reduce((sum, p) => sum + p.maxCount + Math.ceil((p.maxCount * surgePercent) / 100), 0);
}

/** The smallest subnet Azure accepts for API server VNet integration. */
export const API_SERVER_SUBNET_MAX_PREFIX = 28;
/** The delegation the API server subnet must carry. */
export const API_SERVER_SUBNET_DELEGATION = "Microsoft.ContainerService/managedClusters";

/** `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>`. */
export const VNET_ID = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.Network\/virtualNetworks\/([A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])$/;

/** The parts of a VNet resource id; undefined when it is not one. */
export function parseVnetId(id: string): { subscriptionId: string; resourceGroupName: string; name: string } | undefined {
    const m = VNET_ID.exec(id);
    return m ? { subscriptionId: m[1], resourceGroupName: m[2], name: m[3] } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Outbound and subnets
// ---------------------------------------------------------------------------------------------

/**
 * How nodes reach the Internet. `managedNATGateway` (the AKS-created NAT gateway) exists only for
 * an AKS-managed VNet; this stack always brings its own VNet, so it is not offered.
 */
export const OUTBOUND_TYPES = ["userAssignedNATGateway", "userDefinedRouting"] as const;
export type OutboundType = (typeof OUTBOUND_TYPES)[number];

/** Nodes egress through a NAT gateway (with its own static public IP) on the node subnet. */
export interface NatGatewayOutbound {
    readonly type: "userAssignedNATGateway";
    /** TCP idle timeout of the NAT gateway in minutes (default and range: the schema's, `network.outbound`). */
    readonly idleTimeoutMinutes: number;
}

/** Nodes egress through a firewall (e.g. Azure Firewall in a hub): a 0.0.0.0/0 route to its private IP. */
export interface FirewallOutbound {
    readonly type: "userDefinedRouting";
    /** Private IP of the firewall (next hop of the default route). */
    readonly firewallPrivateIp: string;
}

export type OutboundSpec = NatGatewayOutbound | FirewallOutbound;

/** The subnets of the stack's VNet. */
export interface SubnetPlan {
    /** Node subnet (Azure CNI overlay: nodes only, pods use the overlay CIDR). */
    readonly nodes: string;
    /** API server VNet integration subnet (delegated to AKS, at least /28). */
    readonly apiServer: string;
    /** Private endpoints of the registry and the backup storage. */
    readonly privateEndpoints: string;
    /** The database's private endpoint (the app's egress NetworkPolicy allows exactly this block). */
    readonly database: string;
}

/** The route table of `userDefinedRouting`: everything not in the VNet goes to the firewall. */
export function firewallRoutes(firewallPrivateIp: string) {
    return [{ name: "default-to-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: firewallPrivateIp }];
}

export interface StackNetworkArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Name of the VNet the stack creates (ignored with `existingVnetId`). */
    readonly vnetName: string;
    /** Address space of the created VNet; non-empty unless `existingVnetId` is set (empty then). */
    readonly addressSpace: readonly string[];
    /** Use this VNet (full resource id) instead of creating one; the stack's subnets are created in it. @default none */
    readonly existingVnetId?: string;
    readonly subnets: SubnetPlan;
    readonly outbound: OutboundSpec;
    /** Availability zones of the NAT gateway's public IP (the cluster's, `cluster.zones`; empty for none). */
    readonly zones: readonly string[];
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * The stack's network: a VNet (created, or an existing one by id) with four subnets — nodes,
 * API server (delegated to AKS), private endpoints and the database — and the nodes' way out:
 * a NAT gateway with a static public IP, or a route table sending 0.0.0.0/0 to a firewall.
 * No subnet has default outbound access; subnets are created one after another (Azure rejects
 * concurrent changes to one VNet).
 */
export class StackNetwork extends pulumi.ComponentResource {
    public readonly vnetId: pulumi.Output<string>;
    public readonly vnetName: pulumi.Output<string>;
    public readonly nodeSubnetId: pulumi.Output<string>;
    public readonly apiServerSubnetId: pulumi.Output<string>;
    public readonly privateEndpointSubnetId: pulumi.Output<string>;
    public readonly databaseSubnetId: pulumi.Output<string>;
    /** The AKS `outboundType` matching the subnet's egress. */
    public readonly outboundType: OutboundType;
    /** Resources the cluster identity must be Network Contributor on (VNet, route table / NAT gateway). */
    public readonly clusterRoleScopes: pulumi.Output<string>[];

    constructor(name: string, args: StackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:StackNetwork", name, {}, opts);
        const v = new ArgsValidator(`StackNetwork ${name}`);
        const existing = args.existingVnetId !== undefined ? parseVnetId(args.existingVnetId) : undefined;
        if (args.existingVnetId !== undefined && !existing) throw v.fail("existingVnetId", "a virtual network resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>)", args.existingVnetId);
        if (!existing && args.addressSpace.length === 0) throw v.fail("addressSpace", "a non-empty list of CIDRs (or set existingVnetId)", args.addressSpace);
        for (const [i, c] of args.addressSpace.entries()) if (!parseCidr(c)) throw v.fail(`addressSpace[${i}]`, "an IPv4 CIDR without host bits", c);
        const plan = args.subnets;
        for (const role of ["nodes", "apiServer", "privateEndpoints", "database"] as const) {
            if (!parseCidr(plan[role])) throw v.fail(`subnets.${role}`, "an IPv4 CIDR without host bits", plan[role]);
        }
        if (parseCidr(plan.apiServer)!.prefix > API_SERVER_SUBNET_MAX_PREFIX) throw v.fail("subnets.apiServer", `at least a /${API_SERVER_SUBNET_MAX_PREFIX}`, plan.apiServer);
        const outbound = v.oneOf("outbound.type", args.outbound.type, OUTBOUND_TYPES);
        if (args.outbound.type === "userDefinedRouting" && parseIpv4(args.outbound.firewallPrivateIp) === undefined) {
            throw v.fail("outbound.firewallPrivateIp", "an IPv4 address", args.outbound.firewallPrivateIp);
        }
        const idle = args.outbound.type === "userAssignedNATGateway" ? v.integer("outbound.idleTimeoutMinutes", args.outbound.idleTimeoutMinutes, 1) : 0;
        const tags = args.tags ?? {};
        const rg = existing ? existing.resourceGroupName : args.resourceGroupName;

        let vnetId: pulumi.Output<string>;
        let vnetName: pulumi.Output<string>;
        let vnet: network.VirtualNetwork | undefined;
        if (existing) {
            vnetId = pulumi.output(args.existingVnetId!);
            vnetName = pulumi.output(existing.name);
        } else {
            vnet = new network.VirtualNetwork(
                name,
                {
                    virtualNetworkName: args.vnetName,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    addressSpace: { addressPrefixes: [...args.addressSpace!] },
                    tags,
                },
                // The subnets are their own resources; the VNet must not try to own (and drop) them.
                { parent: this, ignoreChanges: ["subnets"] },
            );
            vnetId = vnet.id;
            vnetName = vnet.name;
        }

        // The nodes' egress.
        let natGateway: network.NatGateway | undefined;
        let routeTable: network.RouteTable | undefined;
        if (args.outbound.type === "userAssignedNATGateway") {
            const ip = new network.PublicIPAddress(
                `${name}-nat-ip`,
                {
                    publicIpAddressName: `pip-${args.vnetName}-nat`,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    sku: { name: "Standard", tier: "Regional" },
                    publicIPAllocationMethod: "Static",
                    publicIPAddressVersion: "IPv4",
                    zones: [...args.zones],
                    tags,
                },
                { parent: this },
            );
            natGateway = new network.NatGateway(
                `${name}-nat`,
                {
                    natGatewayName: `ng-${args.vnetName}`,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    sku: { name: "Standard" },
                    idleTimeoutInMinutes: idle,
                    publicIpAddresses: [{ id: ip.id }],
                    tags,
                },
                { parent: this },
            );
        } else {
            routeTable = new network.RouteTable(
                `${name}-routes`,
                {
                    routeTableName: `rt-${args.vnetName}-nodes`,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    // Routes learnt over BGP (VPN/ExpressRoute) must not bypass the firewall.
                    disableBgpRoutePropagation: true,
                    routes: firewallRoutes(args.outbound.firewallPrivateIp),
                    tags,
                },
                { parent: this },
            );
        }

        // One subnet after another: Azure serialises changes to a VNet and fails concurrent ones.
        let previous: pulumi.Resource | undefined = vnet;
        const subnet = (role: string, subnetName: string, props: Partial<network.SubnetArgs>) => {
            const s: network.Subnet = new network.Subnet(
                `${name}-${role}`,
                {
                    subnetName,
                    virtualNetworkName: vnetName,
                    resourceGroupName: rg,
                    defaultOutboundAccess: false,
                    ...props,
                },
                { parent: this, dependsOn: previous ? [previous] : [] },
            );
            previous = s;
            return s;
        };
        const nodes = subnet("nodes", "snet-aks-nodes", {
            addressPrefix: plan.nodes,
            ...(natGateway ? { natGateway: { id: natGateway.id } } : {}),
            ...(routeTable ? { routeTable: { id: routeTable.id } } : {}),
        });
        const apiServer = subnet("apiserver", "snet-aks-apiserver", {
            addressPrefix: plan.apiServer,
            delegations: [{ name: "aks-apiserver", serviceName: API_SERVER_SUBNET_DELEGATION }],
        });
        const endpoints = subnet("endpoints", "snet-private-endpoints", {
            addressPrefix: plan.privateEndpoints,
            // NSGs and route tables apply to private endpoints too.
            privateEndpointNetworkPolicies: "Enabled",
        });
        const database = subnet("database", "snet-database", {
            addressPrefix: plan.database,
            privateEndpointNetworkPolicies: "Enabled",
        });

        this.vnetId = vnetId;
        this.vnetName = vnetName;
        this.nodeSubnetId = nodes.id;
        this.apiServerSubnetId = apiServer.id;
        this.privateEndpointSubnetId = endpoints.id;
        this.databaseSubnetId = database.id;
        this.outboundType = outbound;
        this.clusterRoleScopes = [nodes.id, apiServer.id, ...(routeTable ? [routeTable.id] : []), ...(natGateway ? [natGateway.id] : [])];
        this.registerOutputs({
            vnetId: this.vnetId,
            vnetName: this.vnetName,
            nodeSubnetId: this.nodeSubnetId,
            apiServerSubnetId: this.apiServerSubnetId,
            privateEndpointSubnetId: this.privateEndpointSubnetId,
            databaseSubnetId: this.databaseSubnetId,
        });
    }
}
