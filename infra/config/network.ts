/**
 * The `network` section (cluster mode `aks` only): the stack's VNet and subnets, how nodes reach
 * the Internet, and whether the registry and the backup storage keep a public endpoint.
 * Parsed by {@link parseNetwork}; read only through `infra/config.ts`.
 *
 * The layout (docs/network.md):
 *
 *     VNet (network.addressSpace, or network.existingVnetId)
 *     ├─ subnets.nodes            AKS nodes (Azure CNI overlay: pods use cluster.podCidr)
 *     ├─ subnets.apiServer        API server VNet integration (delegated, >= /28)
 *     ├─ subnets.privateEndpoints ACR and backup Storage private endpoints
 *     └─ subnets.database         the database's private endpoint (the app's egress allow)
 */
import {
    API_SERVER_SUBNET_MAX_PREFIX,
    cidrContains,
    cidrsOverlap,
    ipInCidrBlock,
    OUTBOUND_TYPES,
    OutboundSpec,
    parseCidr,
    parseIpv4,
    parseVnetId,
    SubnetPlan,
} from "../../components/platform/network";
import { z } from "zod";
import { requiredNodeIps } from "../../components/platform/network";
import { IPV4, isIpv4 } from "../../components/shared/validation";
import { bool, int, list, obj, parseContext, problem, section, str, WHEN_VALID } from "./kit";

export interface NetworkConfig {
    /** Name of the VNet the stack creates (`vnet-it-ops-<stack>` by default). */
    readonly vnetName: string;
    /** Address space of the created VNet (empty with `existingVnetId`). */
    readonly addressSpace: readonly string[];
    /** An existing VNet (full resource id) to create the subnets in, instead of a new VNet. */
    readonly existingVnetId?: string;
    readonly subnets: SubnetPlan;
    readonly outbound: OutboundSpec;
    /** Whether ACR and the backup Storage account keep a public endpoint (default false: private endpoints only). */
    readonly publicNetworkAccess: boolean;
}

/** What the network must fit around: the cluster's overlay ranges and its pools' size. */
export interface NetworkContext {
    readonly stack: string;
    readonly podCidr: string;
    readonly serviceCidr: string;
    /** The node pools the node subnet must hold (every pool at its maximum plus surge). */
    readonly pools: readonly { readonly maxCount: number }[];
}

const SUBNET_ROLES = ["nodes", "apiServer", "privateEndpoints", "database"] as const;

/** Default subnets carved from the first block of the address space (which must be at least a /20). */
export function defaultSubnets(addressSpace: string): SubnetPlan | undefined {
    const c = parseCidr(addressSpace);
    if (!c || c.prefix > 20) return undefined;
    const ip = (offset: number) => {
        const v = c.start + offset;
        return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
    };
    return {
        nodes: `${ip(0)}/22`, // x.x.0.0 - x.x.3.255: 1019 node IPs
        apiServer: `${ip(4 * 256)}/28`, // x.x.4.0/28
        privateEndpoints: `${ip(5 * 256)}/24`, // x.x.5.0/24
        database: `${ip(8 * 256)}/24`, // x.x.8.0/24
    };
}

const CIDR_TEXT = "an IPv4 CIDR without host bits, such as 10.20.8.0/24";
const cidr = (text = CIDR_TEXT) => str().refine((v) => parseCidr(v) !== undefined, { error: `must be ${text}` });
const VNET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/;

/** `it-ops-infra:network` (cluster mode aks). */
export const networkSchema = obj({
    vnetName: str({ pattern: VNET_NAME, text: "a virtual network name (2-64 letters, digits, '_', '.' or '-')" })
        .optional()
        .describe("Name of the VNet the stack creates.")
        .meta({ derivedDefault: "vnet-it-ops-<stack>" }),
    addressSpace: list(cidr("an IPv4 CIDR without host bits, such as 10.20.0.0/16"), { minItems: 1 })
        .optional()
        .describe("Address space of the created VNet (required unless existingVnetId); the default subnets are carved from its first block (>= /20)."),
    existingVnetId: str()
        .refine((v) => parseVnetId(v) !== undefined, {
            error: "must be a virtual network resource id: /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>",
        })
        .optional()
        .describe("An existing VNet (full resource id) to create the subnets in, instead of a new VNet."),
    subnets: section({
        nodes: cidr().optional().describe("AKS nodes (Azure CNI overlay: pods use cluster.podCidr)."),
        apiServer: cidr().optional().describe(`API server VNet integration (delegated, at least a /${API_SERVER_SUBNET_MAX_PREFIX}).`),
        privateEndpoints: cidr().optional().describe("ACR and backup Storage private endpoints."),
        database: cidr().optional().describe("The database's private endpoint (the app's egress allow)."),
    })
        .describe("The stack's subnets; by default carved from the first addressSpace block.")
        .meta({ derivedDefault: "nodes x.x.0.0/22, apiServer x.x.4.0/28, privateEndpoints x.x.5.0/24, database x.x.8.0/24 of addressSpace[0]" }),
    outbound: section({
        type: z
            .enum(OUTBOUND_TYPES, {
                error: (i) =>
                    i.input === undefined
                        ? `is required: one of ${OUTBOUND_TYPES.join(", ")}`
                        : i.input === "managedNATGateway"
                          ? `must be one of ${OUTBOUND_TYPES.join(", ")} (managedNATGateway only exists for an AKS-managed VNet; this stack brings its own, so use userAssignedNATGateway)`
                          : `must be one of ${OUTBOUND_TYPES.join(", ")}`,
            })
            .default("userAssignedNATGateway")
            .describe("How nodes reach the Internet."),
        idleTimeoutMinutes: int({ min: 4, max: 120 }).optional().describe("NAT gateway idle timeout (type userAssignedNATGateway; default 4)."),
        firewallPrivateIp: str({ pattern: IPV4, text: "the firewall's private IPv4 address (the default route's next hop)" })
            .refine((v) => !IPV4.test(v) || isIpv4(v), { error: "must be the firewall's private IPv4 address (the default route's next hop)" })
            .refine((ip) => parseIpv4(ip) !== undefined, { error: "must be an IPv4 address" })
            .optional()
            .describe("The firewall's private IP, the default route's next hop (type userDefinedRouting)."),
    })
        .superRefine((o, ctx) => {
            if (o.type === "userAssignedNATGateway" && o.firewallPrivateIp !== undefined) problem(ctx, ["firewallPrivateIp"], "is only used with type userDefinedRouting", o.firewallPrivateIp);
            if (o.type === "userDefinedRouting" && o.idleTimeoutMinutes !== undefined) problem(ctx, ["idleTimeoutMinutes"], "is only used with type userAssignedNATGateway", o.idleTimeoutMinutes);
            if (o.type === "userDefinedRouting" && o.firewallPrivateIp === undefined) {
                problem(ctx, ["firewallPrivateIp"], "is required: a string");
            }
        }, WHEN_VALID)
        .describe("The nodes' outbound path."),
    publicNetworkAccess: bool().default(false).describe("Whether ACR and the backup Storage account keep a public endpoint (default: private endpoints only)."),
})
    .superRefine((n, ctx) => {
        if (n.existingVnetId !== undefined && n.addressSpace !== undefined) {
            problem(ctx, ["addressSpace"], "is only used for a VNet the stack creates (with existingVnetId the VNet's own address space applies)", n.addressSpace);
        } else if (n.existingVnetId === undefined && n.addressSpace === undefined) problem(ctx, ["addressSpace"], "is required: a list");
    }, WHEN_VALID)
    .transform((n) => ({ ...n, vnetName: n.vnetName ?? `vnet-it-ops-${parseContext().stack}` }))
    .describe("The stack's VNet, subnets, outbound path and public access (cluster mode aks).");

/** The network with its default subnets and the rules against the cluster's ranges. */
export function finishNetwork(n: z.output<typeof networkSchema>, ctx: NetworkContext, fail: (path: string, message: string, value?: unknown) => void): NetworkConfig {
    const addressSpace = n.existingVnetId !== undefined ? [] : (n.addressSpace ?? []);
    const defaults = addressSpace.length ? defaultSubnets(addressSpace[0]) : undefined;
    const subnets = {} as Record<(typeof SUBNET_ROLES)[number], string>;
    let ok = true;
    if (n.existingVnetId !== undefined && SUBNET_ROLES.every((r) => n.subnets[r] === undefined)) {
        fail("network.subnets", "is required: an object");
        ok = false;
    }
    for (const role of SUBNET_ROLES) {
        if (!ok) break;
        const v = n.subnets[role] ?? defaults?.[role];
        if (v === undefined) {
            ok = false;
            if (n.existingVnetId !== undefined || addressSpace.length) {
                fail(`network.subnets.${role}`, n.existingVnetId !== undefined ? "is required with network.existingVnetId (a free block of that VNet)" : `is required: the first addressSpace block (${addressSpace[0]}) is smaller than /20, so no default layout fits`);
            }
            // Without a default layout one line says why; with an existing VNet each missing subnet is named.
            if (n.existingVnetId === undefined) break;
        } else subnets[role] = v;
    }
    const outbound: OutboundSpec =
        n.outbound.type === "userAssignedNATGateway"
            ? { type: n.outbound.type, idleTimeoutMinutes: n.outbound.idleTimeoutMinutes ?? 4 }
            : { type: n.outbound.type, firewallPrivateIp: n.outbound.firewallPrivateIp ?? "" };
    const out: NetworkConfig = { vnetName: n.vnetName, addressSpace, existingVnetId: n.existingVnetId, subnets, outbound, publicNetworkAccess: n.publicNetworkAccess };
    if (!ok) return out;
    const s = (role: string) => `network.subnets.${role}`;
    const problems: [string, string, unknown][] = [];
    const apiPrefix = parseCidr(subnets.apiServer)!.prefix;
    if (apiPrefix > API_SERVER_SUBNET_MAX_PREFIX) problems.push([s("apiServer"), `must be at least a /${API_SERVER_SUBNET_MAX_PREFIX} (API server VNet integration)`, subnets.apiServer]);
    const nodeIps = 2 ** (32 - parseCidr(subnets.nodes)!.prefix) - 5;
    const required = requiredNodeIps(ctx.pools);
    if (nodeIps < required) {
        problems.push([s("nodes"), `must hold at least ${required} node IPs (every pool at maxCount plus 33 % upgrade surge; Azure reserves 5 per subnet), has ${nodeIps}`, subnets.nodes]);
    }
    for (const [i, a] of SUBNET_ROLES.entries()) {
        if (addressSpace.length && !addressSpace.some((block) => cidrContains(block, subnets[a]))) {
            problems.push([s(a), `must lie inside network.addressSpace (${addressSpace.join(", ")})`, subnets[a]]);
        }
        for (const b of SUBNET_ROLES.slice(i + 1)) {
            if (cidrsOverlap(subnets[a], subnets[b])) problems.push([s(b), `must not overlap subnets.${a} (${subnets[a]})`, subnets[b]]);
        }
        for (const [what, block] of [["cluster.podCidr", ctx.podCidr], ["cluster.serviceCidr", ctx.serviceCidr]] as const) {
            if (cidrsOverlap(subnets[a], block)) problems.push([s(a), `must not overlap ${what} (${block}): the overlay and Service ranges must stay out of the VNet`, subnets[a]]);
        }
    }
    for (const block of addressSpace) {
        for (const [what, other] of [["cluster.podCidr", ctx.podCidr], ["cluster.serviceCidr", ctx.serviceCidr]] as const) {
            if (cidrsOverlap(block, other)) problems.push(["network.addressSpace", `must not overlap ${what} (${other})`, addressSpace]);
        }
    }
    if (outbound.type === "userDefinedRouting") {
        for (const role of SUBNET_ROLES) {
            if (ipInCidrBlock(outbound.firewallPrivateIp, subnets[role])) {
                problems.push(["network.outbound.firewallPrivateIp", `must not lie in subnets.${role} (${subnets[role]}): the firewall has its own subnet (usually in a hub VNet)`, outbound.firewallPrivateIp]);
            }
        }
    }
    for (const [k, m, v] of problems) fail(k, m, v);
    return out;
}
