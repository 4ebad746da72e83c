/**
 * Pulumi mocks for the offline render and the unit tests: every resource gets a deterministic id
 * and the computed outputs the program reads (cluster OIDC issuer, kubelet identity, identity
 * client ids, registry login server, the user kubeconfig, ...). Nothing here talks to a cloud.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT_ID = "11111111-1111-1111-1111-111111111111";
/** The AKS AAD server application id that kubelogin requests tokens for. */
export const AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** A stable UUID derived from a string. */
export function mockUuid(seed: string): string {
    const h = crypto.createHash("sha1").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function armId(inputs: Record<string, unknown>, provider: string, name: string): string {
    const rg = (inputs.resourceGroupName as string | undefined) ?? "rg-mock";
    return `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${rg}/providers/${provider}/${name}`;
}

/** The exec-format kubeconfig AKS returns for Entra ID clusters (kubelogin, device code). */
export function mockAksKubeconfig(clusterName: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${clusterName}`,
        "  cluster:",
        "    certificate-authority-data: bW9jaw==",
        `    server: https://${clusterName}-dns.hcp.japaneast.azmk8s.io:443`,
        "contexts:",
        `- name: ${clusterName}`,
        "  context:",
        `    cluster: ${clusterName}`,
        `    user: clusterUser_${clusterName}`,
        `current-context: ${clusterName}`,
        "users:",
        `- name: clusterUser_${clusterName}`,
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      command: kubelogin",
        "      args:",
        "      - get-token",
        "      - --environment",
        "      - AzurePublicCloud",
        "      - --server-id",
        `      - ${AKS_AAD_SERVER_ID}`,
        "      - --client-id",
        "      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a",
        "      - --tenant-id",
        `      - ${MOCK_TENANT_ID}`,
        "      - --login",
        "      - devicecode",
        "      env: null",
        "      provideClusterInfo: false",
        "",
    ].join("\n");
}

/** Computed outputs per resource type (the inputs are echoed back as well). */
function computed(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, unknown> } {
    switch (type) {
        case "azure-native:resources:ResourceGroup": {
            const rg = inputs.resourceGroupName ?? name;
            return { id: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${rg}`, state: { name: rg } };
        }
        case "azure-native:containerregistry:Registry": {
            const n = inputs.registryName ?? name;
            return { id: armId(inputs, "Microsoft.ContainerRegistry/registries", n), state: { name: n, loginServer: `${String(n).toLowerCase()}.azurecr.io` } };
        }
        case "azure-native:operationalinsights:Workspace": {
            const n = inputs.workspaceName ?? name;
            return { id: armId(inputs, "Microsoft.OperationalInsights/workspaces", n), state: { name: n, customerId: mockUuid(`workspace/${n}`) } };
        }
        case "azure-native:containerservice:ManagedCluster": {
            const n = inputs.resourceName ?? name;
            const id = armId(inputs, "Microsoft.ContainerService/managedClusters", n);
            return {
                id,
                state: {
                    name: n,
                    fqdn: `${inputs.dnsPrefix ?? n}-dns.hcp.${inputs.location ?? "japaneast"}.azmk8s.io`,
                    oidcIssuerProfile: {
                        ...(inputs.oidcIssuerProfile ?? {}),
                        issuerURL: `https://${inputs.location ?? "japaneast"}.oic.prod-aks.azure.com/${MOCK_TENANT_ID}/${mockUuid(`oidc/${n}`)}/`,
                    },
                    identityProfile: {
                        kubeletidentity: {
                            clientId: mockUuid(`kubelet-client/${n}`),
                            objectId: mockUuid(`kubelet-object/${n}`),
                            resourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/MC_${n}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}-agentpool`,
                        },
                    },
                },
            };
        }
        case "azure-native:managedidentity:UserAssignedIdentity": {
            const n = inputs.resourceName ?? name;
            return {
                id: armId(inputs, "Microsoft.ManagedIdentity/userAssignedIdentities", n),
                state: { name: n, clientId: mockUuid(`identity-client/${n}`), principalId: mockUuid(`identity-principal/${n}`), tenantId: MOCK_TENANT_ID },
            };
        }
        case "azure-native:storage:StorageAccount": {
            const n = inputs.accountName ?? name;
            return {
                id: armId(inputs, "Microsoft.Storage/storageAccounts", n),
                state: { name: n, primaryEndpoints: { blob: `https://${n}.blob.core.windows.net/` } },
            };
        }
        case "azure-native:storage:BlobContainer": {
            const n = inputs.containerName ?? name;
            return { id: `${armId(inputs, "Microsoft.Storage/storageAccounts", String(inputs.accountName))}/blobServices/default/containers/${n}`, state: { name: n } };
        }
        case "azure-native:network:VirtualNetwork": {
            const n = inputs.virtualNetworkName ?? name;
            return { id: armId(inputs, "Microsoft.Network/virtualNetworks", n), state: { name: n } };
        }
        case "azure-native:network:Subnet": {
            const n = inputs.subnetName ?? name;
            return { id: `${armId(inputs, "Microsoft.Network/virtualNetworks", String(inputs.virtualNetworkName))}/subnets/${n}`, state: { name: n } };
        }
        case "azure-native:network:NatGateway":
            return { id: armId(inputs, "Microsoft.Network/natGateways", inputs.natGatewayName ?? name), state: { name: inputs.natGatewayName ?? name } };
        case "azure-native:network:RouteTable":
            return { id: armId(inputs, "Microsoft.Network/routeTables", inputs.routeTableName ?? name), state: { name: inputs.routeTableName ?? name } };
        case "azure-native:network:PublicIPAddress":
            return { id: armId(inputs, "Microsoft.Network/publicIPAddresses", inputs.publicIpAddressName ?? name), state: { name: inputs.publicIpAddressName ?? name } };
        case "azure-native:network:PrivateEndpoint":
            return { id: armId(inputs, "Microsoft.Network/privateEndpoints", inputs.privateEndpointName ?? name), state: { name: inputs.privateEndpointName ?? name } };
        case "azure-native:privatedns:PrivateZone":
            return { id: armId(inputs, "Microsoft.Network/privateDnsZones", inputs.privateZoneName ?? name), state: { name: inputs.privateZoneName ?? name } };
        case "azure-native:mongocluster:MongoCluster": {
            // The service reports the SRV connection string with <user>/<password> placeholders.
            const n = inputs.mongoClusterName ?? name;
            return {
                id: armId(inputs, "Microsoft.DocumentDB/mongoClusters", n),
                state: {
                    name: n,
                    // Only the computed field: the inputs' properties hold a secret (the password).
                    properties: {
                        connectionString: `mongodb+srv://<user>:<password>@${n}.global.mongocluster.cosmos.azure.com/?tls=true&authMechanism=SCRAM-SHA-256&retrywrites=false&maxIdleTimeMS=120000`,
                    },
                },
            };
        }
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString": {
            const len = Number(inputs.length ?? 16);
            const result = crypto.createHash("sha256").update(`random/${name}`).digest("hex").slice(0, len).toLowerCase();
            return { id: name, state: { result, ...(type.includes("Password") ? { bcryptHash: "mock" } : {}) } };
        }
        default:
            if (type.startsWith("azure-native:")) {
                const [, mod, kind] = type.split(":");
                return { id: armId(inputs, `Microsoft.Mock${mod}/${kind}`, name), state: { name } };
            }
            return { id: `${name}-id`, state: {} };
    }
}

/** Results of invokes (`getClientConfig`, `listManagedClusterUserCredentials`, ...). */
function invoke(token: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (token) {
        case "azure-native:authorization:getClientConfig":
            return { clientId: mockUuid("deployer-client"), objectId: mockUuid("deployer-object"), subscriptionId: MOCK_SUBSCRIPTION_ID, tenantId: MOCK_TENANT_ID };
        case "azure-native:containerservice:listManagedClusterUserCredentials":
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(mockAksKubeconfig(String(inputs.resourceName))).toString("base64") }] };
        case "azure-native:containerregistry:getRegistry": {
            const n = String(inputs.registryName);
            return {
                id: armId(inputs, "Microsoft.ContainerRegistry/registries", n),
                name: n,
                loginServer: `${n.toLowerCase()}.azurecr.io`,
                adminUserEnabled: false,
            };
        }
        default:
            return inputs;
    }
}

/** The mock monitor cannot serialize `undefined`; drop such fields recursively. */
function dropUndefined<T>(v: T): T {
    if (Array.isArray(v)) return v.map(dropUndefined) as T;
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = dropUndefined(x);
        return out as T;
    }
    return v;
}

/** The mocks used by the offline render and the unit tests. */
export class ItOpsMocks implements pulumi.runtime.Mocks {
    /** Every resource the program registered, in order (type, name, resolved inputs). */
    public readonly created: { type: string; name: string; inputs: Record<string, any> }[] = [];

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        this.created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const { id, state } = computed(args.type, args.name, args.inputs ?? {});
        return { id: args.id || id, state: dropUndefined({ ...args.inputs, ...state }) };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        return dropUndefined(invoke(args.token, args.inputs ?? {}));
    }
}
