import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";

/** Built-in role `Storage Blob Data Contributor`. */
export const STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
/** Built-in role `Storage Blob Data Reader` (restore and restore drill: read backups, never write). */
export const STORAGE_BLOB_DATA_READER_ROLE_ID = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
/** The audience AKS workload identity tokens are issued for. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";

/** The subject of a Kubernetes ServiceAccount's tokens: `system:serviceaccount:<ns>:<sa>`. */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

/** The full id of a built-in role definition in a subscription. */
export function roleDefinitionId(subscriptionId: string, roleId: string): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export interface WorkloadIdentityArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Name of the user-assigned managed identity (3-128 letters, digits, '-' or '_'). */
    readonly identityName: string;
    /** The cluster's OIDC issuer URL (AksCluster.oidcIssuerUrl). */
    readonly oidcIssuerUrl: pulumi.Input<string>;
    /** Namespace of the ServiceAccount that may use the identity. */
    readonly namespace: string;
    /** The ServiceAccount that may use the identity. */
    readonly serviceAccountName: string;
    /** Built-in role (GUID) granted to the identity. */
    readonly roleId: string;
    /** ARM id the role is granted on (as narrow as possible). */
    readonly scope: pulumi.Input<string>;
    /** @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * Azure workload identity for one Kubernetes ServiceAccount: a user-assigned managed identity,
 * a federated identity credential trusting the cluster's OIDC issuer for exactly that
 * ServiceAccount, and one role on one scope. No secret exists anywhere.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
    /** Client id (for the ServiceAccount annotation `azure.workload.identity/client-id`). */
    public readonly clientId: pulumi.Output<string>;
    public readonly principalId: pulumi.Output<string>;
    public readonly identityId: pulumi.Output<string>;
    /** The federated subject, `system:serviceaccount:<ns>:<sa>`. */
    public readonly subject: string;

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:WorkloadIdentity", name, {}, opts);
        const v = new ArgsValidator(`WorkloadIdentity ${name}`);
        v.matches("identityName", args.identityName, /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/, "3-128 letters, digits, '-' or '_', starting with a letter or digit");
        v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.dnsSubdomain("serviceAccountName", args.serviceAccountName);
        v.matches("roleId", args.roleId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "a role definition GUID");
        this.subject = serviceAccountSubject(args.namespace, args.serviceAccountName);

        const identity = new managedidentity.UserAssignedIdentity(
            name,
            { resourceName: args.identityName, resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags ?? {} },
            { parent: this },
        );

        new managedidentity.FederatedIdentityCredential(
            `${name}-federation`,
            {
                federatedIdentityCredentialResourceName: `${args.namespace}-${args.serviceAccountName}`.slice(0, 120),
                resourceName: identity.name,
                resourceGroupName: args.resourceGroupName,
                issuer: args.oidcIssuerUrl,
                subject: this.subject,
                audiences: [WORKLOAD_IDENTITY_AUDIENCE],
            },
            { parent: this },
        );

        const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
        new authorization.RoleAssignment(
            `${name}-role`,
            {
                principalId: identity.principalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: subscriptionId.apply((s) => roleDefinitionId(s, args.roleId)),
                scope: args.scope,
            },
            { parent: this },
        );

        this.clientId = identity.clientId;
        this.principalId = identity.principalId;
        this.identityId = identity.id;
        this.registerOutputs({ clientId: this.clientId, principalId: this.principalId, identityId: this.identityId, subject: this.subject });
    }
}
