/**
 * The Helm values of kube-prometheus-stack, as a pure function of typed settings.
 *
 * - Prometheus: retention time and size, a `managed-csi-premium` volume, resources, and selectors
 *   with `*SelectorNilUsesHelmValues: false` so ServiceMonitors, PodMonitors, Probes,
 *   ScrapeConfigs and PrometheusRules of every namespace are picked up (not only the release's).
 * - Alertmanager: replicas with a volume each, the receiver Secret mounted (`alertmanagerSpec.secrets`)
 *   and the whole on-call configuration (`alertmanager.config`, built by `alertmanagerConfig`).
 * - Grafana (the chart's `grafana` dependency, from https://grafana-community.github.io/helm-charts):
 *   admin credentials from an existing Secret only (`admin.existingSecret`; the chart's default
 *   `adminPassword` is nulled), persistence, the Prometheus datasource, the dashboard sidecar
 *   watching Grafana's own namespace (see below), and optional Entra ID login (`auth.azuread`) whose client secret
 *   comes from a Secret as an environment variable.
 * The CRDs are not installed by this release (`crds.enabled: false`, plus `skipCrds`); they come
 * from the separate prometheus-operator-crds chart.
 *
 * Hardening for AKS (issue 15):
 * - Components AKS does not expose are not monitored: the control plane (controller manager,
 *   scheduler, etcd) is hidden, and the Cilium dataplane runs no kube-proxy. Their ServiceMonitors
 *   and default rules are off (`kubeControllerManager`, `kubeScheduler`, `kubeEtcd`, `kubeProxy`
 *   and `defaultRules.rules.*`), so no default alert fires forever (`KubeControllerManagerDown`,
 *   `KubeSchedulerDown`, `KubeProxyDown`, etcd alerts). See {@link hiddenComponentValues}.
 * - Every image comes from the stack's registry: `global.imageRegistry` (`<registry>/mirror`) is
 *   the registry of every image of the chart and of its subcharts (Grafana, kube-state-metrics,
 *   node-exporter); the repositories and tags stay the chart's. {@link CHART_IMAGES} is the
 *   mirror list (docs/monitoring.md#chart-images).
 * - Resource requests on every container ({@link ComponentResources}), Grafana's init-chown
 *   container off (`initChownData.enabled: false`: the volume's group comes from `fsGroup`).
 * - Grafana: namespaced RBAC (`rbac.namespaced`: a Role in its namespace, no ClusterRole), the
 *   dashboard and datasource sidecars on ConfigMaps only (`resource: configmap`, never Secrets)
 *   and searching only Grafana's own namespace, where every dashboard ConfigMap lives.
 */

import * as pulumi from "@pulumi/pulumi";

/** Kubernetes resource requests and limits. */
export interface ResourceSpec {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu?: string; readonly memory: string };
}

export interface AzureAdLogin {
    readonly tenantId: string;
    readonly clientId: string;
    /** Secret holding the client secret as `GF_AUTH_AZUREAD_CLIENT_SECRET`. */
    readonly clientSecretSecretName: string;
    /** Entra group object ids allowed to sign in (empty: everyone in the tenant). */
    readonly allowedGroups: readonly string[];
    /** Grafana's public URL (redirect URI base). */
    readonly rootUrl: string;
}

/** Resources of the stack's smaller containers (Prometheus, Alertmanager and Grafana have their own). */
export interface ComponentResources {
    readonly operator: ResourceSpec;
    /** The config-reloader sidecar the operator adds to Prometheus and Alertmanager. */
    readonly configReloader: ResourceSpec;
    /** The admission webhook's certificate jobs (Helm hooks). */
    readonly admissionWebhookJobs: ResourceSpec;
    readonly kubeStateMetrics: ResourceSpec;
    readonly nodeExporter: ResourceSpec;
    /** Grafana's dashboard and datasource sidecars. */
    readonly grafanaSidecar: ResourceSpec;
}

/** Production defaults of {@link ComponentResources} (config `monitoring.componentResources.*`). */
export const DEFAULT_COMPONENT_RESOURCES: ComponentResources = {
    operator: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    configReloader: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    admissionWebhookJobs: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    kubeStateMetrics: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    nodeExporter: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    grafanaSidecar: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
};

/**
 * The images of the chart (kube-prometheus-stack and its subcharts) that run with the project's
 * values: where each is mirrored from, and its repository (kept under `<registry>/mirror/`).
 * The tag is the pinned chart's default (`helm show values` of KUBE_PROMETHEUS_STACK_VERSION);
 * docs/monitoring.md#chart-images lists the `az acr import` commands.
 */
export const CHART_IMAGES = [
    { component: "prometheus-operator", source: "quay.io", repository: "prometheus-operator/prometheus-operator" },
    { component: "prometheus-config-reloader", source: "quay.io", repository: "prometheus-operator/prometheus-config-reloader" },
    { component: "admission webhook jobs", source: "registry.k8s.io", repository: "ingress-nginx/kube-webhook-certgen" },
    { component: "prometheus", source: "quay.io", repository: "prometheus/prometheus" },
    { component: "alertmanager", source: "quay.io", repository: "prometheus/alertmanager" },
    { component: "grafana", source: "docker.io", repository: "grafana/grafana" },
    { component: "grafana sidecar", source: "quay.io", repository: "kiwigrid/k8s-sidecar" },
    { component: "kube-state-metrics", source: "registry.k8s.io", repository: "kube-state-metrics/kube-state-metrics" },
    { component: "node-exporter", source: "quay.io", repository: "prometheus/node-exporter" },
] as const;

/** The path under the stack's registry that holds mirrored public images. */
export const MIRROR_PATH = "mirror";

/** `global.imageRegistry`: the stack's registry plus the mirror path. */
export function chartImageRegistry(registryLoginServer: string): string {
    return `${registryLoginServer}/${MIRROR_PATH}`;
}

/** Which cluster components AKS hides, so that nothing scrapes them or alerts on them. */
export interface HiddenComponents {
    /** Scrape the control plane (controller manager, scheduler, etcd). AKS hides it. @default false */
    readonly controlPlane: boolean;
    /** Scrape kube-proxy. AKS with the Cilium dataplane runs none. @default false */
    readonly kubeProxy: boolean;
}

/** The default rule groups of each hidden component (`defaultRules.rules.<group>`). */
export const HIDDEN_COMPONENT_RULE_GROUPS = {
    controlPlane: ["etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording"],
    kubeProxy: ["kubeProxy"],
} as const;

/** The values that turn the monitors and default rules of hidden components off (or on). */
export function hiddenComponentValues(h: HiddenComponents): Record<string, unknown> {
    const rules: Record<string, boolean> = {};
    for (const g of HIDDEN_COMPONENT_RULE_GROUPS.controlPlane) rules[g] = h.controlPlane;
    for (const g of HIDDEN_COMPONENT_RULE_GROUPS.kubeProxy) rules[g] = h.kubeProxy;
    return {
        defaultRules: { rules },
        kubeControllerManager: { enabled: h.controlPlane },
        kubeScheduler: { enabled: h.controlPlane },
        kubeEtcd: { enabled: h.controlPlane },
        kubeProxy: { enabled: h.kubeProxy },
    };
}

export interface KubePrometheusStackSettings {
    readonly storageClass: string;
    /** The stack's registry (login server); every chart image is pulled from `<it>/mirror`. */
    readonly registryLoginServer: pulumi.Input<string>;
    /** @default DEFAULT_COMPONENT_RESOURCES */
    readonly componentResources?: ComponentResources;
    /** @default nothing hidden is monitored (`{ controlPlane: false, kubeProxy: false }`) */
    readonly hiddenComponents?: HiddenComponents;
    readonly prometheus: {
        readonly replicas: number;
        readonly retention: string;
        readonly retentionSize: string;
        readonly storageSize: string;
        readonly resources: ResourceSpec;
        /** Accept remote-write pushes (the k6 load test's metrics). @default false */
        readonly remoteWriteReceiver?: boolean;
    };
    readonly alertmanager: {
        readonly replicas: number;
        readonly retention: string;
        readonly storageSize: string;
        readonly resources: ResourceSpec;
        /** Secrets mounted at /etc/alertmanager/secrets/<name>/. */
        readonly secrets: readonly string[];
        /** The whole Alertmanager configuration. */
        readonly config: Record<string, unknown>;
        /**
         * Zone data for the time intervals' `location`: the Alertmanager image has no tzdata, so the
         * zone's TZif file is mounted from a ConfigMap at /usr/share/zoneinfo/<zone>.
         */
        readonly zoneinfo?: { readonly zone: string; readonly configMapName: string; readonly key: string };
    };
    readonly grafana: {
        readonly storageSize: string;
        readonly resources: ResourceSpec;
        /** Secret with keys `admin-user` and `admin-password`. */
        readonly adminSecretName: string;
        /** Label (key) the dashboard sidecar looks for on ConfigMaps. */
        readonly dashboardLabel: string;
        /** Grafana's namespace: the only one its sidecars search (every dashboard ConfigMap is there). */
        readonly namespace: string;
        readonly azureAd?: AzureAdLogin;
    };
}

/** Keys of the Grafana admin Secret. */
export const GRAFANA_ADMIN_USER_KEY = "admin-user";
export const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";
/** The label value the dashboard sidecar expects. */
export const GRAFANA_DASHBOARD_LABEL_VALUE = "1";

function volume(storageClass: string, size: string) {
    return {
        volumeClaimTemplate: {
            spec: { storageClassName: storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } },
        },
    };
}

function resources(r: ResourceSpec) {
    return { requests: { ...r.requests }, limits: { ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}), memory: r.limits.memory } };
}

function grafanaIni(s: KubePrometheusStackSettings["grafana"]): Record<string, unknown> {
    const a = s.azureAd;
    if (!a) return { analytics: { check_for_updates: false, reporting_enabled: false } };
    return {
        analytics: { check_for_updates: false, reporting_enabled: false },
        server: { root_url: a.rootUrl },
        "auth.azuread": {
            enabled: true,
            name: "Microsoft Entra ID",
            allow_sign_up: true,
            auto_login: false,
            client_id: a.clientId,
            scopes: "openid email profile",
            auth_url: `https://login.microsoftonline.com/${a.tenantId}/oauth2/v2.0/authorize`,
            token_url: `https://login.microsoftonline.com/${a.tenantId}/oauth2/v2.0/token`,
            allowed_organizations: a.tenantId,
            ...(a.allowedGroups.length ? { allowed_groups: a.allowedGroups.join(" ") } : {}),
            use_pkce: true,
        },
    };
}

/** The values of the kube-prometheus-stack release. */
export function kubePrometheusStackValues(s: KubePrometheusStackSettings): Record<string, unknown> {
    const g = s.grafana;
    const cr = s.componentResources ?? DEFAULT_COMPONENT_RESOURCES;
    const hidden = hiddenComponentValues(s.hiddenComponents ?? { controlPlane: false, kubeProxy: false });
    return {
        crds: { enabled: false },
        global: {
            imageRegistry: typeof s.registryLoginServer === "string" ? chartImageRegistry(s.registryLoginServer) : pulumi.output(s.registryLoginServer).apply(chartImageRegistry),
        },
        ...hidden,
        prometheusOperator: {
            resources: resources(cr.operator),
            prometheusConfigReloader: { resources: resources(cr.configReloader) },
            admissionWebhooks: { patch: { resources: resources(cr.admissionWebhookJobs) } },
        },
        "kube-state-metrics": { resources: resources(cr.kubeStateMetrics) },
        "prometheus-node-exporter": { resources: resources(cr.nodeExporter) },
        prometheus: {
            prometheusSpec: {
                replicas: s.prometheus.replicas,
                retention: s.prometheus.retention,
                retentionSize: s.prometheus.retentionSize,
                resources: resources(s.prometheus.resources),
                storageSpec: volume(s.storageClass, s.prometheus.storageSize),
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                serviceMonitorNamespaceSelector: {},
                podMonitorNamespaceSelector: {},
                ruleNamespaceSelector: {},
                ...(s.prometheus.remoteWriteReceiver ? { enableRemoteWriteReceiver: true } : {}),
            },
        },
        alertmanager: {
            config: s.alertmanager.config,
            alertmanagerSpec: {
                replicas: s.alertmanager.replicas,
                retention: s.alertmanager.retention,
                resources: resources(s.alertmanager.resources),
                storage: volume(s.storageClass, s.alertmanager.storageSize),
                secrets: [...s.alertmanager.secrets],
                ...(s.alertmanager.zoneinfo
                    ? {
                          volumes: [{ name: "zoneinfo", configMap: { name: s.alertmanager.zoneinfo.configMapName } }],
                          volumeMounts: [
                              { name: "zoneinfo", mountPath: `/usr/share/zoneinfo/${s.alertmanager.zoneinfo.zone}`, subPath: s.alertmanager.zoneinfo.key, readOnly: true },
                          ],
                      }
                    : {}),
            },
        },
        grafana: {
            enabled: true,
            adminPassword: null,
            admin: { existingSecret: g.adminSecretName, userKey: GRAFANA_ADMIN_USER_KEY, passwordKey: GRAFANA_ADMIN_PASSWORD_KEY },
            persistence: { enabled: true, type: "pvc", storageClassName: s.storageClass, accessModes: ["ReadWriteOnce"], size: g.storageSize },
            resources: resources(g.resources),
            // The volume's group comes from the pod's fsGroup: no root init container.
            initChownData: { enabled: false },
            // A Role and RoleBinding in Grafana's namespace instead of a ClusterRole.
            rbac: { namespaced: true },
            "grafana.ini": grafanaIni(g),
            ...(g.azureAd ? { envFromSecret: g.azureAd.clientSecretSecretName } : {}),
            sidecar: {
                resources: resources(cr.grafanaSidecar),
                datasources: { enabled: true, defaultDatasourceEnabled: true, resource: "configmap", searchNamespace: g.namespace },
                dashboards: {
                    enabled: true,
                    label: g.dashboardLabel,
                    labelValue: GRAFANA_DASHBOARD_LABEL_VALUE,
                    resource: "configmap",
                    searchNamespace: g.namespace,
                },
            },
        },
    };
}

