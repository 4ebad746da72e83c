/**
 * The monitoring stack under the Pulumi mocks (both stacks' real program), its Helm values
 * builder, its components' validation and its config section.
 */
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AlertRules, AppDashboard, appDashboardQueries, DEFAULT_ALERT_THRESHOLDS, defaultAlertGroups, KUBE_PROMETHEUS_STACK_VERSION, kubePrometheusStackValues, KubePrometheusStackSettings, Monitoring, MonitoringArgs, OperatorMonitoring, PROMETHEUS_OPERATOR_CRDS_VERSION, receiverSecretData, receiverSecretKey, ServiceMonitor } from "../components/monitoring";
import { parseStackConfig } from "../infra/config";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { manifests, one, PROJECT_DIR, record, render } from "./helpers";
import { ONCALL_FIXTURE, TZIF_FIXTURE } from "./support/oncall";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHART = "kubernetes:helm.sh/v4:Chart";

function values(r: { resources: any[] }): any {
    return one(r, RELEASE).inputs.values;
}

describe("Monitoring in the rendered stacks", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack}: the CRD chart is its own resource and every custom resource and the release depend on it`, async () => {
            const r = await render(stack);
            const crds = one(r, CHART, "itops-monitoring-crds");
            assert.equal(crds.inputs.chart, "prometheus-operator-crds");
            const customs = r.resources.filter((x) => x.type.startsWith("kubernetes:monitoring.coreos.com/"));
            assert.deepEqual(customs.map((x) => x.inputs.kind).sort(), ["PrometheusRule", "ServiceMonitor"]);
            for (const x of [...customs, one(r, RELEASE)]) {
                assert.ok(x.options.dependsOn?.includes(crds.urn), `${x.name} must depend on the CRD chart`);
            }
            const crdIndex = r.resources.indexOf(crds);
            for (const x of customs) assert.ok(r.resources.indexOf(x) > crdIndex);
        });

        it(`${stack}: chart versions are pinned and the repositories are the maintained ones`, async () => {
            const r = await render(stack);
            const crds = one(r, CHART, "itops-monitoring-crds").inputs as any;
            const rel = one(r, RELEASE).inputs as any;
            assert.deepEqual([crds.version, crds.repositoryOpts.repo], [PROMETHEUS_OPERATOR_CRDS_VERSION, "https://prometheus-community.github.io/helm-charts"]);
            assert.deepEqual([rel.chart, rel.version, rel.repositoryOpts.repo], ["kube-prometheus-stack", KUBE_PROMETHEUS_STACK_VERSION, "https://prometheus-community.github.io/helm-charts"]);
            assert.match(String(crds.version), /^\d+\.\d+\.\d+$/);
            assert.match(String(rel.version), /^\d+\.\d+\.\d+$/);
            assert.equal(rel.skipCrds, true);
            assert.equal(values(r).crds.enabled, false);
            assert.equal(rel.namespace, "monitoring");
        });

        it(`${stack}: the Grafana admin password is a RandomPassword in a Secret and never plaintext anywhere`, async () => {
            const r = await render(stack);
            one(r, "random:index/randomPassword:RandomPassword", "itops-monitoring-grafana-admin-password");
            const [secret] = manifests(r, "Secret", "grafana-admin");
            assert.equal(secret.metadata.namespace, "monitoring");
            assert.deepEqual(secret.stringData, { "admin-password": "[secret]", "admin-user": "[secret]" });
            const g = values(r).grafana;
            assert.deepEqual(g.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
            assert.equal(g.adminPassword, null, "the chart's default adminPassword is removed");
            // The mock password (ItOpsMocks) must not appear in any rendered input or output.
            const mockPassword = crypto.createHash("sha256").update("random/itops-monitoring-grafana-admin-password").digest("hex").slice(0, 32);
            const everything = JSON.stringify([r.resources.map((x) => x.inputs), r.outputs]);
            assert.ok(!everything.includes(mockPassword));
            assert.ok(!everything.includes("prom-operator"));
        });

        it(`${stack}: receiver secrets reach Alertmanager only through the mounted Secret`, async () => {
            const r = await render(stack);
            const [secret] = manifests(r, "Secret", "alertmanager-receivers");
            assert.ok(Object.keys(secret.stringData).length > 0);
            for (const [k, v] of Object.entries(secret.stringData)) assert.equal(v, "[secret]", `stringData.${k}`);
            assert.deepEqual(values(r).alertmanager.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
            assert.ok(!JSON.stringify(r.resources.map((x) => x.inputs)).includes("placeholder-for-"));
        });

        it(`${stack}: Prometheus picks up ServiceMonitors and PrometheusRules from every namespace`, async () => {
            const p = values(await render(stack)).prometheus.prometheusSpec;
            for (const k of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) assert.equal(p[`${k}SelectorNilUsesHelmValues`], false, k);
            assert.deepEqual([p.serviceMonitorNamespaceSelector, p.ruleNamespaceSelector], [{}, {}]);
        });

        it(`${stack}: the app dashboard ConfigMap is labelled for the Grafana sidecar`, async () => {
            const r = await render(stack);
            const [cm] = manifests(r, "ConfigMap", "it-ops-dashboard");
            assert.deepEqual(cm.metadata, { name: "it-ops-dashboard", namespace: "monitoring", labels: { grafana_dashboard: "1" } });
            const dash = JSON.parse(cm.data["it-ops-dashboard.json"]);
            assert.deepEqual(
                dash.panels.map((p: any) => p.title),
                ["Targets up", "CPU % of limit", "Memory % of limit", "Container restarts (1h)", "Request rate (req/s)", "5xx error ratio %", "Latency p95 (s)"],
            );
            const g = values(r).grafana.sidecar.dashboards;
            // Issue 15: ConfigMaps only, and only Grafana's own namespace (was searchNamespace "ALL").
            assert.deepEqual([g.enabled, g.label, g.labelValue, g.resource, g.searchNamespace], [true, "grafana_dashboard", "1", "configmap", "monitoring"]);
        });
    }

    it("per-stack sizes: staging is small, production larger; Alertmanager 2 replicas with storage everywhere", async () => {
        const s = values(await render("staging"));
        const p = values(await render("production"));
        const pick = (v: any) => ({
            prometheus: [v.prometheus.prometheusSpec.replicas, v.prometheus.prometheusSpec.retention, v.prometheus.prometheusSpec.retentionSize, v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage],
            alertmanager: [v.alertmanager.alertmanagerSpec.replicas, v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage],
            grafana: v.grafana.persistence.size,
            storageClass: [
                v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName,
                v.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName,
                v.grafana.persistence.storageClassName,
            ],
        });
        assert.deepEqual(pick(s), {
            prometheus: [1, "7d", "18GB", "20Gi"],
            alertmanager: [2, "2Gi"],
            grafana: "5Gi",
            storageClass: ["managed-csi-premium", "managed-csi-premium", "managed-csi-premium"],
        });
        assert.deepEqual(pick(p), {
            prometheus: [2, "30d", "90GB", "100Gi"],
            alertmanager: [2, "5Gi"],
            grafana: "10Gi",
            storageClass: ["managed-csi-premium", "managed-csi-premium", "managed-csi-premium"],
        });
        assert.deepEqual(p.prometheus.prometheusSpec.resources, { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "8Gi" } });
    });

    it("Alertmanager gets the Asia/Tokyo zone data mounted (its image has no tzdata for `location`)", async () => {
        const r = await render("production");
        const [cm] = manifests(r, "ConfigMap", "alertmanager-zoneinfo");
        assert.equal(cm.metadata.namespace, "monitoring");
        assert.match(cm.binaryData.Asia_Tokyo, /^VFppZ/); // "TZif"
        const spec = values(r).alertmanager.alertmanagerSpec;
        assert.deepEqual(spec.volumes, [{ name: "zoneinfo", configMap: { name: "alertmanager-zoneinfo" } }]);
        assert.deepEqual(spec.volumeMounts, [{ name: "zoneinfo", mountPath: "/usr/share/zoneinfo/Asia/Tokyo", subPath: "Asia_Tokyo", readOnly: true }]);
        assert.equal(one(r, RELEASE).inputs.allowNullValues, true, "grafana.adminPassword: null must reach Helm");
    });

    it("production protects the release (it owns the volumes) and the CRDs; staging does not", async () => {
        assert.equal(one(await render("production"), RELEASE).options.protect, true);
        assert.equal(one(await render("production"), CHART, "itops-monitoring-crds").options.protect, true);
        assert.equal(one(await render("staging"), RELEASE).options.protect, undefined);
    });

    it("Entra ID login from config: auth.azuread in grafana.ini, client secret only in a Secret (env)", async () => {
        const r = await render("staging", [
            "monitoring.grafana.azureAd.tenantId=11111111-1111-1111-1111-111111111111",
            "monitoring.grafana.azureAd.clientId=22222222-2222-2222-2222-222222222222",
            "monitoring.grafana.azureAd.rootUrl=https://grafana.staging.example.co.jp",
            'monitoring.grafana.azureAd.allowedGroups=["3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e4b71"]',
        ]);
        const g = values(r).grafana;
        const az = g["grafana.ini"]["auth.azuread"];
        assert.equal(az.enabled, true);
        assert.equal(az.client_id, "22222222-2222-2222-2222-222222222222");
        assert.equal(az.auth_url, "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/oauth2/v2.0/authorize");
        assert.equal(az.allowed_groups, "3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e4b71");
        assert.equal(az.client_secret, undefined);
        assert.equal(g.envFromSecret, "grafana-azuread");
        assert.equal(g["grafana.ini"].server.root_url, "https://grafana.staging.example.co.jp");
        const [secret] = manifests(r, "Secret", "grafana-azuread");
        assert.deepEqual(secret.stringData, { GF_AUTH_AZUREAD_CLIENT_SECRET: "[secret]" });
        assert.ok(r.placeholders.includes("it-ops-infra:monitoring.grafana.azureAd.clientSecret"));
        // Without azureAd there is no Entra section.
        assert.equal(values(await render("staging"))["grafana"]["grafana.ini"]["auth.azuread"], undefined);
    });

    it("the ServiceMonitor scrapes the app's metrics port every 30s in its namespace", async () => {
        const [sm] = manifests(await render("production"), "ServiceMonitor", "it-ops-system");
        assert.deepEqual(sm.spec, {
            selector: { matchLabels: { app: "it-ops-system" } },
            namespaceSelector: { matchNames: ["production"] },
            jobLabel: "app",
            endpoints: [{ port: "metrics", path: "/metrics", interval: "30s", scheme: "http" }],
        });
    });
});

const SETTINGS: KubePrometheusStackSettings = {
    storageClass: "managed-csi-premium",
    prometheus: { replicas: 1, retention: "15d", retentionSize: "45GB", storageSize: "50Gi", resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } } },
    alertmanager: {
        replicas: 2,
        retention: "120h",
        storageSize: "5Gi",
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        secrets: ["am-secrets"],
        config: { route: { receiver: "x" } },
    },
    grafana: {
        storageSize: "10Gi",
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        adminSecretName: "grafana-admin",
        dashboardLabel: "grafana_dashboard",
        namespace: "monitoring",
    },
    registryLoginServer: "itopstestacr.azurecr.io",
};

describe("kubePrometheusStackValues", () => {
    const table: [string, KubePrometheusStackSettings, (v: any) => unknown, unknown][] = [
        ["retention", SETTINGS, (v) => [v.prometheus.prometheusSpec.retention, v.prometheus.prometheusSpec.retentionSize], ["15d", "45GB"]],
        ["prometheus volume", SETTINGS, (v) => v.prometheus.prometheusSpec.storageSpec, { volumeClaimTemplate: { spec: { storageClassName: "managed-csi-premium", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } } }],
        ["limits without cpu", SETTINGS, (v) => v.prometheus.prometheusSpec.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } }],
        ["limits with cpu", SETTINGS, (v) => v.alertmanager.alertmanagerSpec.resources.limits, { cpu: "200m", memory: "256Mi" }],
        ["alertmanager config given whole", SETTINGS, (v) => v.alertmanager.config, { route: { receiver: "x" } }],
        ["alertmanager secrets", SETTINGS, (v) => v.alertmanager.alertmanagerSpec.secrets, ["am-secrets"]],
        ["alertmanager replicas", SETTINGS, (v) => v.alertmanager.alertmanagerSpec.replicas, 2],
        ["grafana admin from Secret", SETTINGS, (v) => [v.grafana.admin.existingSecret, v.grafana.adminPassword], ["grafana-admin", null]],
        ["grafana persistence", SETTINGS, (v) => v.grafana.persistence, { enabled: true, type: "pvc", storageClassName: "managed-csi-premium", accessModes: ["ReadWriteOnce"], size: "10Gi" }],
        ["grafana datasource", SETTINGS, (v) => v.grafana.sidecar.datasources, { enabled: true, defaultDatasourceEnabled: true, resource: "configmap", searchNamespace: "monitoring" }],
        ["no Entra ID by default", SETTINGS, (v) => [v.grafana["grafana.ini"]["auth.azuread"], v.grafana.envFromSecret], [undefined, undefined]],
        [
            "Entra ID",
            { ...SETTINGS, grafana: { ...SETTINGS.grafana, azureAd: { tenantId: "t", clientId: "c", clientSecretSecretName: "s", allowedGroups: [], rootUrl: "https://g" } } },
            (v) => [v.grafana["grafana.ini"]["auth.azuread"].token_url, v.grafana["grafana.ini"]["auth.azuread"].allowed_groups, v.grafana.envFromSecret],
            ["https://login.microsoftonline.com/t/oauth2/v2.0/token", undefined, "s"],
        ],
    ];
    for (const [name, settings, pick, want] of table) it(name, () => assert.deepEqual(pick(kubePrometheusStackValues(settings)), want));
    it("contains no credential of any kind", () => {
        assert.doesNotMatch(JSON.stringify(kubePrometheusStackValues(SETTINGS)), /password"\s*:\s*"|client_secret|prom-operator/i);
    });
});

const MON_ARGS: MonitoringArgs = {
    namespace: "monitoring",
    storageClass: "managed-csi-premium",
    prometheus: SETTINGS.prometheus,
    alertmanager: SETTINGS.alertmanager,
    grafana: SETTINGS.grafana,
    oncall: ONCALL_FIXTURE,
    tzifBase64: TZIF_FIXTURE,
    registryLoginServer: "itopstestacr.azurecr.io",
    network: { grafanaIngressNamespaces: ["app-routing-system"], apiServerPorts: [443], receiverPorts: [443] },
};

describe("component validation", () => {
    const sm = { namespace: "monitoring", selector: { app: "x" }, port: "metrics", targetNamespaces: ["production"] };
    const bad: [string, () => unknown, RegExp][] = [
        ["ServiceMonitor port", () => new ServiceMonitor("sm", { ...sm, port: "Metrics Port" }), /args\.port must be a port name \(at most 15 lower-case.*"Metrics Port"/],
        ["ServiceMonitor interval", () => new ServiceMonitor("sm", { ...sm, interval: "30 seconds" }), /args\.interval must be a duration/],
        ["ServiceMonitor path", () => new ServiceMonitor("sm", { ...sm, path: "metrics" }), /args\.path must be a URL path/],
        ["ServiceMonitor targetNamespaces", () => new ServiceMonitor("sm", { ...sm, targetNamespaces: [] }), /args\.targetNamespaces must be a non-empty list/],
        ["ServiceMonitor jobLabel", () => new ServiceMonitor("sm", { ...sm, jobLabel: "not a label" }), /args\.jobLabel/],
        ["AlertRules empty", () => new AlertRules("r", { namespace: "m", groups: [], runbookBaseUrl: "https://x/" }), /args\.groups must be a non-empty list/],
        ["AlertRules runbook URL", () => new AlertRules("r", { namespace: "m", groups: defaultAlertGroups(DEFAULT_ALERT_THRESHOLDS, { namespace: "p", job: "j", deployment: "d", service: "s" }), runbookBaseUrl: "docs/" }), /args\.runbookBaseUrl/],
        ["AppDashboard namespace", () => new AppDashboard("d", { namespace: "m", target: { namespace: "Prod", job: "j" } }), /args\.target\.namespace/],
        ["Monitoring chart version", () => new Monitoring("m", { ...MON_ARGS, chartVersion: "latest" }), /args\.chartVersion must be a pinned chart version/],
        ["Monitoring namespace", () => new Monitoring("m", { ...MON_ARGS, namespace: "Monitoring" }), /args\.namespace/],
        ["Monitoring on-call time zone", () => new Monitoring("m", { ...MON_ARGS, oncall: { ...ONCALL_FIXTURE, timezone: "Tokyo time" } }), /Monitoring m: args\.oncall\.timezone must be an IANA time zone such as Asia\/Tokyo, got "Tokyo time"/],
        ["Monitoring receiver without its secret", () => new Monitoring("m", { ...MON_ARGS, oncall: { ...ONCALL_FIXTURE, secrets: { firstLine: "x", escalation: "y" } } }), /args\.oncall\.secrets\.rotation must be set: the webhook receiver reads its secret from the receiver Secret, got undefined/],
        ["Monitoring TZif data", () => new Monitoring("m", { ...MON_ARGS, tzifBase64: "bm90IHR6aWY=" }), /args\.tzifBase64 must be base64 of a TZif file/],
        ["OperatorMonitoring receiver without its secret", () => new OperatorMonitoring("m", { namespace: "monitoring", alertmanagerConfigSecretName: "am", oncall: { ...ONCALL_FIXTURE, secrets: {} }, tzifBase64: TZIF_FIXTURE }), /OperatorMonitoring m: args\.oncall\.secrets\.firstLine must be set/],
    ];
    for (const [name, program, message] of bad) {
        it(`rejects a bad ${name}`, async () => {
            // Caught inside the program, so the mock stack finishes its registrations cleanly.
            let error: unknown;
            const r = await record(() => {
                try {
                    program();
                } catch (e) {
                    error = e;
                }
            });
            assert.match(String(error), message);
            assert.equal(r.resources.filter((x) => x.custom).length, 0, "no child is created before validation");
        });
    }

    it("Monitoring owns its receiver Secret: one key per role with a secret, named by receiverSecretKey, and the zoneinfo", async () => {
        assert.deepEqual(Object.keys(receiverSecretData(ONCALL_FIXTURE.secrets)), ["firstLine", "rotation", "escalation"].map((r) => receiverSecretKey(r as never)));
        const r = await record(() => new Monitoring("m", MON_ARGS));
        const [secret] = manifests(r, "Secret", "alertmanager-receivers");
        assert.deepEqual(secret.stringData, { "escalation-secret": "[secret]", "first-line-secret": "[secret]", "oncall-rotation-secret": "[secret]" });
        assert.deepEqual(manifests(r, "ConfigMap", "alertmanager-zoneinfo")[0].binaryData, { Asia_Tokyo: TZIF_FIXTURE });
        const release = one(r, "kubernetes:helm.sh/v3:Release");
        const am = (release.inputs.values as any).alertmanager;
        assert.deepEqual(am.alertmanagerSpec.secrets, ["alertmanager-receivers"]);
        assert.equal(am.config.receivers[0].webhook_configs[0].url_file, "/etc/alertmanager/secrets/alertmanager-receivers/first-line-secret");
    });

    it("ServiceMonitor defaults: path /metrics, interval 30s; depends on what the caller passes", async () => {
        const r = await record(() => new ServiceMonitor("sm", sm));
        const [m] = manifests(r, "ServiceMonitor", "sm");
        assert.deepEqual(m.spec.endpoints, [{ port: "metrics", path: "/metrics", interval: "30s", scheme: "http" }]);
        assert.equal(m.spec.jobLabel, undefined);
    });

    it("AlertRules renders every group of the catalogue into one PrometheusRule", async () => {
        const extra = { name: "backup", rules: [{ alert: "BackupJobFailed", expr: "vector(1)", for: "0m", severity: "level2" as const, service: "backup", summary: "s", description: "d", runbook: "backup-job-failed.md" }] };
        const groups = [...defaultAlertGroups(DEFAULT_ALERT_THRESHOLDS, { namespace: "p", job: "j", deployment: "d", service: "s" }), extra];
        const r = await record(() => new AlertRules("rules", { namespace: "monitoring", groups, runbookBaseUrl: "https://x/runbooks" }));
        const [rule] = manifests(r, "PrometheusRule", "rules");
        assert.deepEqual(rule.spec.groups.map((g: any) => g.name), ["it-ops-availability", "it-ops-resources", "it-ops-escalation", "backup"]);
        assert.equal(rule.spec.groups[3].rules[0].annotations.runbook_url, "https://x/runbooks/backup-job-failed.md");
    });

    it("dashboard queries name the assumed HTTP metrics", () => {
        const q = Object.values(appDashboardQueries({ namespace: "production", job: "it-ops-system" })).join("\n");
        assert.match(q, /http_requests_total\{namespace="production", job="it-ops-system", code=~"5.."\}/);
        assert.match(q, /http_request_duration_seconds_bucket/);
        assert.match(q, /kube_pod_container_resource_limits\{namespace="production", resource="memory"\}/);
    });
});

describe("monitoring config", () => {
    const staging = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
    function parse(sets: string[] = [], secretMonitoring = false) {
        let raw = staging;
        for (const s of sets) raw = applySet(raw, s);
        const secretKeys = new Set(secretMonitoring ? ["it-ops-infra:monitoring"] : []);
        return parseStackConfig("staging", toRuntimeConfig(raw), secretKeys, { secretPlaceholders: true }).config.monitoring;
    }

    it("defaults: the plan's thresholds, Asia/Tokyo, 09:00-18:00 Mon-Fri, Japanese holidays, repeat intervals", () => {
        const m = parse();
        assert.deepEqual([m.alerts.cpuPercent, m.alerts.memoryPercent, m.alerts.escalateAfter], [80, 85, "30m"]);
        assert.equal(m.oncall.timezone, "Asia/Tokyo");
        assert.deepEqual(m.oncall.businessHours, { start: "09:00", end: "18:00", weekdays: ["monday", "tuesday", "wednesday", "thursday", "friday"] });
        assert.equal(m.oncall.holidays.length, 51);
        assert.deepEqual(m.oncall.repeatIntervals, { level1: "30m", level2: "2h", level3: "24h", level4: "96h" });
        assert.deepEqual(m.app, { path: "/metrics", interval: "30s" });
        assert.ok(m.mode === "helm");
        assert.equal(m.storageClass, "managed-csi-premium");
    });

    it("a receiver secret set in plaintext is rejected; set as a secret it is accepted", () => {
        assert.throws(() => parse(["monitoring.oncall.receivers.rotation.url=https://hooks.example/x"]), /it-ops-infra:monitoring\.oncall\.receivers\.rotation\.url must be set as a secret/);
        assert.doesNotThrow(() => parse(["monitoring.oncall.receivers.rotation.url=https://hooks.example/x"], true));
    });

    const bad: [string, string[], RegExp][] = [
        ["cpu threshold out of range", ["monitoring.alerts.cpuPercent=120"], /monitoring\.alerts\.cpuPercent must be a number >= 1 and <= 100, got 120/],
        ["bad duration", ["monitoring.alerts.memoryFor=5 minutes"], /monitoring\.alerts\.memoryFor must be a duration/],
        ["unknown alert key", ["monitoring.alerts.diskPercent=80"], /monitoring\.alerts\.diskPercent is not a known setting/],
        ["bad time zone", ["monitoring.oncall.timezone=Tokyo/Japan"], /monitoring\.oncall\.timezone must be an IANA time zone/],
        ["business hours end before start", ["monitoring.oncall.businessHours.end=08:00"], /monitoring\.oncall\.businessHours\.end must be later than start \(09:00\)/],
        ["bad weekday", ['monitoring.oncall.businessHours.weekdays=["mon"]'], /monitoring\.oncall\.businessHours\.weekdays\[0\] must be one of sunday/],
        ["bad holiday", ['monitoring.oncall.holidays=["2026-02-30"]'], /monitoring\.oncall\.holidays\[0\] must be a real calendar date/],
        ["holiday format", ['monitoring.oncall.holidays=["2026/01/01"]'], /monitoring\.oncall\.holidays\[0\] must be a date YYYY-MM-DD/],
        ["receiver kind", ["monitoring.oncall.receivers.rotation.kind=teams"], /monitoring\.oncall\.receivers\.rotation\.kind must be one of webhook, slack, email, pagerduty, opsgenie/],
        ["missing receiver", ["monitoring.oncall.receivers.ticketQueue=null"], /monitoring\.oncall\.receivers\.ticketQueue is required/],
        ["email address", ["monitoring.oncall.receivers.escalation.to=leads"], /monitoring\.oncall\.receivers\.escalation\.to must be an e-mail address/],
        ["level4 repeat beyond retention", ["monitoring.oncall.repeatIntervals.level4=200h"], /monitoring\.oncall\.repeatIntervals\.level4 must be shorter than monitoring\.alertmanager\.retention \(120h\)/],
        ["alertmanager replicas", ["monitoring.alertmanager.replicas=1"], /monitoring\.alertmanager\.replicas must be an integer >= 2 and <= 5, got 1/],
        ["storage size", ["monitoring.prometheus.storageSize=50GB"], /monitoring\.prometheus\.storageSize must be a volume size such as 50Gi/],
        ["retention size", ["monitoring.prometheus.retentionSize=45G"], /monitoring\.prometheus\.retentionSize must be a size such as 45GB/],
        ["retention size not below the volume", ["monitoring.prometheus.retentionSize=21GB"], /monitoring\.prometheus\.retentionSize must be below 95% of storageSize \(20Gi\)/],
        ["memory quantity", ["monitoring.grafana.resources.limits.memory=1G"], /monitoring\.grafana\.resources\.limits\.memory must be a memory quantity/],
        ["metrics path", ["monitoring.app.path=metrics"], /monitoring\.app\.path must be a URL path starting with \//],
        ["scrape interval", ["monitoring.app.interval=often"], /monitoring\.app\.interval must be a duration/],
        ["what is scraped comes from the workload, not from here", ["monitoring.app.namespace=production"], /monitoring\.app\.namespace is not a known setting/],
        ["runbook URL", ["monitoring.runbookBaseUrl=docs/runbooks"], /monitoring\.runbookBaseUrl must be an https:\/\/ URL/],
        ["Entra tenant", ["monitoring.grafana.azureAd.tenantId=contoso", "monitoring.grafana.azureAd.clientId=22222222-2222-2222-2222-222222222222", "monitoring.grafana.azureAd.rootUrl=https://g"], /monitoring\.grafana\.azureAd\.tenantId must be a UUID/],
        ["Entra root URL missing", ["monitoring.grafana.azureAd.tenantId=11111111-1111-1111-1111-111111111111", "monitoring.grafana.azureAd.clientId=22222222-2222-2222-2222-222222222222"], /monitoring\.grafana\.azureAd\.rootUrl is required/],
        ["SMTP password without user", ["monitoring.oncall.receivers.escalation.authUsername=null", "monitoring.oncall.receivers.escalation.authPassword=x"], /monitoring\.oncall\.receivers\.escalation\.authPassword is only allowed with authUsername/],
    ];
    for (const [why, sets, message] of bad) it(`rejects ${why}`, () => assert.throws(() => parse(sets), message));
});
