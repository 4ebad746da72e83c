/**
 * The backup components as rendered in both stacks (Pulumi mocks): exact security fields of the
 * storage account, WORM, lifecycle, protection, the workload identity wiring (federated subject
 * == rendered ServiceAccount, issuer == cluster OIDC issuer, role scope == the container), the
 * CronJobs, no secret literal anywhere, and argument validation of every component.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { BackupStorage, MongoBackup, MongoBackupArgs, BackupStorageArgs, lifecyclePolicy, loadBackupScripts } from "../components/backup";
import { STORAGE_BLOB_DATA_READER_ROLE_ID, STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID, WorkloadIdentity, WorkloadIdentityArgs } from "../components/platform";
import { mockUuid } from "../tools/render/mocks";
import { all, manifests, one, record, render } from "./helpers";

const STACKS = ["staging", "production"] as const;
const EXPECTED = {
    staging: { sku: "Standard_LRS", retention: 14, cool: 7, softDelete: 7, state: "Unlocked" },
    production: { sku: "Standard_GZRS", retention: 35, cool: 7, softDelete: 14, state: "Locked" },
} as const;

for (const stack of STACKS) {
    describe(`backup in the ${stack} render`, () => {
        const e = EXPECTED[stack];

        it("storage account: StorageV2, HTTPS/TLS 1.2 only, no shared keys, no public blobs, WORM, protected", async () => {
            const r = await render(stack);
            const account = one(r, "azure-native:storage:StorageAccount", "itops-backup-storage");
            const name = account.inputs.accountName as string;
            assert.match(name, /^itopsbkp[a-z0-9]+$/);
            assert.ok(name.length <= 24, name);
            assert.deepEqual(
                { ...account.inputs, accountName: undefined, tags: undefined, resourceGroupName: undefined },
                {
                    accountName: undefined,
                    tags: undefined,
                    resourceGroupName: undefined,
                    kind: "StorageV2",
                    sku: { name: e.sku },
                    location: "japaneast",
                    accessTier: "Hot",
                    enableHttpsTrafficOnly: true,
                    minimumTlsVersion: "TLS1_2",
                    allowBlobPublicAccess: false,
                    allowSharedKeyAccess: false,
                    defaultToOAuthAuthentication: true,
                    allowCrossTenantReplication: false,
                    isLocalUserEnabled: false,
                    isSftpEnabled: false,
                    immutableStorageWithVersioning: {
                        enabled: true,
                        immutabilityPolicy: { immutabilityPeriodSinceCreationInDays: e.retention, state: e.state, allowProtectedAppendWrites: false },
                    },
                    // Private endpoint only: no public endpoint, network rules deny everything, no bypass.
                    publicNetworkAccess: "Disabled",
                    networkRuleSet: { defaultAction: "Deny", bypass: "None", ipRules: [], virtualNetworkRules: [] },
                    // Double encryption (infrastructure layer), Microsoft-managed keys.
                    encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: true, services: { blob: { enabled: true, keyType: "Account" } } },
                },
            );
            assert.equal(account.inputs.resourceGroupName, `rg-it-ops-${stack}`);
            // Protected and retained in every stack (staging has it-ops-infra:protect false); turning
            // infrastructure encryption on for an existing account plans a replace, which protect stops.
            assert.deepEqual(account.options, { protect: true, retainOnDelete: true, replaceOnChanges: ["encryption.requireInfrastructureEncryption"] });
            assert.equal(one(r, "random:index/randomString:RandomString", "itops-backup-storage-suffix").options.protect, true);
        });

        it("blob service: versioning and soft delete of blobs and containers", async () => {
            const r = await render(stack);
            const svc = one(r, "azure-native:storage:BlobServiceProperties");
            const account = one(r, "azure-native:storage:StorageAccount", "itops-backup-storage");
            assert.deepEqual(svc.inputs, {
                accountName: account.inputs.accountName,
                resourceGroupName: `rg-it-ops-${stack}`,
                blobServicesName: "default",
                isVersioningEnabled: true,
                deleteRetentionPolicy: { enabled: true, days: e.softDelete },
                containerDeleteRetentionPolicy: { enabled: true, days: e.softDelete },
            });
        });

        it("lifecycle: cool after N days, delete after the retention (current blobs and versions)", async () => {
            const r = await render(stack);
            const policy = one(r, "azure-native:storage:ManagementPolicy");
            assert.equal(policy.inputs.managementPolicyName, "default");
            assert.deepEqual(policy.inputs.policy, lifecyclePolicy("mongodb-backups", e.cool, e.retention));
            assert.deepEqual((policy.inputs.policy as any).rules[0].definition, {
                filters: { blobTypes: ["blockBlob"], prefixMatch: ["mongodb-backups/"] },
                actions: {
                    baseBlob: { tierToCool: { daysAfterModificationGreaterThan: e.cool }, delete: { daysAfterModificationGreaterThan: e.retention } },
                    version: { tierToCool: { daysAfterCreationGreaterThan: e.cool }, delete: { daysAfterCreationGreaterThan: e.retention } },
                },
            });
        });

        it("container: mongodb-backups, private, version-level immutability, protected and retained", async () => {
            const r = await render(stack);
            const c = one(r, "azure-native:storage:BlobContainer");
            assert.equal(c.inputs.containerName, "mongodb-backups");
            assert.equal(c.inputs.publicAccess, "None");
            assert.deepEqual(c.inputs.immutableStorageWithVersioning, { enabled: true });
            assert.equal(c.options.protect, true);
            assert.equal(c.options.retainOnDelete, true);
            assert.deepEqual(c.options.dependsOn, [one(r, "azure-native:storage:BlobServiceProperties").urn]);
        });

        it("workload identity: subject == rendered ServiceAccount, issuer == cluster OIDC issuer, role on the container only", async () => {
            const r = await render(stack);
            const [sa] = manifests(r, "ServiceAccount", "mongodb-backup");
            assert.ok(sa, "ServiceAccount rendered");
            const fic = one(r, "azure-native:managedidentity:FederatedIdentityCredential", "itops-backup-identity-federation");
            assert.equal(fic.inputs.subject, `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`);
            assert.equal(fic.inputs.subject, "system:serviceaccount:itops-backup:mongodb-backup");
            assert.equal(fic.inputs.issuer, r.outputs.oidcIssuerUrl);
            assert.match(fic.inputs.issuer as string, /^https:\/\/japaneast\.oic\.prod-aks\.azure\.com\//);
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            const identity = one(r, "azure-native:managedidentity:UserAssignedIdentity", "itops-backup-identity");
            assert.equal(identity.inputs.resourceName, `id-itops-backup-${stack}`);
            assert.equal(fic.inputs.resourceName, `id-itops-backup-${stack}`);

            // The ServiceAccount carries the identity's client id.
            assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], r.outputs.backupIdentityClientId);

            const role = one(r, "azure-native:authorization:RoleAssignment", "itops-backup-identity-role");
            const account = one(r, "azure-native:storage:StorageAccount", "itops-backup-storage").inputs.accountName;
            assert.equal(
                role.inputs.scope,
                `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-it-ops-${stack}/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/mongodb-backups`,
            );
            assert.equal(role.inputs.roleDefinitionId, `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID}`);
            assert.equal(STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID, "ba92f5b4-2d11-453d-a403-e96b0029c9fe");
            assert.equal(role.inputs.principalType, "ServicePrincipal");
            // Only one role assignment for the backup identity, and no storage key anywhere.
            assert.equal(all(r, "azure-native:authorization:RoleAssignment").filter((x) => x.name.startsWith("itops-backup")).length, 1);
            assert.ok(!r.resources.some((x) => /listStorageAccountKeys|StorageAccountKey/i.test(x.type)));
        });

        it("restore identity: its own ServiceAccount and federated credential, Storage Blob Data Reader on the container only", async () => {
            const r = await render(stack);
            const [sa] = manifests(r, "ServiceAccount", "mongodb-restore");
            assert.ok(sa, "restore ServiceAccount rendered");
            assert.equal(sa.metadata.namespace, "itops-backup");
            assert.equal(sa.automountServiceAccountToken, false);
            const identity = one(r, "azure-native:managedidentity:UserAssignedIdentity", "itops-restore-identity");
            assert.equal(identity.inputs.resourceName, `id-itops-restore-${stack}`);
            assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], mockUuid(`identity-client/id-itops-restore-${stack}`));
            assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], r.outputs.restoreIdentityClientId);
            assert.notEqual(r.outputs.restoreIdentityClientId, r.outputs.backupIdentityClientId);
            const fic = one(r, "azure-native:managedidentity:FederatedIdentityCredential", "itops-restore-identity-federation");
            assert.equal(fic.inputs.subject, "system:serviceaccount:itops-backup:mongodb-restore");
            assert.equal(fic.inputs.issuer, r.outputs.oidcIssuerUrl);
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            const role = one(r, "azure-native:authorization:RoleAssignment", "itops-restore-identity-role");
            assert.equal(STORAGE_BLOB_DATA_READER_ROLE_ID, "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
            assert.equal(role.inputs.roleDefinitionId, `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_READER_ROLE_ID}`);
            assert.equal(role.inputs.scope, one(r, "azure-native:authorization:RoleAssignment", "itops-backup-identity-role").inputs.scope, "the same container, nothing wider");
            assert.equal(role.inputs.principalId, mockUuid(`identity-principal/id-itops-restore-${stack}`));
            // The drill and the restore run as the reader; only the backup runs as the writer.
            const saOf = (name: string) => manifests(r, "CronJob", name)[0].spec.jobTemplate.spec.template.spec.serviceAccountName;
            assert.deepEqual([saOf("mongodb-backup"), saOf("mongodb-restore-drill"), saOf("mongodb-restore")], ["mongodb-backup", "mongodb-restore", "mongodb-restore"]);
        });

        it("backup storage: private endpoint (blob) with its private DNS zone, diagnostic setting on the blob service", async () => {
            const r = await render(stack);
            const account = one(r, "azure-native:storage:StorageAccount", "itops-backup-storage").inputs.accountName;
            const accountId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-it-ops-${stack}/providers/Microsoft.Storage/storageAccounts/${account}`;
            const pe = one(r, "azure-native:network:PrivateEndpoint", "itops-backup-storage-endpoint").inputs as any;
            assert.deepEqual(pe.privateLinkServiceConnections, [{ name: `pe-itops-backup-${stack}`, privateLinkServiceId: accountId, groupIds: ["blob"] }]);
            assert.equal(pe.subnet.id, `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-it-ops-${stack}/providers/Microsoft.Network/virtualNetworks/vnet-it-ops-${stack}/subnets/snet-private-endpoints`);
            const zone = one(r, "azure-native:privatedns:PrivateZone", "itops-backup-storage-endpoint-zone").inputs;
            assert.equal(zone.privateZoneName, "privatelink.blob.core.windows.net");
            const group = one(r, "azure-native:network:PrivateDnsZoneGroup", "itops-backup-storage-endpoint-dns").inputs as any;
            assert.equal(group.privateEndpointName, `pe-itops-backup-${stack}`);
            assert.match(group.privateDnsZoneConfigs[0].privateDnsZoneId, /\/privateDnsZones\/privatelink\.blob\.core\.windows\.net$/);
            const diag = one(r, "azure-native:monitor:DiagnosticSetting", "itops-backup-storage-diagnostics").inputs as any;
            assert.equal(diag.resourceUri, `${accountId}/blobServices/default`);
            assert.deepEqual(diag.logs, [
                { category: "StorageRead", enabled: true },
                { category: "StorageWrite", enabled: true },
                { category: "StorageDelete", enabled: true },
            ]);
            assert.deepEqual(diag.metrics, [{ category: "Transaction", enabled: true }]);
            assert.match(diag.workspaceId, /\/workspaces\/log-aks-it-ops-/);
        });

        it("backup CronJob: schedule + time zone, Forbid, deadlines, history, workload identity label, restricted pods", async () => {
            const r = await render(stack);
            const [cj] = manifests(r, "CronJob", "mongodb-backup");
            assert.equal(cj.metadata.namespace, "itops-backup");
            const s = cj.spec;
            assert.deepEqual(
                [s.schedule, s.timeZone, s.concurrencyPolicy, s.startingDeadlineSeconds, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit, s.suspend],
                ["0 2 * * *", "Asia/Tokyo", "Forbid", 3600, 3, 5, false],
            );
            assert.equal(s.jobTemplate.spec.backoffLimit, 2);
            assert.equal(s.jobTemplate.spec.activeDeadlineSeconds, 10_800);
            const tpl = s.jobTemplate.spec.template;
            assert.equal(tpl.metadata.labels["azure.workload.identity/use"], "true");
            const pod = tpl.spec;
            assert.equal(pod.serviceAccountName, "mongodb-backup");
            assert.equal(pod.restartPolicy, "Never");
            assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
            for (const c of [...pod.initContainers, ...pod.containers]) {
                assert.deepEqual(c.securityContext, {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 999,
                    runAsGroup: 999,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                });
                assert.ok(c.resources.requests && c.resources.limits, `${c.name} has resources`);
                assert.doesNotMatch(c.image, /:latest$|^[^:@]+$/);
            }
            assert.deepEqual(pod.initContainers.map((c: any) => [c.name, c.image, c.command]), [
                ["azcopy", `itops${stack}acr.azurecr.io/mirror/azcopy:10.27.1`, ["cp", "/usr/local/bin/azcopy", "/tools/azcopy"]],
            ]);
            const main = pod.containers[0];
            assert.equal(main.image, `itops${stack}acr.azurecr.io/mirror/mongo:7.0.14`, "mirrored into the stack's registry");
            assert.deepEqual(main.command, ["bash", "/scripts/backup.sh"]);
            assert.deepEqual(main.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } });
            const env = Object.fromEntries(main.env.map((x: any) => [x.name, x.value ?? x.valueFrom]));
            assert.deepEqual(env.MONGODB_URI, { secretKeyRef: { name: "backup-credentials", key: "uri" } });
            assert.equal(env.AZCOPY_AUTO_LOGIN_TYPE, "WORKLOAD");
            assert.equal(env.BACKUP_STACK, stack);
            assert.equal(env.BACKUP_OPLOG, "false");
            assert.match(env.BACKUP_CONTAINER_URL, /^https:\/\/itopsbkp[a-z0-9]+\.blob\.core\.windows\.net\/mongodb-backups$/);
            assert.deepEqual(pod.volumes.find((v: any) => v.name === "scripts"), { name: "scripts", configMap: { name: "mongodb-backup-scripts", defaultMode: 0o555 } });
            assert.equal(pod.volumes.find((v: any) => v.name === "work").emptyDir.sizeLimit, "20Gi");
        });

        it("restore drill (weekly) and the suspended on-demand restore template", async () => {
            const r = await render(stack);
            const [drill] = manifests(r, "CronJob", "mongodb-restore-drill");
            assert.deepEqual([drill.spec.schedule, drill.spec.timeZone, drill.spec.concurrencyPolicy, drill.spec.suspend], ["0 5 * * 0", "Asia/Tokyo", "Forbid", false]);
            assert.equal(drill.spec.jobTemplate.spec.activeDeadlineSeconds, 14_400);
            const drillPod = drill.spec.jobTemplate.spec.template.spec;
            assert.deepEqual(drillPod.containers[0].command, ["bash", "/scripts/restore-drill.sh"]);
            assert.ok(!drillPod.containers[0].env.some((x: any) => x.name === "MONGODB_URI"), "the drill never sees the source URI");
            assert.equal(drill.spec.jobTemplate.spec.template.metadata.labels["azure.workload.identity/use"], "true");

            const [restore] = manifests(r, "CronJob", "mongodb-restore");
            assert.equal(restore.spec.suspend, true);
            const env = Object.fromEntries(restore.spec.jobTemplate.spec.template.spec.containers[0].env.map((x: any) => [x.name, x.value ?? x.valueFrom]));
            assert.deepEqual(env.RESTORE_TARGET_URI, { secretKeyRef: { name: "mongodb-restore-target", key: "uri" } });
            assert.deepEqual(env.RESTORE_BACKUP, { configMapKeyRef: { name: "mongodb-restore-request", key: "backup", optional: true } });
        });

        it("Namespace enforces the restricted Pod Security Standard; Secret and ConfigMap as expected", async () => {
            const r = await render(stack);
            const [ns] = manifests(r, "Namespace", "itops-backup");
            assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            const [secret] = manifests(r, "Secret", "backup-credentials");
            assert.equal(secret.metadata.namespace, "itops-backup");
            assert.deepEqual(secret.stringData, { uri: "[secret]" });
            // No secret literal in any manifest: the URI (a placeholder secret here) is nowhere.
            const k8sText = JSON.stringify(r.resources.filter((x) => x.type.startsWith("kubernetes:")).map((x) => x.inputs));
            assert.ok(!k8sText.includes("placeholder-for-"), "no secret placeholder leaked");
            assert.ok(!/mongodb(\+srv)?:\/\/[^"]*@/.test(k8sText), "no URI with credentials");
            // Staging's source is its managed MongoDatabase (no URI key); production's the placeholder of backup.mongodb.uri.
            assert.equal(r.placeholders.includes("it-ops-infra:backup.mongodb.uri"), r.config.database.mode === "external");
            const [cm] = manifests(r, "ConfigMap", "mongodb-backup-scripts");
            assert.deepEqual(cm.data, loadBackupScripts());
            // The component gets the cluster's provider; its objects inherit it (none overrides it).
            const provider = one(r, "pulumi:providers:kubernetes").urn;
            assert.ok(one(r, "itops:kubernetes:MongoBackup").options.provider?.startsWith(provider));
            const objects = r.resources.filter((x) => x.type.startsWith("kubernetes:") && x.name.startsWith("itops-backup"));
            // 8 objects (the restore reader's ServiceAccount included) plus the namespace's 4 NetworkPolicies (issue 15).
            assert.equal(objects.length, 12);
            for (const x of objects) assert.equal(x.options.provider, undefined, x.name);
        });

        it("its alert group joins the catalogue's PrometheusRule", async () => {
            const r = await render(stack);
            const rules = r.resources.filter((x) => x.inputs.kind === "PrometheusRule");
            assert.equal(rules.length, 1);
            const groups = (rules[0].inputs.spec as any).groups.filter((g: any) => g.name === "mongodb-backup");
            assert.equal(groups.length, 1);
            assert.deepEqual(groups[0].rules.map((x: any) => x.alert), ["BackupJobFailed", "BackupTooOld", "RestoreDrillFailed"]);
        });
    });
}

const SOURCE_SECRET = "Sup3rS3cretPassw0rd";
const baseArgs: MongoBackupArgs = {
    namespace: "itops-backup",
    serviceAccountName: "mongodb-backup",
    identityClientId: "client-id",
    restoreServiceAccountName: "mongodb-restore",
    restoreIdentityClientId: "reader-client-id",
    containerUrl: "https://acct.blob.core.windows.net/mongodb-backups",
    stackName: "test",
    mongoUri: pulumi.secret(`mongodb://backup:${SOURCE_SECRET}@mongo:27017/`),
    network: { databaseCidrs: ["10.20.8.0/24"], databasePort: 27017, httpsCidrs: ["0.0.0.0/0"] },
    mongoImage: "mongo:7.0.14",
    azcopyImage: "mcr.microsoft.com/azure-storage/azcopy:10.27.1",
    // Every setting explicit: the component has no defaults of its own (backup-config.test.ts asserts the schema's).
    replicaSet: false,
    schedule: "0 2 * * *",
    timeZone: "Asia/Tokyo",
    drillEnabled: true,
    drillSchedule: "0 5 * * 0",
    startingDeadlineSeconds: 3600,
    backoffLimit: 2,
    activeDeadlineSeconds: 10_800,
    drillActiveDeadlineSeconds: 14_400,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 5,
    resources: { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "1", memoryLimit: "2Gi" },
    workVolumeSize: "20Gi",
};

describe("MongoBackup component", () => {
    it("puts the URI only into the Secret: no secret literal in any manifest", async () => {
        const r = await record(() => new MongoBackup("b", { ...baseArgs, replicaSet: true }));
        const text = JSON.stringify(r.resources);
        assert.ok(!text.includes(SOURCE_SECRET), "the password appears nowhere");
        assert.ok(!text.includes("mongodb://backup"), "the URI appears nowhere");
        assert.deepEqual(manifests(r, "Secret", "backup-credentials")[0].stringData, { uri: "[secret]" });
        const [cj] = manifests(r, "CronJob", "mongodb-backup");
        const env = cj.spec.jobTemplate.spec.template.spec.containers[0].env;
        assert.equal(env.find((x: any) => x.name === "BACKUP_OPLOG").value, "true");
        assert.ok(env.every((x: any) => x.name !== "MONGODB_URI" || (x.valueFrom && x.value === undefined)));
        // Counts: Namespace, its NetworkPolicies (issue 15), two ServiceAccounts (writer, reader), Secret, ConfigMap and three CronJobs.
        assert.deepEqual(
            r.resources.filter((x) => x.custom).map((x) => `${x.inputs.kind}/${(x.inputs.metadata as any).name}`),
            [
                "Namespace/itops-backup",
                "NetworkPolicy/default-deny",
                "NetworkPolicy/allow-dns-egress",
                "NetworkPolicy/backup-allow-database-egress",
                "NetworkPolicy/backup-allow-azure-https-egress",
                "ServiceAccount/mongodb-backup",
                "ServiceAccount/mongodb-restore",
                "Secret/backup-credentials",
                "ConfigMap/mongodb-backup-scripts",
                "CronJob/mongodb-backup",
                "CronJob/mongodb-restore-drill",
                "CronJob/mongodb-restore",
            ],
        );
    });

    it("a disabled drill is suspended, not removed", async () => {
        const r = await record(() => new MongoBackup("b", { ...baseArgs, drillEnabled: false }));
        assert.equal(manifests(r, "CronJob", "mongodb-restore-drill")[0].spec.suspend, true);
    });

    const bad: [string, Partial<MongoBackupArgs>, RegExp][] = [
        ["namespace", { namespace: "Bad_NS" }, /args\.namespace must be a DNS-1123 label/],
        ["serviceAccountName", { serviceAccountName: "Bad SA" }, /args\.serviceAccountName/],
        ["restoreServiceAccountName", { restoreServiceAccountName: "Bad SA" }, /args\.restoreServiceAccountName must be a DNS-1123 subdomain/],
        ["restoreServiceAccountName (the writer's)", { restoreServiceAccountName: "mongodb-backup" }, /args\.restoreServiceAccountName must be a ServiceAccount other than serviceAccountName/],
        ["stackName", { stackName: "a/b" }, /args\.stackName/],
        ["mongoImage", { mongoImage: "mongo:latest" }, /args\.mongoImage must be a pinned image reference/],
        ["azcopyImage", { azcopyImage: "azcopy" }, /args\.azcopyImage must be a pinned image reference .*: no tag/],
        ["schedule", { schedule: "0 24 * * *" }, /args\.schedule must be a CronJob schedule/],
        ["drillSchedule", { drillSchedule: "weekly" }, /args\.drillSchedule/],
        ["timeZone", { timeZone: "Mars/Olympus" }, /args\.timeZone/],
        ["cpuRequest", { resources: { ...baseArgs.resources, cpuRequest: "lots" } }, /args\.resources\.cpuRequest must be a Kubernetes quantity/],
        ["memoryLimit", { resources: { ...baseArgs.resources, memoryLimit: "2 GB" } }, /args\.resources\.memoryLimit must be a Kubernetes quantity/],
        ["no database CIDR", { network: { ...baseArgs.network, databaseCidrs: [] } }, /args\.network\.databaseCidrs must be a non-empty list/],
        ["no HTTPS CIDR", { network: { ...baseArgs.network, httpsCidrs: [] } }, /args\.network\.httpsCidrs must be a non-empty list/],
        ["workVolumeSize", { workVolumeSize: "20 G" }, /args\.workVolumeSize must be a Kubernetes quantity/],
    ];
    for (const [field, over, message] of bad) {
        it(`rejects a bad ${field} before creating any child`, async () => {
            const r = await record(() => assert.throws(() => new MongoBackup("b", { ...baseArgs, ...over }), message));
            assert.equal(r.resources.filter((x) => x.custom).length, 0);
        });
    }
});

// backup.storage as the config parses it with its defaults (tests/backup-config.test.ts asserts those defaults).
const storageArgs: BackupStorageArgs = {
    resourceGroupName: "rg",
    location: "japaneast",
    accountNamePrefix: "itopsbkp",
    retentionDays: 30,
    coolAfterDays: 7,
    sku: "Standard_ZRS",
    containerName: "mongodb-backups",
    softDeleteDays: 14,
    immutabilityLocked: false,
    requireInfrastructureEncryption: true,
    publicNetworkAccess: false,
};

describe("BackupStorage component", () => {
    it("the config defaults reach the account: ZRS, 14 days soft delete, unlocked WORM, container mongodb-backups", async () => {
        const r = await record(() => new BackupStorage("s", storageArgs));
        const account = one(r, "azure-native:storage:StorageAccount");
        assert.deepEqual(account.inputs.sku, { name: "Standard_ZRS" });
        assert.equal((account.inputs.immutableStorageWithVersioning as any).immutabilityPolicy.state, "Unlocked");
        assert.match(account.inputs.accountName as string, /^itopsbkp[a-z0-9]{8}$/);
        assert.equal((one(r, "azure-native:storage:BlobServiceProperties").inputs.deleteRetentionPolicy as any).days, 14);
        assert.equal(one(r, "azure-native:storage:BlobContainer").inputs.containerName, "mongodb-backups");
        assert.deepEqual(one(r, "random:index/randomString:RandomString").inputs, { length: 8, lower: true, upper: false, numeric: true, special: false });
        assert.equal(account.inputs.publicNetworkAccess, "Disabled");
        assert.equal((account.inputs.encryption as any).requireInfrastructureEncryption, true);
    });

    it("publicNetworkAccess true keeps deny-by-default network rules; infrastructure encryption can be left off for an existing account", async () => {
        const r = await record(() => new BackupStorage("s", { ...storageArgs, publicNetworkAccess: true, requireInfrastructureEncryption: false }));
        const account = one(r, "azure-native:storage:StorageAccount");
        assert.equal(account.inputs.publicNetworkAccess, "Enabled");
        assert.deepEqual(account.inputs.networkRuleSet, { defaultAction: "Deny", bypass: "None", ipRules: [], virtualNetworkRules: [] });
        assert.deepEqual(account.inputs.encryption, { keySource: "Microsoft.Storage", requireInfrastructureEncryption: false, services: { blob: { enabled: true, keyType: "Account" } } });
        assert.deepEqual(account.options.replaceOnChanges, ["encryption.requireInfrastructureEncryption"]);
    });

    const bad: [string, Partial<BackupStorageArgs>, RegExp][] = [
        ["accountNamePrefix", { accountNamePrefix: "It-Ops" }, /args\.accountNamePrefix must be 3-16 lower-case letters or digits/],
        ["containerName", { containerName: "Backups" }, /args\.containerName must be a blob container name/],
        ["sku", { sku: "Premium_LRS" as any }, /args\.sku must be one of/],
        ["retentionDays", { retentionDays: 1 }, /args\.retentionDays must be an integer >= 2, got 1/],
        ["coolAfterDays", { coolAfterDays: 30 }, /args\.coolAfterDays must be an integer from 1 to 29, got 30/],
        ["softDeleteDays", { softDeleteDays: 0 }, /args\.softDeleteDays/],
    ];
    for (const [field, over, message] of bad) {
        it(`rejects a bad ${field}`, async () => {
            const r = await record(() => assert.throws(() => new BackupStorage("s", { ...storageArgs, ...over }), message));
            assert.equal(r.resources.filter((x) => x.custom).length, 0);
        });
    }
});

const identityArgs: WorkloadIdentityArgs = {
    resourceGroupName: "rg",
    location: "japaneast",
    identityName: "id-test",
    oidcIssuerUrl: "https://issuer.example/",
    namespace: "ns",
    serviceAccountName: "sa",
    roleId: STORAGE_BLOB_DATA_CONTRIBUTOR_ROLE_ID,
    scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/containers/c",
};

describe("WorkloadIdentity component", () => {
    it("federates exactly one ServiceAccount and grants one role on one scope", async () => {
        const r = await record(() => new WorkloadIdentity("w", identityArgs));
        const fic = one(r, "azure-native:managedidentity:FederatedIdentityCredential");
        assert.deepEqual(
            { subject: fic.inputs.subject, issuer: fic.inputs.issuer, audiences: fic.inputs.audiences, name: fic.inputs.federatedIdentityCredentialResourceName },
            { subject: "system:serviceaccount:ns:sa", issuer: "https://issuer.example/", audiences: ["api://AzureADTokenExchange"], name: "ns-sa" },
        );
        const role = one(r, "azure-native:authorization:RoleAssignment");
        assert.equal(role.inputs.scope, identityArgs.scope);
        // The identity's principal (mock: derived from the identity's name).
        assert.equal(role.inputs.principalId, mockUuid("identity-principal/id-test"));
    });

    const bad: [string, Partial<WorkloadIdentityArgs>, RegExp][] = [
        ["identityName", { identityName: "x" }, /args\.identityName/],
        ["namespace", { namespace: "NS" }, /args\.namespace/],
        ["serviceAccountName", { serviceAccountName: "s a" }, /args\.serviceAccountName/],
        ["roleId", { roleId: "Storage Blob Data Contributor" }, /args\.roleId must be a role definition GUID/],
    ];
    for (const [field, over, message] of bad) {
        it(`rejects a bad ${field}`, async () => {
            const r = await record(() => assert.throws(() => new WorkloadIdentity("w", { ...identityArgs, ...over }), message));
            assert.equal(r.resources.filter((x) => x.custom).length, 0);
        });
    }
});
