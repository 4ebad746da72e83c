import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { ArgsValidator } from "../shared/validation";

/**
 * Resource log categories per resource kind that the stack sends to Log Analytics.
 *
 * AKS: `kube-audit-admin` (every audited request except get/list — the full `kube-audit` is
 * several times larger and adds little for security review), `guard` (Entra ID / Azure RBAC
 * authorisation decisions), and the control plane's own logs.
 */
export const AKS_LOG_CATEGORIES = [
    "kube-apiserver",
    "kube-audit",
    "kube-audit-admin",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
    "guard",
    "csi-azuredisk-controller",
    "csi-azurefile-controller",
    "csi-snapshot-controller",
] as const;
export type AksLogCategory = (typeof AKS_LOG_CATEGORIES)[number];
/** The default AKS categories: audit (admin), authorisation, control plane, autoscaler. */
export const DEFAULT_AKS_LOG_CATEGORIES: readonly AksLogCategory[] = [
    "kube-audit-admin",
    "guard",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
];
/** ACR: pushes/pulls/deletes per repository, and logins. */
export const REGISTRY_LOG_CATEGORIES = ["ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"] as const;
/** Blob service of a Storage account: every read, write and delete. */
export const BLOB_LOG_CATEGORIES = ["StorageRead", "StorageWrite", "StorageDelete"] as const;
/** Azure DocumentDB for MongoDB (vCore) cluster: its data-plane requests (table VCoreMongoRequests). */
export const MONGO_CLUSTER_LOG_CATEGORIES = ["vCoreMongoRequests"] as const;

/** The one name of every diagnostic setting the stack creates. */
export const DIAGNOSTIC_SETTING_NAME = "itops-to-log-analytics";

export interface DiagnosticSettingsArgs {
    /** ARM id of the resource whose logs are sent (for Storage: `<account id>/blobServices/default`). */
    readonly resourceUri: pulumi.Input<string>;
    /** The stack's Log Analytics workspace. */
    readonly workspaceId: pulumi.Input<string>;
    /** Resource log categories (non-empty, no duplicates). */
    readonly logCategories: readonly string[];
    /** Metric categories, e.g. `AllMetrics` or `Transaction`. @default [] */
    readonly metricCategories?: readonly string[];
}

/**
 * A diagnostic setting sending a resource's logs (and metrics) to the stack's Log Analytics
 * workspace, into resource-specific tables (`logAnalyticsDestinationType: Dedicated`). How long
 * they are kept is the workspace's retention (`cluster.logRetentionDays`): the per-setting
 * `retentionPolicy` of diagnostic settings is retired by Azure and is not set.
 */
export class DiagnosticSettings extends pulumi.ComponentResource {
    public readonly settingId: pulumi.Output<string>;

    constructor(name: string, args: DiagnosticSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:azure:DiagnosticSettings", name, {}, opts);
        const v = new ArgsValidator(`DiagnosticSettings ${name}`);
        v.nonEmpty("logCategories", args.logCategories);
        if (new Set(args.logCategories).size !== args.logCategories.length) throw v.fail("logCategories", "a list without duplicates", args.logCategories);
        const setting = new monitor.DiagnosticSetting(
            name,
            {
                name: DIAGNOSTIC_SETTING_NAME,
                resourceUri: args.resourceUri,
                workspaceId: args.workspaceId,
                logAnalyticsDestinationType: "Dedicated",
                logs: args.logCategories.map((category) => ({ category, enabled: true })),
                metrics: (args.metricCategories ?? []).map((category) => ({ category, enabled: true })),
            },
            { parent: this },
        );
        this.settingId = setting.id;
        this.registerOutputs({ settingId: this.settingId });
    }
}
