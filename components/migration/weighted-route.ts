/**
 * Weighted routing between the old system and the new one, for a staged migration.
 *
 * - `gateway` (default): one Gateway API `HTTPRoute` with two rules: requests carrying the tester
 *   header always go to the new system; all others are split by `backendRefs` weights
 *   (old `100 - w`, new `w`). The route attaches to an existing Gateway, or to a Gateway this
 *   component creates for a GatewayClass (e.g. AKS application routing's `approuting-istio`).
 *   A `ReferenceGrant` in the old system's namespace lets the route reach the old Service.
 * - `nginx`: the ingress-nginx canary pair: the main Ingress to the old system and a canary Ingress
 *   to the new one (`canary`, `canary-weight`, `canary-by-header`, `canary-by-header-value`).
 *
 * Both modes have the same inputs and outputs; both keep every object at every weight (weight 0
 * and 100 included), so moving between stages changes only weights, never names or selectors.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

export const ROUTING_MODES = ["gateway", "nginx"] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** How the data follows the traffic (see docs/migration.md). */
export const DATA_STRATEGIES = ["cutover", "shared", "synced"] as const;
export type DataStrategy = (typeof DATA_STRATEGIES)[number];

/**
 * How long `pulumi up` waits for the ingress controller to publish an address on each `nginx` Ingress
 * (the provider's Ingress await; its own default is 10 minutes). The address is how the controller
 * says it admitted the Ingress. Where no controller publishes one, `up` fails after this bound
 * (docs/migration.md: what to do).
 */
export const INGRESS_ADDRESS_TIMEOUT = "3m";

/** Traffic shares in percent. */
export interface RouteWeights {
    readonly old: number;
    readonly new: number;
}

/**
 * The traffic split at `stage`: the new system gets `steps[stage]` percent, the old one the rest.
 * Throws for a stage outside `steps` or steps that are not percentages.
 */
export function routeWeights(steps: readonly number[], stage: number): RouteWeights {
    if (!Number.isInteger(stage) || stage < 0 || stage >= steps.length) {
        throw new RangeError(`stage must be an integer from 0 to ${steps.length - 1}, got ${stage}`);
    }
    const w = steps[stage];
    if (!Number.isInteger(w) || w < 0 || w > 100) throw new RangeError(`steps[${stage}] must be an integer percentage (0-100), got ${w}`);
    return { old: 100 - w, new: w };
}

const GATEWAY_API = "gateway.networking.k8s.io";
/** A fully qualified host name of a route (a leading `*.` wildcard allowed); `migration.hosts` too. */
export const ROUTE_HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export interface WeightedRouteArgs {
    readonly mode: RoutingMode;
    /** Host names served. */
    readonly hosts: readonly string[];
    /** The new system's share of traffic in percent (0-100). */
    readonly newWeight: number;
    readonly oldNamespace: string;
    readonly oldServiceName: string;
    readonly oldServicePort: number;
    /** The new system's Service (its namespace and name are read from it). */
    readonly newService: k8s.core.v1.Service;
    readonly newServicePort: number;
    readonly testerHeaderName: string;
    readonly testerHeaderValue: string;
    /** TLS Secret of the hosts; required for `nginx` and for a created Gateway. @default none */
    readonly tlsSecretName?: string;
    /** Existing Gateway to attach to (with `gatewayNamespace`). @default none: create one for `gatewayClassName` */
    readonly gatewayName?: string;
    readonly gatewayNamespace?: string;
    /** GatewayClass of the Gateway to create when `gatewayName` is absent. @default none */
    readonly gatewayClassName?: string;
    /** IngressClass of the `nginx` mode. @default "nginx" */
    readonly ingressClassName?: string;
    /** `metadata.name` of the route objects. @default "itops-migration" */
    readonly routeName?: string;
}

/** Routes `hosts` to the old and the new system by weight, plus the tester header rule. */
export class WeightedRoute extends pulumi.ComponentResource {
    /** The new system's share of traffic in percent. */
    public readonly newWeight: number;
    public readonly oldWeight: number;
    /** The objects that carry the weights (HTTPRoute, or the canary Ingress). */
    public readonly routes: pulumi.CustomResource[];
    /** Name of the route objects (the HTTPRoute, or the main Ingress; the canary adds `-canary`). */
    public readonly routeName: string;

    constructor(name: string, args: WeightedRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:migration:WeightedRoute", name, {}, opts);
        const v = new ArgsValidator("WeightedRoute");
        v.oneOf("mode", args.mode, ROUTING_MODES);
        v.nonEmpty("hosts", args.hosts);
        args.hosts.forEach((h, i) => v.matches(`hosts[${i}]`, h, ROUTE_HOST, "a fully qualified host name"));
        v.integer("newWeight", args.newWeight, 0, 100);
        v.matches("oldNamespace", args.oldNamespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.matches("oldServiceName", args.oldServiceName, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.integer("oldServicePort", args.oldServicePort, 1, 65535);
        v.integer("newServicePort", args.newServicePort, 1, 65535);
        v.matches("testerHeaderName", args.testerHeaderName, HEADER_NAME, "an HTTP header name");
        if (!args.testerHeaderValue) throw v.fail("testerHeaderValue", "a non-empty header value", args.testerHeaderValue);
        const routeName = v.matches("routeName", args.routeName ?? "itops-migration", DNS1123_LABEL, DNS1123_LABEL_TEXT);
        if (args.mode === "gateway") {
            if (args.gatewayName && args.gatewayClassName) throw v.fail("gatewayClassName", "absent when gatewayName is given", args.gatewayClassName);
            if (!args.gatewayName && !args.gatewayClassName) throw v.fail("gatewayName", "set (or gatewayClassName to create a Gateway)", args.gatewayName);
            if (args.gatewayName && !args.gatewayNamespace) throw v.fail("gatewayNamespace", "the namespace of gatewayName", args.gatewayNamespace);
        }
        if ((args.mode === "nginx" || (args.mode === "gateway" && !args.gatewayName)) && !args.tlsSecretName) {
            throw v.fail("tlsSecretName", `a Secret name (required for ${args.mode === "nginx" ? "the nginx Ingress" : "a created Gateway"})`, args.tlsSecretName);
        }
        const newWeight = args.newWeight;
        const oldWeight = 100 - newWeight;
        this.newWeight = newWeight;
        this.oldWeight = oldWeight;
        this.routeName = routeName;

        const newNamespace = args.newService.metadata.namespace;
        const newServiceName = args.newService.metadata.name;
        // The route objects carry the component's ordering (e.g. after a verified data copy).
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: opts?.dependsOn };
        const labels = { "app.kubernetes.io/name": routeName, "app.kubernetes.io/component": "migration-route", "app.kubernetes.io/managed-by": "pulumi" };

        if (args.mode === "gateway") {
            let parentRef: Record<string, pulumi.Input<string>>;
            if (args.gatewayName) {
                parentRef = { group: GATEWAY_API, kind: "Gateway", name: args.gatewayName, namespace: args.gatewayNamespace! };
            } else {
                new k8s.apiextensions.CustomResource(
                    `${name}-gateway`,
                    {
                        apiVersion: `${GATEWAY_API}/v1`,
                        kind: "Gateway",
                        metadata: { name: routeName, namespace: newNamespace, labels },
                        spec: {
                            gatewayClassName: args.gatewayClassName!,
                            listeners: args.hosts.map((h, i) => ({
                                name: `https-${i}`,
                                hostname: h,
                                port: 443,
                                protocol: "HTTPS",
                                tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: args.tlsSecretName! }] },
                                allowedRoutes: { namespaces: { from: "Same" } },
                            })),
                        },
                    },
                    { parent: this },
                );
                parentRef = { group: GATEWAY_API, kind: "Gateway", name: routeName, namespace: newNamespace };
            }
            new k8s.apiextensions.CustomResource(
                `${name}-old-backend-grant`,
                {
                    apiVersion: `${GATEWAY_API}/v1beta1`,
                    kind: "ReferenceGrant",
                    metadata: { name: `${routeName}-old-backend`, namespace: args.oldNamespace, labels },
                    spec: {
                        from: [{ group: GATEWAY_API, kind: "HTTPRoute", namespace: newNamespace }],
                        to: [{ group: "", kind: "Service", name: args.oldServiceName }],
                    },
                },
                { parent: this },
            );
            const oldRef = { group: "", kind: "Service", name: args.oldServiceName, namespace: args.oldNamespace, port: args.oldServicePort };
            const newRef = { group: "", kind: "Service", name: newServiceName, namespace: newNamespace, port: args.newServicePort };
            const route = new k8s.apiextensions.CustomResource(
                name,
                {
                    apiVersion: `${GATEWAY_API}/v1`,
                    kind: "HTTPRoute",
                    metadata: { name: routeName, namespace: newNamespace, labels },
                    spec: {
                        parentRefs: [parentRef],
                        hostnames: [...args.hosts],
                        rules: [
                            {
                                matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: args.testerHeaderName, value: args.testerHeaderValue }] }],
                                backendRefs: [newRef],
                            },
                            {
                                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                                backendRefs: [
                                    { ...oldRef, weight: oldWeight },
                                    { ...newRef, weight: newWeight },
                                ],
                            },
                        ],
                    },
                },
                childOpts,
            );
            this.routes = [route];
        } else {
            const ingressClassName = args.ingressClassName ?? "nginx";
            const ingressOpts: pulumi.CustomResourceOptions = { ...childOpts, customTimeouts: { create: INGRESS_ADDRESS_TIMEOUT, update: INGRESS_ADDRESS_TIMEOUT } };
            const rules = (service: pulumi.Input<string>, port: number) =>
                args.hosts.map((host) => ({
                    host,
                    http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: port } } } }] },
                }));
            new k8s.networking.v1.Ingress(
                name,
                {
                    metadata: { name: routeName, namespace: args.oldNamespace, labels },
                    spec: {
                        ingressClassName,
                        tls: [{ hosts: [...args.hosts], secretName: args.tlsSecretName! }],
                        rules: rules(args.oldServiceName, args.oldServicePort),
                    },
                },
                ingressOpts,
            );
            const canary = new k8s.networking.v1.Ingress(
                `${name}-canary`,
                {
                    metadata: {
                        name: `${routeName}-canary`,
                        namespace: newNamespace,
                        labels,
                        annotations: {
                            "nginx.ingress.kubernetes.io/canary": "true",
                            "nginx.ingress.kubernetes.io/canary-weight": String(newWeight),
                            "nginx.ingress.kubernetes.io/canary-weight-total": "100",
                            "nginx.ingress.kubernetes.io/canary-by-header": args.testerHeaderName,
                            "nginx.ingress.kubernetes.io/canary-by-header-value": args.testerHeaderValue,
                        },
                    },
                    spec: { ingressClassName, rules: rules(newServiceName, args.newServicePort) },
                },
                ingressOpts,
            );
            this.routes = [canary];
        }
        this.registerOutputs({ newWeight: this.newWeight, oldWeight: this.oldWeight });
    }
}
