import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

/**
 * The built-in Azure Policy initiatives for pod security on AKS (Azure/azure-policy,
 * built-in-policies/policySetDefinitions/Kubernetes/Kubernetes_PSP{Baseline,Restricted}Standard.json).
 * Pinned by id, with their display names so a reader can find them in the portal.
 */
export const POD_SECURITY_INITIATIVES = {
    baseline: {
        id: "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d",
        displayName: "Kubernetes cluster pod security baseline standards for Linux-based workloads",
    },
    restricted: {
        id: "/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00",
        displayName: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
    },
} as const;
export type PodSecurityInitiativeLevel = keyof typeof POD_SECURITY_INITIATIVES;
export const POD_SECURITY_INITIATIVE_LEVELS = Object.keys(POD_SECURITY_INITIATIVES) as PodSecurityInitiativeLevel[];

/** The initiatives' `effect` parameter: `audit` reports violations, `deny` rejects the pod. */
export const POLICY_EFFECTS = ["audit", "deny"] as const;
export type PolicyEffect = (typeof POLICY_EFFECTS)[number];

/** The initiatives' own default exclusions (AKS system namespaces); always kept. */
export const AZURE_POLICY_SYSTEM_NAMESPACES = ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"] as const;

/** The assignment's parameters: the effect and the excluded namespaces (system ones first, no duplicates). */
export function podSecurityParameters(effect: PolicyEffect, extraExcludedNamespaces: readonly string[]) {
    const excluded = [...new Set([...AZURE_POLICY_SYSTEM_NAMESPACES, ...extraExcludedNamespaces])];
    return { effect: { value: effect }, excludedNamespaces: { value: excluded } };
}

export interface PodSecurityPolicyArgs {
    /** The AKS cluster's resource id (the assignment's scope). */
    readonly clusterId: pulumi.Input<string>;
    /** Name of the assignment (unique at the scope; at most 64 characters). */
    readonly assignmentName: string;
    /** The initiative (default: the schema's, `cluster.podSecurityPolicy.level`). */
    readonly level: PodSecurityInitiativeLevel;
    /** `deny` or `audit` (default: the schema's, `cluster.podSecurityPolicy.effect`). */
    readonly effect: PolicyEffect;
    /**
     * Namespaces exempted in addition to the AKS system ones — only those whose pods need host
     * access by design (monitoring's node-exporter); empty for none.
     */
    readonly excludedNamespaces: readonly string[];
}

/**
 * Assigns a built-in pod security initiative to the cluster (the Azure Policy add-on enforces
 * it through Gatekeeper): `audit` reports violating pods, `deny` rejects them at admission.
 */
export class PodSecurityPolicy extends pulumi.ComponentResource {
    public readonly assignmentId: pulumi.Output<string>;

    constructor(name: string, args: PodSecurityPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:PodSecurityPolicy", name, {}, opts);
        const v = new ArgsValidator(`PodSecurityPolicy ${name}`);
        v.matches("assignmentName", args.assignmentName, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1-64 letters, digits, '_', '.' or '-'");
        const level = v.oneOf("level", args.level, POD_SECURITY_INITIATIVE_LEVELS);
        const effect = v.oneOf("effect", args.effect, POLICY_EFFECTS);
        for (const ns of args.excludedNamespaces) v.matches("excludedNamespaces", ns, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const initiative = POD_SECURITY_INITIATIVES[level];
        const assignment = new authorization.PolicyAssignment(
            name,
            {
                policyAssignmentName: args.assignmentName,
                scope: args.clusterId,
                policyDefinitionId: initiative.id,
                displayName: `${initiative.displayName} (${effect})`,
                description: `Pod Security Standards (${level}) on the cluster, ${effect === "deny" ? "enforced: violating pods are rejected" : "audited: violations are reported"}. Managed by Pulumi (it-ops-infra).`,
                enforcementMode: "Default",
                parameters: podSecurityParameters(effect, args.excludedNamespaces),
                nonComplianceMessages: [{ message: `Pods must meet the Kubernetes ${level} Pod Security Standard (see docs/network.md#azure-policy).` }],
            },
            { parent: this },
        );
        this.assignmentId = assignment.id;
        this.registerOutputs({ assignmentId: this.assignmentId });
    }
}
