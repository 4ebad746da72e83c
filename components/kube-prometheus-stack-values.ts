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
 *   watching every namespace, and optional Entra ID login (`auth.azuread`) whose client secret
 *   comes from a Secret as an environment variable.
 * The CRDs are not installed by this release (`crds.enabled: false`, plus `skipCrds`); they come
 * from the separate prometheus-operator-crds chart.
 */

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

export interface KubePrometheusStackSettings {
    readonly storageClass: string;
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
    return {
        crds: { enabled: false },
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
            "grafana.ini": grafanaIni(g),
            ...(g.azureAd ? { envFromSecret: g.azureAd.clientSecretSecretName } : {}),
            sidecar: {
                datasources: { enabled: true, defaultDatasourceEnabled: true },
                dashboards: {
                    enabled: true,
                    label: g.dashboardLabel,
                    labelValue: GRAFANA_DASHBOARD_LABEL_VALUE,
                    searchNamespace: "ALL",
                },
            },
        },
    };
}
