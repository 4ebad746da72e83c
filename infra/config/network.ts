/**
 * The `network` section (cluster mode `aks` only): the stack's VNet and subnets, how nodes reach
 * the Internet, and whether the registry and the backup storage keep a public endpoint.
 * Parsed by {@link parseNetwork}; read only through `infra/config.ts`.
 *
 * The layout (README.md#network-isolation-and-private-endpoints, docs/network.md):
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
import { IPV4 } from "../../components/shared/validation";
import { ObjectReader } from "./reader";

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
    /** Node IPs the node subnet must hold (every pool at its maximum plus surge). */
    readonly requiredNodeIps: number;
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

function cidrField(r: ObjectReader, field: string, def?: string): string {
    const v = r.string(field, { ...(def !== undefined ? { default: def } : {}) });
    if (!parseCidr(v)) throw r.fail(field, "must be an IPv4 CIDR without host bits, such as 10.20.8.0/24", v);
    return v;
}

/** Parses `it-ops-infra:network`. */
export function parseNetwork(n: ObjectReader, ctx: NetworkContext): NetworkConfig {
    const vnetName = n.string("vnetName", {
        default: `vnet-it-ops-${ctx.stack}`,
        pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/,
        patternText: "a virtual network name (2-64 letters, digits, '_', '.' or '-')",
    });
    const existingVnetId = n.optionalString("existingVnetId");
    if (existingVnetId !== undefined && !parseVnetId(existingVnetId)) {
        throw n.fail("existingVnetId", "must be a virtual network resource id: /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>", existingVnetId);
    }
    if (existingVnetId !== undefined && n.has("addressSpace")) {
        throw n.fail("addressSpace", "is only used for a VNet the stack creates (with existingVnetId the VNet's own address space applies)", n.rawValue("addressSpace"));
    }
    const addressSpace =
        existingVnetId !== undefined
            ? []
            : n.array(
                  "addressSpace",
                  (i) => {
                      const c = i.string();
                      if (!parseCidr(c)) throw i.fail("must be an IPv4 CIDR without host bits, such as 10.20.0.0/16");
                      return c;
                  },
                  { minItems: 1 },
              );

    const s = n.object("subnets", { required: existingVnetId !== undefined });
    const defaults = addressSpace.length ? defaultSubnets(addressSpace[0]) : undefined;
    const subnets = {} as Record<(typeof SUBNET_ROLES)[number], string>;
    for (const role of SUBNET_ROLES) {
        if (!s.has(role) && !defaults) {
            throw s.fail(role, existingVnetId !== undefined ? "is required with network.existingVnetId (a free block of that VNet)" : `is required: the first addressSpace block (${addressSpace[0]}) is smaller than /20, so no default layout fits`);
        }
        subnets[role] = cidrField(s, role, defaults?.[role]);
    }
    const apiPrefix = parseCidr(subnets.apiServer)!.prefix;
    if (apiPrefix > API_SERVER_SUBNET_MAX_PREFIX) {
        throw s.fail("apiServer", `must be at least a /${API_SERVER_SUBNET_MAX_PREFIX} (API server VNet integration)`, subnets.apiServer);
    }
    const nodeIps = 2 ** (32 - parseCidr(subnets.nodes)!.prefix) - 5;
    if (nodeIps < ctx.requiredNodeIps) {
        throw s.fail("nodes", `must hold at least ${ctx.requiredNodeIps} node IPs (every pool at maxCount plus 33 % upgrade surge; Azure reserves 5 per subnet), has ${nodeIps}`, subnets.nodes);
    }
    for (const [i, a] of SUBNET_ROLES.entries()) {
        if (addressSpace.length && !addressSpace.some((block) => cidrContains(block, subnets[a]))) {
            throw s.fail(a, `must lie inside network.addressSpace (${addressSpace.join(", ")})`, subnets[a]);
        }
        for (const b of SUBNET_ROLES.slice(i + 1)) {
            if (cidrsOverlap(subnets[a], subnets[b])) throw s.fail(b, `must not overlap subnets.${a} (${subnets[a]})`, subnets[b]);
        }
        for (const [what, block] of [["cluster.podCidr", ctx.podCidr], ["cluster.serviceCidr", ctx.serviceCidr]] as const) {
            if (cidrsOverlap(subnets[a], block)) throw s.fail(a, `must not overlap ${what} (${block}): the overlay and Service ranges must stay out of the VNet`, subnets[a]);
        }
    }
    s.done();
    for (const block of addressSpace) {
        for (const [what, other] of [["cluster.podCidr", ctx.podCidr], ["cluster.serviceCidr", ctx.serviceCidr]] as const) {
            if (cidrsOverlap(block, other)) throw n.fail("addressSpace", `must not overlap ${what} (${other})`, addressSpace);
        }
    }

    const o = n.object("outbound");
    if (o.rawValue("type") === "managedNATGateway") {
        throw o.fail("type", `must be one of ${OUTBOUND_TYPES.join(", ")} (managedNATGateway only exists for an AKS-managed VNet; this stack brings its own, so use userAssignedNATGateway)`, "managedNATGateway");
    }
    const type = o.enum("type", OUTBOUND_TYPES, { default: "userAssignedNATGateway" });
    let outbound: OutboundSpec;
    if (type === "userAssignedNATGateway") {
        if (o.has("firewallPrivateIp")) throw o.fail("firewallPrivateIp", "is only used with type userDefinedRouting", o.rawValue("firewallPrivateIp"));
        outbound = { type, idleTimeoutMinutes: o.integer("idleTimeoutMinutes", { default: 4, min: 4, max: 120 }) };
    } else {
        if (o.has("idleTimeoutMinutes")) throw o.fail("idleTimeoutMinutes", "is only used with type userAssignedNATGateway", o.rawValue("idleTimeoutMinutes"));
        const ip = o.string("firewallPrivateIp", { pattern: IPV4, patternText: "the firewall's private IPv4 address (the default route's next hop)" });
        if (parseIpv4(ip) === undefined) throw o.fail("firewallPrivateIp", "must be an IPv4 address", ip);
        for (const role of SUBNET_ROLES) {
            if (ipInCidrBlock(ip, subnets[role])) throw o.fail("firewallPrivateIp", `must not lie in subnets.${role} (${subnets[role]}): the firewall has its own subnet (usually in a hub VNet)`, ip);
        }
        outbound = { type, firewallPrivateIp: ip };
    }
    o.done();

    const publicNetworkAccess = n.boolean("publicNetworkAccess", { default: false });
    n.done();
    return { vnetName, addressSpace, existingVnetId, subnets, outbound, publicNetworkAccess };
}
