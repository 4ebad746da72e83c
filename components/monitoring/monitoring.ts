import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { createNetworkPolicies, podSecurityLabels, PodSecurityLevel, PodSecurityMode } from "../app/app-namespace";
import {
    ComponentResources,
    GRAFANA_ADMIN_PASSWORD_KEY,
    GRAFANA_ADMIN_USER_KEY,
    HiddenComponents,
    kubePrometheusStackValues,
    ResourceSpec,
} from "./kube-prometheus-stack-values";
import { monitoringNetworkPolicySpecs, MonitoringTraffic } from "../platform/namespace-policies";
import { ArgsValidator, DNS1123_LABEL, DNS1123_LABEL_TEXT } from "../shared/validation";
import { AlertmanagerConfig, alertmanagerConfig, ONCALL_ROLES, OnCallRole, OnCallSpec, receiverSecretKey } from "./alertmanager-config";
import { KUBE_PROMETHEUS_STACK_RELEASE } from "./prometheus-endpoint";

/** Chart repository of kube-prometheus-stack and prometheus-operator-crds. */
export const PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts";
/** Where kube-prometheus-stack's `grafana` dependency comes from (the maintained community repository). */
export const GRAFANA_COMMUNITY_REPO = "https://grafana-community.github.io/helm-charts";
/** Pinned chart versions (the CRD chart matches the Prometheus Operator version of the stack chart). */
export const KUBE_PROMETHEUS_STACK_VERSION = "93.9.0";
export const PROMETHEUS_OPERATOR_CRDS_VERSION = "33.0.2";
export { KUBE_PROMETHEUS_STACK_RELEASE } from "./prometheus-endpoint";

const VERSION = /^\d+\.\d+\.\d+$/;

/**
 * Pod Security of the monitoring namespace. node-exporter (a DaemonSet of the chart) needs the
 * host's network, PID namespace and file system, which only `privileged` admits; it stays in this
 * namespace (one release, its ServiceMonitor and rules alongside), so `enforce` is privileged
 * while `audit` and `warn` stay restricted: every pod that is less than restricted shows up in
 * the audit log and as a warning on each deploy.
 */
export const MONITORING_POD_SECURITY: Readonly<Record<PodSecurityMode, PodSecurityLevel>> = { enforce: "privileged", audit: "restricted", warn: "restricted" };
/** The labels of the project's own objects in the monitoring namespace (both modes). */
export const MONITORING_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/part-of": "it-ops-monitoring", "app.kubernetes.io/managed-by": "pulumi" };
/** The ConfigMap with the TZif file of the Alertmanager time zone (the image has no tzdata). */
export const ALERTMANAGER_ZONEINFO_CONFIGMAP = "alertmanager-zoneinfo";
/** The ConfigMap key of a zone's TZif file (`Asia/Tokyo` → `Asia_Tokyo`). */
export function zoneinfoKey(zone: string): string {
    return zone.replace(/\//g, "_");
}
/** Name of the Secret with the Alertmanager receivers' secrets (mounted into Alertmanager; both modes). */
export const ALERTMANAGER_RECEIVER_SECRET = "alertmanager-receivers";

/** The typed on-call settings and the receivers' secrets: the parsed `monitoring.oncall`. */
export interface OnCallArgs extends OnCallSpec {
    /** Each role's receiver secret (a Pulumi secret): required for every receiver that has one (`hasSecret`). */
    readonly secrets: Readonly<Partial<Record<OnCallRole, pulumi.Input<string>>>>;
}

/** The receiver Secret's data: {@link receiverSecretKey} of each role that has a secret → the secret. Pure. */
export function receiverSecretData(secrets: OnCallArgs["secrets"]): Record<string, pulumi.Input<string>> {
    const data: Record<string, pulumi.Input<string>> = {};
    for (const role of ONCALL_ROLES) {
        const secret = secrets[role];
        if (secret !== undefined) data[receiverSecretKey(role)] = secret;
    }
    return data;
}

/**
 * The TZif data of a time zone from the deploying machine's zone database, for Alertmanager's
 * `location` (its image ships none). Asia/Tokyo has had no DST since 1951, so the data is stable.
 */
export function zoneinfoBase64(zone: string, dir = process.env.ZONEINFO_DIR ?? "/usr/share/zoneinfo"): string {
    const file = `${dir}/${zone}`;
    if (!fs.existsSync(file)) {
        throw new pulumi.RunError(`time zone data for ${zone} not found at ${file}: install tzdata (apt-get install tzdata) or set ZONEINFO_DIR`);
    }
    return fs.readFileSync(file).toString("base64");
}

/** What Alertmanager is given besides its pods, in both monitoring modes. */
export interface AlertmanagerFilesArgs {
    /** The on-call routing and its receivers' secrets; the Alertmanager configuration is built from it. */
    readonly oncall: OnCallArgs;
    /**
     * TZif data (base64) of `oncall.timezone`, mounted into the Alertmanager pods (the image has no
     * tzdata; without it `location` fails to load).
     * @default the deploying machine's zone database ({@link zoneinfoBase64})
     */
    readonly tzifBase64?: string;
}

/** What both modes derive from {@link AlertmanagerFilesArgs}. */
export interface AlertmanagerFiles {
    /** The receiver Secret ({@link ALERTMANAGER_RECEIVER_SECRET}; the configuration's `*_file` paths point into it). */
    readonly secretName: string;
    readonly secretData: Record<string, pulumi.Input<string>>;
    /** The whole Alertmanager configuration (no secrets in it: receivers use `*_file` fields). */
    readonly config: AlertmanagerConfig;
    readonly zone: string;
    readonly tzifBase64: string;
}

/** Validates {@link AlertmanagerFilesArgs} (before any child is created). */
export function validateAlertmanagerFiles(v: ArgsValidator, args: AlertmanagerFilesArgs): void {
    const o = args.oncall;
    v.matches("oncall.timezone", o.timezone, /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, "an IANA time zone such as Asia/Tokyo");
    for (const role of ONCALL_ROLES) {
        const r = o.receivers[role];
        if (!r) throw v.fail(`oncall.receivers.${role}`, "a receiver (every on-call role has one)", r);
        if (r.hasSecret && o.secrets[role] === undefined) throw v.fail(`oncall.secrets.${role}`, `set: the ${r.kind} receiver reads its secret from the receiver Secret`, o.secrets[role]);
    }
    if (args.tzifBase64 !== undefined) v.matches("tzifBase64", args.tzifBase64, /^VFppZ/, "base64 of a TZif file");
}

/** The receiver Secret, configuration and zone data of `args` (reads the zone database unless given). */
export function alertmanagerFiles(args: AlertmanagerFilesArgs): AlertmanagerFiles {
    const o = args.oncall;
    return {
        secretName: ALERTMANAGER_RECEIVER_SECRET,
        secretData: receiverSecretData(o.secrets),
        config: alertmanagerConfig(o, { secretName: ALERTMANAGER_RECEIVER_SECRET }),
        zone: o.timezone,
        tzifBase64: args.tzifBase64 ?? zoneinfoBase64(o.timezone),
    };
}

/**
 * The receiver Secret (`${name}-receivers`) and the zoneinfo ConfigMap (`${name}-zoneinfo`) of
 * Alertmanager, as children of `parent`; the same objects in both modes.
 */
export function createAlertmanagerFiles(
    parent: pulumi.Resource,
    name: string,
    namespace: string,
    files: AlertmanagerFiles,
    opts: { readonly labels?: Record<string, string>; readonly dependsOn?: pulumi.Resource[] } = {},
): { receiverSecret: k8s.core.v1.Secret; zoneinfo: { zone: string; configMapName: string; key: string; configMap: k8s.core.v1.ConfigMap } } {
    const metadata = (n: string) => ({ name: n, namespace, ...(opts.labels ? { labels: opts.labels } : {}) });
    const childOpts = { parent, ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}) };
    const receiverSecret = new k8s.core.v1.Secret(
        `${name}-receivers`,
        { metadata: metadata(files.secretName), type: "Opaque", stringData: Object.fromEntries(Object.entries(files.secretData).map(([k, x]) => [k, pulumi.secret(x)])) },
        childOpts,
    );
    const key = zoneinfoKey(files.zone);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-zoneinfo`, { metadata: metadata(ALERTMANAGER_ZONEINFO_CONFIGMAP), binaryData: { [key]: files.tzifBase64 } }, childOpts);
    return { receiverSecret, zoneinfo: { zone: files.zone, configMapName: ALERTMANAGER_ZONEINFO_CONFIGMAP, key, configMap } };
}

export interface MonitoringArgs extends AlertmanagerFilesArgs {
    /** Namespace created for the monitoring stack (`monitoring.namespace`; the config schema owns its default). */
    readonly namespace: string;
    /** Storage class of every volume (`monitoring.storageClass`). */
    readonly storageClass: string;
    /** `remoteWriteReceiver` (@default false) lets Prometheus accept pushed metrics (the load test's). */
    readonly prometheus: { readonly replicas: number; readonly retention: string; readonly retentionSize: string; readonly storageSize: string; readonly resources: ResourceSpec; readonly remoteWriteReceiver?: boolean };
    readonly alertmanager: { readonly replicas: number; readonly retention: string; readonly storageSize: string; readonly resources: ResourceSpec };
    readonly grafana: { readonly storageSize: string; readonly resources: ResourceSpec };
    /** Entra ID login for Grafana. @default none (local admin only) */
    readonly grafanaAzureAd?: {
        readonly tenantId: string;
        readonly clientId: string;
        readonly clientSecret: pulumi.Input<string>;
        readonly allowedGroups: readonly string[];
        readonly rootUrl: string;
    };
    /** Label key of dashboard ConfigMaps. @default "grafana_dashboard" */
    readonly dashboardLabel?: string;
    /** @default KUBE_PROMETHEUS_STACK_VERSION */
    readonly chartVersion?: string;
    /** @default PROMETHEUS_OPERATOR_CRDS_VERSION */
    readonly crdsChartVersion?: string;
    /** Protect the release (it owns the Prometheus, Alertmanager and Grafana volumes) and the CRDs. @default false */
    readonly protect?: boolean;
    /** The stack's registry: every chart image is pulled from `<it>/mirror`. */
    readonly registryLoginServer: pulumi.Input<string>;
    /** @default DEFAULT_COMPONENT_RESOURCES */
    readonly componentResources?: ComponentResources;
    /** Scrape what AKS hides. @default { controlPlane: false, kubeProxy: false } */
    readonly hiddenComponents?: HiddenComponents;
    /** The namespace's allowed flows (on top of default deny). */
    readonly network: MonitoringTraffic;
}

/**
 * The monitoring stack: namespace, Prometheus Operator CRDs (their own chart, tracked by Pulumi),
 * Grafana admin and receiver Secrets, and kube-prometheus-stack (Prometheus, Alertmanager,
 * Grafana, kube-state-metrics, node-exporter) as a Helm release without CRDs.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    /** The CRD chart: every custom resource of the operator must depend on it. */
    public readonly crds: k8s.helm.v4.Chart;
    public readonly release: k8s.helm.v3.Release;
    public readonly releaseName: pulumi.Output<string>;
    /** Secret with the Grafana admin user and password. */
    public readonly grafanaAdminSecretName: pulumi.Output<string>;
    /** The Alertmanager configuration built from the on-call spec (what kube-prometheus-stack is given). */
    public readonly alertmanagerConfig: AlertmanagerConfig;
    /** Secret with the receivers' secrets (mounted into Alertmanager). */
    public readonly receiverSecretName: string;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("itops:monitoring:Monitoring", name, {}, opts);
        const v = new ArgsValidator(`Monitoring ${name}`);
        // Invariants for any caller (DNS names, pinned chart versions, non-empty allow lists); the
        // sizes' defaults and ranges (replicas, ports, ...) are the config schema's.
        const ns = v.matches("namespace", args.namespace, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        const storageClass = v.dnsSubdomain("storageClass", args.storageClass);
        const chartVersion = v.matches("chartVersion", args.chartVersion ?? KUBE_PROMETHEUS_STACK_VERSION, VERSION, "a pinned chart version such as 93.9.0");
        const crdsVersion = v.matches("crdsChartVersion", args.crdsChartVersion ?? PROMETHEUS_OPERATOR_CRDS_VERSION, VERSION, "a pinned chart version such as 33.0.2");
        validateAlertmanagerFiles(v, args);
        const protect = args.protect ?? false;

        v.nonEmpty("network.grafanaIngressNamespaces", args.network.grafanaIngressNamespaces);
        for (const n of args.network.grafanaIngressNamespaces) v.matches("network.grafanaIngressNamespaces", n, DNS1123_LABEL, DNS1123_LABEL_TEXT);
        v.nonEmpty("network.apiServerPorts", args.network.apiServerPorts);
        v.nonEmpty("network.receiverPorts", args.network.receiverPorts);
        if (args.network.remoteWrite && !args.prometheus.remoteWriteReceiver) {
            throw v.fail("network.remoteWrite", "unset unless prometheus.remoteWriteReceiver is on (nothing listens for the remote write otherwise)", args.network.remoteWrite.namespace);
        }
        const files = alertmanagerFiles(args);

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "it-ops-monitoring", ...podSecurityLabels(MONITORING_POD_SECURITY) } } },
            { parent: this },
        );
        createNetworkPolicies(this, name, ns, monitoringNetworkPolicySpecs(args.network), { "app.kubernetes.io/part-of": "it-ops-monitoring" }, { dependsOn: [namespace] });

        this.crds = new k8s.helm.v4.Chart(
            `${name}-crds`,
            {
                name: "prometheus-operator-crds",
                chart: "prometheus-operator-crds",
                version: crdsVersion,
                repositoryOpts: { repo: PROMETHEUS_COMMUNITY_REPO },
                namespace: ns,
            },
            { parent: this, dependsOn: [namespace], protect },
        );

        const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
        const adminSecretName = "grafana-admin";
        const adminSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: adminSecretName, namespace: ns },
                type: "Opaque",
                stringData: { [GRAFANA_ADMIN_USER_KEY]: "admin", [GRAFANA_ADMIN_PASSWORD_KEY]: pulumi.secret(password.result) },
            },
            { parent: this, dependsOn: [namespace] },
        );

        const created = createAlertmanagerFiles(this, name, ns, files, { dependsOn: [namespace] });
        const { configMap, ...zoneinfo } = created.zoneinfo;
        const deps: pulumi.Resource[] = [this.crds, adminSecret, created.receiverSecret, configMap];
        let azureAd: { tenantId: string; clientId: string; clientSecretSecretName: string; allowedGroups: readonly string[]; rootUrl: string } | undefined;
        if (args.grafanaAzureAd) {
            const a = args.grafanaAzureAd;
            const secretName = "grafana-azuread";
            deps.push(
                new k8s.core.v1.Secret(
                    `${name}-grafana-azuread`,
                    {
                        metadata: { name: secretName, namespace: ns },
                        type: "Opaque",
                        stringData: { GF_AUTH_AZUREAD_CLIENT_SECRET: pulumi.secret(a.clientSecret) },
                    },
                    { parent: this, dependsOn: [namespace] },
                ),
            );
            azureAd = { tenantId: a.tenantId, clientId: a.clientId, clientSecretSecretName: secretName, allowedGroups: a.allowedGroups, rootUrl: a.rootUrl };
        }

        const values = kubePrometheusStackValues({
            storageClass,
            registryLoginServer: args.registryLoginServer,
            componentResources: args.componentResources,
            hiddenComponents: args.hiddenComponents,
            prometheus: args.prometheus,
            alertmanager: { ...args.alertmanager, secrets: [files.secretName], config: files.config, zoneinfo },
            grafana: { ...args.grafana, adminSecretName, dashboardLabel: args.dashboardLabel ?? "grafana_dashboard", azureAd, namespace: ns },
        });

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: KUBE_PROMETHEUS_STACK_RELEASE,
                chart: "kube-prometheus-stack", // the chart's name (its release is KUBE_PROMETHEUS_STACK_RELEASE)
                version: chartVersion,
                repositoryOpts: { repo: PROMETHEUS_COMMUNITY_REPO },
                namespace: ns,
                skipCrds: true,
                createNamespace: false,
                atomic: false,
                timeout: 900,
                maxHistory: 10,
                // `null` removes a chart default (grafana.adminPassword) instead of being dropped.
                allowNullValues: true,
                values,
            },
            { parent: this, dependsOn: deps, protect },
        );

        this.namespace = namespace.metadata.name;
        this.releaseName = this.release.name;
        this.grafanaAdminSecretName = adminSecret.metadata.name;
        this.alertmanagerConfig = files.config;
        this.receiverSecretName = files.secretName;
        this.registerOutputs({ namespace: this.namespace, releaseName: this.releaseName, grafanaAdminSecretName: this.grafanaAdminSecretName, receiverSecretName: this.receiverSecretName });
    }
}
