import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT, isIpv4Cidr } from "../shared/validation";
import { PORT_NAMES } from "./app-spec";
import { labelsField } from "../shared/metadata";

/** Pod Security Admission level enforced (and audited, warned) on the namespace. */
export const POD_SECURITY_LEVEL = "restricted";
/** The label every namespace carries with its own name (set by the API server). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The Pod Security Standards levels. */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];
/** The Pod Security Admission modes; every namespace the program creates sets all three. */
export const POD_SECURITY_MODES = ["enforce", "audit", "warn"] as const;
export type PodSecurityMode = (typeof POD_SECURITY_MODES)[number];

/**
 * The Pod Security Admission labels of a namespace (each mode with its `-version: latest`):
 * restricted for enforce, audit and warn unless `levels` says otherwise.
 */
export function podSecurityLabels(levels: Partial<Record<PodSecurityMode, PodSecurityLevel>> = {}): Record<string, string> {
    const out: Record<string, string> = {};
    for (const mode of POD_SECURITY_MODES) {
        out[`pod-security.kubernetes.io/${mode}`] = levels[mode] ?? POD_SECURITY_LEVEL;
        out[`pod-security.kubernetes.io/${mode}-version`] = "latest";
    }
    return out;
}

/** A NetworkPolicy to create: its name and spec. */
export interface NamedNetworkPolicy {
    readonly name: string;
    readonly spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

/** The name of every namespace's default-deny policy. */
export const DEFAULT_DENY_POLICY = "default-deny";

/** Deny all traffic in and out of every pod of the namespace (the allows come on top). */
export function defaultDenyPolicy(): NamedNetworkPolicy {
    return { name: DEFAULT_DENY_POLICY, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

/** Every pod of the namespace may query the cluster DNS (kube-dns in kube-system), UDP and TCP 53. */
export function dnsEgressPolicy(): NamedNetworkPolicy {
    return {
        name: "allow-dns-egress",
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    };
}

/** Creates the policies in `namespace` as children of `parent` (resource names `${name}-<policy>`). */
export function createNetworkPolicies(
    parent: pulumi.Resource,
    name: string,
    namespace: pulumi.Input<string>,
    policies: readonly NamedNetworkPolicy[],
    labels: Record<string, string> = {},
    opts: pulumi.CustomResourceOptions = {},
): k8s.networking.v1.NetworkPolicy[] {
    return policies.map(
        (p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.name}`, { metadata: { name: p.name, namespace, ...labelsField(labels) }, spec: p.spec }, { ...opts, parent }),
    );
}

/** The traffic the namespace allows on top of default-deny. */
export interface TrafficRules {
    /** Prefix of the app-specific policies (the generic ones are namespace-wide). */
    readonly appName: string;
    /** Labels of the pods that serve `http` (all app pods when not split). */
    readonly frontendSelector: Record<string, string>;
    /** Labels of the pods that serve `metrics` and talk to the database. */
    readonly backendSelector: Record<string, string>;
    /** Set when frontend and backend are separate pods: frontend → backend on this port. */
    readonly splitApiPort?: number;
    /** Namespaces whose pods may reach the `http` port (ingress controller / gateway). */
    readonly ingressNamespaces: readonly string[];
    /** Namespace whose pods may scrape the `metrics` port (where Prometheus runs). */
    readonly scrapeNamespace: string;
    /** Database endpoint(s): IPv4 CIDRs and the TCP port. */
    readonly databaseCidrs: readonly string[];
    readonly databasePort: number;
}

/** Peers: every pod of the named namespaces. */
export const fromNamespaces = (names: readonly string[]) => names.map((n) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: n } } }));

/**
 * The NetworkPolicies of the app namespace: deny everything in and out, then allow exactly the
 * listed flows. Returned as `[name suffix, spec]` pairs; pure.
 */
export function networkPolicySpecs(rules: TrafficRules): NamedNetworkPolicy[] {
    const policies: NamedNetworkPolicy[] = [
        defaultDenyPolicy(),
        dnsEgressPolicy(),
        {
            name: `${rules.appName}-allow-http-from-ingress`,
            spec: {
                podSelector: { matchLabels: { ...rules.frontendSelector } },
                policyTypes: ["Ingress"],
                ingress: [{ from: fromNamespaces(rules.ingressNamespaces), ports: [{ protocol: "TCP", port: PORT_NAMES.http }] }],
            },
        },
        {
            name: `${rules.appName}-allow-metrics-from-monitoring`,
            spec: {
                podSelector: { matchLabels: { ...rules.backendSelector } },
                policyTypes: ["Ingress"],
                ingress: [{ from: fromNamespaces([rules.scrapeNamespace]), ports: [{ protocol: "TCP", port: PORT_NAMES.metrics }] }],
            },
        },
        {
            name: `${rules.appName}-allow-database-egress`,
            spec: {
                podSelector: { matchLabels: { ...rules.backendSelector } },
                policyTypes: ["Egress"],
                egress: [{ to: rules.databaseCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: rules.databasePort }] }],
            },
        },
    ];
    if (rules.splitApiPort !== undefined) {
        policies.push(
            {
                name: `${rules.appName}-allow-api-from-frontend`,
                spec: {
                    podSelector: { matchLabels: { ...rules.backendSelector } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: { ...rules.frontendSelector } } }], ports: [{ protocol: "TCP", port: rules.splitApiPort }] }],
                },
            },
            {
                name: `${rules.appName}-allow-frontend-to-api`,
                spec: {
                    podSelector: { matchLabels: { ...rules.frontendSelector } },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ podSelector: { matchLabels: { ...rules.backendSelector } } }], ports: [{ protocol: "TCP", port: rules.splitApiPort }] }],
                },
            },
        );
    }
    return policies;
}

/** Validates traffic rules; `prefix` is how the caller's args name them (`traffic.` or ``). */
export function validateTraffic(v: ArgsValidator, t: TrafficRules, prefix: string): void {
    v.matches(`${prefix}appName`, t.appName, DNS1123_LABEL, DNS1123_LABEL_TEXT);
    v.nonEmpty(`${prefix}ingressNamespaces`, t.ingressNamespaces);
    for (const n of t.ingressNamespaces) v.matches(`${prefix}ingressNamespaces`, n, DNS1123_LABEL, DNS1123_LABEL_TEXT);
    v.matches(`${prefix}scrapeNamespace`, t.scrapeNamespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
    v.nonEmpty(`${prefix}databaseCidrs`, t.databaseCidrs);
    for (const c of t.databaseCidrs) if (!isIpv4Cidr(c)) throw v.fail(`${prefix}databaseCidrs`, "IPv4 CIDRs such as 10.20.0.0/24", c);
    v.integer(`${prefix}databasePort`, t.databasePort, 1, 65535);
    if (t.splitApiPort !== undefined) v.integer(`${prefix}splitApiPort`, t.splitApiPort, 1, 65535);
}

export interface AppNamespaceArgs {
    /** Namespace name (DNS-1123 label). */
    readonly namespace: string;
    readonly traffic: TrafficRules;
    /** @default {} */
    readonly labels?: Record<string, string>;
}

/**
 * The app's namespace with Pod Security Admission `restricted` (enforce, audit, warn) and a
 * default-deny NetworkPolicy set with explicit allows.
 */
export class AppNamespace extends pulumi.ComponentResource {
    /** The namespace name, known once the Namespace exists (depend on it through this output). */
    public readonly namespace: pulumi.Output<string>;
    public readonly namespaceResource: k8s.core.v1.Namespace;
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:app:AppNamespace", name, {}, opts);
        const v = new ArgsValidator(`AppNamespace ${name}`);
        v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        validateTraffic(v, args.traffic, "traffic.");

        this.namespaceResource = new k8s.core.v1.Namespace(
            name,
            { metadata: { name: args.namespace, labels: { ...(args.labels ?? {}), ...podSecurityLabels() } } },
            { parent: this },
        );
        this.namespace = this.namespaceResource.metadata.name;
        this.networkPolicies = createNetworkPolicies(this, name, this.namespace, networkPolicySpecs(args.traffic), args.labels ?? {});
        this.registerOutputs({ namespace: this.namespace });
    }
}
