/**
 * Policies of the cluster's inside (issue 15): every namespace the program creates is default
 * deny, the Helm releases pull every image from the stack's registry, and Grafana's RBAC is
 * namespaced (its sidecar reads ConfigMaps of its own namespace only). Self-contained (the pack
 * imports nothing from the program); `policies.ts` lists them in the pack.
 */
import type { ReportViolation } from "@pulumi/policy";
import type { ItOpsResourcePolicy, ItOpsStackPolicy, ResourceArgs, StackArgs } from "./policies";

type Obj = Record<string, any>;

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
/** Helm releases whose values the image and Grafana policies read. */
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

// ---------------------------------------------------------------------------------------------
// Default deny in every namespace
// ---------------------------------------------------------------------------------------------

/** Whether a NetworkPolicy spec denies everything in and out of every pod of its namespace. */
export function isDefaultDeny(spec: Obj | undefined): boolean {
    if (!spec || typeof spec !== "object") return false;
    const sel = spec.podSelector ?? {};
    const selectsAll = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    const types: unknown[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
    const empty = (rules: unknown) => rules === undefined || (Array.isArray(rules) && rules.length === 0);
    return selectsAll && types.includes("Ingress") && types.includes("Egress") && empty(spec.ingress) && empty(spec.egress);
}

export const namespaceDefaultDeny: ItOpsStackPolicy = {
    name: "namespace-default-deny",
    description: "Every namespace the stack creates has a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules); the allows come on top.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackArgs, reportViolation: ReportViolation) => {
        const denied = new Set(
            args.resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(r.props?.spec)).map((r) => r.props?.metadata?.namespace),
        );
        for (const ns of args.resources.filter((r) => r.type === NAMESPACE)) {
            const name = ns.props?.metadata?.name;
            // A name not known yet (an output during a preview) cannot be matched; it is checked on update.
            if (typeof name !== "string") continue;
            if (!denied.has(name)) {
                reportViolation(`Namespace ${name}: no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules) in it; add one and allow the exact flows on top`, ns.urn);
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Helm values: images from the stack's registry
// ---------------------------------------------------------------------------------------------

/** The registry host of an image reference or `host/path` string (undefined: a Docker Hub shorthand). */
function registryHost(ref: string): string | undefined {
    const slash = ref.indexOf("/");
    if (slash < 0) return undefined;
    const first = ref.slice(0, slash);
    return first.includes(".") || first.includes(":") || first === "localhost" ? first.toLowerCase() : undefined;
}

/**
 * Why Helm values would make a pod pull an image from outside the stack's registries (empty:
 * none). `global.imageRegistry` must be one of `registries` (or a path under one); every other
 * `registry` of an image, every `image` string and every `repository` that names a host must
 * point there too. Values not known yet (outputs during a preview) are skipped.
 */
export function chartImageProblems(values: unknown, registries: readonly string[]): string[] {
    const allowed = registries.map((r) => r.toLowerCase());
    const ok = (host: string | undefined) => host !== undefined && allowed.includes(host.toLowerCase());
    const problems: string[] = [];
    const v = (values ?? {}) as Obj;
    const global = v.global?.imageRegistry;
    if (typeof global !== "string" || !ok(global.split("/")[0])) {
        problems.push(`global.imageRegistry is ${JSON.stringify(global)}: it must be the stack's registry (${allowed.join(", ") || "none configured"}), or chart images come from public registries`);
    }
    const walk = (node: unknown, at: string): void => {
        if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${at}[${i}]`));
        if (!node || typeof node !== "object") return;
        for (const [k, x] of Object.entries(node as Obj)) {
            const p = at ? `${at}.${k}` : k;
            if (typeof x === "string" && x !== "") {
                const imageRegistry = k === "registry" && /image/i.test(at);
                if (imageRegistry && !ok(x.split("/")[0])) problems.push(`${p} is ${x}, outside the stack's registry`);
                if ((k === "image" || k === "repository") && registryHost(x) !== undefined && !ok(registryHost(x))) problems.push(`${p} is ${x}, outside the stack's registry`);
            } else if (p !== "global") {
                walk(x, p);
            }
        }
    };
    walk(v, "");
    return problems;
}

export const chartImagesFromStackRegistry: ItOpsResourcePolicy = {
    name: "chart-images-from-stack-registry",
    description: "Helm releases pull every image from the stack's registry: global.imageRegistry is it, and no image, repository or registry value names another host.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { registries: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args: ResourceArgs, reportViolation: ReportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const registries = args.getConfig<{ registries?: string[] }>().registries ?? [];
        for (const p of chartImageProblems(args.props?.values, registries)) reportViolation(`Helm release ${args.props?.name ?? args.name}: ${p}`);
    },
};

// ---------------------------------------------------------------------------------------------
// Grafana: namespaced RBAC, ConfigMaps only, its own namespace
// ---------------------------------------------------------------------------------------------

/** Why a Grafana chart's values give it more than its namespace's ConfigMaps (empty: none). */
export function grafanaRbacProblems(grafana: Obj | undefined, namespace: string | undefined): string[] {
    if (!grafana || grafana.enabled === false) return [];
    const problems: string[] = [];
    if (grafana.rbac?.namespaced !== true) problems.push("grafana.rbac.namespaced must be true (a Role in its namespace, no ClusterRole)");
    for (const sidecar of ["dashboards", "datasources"]) {
        const s = grafana.sidecar?.[sidecar] ?? {};
        if (s.enabled === false) continue;
        if (s.resource !== "configmap") problems.push(`grafana.sidecar.${sidecar}.resource must be "configmap" (never Secrets), got ${JSON.stringify(s.resource)}`);
        const search = s.searchNamespace;
        if (search !== undefined && search !== namespace) problems.push(`grafana.sidecar.${sidecar}.searchNamespace must be Grafana's own namespace (${namespace}), got ${JSON.stringify(search)}`);
    }
    return problems;
}

export const grafanaRbacNamespaced: ItOpsResourcePolicy = {
    name: "grafana-rbac-namespaced",
    description: "Grafana (kube-prometheus-stack or its own chart) has namespaced RBAC and its sidecars read ConfigMaps of its own namespace only, never Secrets.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceArgs, reportViolation: ReportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const chart = args.props?.chart;
        const values = args.props?.values ?? {};
        const grafana = chart === "grafana" ? { enabled: true, ...values } : chart === "kube-prometheus-stack" ? { enabled: true, ...(values.grafana ?? {}) } : undefined;
        for (const p of grafanaRbacProblems(grafana, args.props?.namespace)) reportViolation(`Helm release ${args.props?.name ?? args.name}: ${p}`);
    },
};
