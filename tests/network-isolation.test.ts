/**
 * Issue 15, the cluster's inside: kube-prometheus-stack values for AKS (hidden components off,
 * every image from the stack's registry, requests on every container, no init-chown), Grafana's
 * namespaced RBAC, default deny plus exact allows in every namespace the program owns, Pod
 * Security labels (enforce, audit, warn) on every namespace, and the policies that guard them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    CHART_IMAGES,
    chartImageRegistry,
    DEFAULT_COMPONENT_RESOURCES,
    HIDDEN_COMPONENT_RULE_GROUPS,
    hiddenComponentValues,
    kubePrometheusStackValues,
    KubePrometheusStackSettings,
} from "../components/monitoring/kube-prometheus-stack-values";
import { defaultDenyPolicy, podSecurityLabels } from "../components/app/app-namespace";
import { MONITORING_POD_SECURITY, Monitoring, MonitoringArgs } from "../components/monitoring/monitoring";
import { backupNetworkPolicySpecs, loadTestNetworkPolicySpecs, monitoringNetworkPolicySpecs, urlPort } from "../components/platform/namespace-policies";
import { LoadTest } from "../components/verification/load-test";
import { MongoBackup } from "../components/backup/mongo-backup";
import { parseStackConfig } from "../infra/config";
import { receiverPorts } from "../infra/stack";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { chartImageProblems, chartImagesFromStackRegistry, grafanaRbacNamespaced, grafanaRbacProblems, isDefaultDeny, namespaceDefaultDeny } from "../policy/cluster-policies";
import { configOf, policyConfigFor } from "../policy/policies";
import { manifests, one, PROJECT_DIR, record, render } from "./helpers";
import { ONCALL_FIXTURE, TZIF_FIXTURE } from "./support/oncall";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const values = (r: Awaited<ReturnType<typeof render>>): Record<string, any> => one(r, RELEASE).inputs.values as Record<string, any>;
const REGISTRY: Record<string, string> = { staging: "itopsstagingacr.azurecr.io", production: "itopsproductionacr.azurecr.io", local: "localhost:5001" };
const STACKS = ["staging", "production", "local"] as const;

/** A NetworkPolicy in a compact, exact form: `name: selector | types | rules`. */
function compact(p: { name: string; spec: any }): string {
    const sel = (s: any) => JSON.stringify(s?.matchLabels ?? {});
    const peer = (x: any) =>
        x.ipBlock ? x.ipBlock.cidr : `${x.namespaceSelector ? `ns${sel(x.namespaceSelector)}` : ""}${x.podSelector ? `pods${sel(x.podSelector)}` : ""}`;
    const ports = (r: any) => (r.ports ?? []).map((x: any) => `${x.protocol}/${x.port}`).join(",") || "any port";
    const rules = (list: any[] | undefined, dir: string, key: string) =>
        (list ?? []).map((r) => `${dir} ${(r[key] ?? []).map(peer).join("+") || "anywhere"} on ${ports(r)}`);
    return [`${p.name}: ${sel(p.spec.podSelector)} [${p.spec.policyTypes.join(",")}]`, ...rules(p.spec.ingress, "from", "from"), ...rules(p.spec.egress, "to", "to")].join(" | ");
}

describe("kube-prometheus-stack for AKS", () => {
    for (const stack of STACKS) {
        it(`${stack}: the monitors and default rules of the control plane and kube-proxy are off`, async () => {
            const v = values(await render(stack));
            assert.deepEqual(
                [v.kubeControllerManager, v.kubeScheduler, v.kubeEtcd, v.kubeProxy],
                [{ enabled: false }, { enabled: false }, { enabled: false }, { enabled: false }],
            );
            assert.deepEqual(v.defaultRules, { rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false } });
        });

        it(`${stack}: every chart image comes from the stack's registry (global.imageRegistry), none from anywhere else`, async () => {
            const v = values(await render(stack));
            assert.equal(v.global.imageRegistry, `${REGISTRY[stack]}/mirror`);
            assert.deepEqual(chartImageProblems(v, [REGISTRY[stack]]), []);
            // Nothing else in the values names an image host at all.
            assert.doesNotMatch(JSON.stringify(v), /quay\.io|docker\.io|ghcr\.io|registry\.k8s\.io|gcr\.io/);
        });

        it(`${stack}: Grafana has namespaced RBAC, ConfigMap-only sidecars on its own namespace, no init-chown`, async () => {
            const g = values(await render(stack)).grafana;
            assert.deepEqual(g.rbac, { namespaced: true });
            assert.deepEqual(g.initChownData, { enabled: false });
            assert.deepEqual([g.sidecar.dashboards.resource, g.sidecar.dashboards.searchNamespace], ["configmap", "monitoring"]);
            assert.deepEqual([g.sidecar.datasources.resource, g.sidecar.datasources.searchNamespace], ["configmap", "monitoring"]);
            assert.deepEqual(grafanaRbacProblems(g, "monitoring"), []);
        });

        it(`${stack}: resource requests on every container the chart runs`, async () => {
            const v = values(await render(stack));
            const requests = {
                prometheus: v.prometheus.prometheusSpec.resources.requests,
                alertmanager: v.alertmanager.alertmanagerSpec.resources.requests,
                grafana: v.grafana.resources.requests,
                grafanaSidecar: v.grafana.sidecar.resources.requests,
                operator: v.prometheusOperator.resources.requests,
                configReloader: v.prometheusOperator.prometheusConfigReloader.resources.requests,
                admissionWebhookJobs: v.prometheusOperator.admissionWebhooks.patch.resources.requests,
                kubeStateMetrics: v["kube-state-metrics"].resources.requests,
                nodeExporter: v["prometheus-node-exporter"].resources.requests,
            };
            for (const [c, r] of Object.entries(requests)) assert.ok(r?.cpu && r?.memory, `${c} requests cpu and memory: ${JSON.stringify(r)}`);
            assert.deepEqual(v.prometheusOperator.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } });
            assert.deepEqual(v["prometheus-node-exporter"].resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
        });
    }

    it("hiddenComponentValues: each switch turns exactly its monitors and rule groups on", () => {
        const on = hiddenComponentValues({ controlPlane: true, kubeProxy: false }) as any;
        assert.deepEqual([on.kubeControllerManager.enabled, on.kubeScheduler.enabled, on.kubeEtcd.enabled, on.kubeProxy.enabled], [true, true, true, false]);
        assert.deepEqual(on.defaultRules.rules, { etcd: true, kubeControllerManager: true, kubeSchedulerAlerting: true, kubeSchedulerRecording: true, kubeProxy: false });
        assert.deepEqual(HIDDEN_COMPONENT_RULE_GROUPS.kubeProxy, ["kubeProxy"]);
    });

    it("config: monitoring.hiddenComponents and componentResources reach the values", async () => {
        const v = values(await render("staging", ["monitoring.hiddenComponents.kubeProxy=true", "monitoring.componentResources.operator.requests.cpu=250m"]));
        assert.deepEqual([v.kubeProxy.enabled, v.defaultRules.rules.kubeProxy, v.kubeEtcd.enabled], [true, true, false]);
        assert.deepEqual(v.prometheusOperator.resources.requests, { cpu: "250m", memory: "128Mi" });
    });

    it("chartImageRegistry and the mirror list: docs/monitoring.md \"Chart images\" lists exactly CHART_IMAGES, the stack files each with its az acr import", () => {
        assert.equal(chartImageRegistry("itopsproductionacr.azurecr.io"), "itopsproductionacr.azurecr.io/mirror");
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "monitoring.md"), "utf8");
        const start = doc.indexOf("\n### Chart images\n");
        assert.ok(start >= 0, "docs/monitoring.md has a section ### Chart images");
        const end = doc.indexOf("\n#", start + 1);
        const section = doc.slice(start, end < 0 ? undefined : end);
        for (const stack of ["staging", "production"]) {
            const file = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
            const acr = REGISTRY[stack].split(".")[0];
            for (const img of CHART_IMAGES) {
                const cmd = `az acr import -n ${acr} --source ${img.source}/${img.repository}:<tag> --image mirror/${img.repository}:<tag>`;
                assert.ok(file.includes(cmd), `Pulumi.${stack}.yaml lists: ${cmd}`);
            }
        }
        // Every `host.tld/path` code span of the section is an image to mirror; the list must equal CHART_IMAGES.
        const listed = [...section.matchAll(/`([a-z0-9-]+(?:\.[a-z0-9-]+)+\/[a-z0-9._/-]+)`/g)].map((m) => m[1]).sort();
        assert.deepEqual(listed, CHART_IMAGES.map((img) => `${img.source}/${img.repository}`).sort(), "docs/monitoring.md \"Chart images\" lists exactly CHART_IMAGES");
    });

    it("chartImageProblems rejects values that would pull from elsewhere", () => {
        const ok = { global: { imageRegistry: "acr.azurecr.io/mirror" } };
        assert.deepEqual(chartImageProblems(ok, ["acr.azurecr.io"]), []);
        assert.match(chartImageProblems({}, ["acr.azurecr.io"]).join(), /global\.imageRegistry is undefined/);
        assert.match(chartImageProblems({ global: { imageRegistry: "quay.io" } }, ["acr.azurecr.io"]).join(), /global\.imageRegistry is "quay\.io"/);
        assert.deepEqual(chartImageProblems({ ...ok, grafana: { image: { registry: "docker.io", repository: "grafana/grafana" } } }, ["acr.azurecr.io"]), [
            "grafana.image.registry is docker.io, outside the stack's registry",
        ]);
        assert.deepEqual(chartImageProblems({ ...ok, x: { image: "ghcr.io/a/b:1" }, y: { image: { repository: "quay.io/c/d" } } }, ["acr.azurecr.io"]), [
            "x.image is ghcr.io/a/b:1, outside the stack's registry",
            "y.image.repository is quay.io/c/d, outside the stack's registry",
        ]);
    });

    it("kubePrometheusStackValues: global.imageRegistry is the given registry plus /mirror", () => {
        const v = kubePrometheusStackValues({ ...MON_SETTINGS, registryLoginServer: "r.azurecr.io" }) as any;
        assert.equal(v.global.imageRegistry, "r.azurecr.io/mirror");
        assert.deepEqual(v.grafana.sidecar.resources, { requests: { ...DEFAULT_COMPONENT_RESOURCES.grafanaSidecar.requests }, limits: { ...DEFAULT_COMPONENT_RESOURCES.grafanaSidecar.limits } });
    });
});

const MON_SETTINGS: KubePrometheusStackSettings = {
    storageClass: "managed-csi-premium",
    registryLoginServer: "itopstestacr.azurecr.io",
    prometheus: { replicas: 1, retention: "15d", retentionSize: "45GB", storageSize: "50Gi", resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } } },
    alertmanager: { replicas: 2, retention: "120h", storageSize: "5Gi", resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } }, secrets: [], config: {} },
    grafana: { storageSize: "10Gi", resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } }, adminSecretName: "grafana-admin", dashboardLabel: "grafana_dashboard", namespace: "monitoring" },
};

describe("NetworkPolicies: default deny plus the exact allows", () => {
    it("monitoring: Prometheus and Alertmanager only from Grafana, each other and the operator; Grafana only from ingress", () => {
        const specs = monitoringNetworkPolicySpecs({
            grafanaIngressNamespaces: ["app-routing-system"],
            apiServerPorts: [443],
            receiverPorts: [587, 443, 443],
            remoteWrite: { namespace: "load-test", podLabels: { "app.kubernetes.io/name": "k6-load-test" } },
        });
        const dns = 'to ns{"kubernetes.io/metadata.name":"kube-system"}pods{"k8s-app":"kube-dns"} on UDP/53,TCP/53';
        const G = 'pods{"app.kubernetes.io/name":"grafana"}';
        const A = 'pods{"app.kubernetes.io/name":"alertmanager"}';
        const P = 'pods{"app.kubernetes.io/name":"prometheus"}';
        const O = 'pods{"app":"kube-prometheus-stack-operator","release":"kube-prometheus-stack"}';
        assert.deepEqual(specs.map(compact), [
            "default-deny: {} [Ingress,Egress]",
            `allow-dns-egress: {} [Egress] | ${dns}`,
            `allow-from-prometheus: {} [Ingress] | from ${P} on any port`,
            `prometheus-allow-api: {"app.kubernetes.io/name":"prometheus"} [Ingress] | from ${G}+${A}+${O} on TCP/9090 | from ns{"kubernetes.io/metadata.name":"load-test"}pods{"app.kubernetes.io/name":"k6-load-test"} on TCP/9090`,
            `alertmanager-allow-api: {"app.kubernetes.io/name":"alertmanager"} [Ingress] | from ${G}+${O} on TCP/9093 | from ${A} on TCP/9093,TCP/9094,UDP/9094`,
            'grafana-allow-from-ingress: {"app.kubernetes.io/name":"grafana"} [Ingress] | from ns{"kubernetes.io/metadata.name":"app-routing-system"} on TCP/3000',
            'operator-allow-webhook: {"app":"kube-prometheus-stack-operator","release":"kube-prometheus-stack"} [Ingress] | from anywhere on TCP/10250',
            'prometheus-allow-scrape-egress: {"app.kubernetes.io/name":"prometheus"} [Egress] | to anywhere on any port',
            `alertmanager-allow-egress: {"app.kubernetes.io/name":"alertmanager"} [Egress] | to ${A} on TCP/9093,TCP/9094,UDP/9094 | to 0.0.0.0/0 on TCP/443,TCP/587`,
            `grafana-allow-egress: {"app.kubernetes.io/name":"grafana"} [Egress] | to ${P} on TCP/9090 | to ${A} on TCP/9093`,
            "allow-apiserver-egress: {} [Egress] | to anywhere on TCP/443",
        ]);
        // Without the remote write, nothing outside the namespace reaches Prometheus.
        const off = monitoringNetworkPolicySpecs({ grafanaIngressNamespaces: ["x"], apiServerPorts: [6443], receiverPorts: [443] });
        assert.equal(compact(off.find((p) => p.name === "prometheus-allow-api")!), `prometheus-allow-api: {"app.kubernetes.io/name":"prometheus"} [Ingress] | from ${G}+${A}+${O} on TCP/9090`);
        assert.equal(compact(off.find((p) => p.name === "allow-apiserver-egress")!), "allow-apiserver-egress: {} [Egress] | to anywhere on TCP/6443");
        // Empty port lists never widen to "every port": the rule is left out instead.
        const none = monitoringNetworkPolicySpecs({ grafanaIngressNamespaces: ["x"], apiServerPorts: [], receiverPorts: [] });
        assert.equal(none.find((p) => p.name === "allow-apiserver-egress"), undefined);
        assert.equal((none.find((p) => p.name === "alertmanager-allow-egress")!.spec.egress as unknown[]).length, 1);
    });

    it("backups: only DNS, the database and HTTPS to Azure; nothing in", () => {
        assert.deepEqual(backupNetworkPolicySpecs({ databaseCidrs: ["10.20.8.0/24", "10.20.9.0/24"], databasePort: 27017, httpsCidrs: ["10.20.16.0/24"] }).map(compact), [
            "default-deny: {} [Ingress,Egress]",
            'allow-dns-egress: {} [Egress] | to ns{"kubernetes.io/metadata.name":"kube-system"}pods{"k8s-app":"kube-dns"} on UDP/53,TCP/53',
            "backup-allow-database-egress: {} [Egress] | to 10.20.8.0/24+10.20.9.0/24 on TCP/27017",
            "backup-allow-azure-https-egress: {} [Egress] | to 10.20.16.0/24 on TCP/443",
        ]);
    });

    it("load test: only the app's pods (+ Prometheus, + the API server when used)", () => {
        const base = { podLabels: { "app.kubernetes.io/name": "k6-load-test" }, appNamespace: "staging", appPodLabels: { app: "it-ops-system" }, appPortName: "http" };
        const app = 'to ns{"kubernetes.io/metadata.name":"staging"}pods{"app":"it-ops-system"} on TCP/http';
        assert.deepEqual(loadTestNetworkPolicySpecs(base).map(compact).slice(2), [`k6-allow-egress: {"app.kubernetes.io/name":"k6-load-test"} [Egress] | ${app}`]);
        assert.deepEqual(loadTestNetworkPolicySpecs({ ...base, apiServerPorts: [443], prometheus: { namespace: "monitoring", port: 9090 } }).map(compact).slice(2), [
            `k6-allow-egress: {"app.kubernetes.io/name":"k6-load-test"} [Egress] | ${app} | to ns{"kubernetes.io/metadata.name":"monitoring"}pods{"app.kubernetes.io/name":"prometheus"} on TCP/9090 | to anywhere on TCP/443`,
        ]);
        assert.deepEqual([urlPort("http://p.monitoring.svc:9090/api/v1/write"), urlPort("https://p/x"), urlPort("http://p/x")], [9090, 443, 80]);
    });

    it("receiverPorts: HTTPS plus each e-mail smarthost's port", async () => {
        assert.deepEqual(receiverPorts((await render("staging")).config.monitoring), [443, 587]);
        assert.deepEqual(receiverPorts((await render("production")).config.monitoring), [443]);
        assert.deepEqual(receiverPorts((await render("staging", ["monitoring.network.receiverPorts=[443,8443]"])).config.monitoring), [443, 587, 8443]);
    });

    for (const stack of STACKS) {
        it(`${stack}: every namespace the program creates has a default-deny policy`, async () => {
            const r = await render(stack);
            const namespaces = manifests(r, "Namespace").map((n) => n.metadata.name);
            assert.ok(namespaces.length >= 2, namespaces.join());
            for (const ns of namespaces) {
                const deny = manifests(r, "NetworkPolicy", "default-deny").filter((p) => p.metadata.namespace === ns);
                assert.equal(deny.length, 1, `${ns} has a default-deny policy`);
                assert.deepEqual(deny[0].spec, defaultDenyPolicy().spec);
            }
        });

        it(`${stack}: every namespace carries enforce, audit and warn Pod Security labels; monitoring enforces privileged (node-exporter)`, async () => {
            const r = await render(stack);
            for (const ns of manifests(r, "Namespace")) {
                const psa = Object.fromEntries(Object.entries(ns.metadata.labels as Record<string, string>).filter(([k]) => k.startsWith("pod-security.kubernetes.io/")));
                assert.deepEqual(psa, ns.metadata.name === "monitoring" ? podSecurityLabels(MONITORING_POD_SECURITY) : podSecurityLabels(), ns.metadata.name);
            }
            assert.deepEqual(MONITORING_POD_SECURITY, { enforce: "privileged", audit: "restricted", warn: "restricted" });
        });
    }

    it("staging (remote write on): Prometheus accepts the load test's pods, and k6 may reach Prometheus and the app only", async () => {
        const r = await render("staging");
        const [p] = manifests(r, "NetworkPolicy", "prometheus-allow-api");
        assert.equal(p.spec.ingress.length, 2);
        assert.deepEqual(p.spec.ingress[1].from[0].namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "load-test" } });
        const [k6] = manifests(r, "NetworkPolicy", "k6-allow-egress");
        assert.equal(k6.metadata.namespace, "load-test");
        assert.deepEqual(k6.spec.egress.map((e: any) => e.to?.[0].namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] ?? (e.to ? e.to[0].ipBlock?.cidr : "any destination")), ["staging", "monitoring", "any destination"]);
    });

    it("production: the backups reach the app's database (the default) and HTTPS", async () => {
        const r = await render("production");
        const [db] = manifests(r, "NetworkPolicy", "backup-allow-database-egress");
        assert.deepEqual(db.spec.egress, [{ to: r.config.app.database.cidrs.map((cidr: string) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: r.config.app.database.port }] }]);
        const [https] = manifests(r, "NetworkPolicy", "backup-allow-azure-https-egress");
        assert.deepEqual(https.spec.egress, [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }]);
        const [prom] = manifests(r, "NetworkPolicy", "prometheus-allow-api");
        assert.equal(prom.spec.ingress.length, 1, "no remote write in production");
    });
});

describe("config and component validation", () => {
    const staging = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
    const parse = (sets: string[]) => {
        // Staging with an external database (managed mode rejects backup.network's database keys: tests/database.test.ts).
        let raw = staging;
        for (const s of ['database={"mode":"external"}', "app.database={}", ...sets]) raw = applySet(raw, s);
        return parseStackConfig("staging", toRuntimeConfig(raw), new Set(), { secretPlaceholders: true }).config;
    };
    it("defaults and overrides of backup.network and monitoring.network", () => {
        const c = parse([]);
        assert.deepEqual(c.backup.network, { databaseCidrs: undefined, databasePort: undefined, httpsCidrs: ["0.0.0.0/0"] });
        assert.deepEqual(c.monitoring.network, { grafanaIngressNamespaces: ["app-routing-system"], apiServerPorts: [443], receiverPorts: [443] });
        assert.equal(c.monitoring.mode, "helm");
        if (c.monitoring.mode === "helm") assert.deepEqual(c.monitoring.hiddenComponents, { controlPlane: false, kubeProxy: false });
        const o = parse(['backup.network.databaseCidrs=["10.1.0.0/24"]', "backup.network.databasePort=27018", 'backup.network.httpsCidrs=["10.2.0.0/24"]']);
        assert.deepEqual(o.backup.network, { databaseCidrs: ["10.1.0.0/24"], databasePort: 27018, httpsCidrs: ["10.2.0.0/24"] });
    });
    const bad: [string, string[], RegExp][] = [
        ["a bad HTTPS CIDR", ['backup.network.httpsCidrs=["internet"]'], /it-ops-infra:backup\.network\.httpsCidrs\[0\] must be an IPv4 CIDR/],
        ["an empty database CIDR list", ["backup.network.databaseCidrs=[]"], /it-ops-infra:backup\.network\.databaseCidrs must have at least 1 item/],
        ["a bad database port", ["backup.network.databasePort=0"], /it-ops-infra:backup\.network\.databasePort must be an integer >= 1/],
        ["a bad API server port", ["monitoring.network.apiServerPorts=[70000]"], /it-ops-infra:monitoring\.network\.apiServerPorts\[0\] must be an integer >= 1 and <= 65535/],
        ["a bad receiver port", ["monitoring.network.receiverPorts=[0]"], /it-ops-infra:monitoring\.network\.receiverPorts\[0\] must be an integer >= 1/],
        ["no Grafana ingress namespace", ["monitoring.network.grafanaIngressNamespaces=[]"], /it-ops-infra:monitoring\.network\.grafanaIngressNamespaces must have at least 1 item/],
        ["a hidden-component switch that is not a boolean", ["monitoring.hiddenComponents.controlPlane=yes"], /it-ops-infra:monitoring\.hiddenComponents\.controlPlane must be/],
        ["an unknown component", ["monitoring.componentResources.thanos.requests.cpu=1"], /it-ops-infra:monitoring\.componentResources\.thanos is not a known setting/],
        ["a dashboard namespace of its own (dashboards go to monitoring.namespace, where Grafana's sidecar reads)", ["verification.dashboardNamespace=reports"], /it-ops-infra:verification\.dashboardNamespace is no longer a key: the report dashboard goes to monitoring\.namespace/],
    ];
    for (const [why, sets, message] of bad) it(`rejects ${why}`, () => assert.throws(() => parse(sets), message));

    /** The backup section as the staging stack file gives it (the component has no defaults of its own). */
    const BACKUP_SETTINGS = parse([]).backup;
    const MON: MonitoringArgs = {
        namespace: "monitoring",
        storageClass: "managed-csi-premium",
        prometheus: MON_SETTINGS.prometheus,
        alertmanager: MON_SETTINGS.alertmanager,
        grafana: MON_SETTINGS.grafana,
        oncall: ONCALL_FIXTURE,
        tzifBase64: TZIF_FIXTURE,
        registryLoginServer: "r.azurecr.io",
        network: { grafanaIngressNamespaces: ["app-routing-system"], apiServerPorts: [443], receiverPorts: [443] },
    };
    const badComponents: [string, () => unknown, RegExp][] = [
        ["Monitoring: remote write without the receiver", () => new Monitoring("m", { ...MON, network: { ...MON.network, remoteWrite: { namespace: "load-test", podLabels: {} } } }), /args\.network\.remoteWrite must be unset unless prometheus\.remoteWriteReceiver/],
        ["Monitoring: no Grafana ingress namespace", () => new Monitoring("m", { ...MON, network: { ...MON.network, grafanaIngressNamespaces: [] } }), /args\.network\.grafanaIngressNamespaces must be a non-empty list/],
        // (A port out of range is the config schema's: "rejects a bad receiver port" above.)
        ["Monitoring: no receiver port", () => new Monitoring("m", { ...MON, network: { ...MON.network, receiverPorts: [] } }), /args\.network\.receiverPorts must be a non-empty list/],
        [
            // (A malformed CIDR is the config schema's to reject: "rejects a bad HTTPS CIDR" above.)
            "MongoBackup: no HTTPS CIDR (an empty egress list would allow every destination)",
            () =>
                new MongoBackup("b", {
                    ...BACKUP_SETTINGS,
                    identityClientId: "c",
                    restoreIdentityClientId: "r",
                    containerUrl: "https://a.blob.core.windows.net/c",
                    stackName: "t",
                    mongoUri: "mongodb://m",
                    network: { databaseCidrs: ["10.0.0.0/24"], databasePort: 27017, httpsCidrs: [] },
                }),
            /args\.network\.httpsCidrs must be a non-empty list/,
        ],
        [
            // (A port out of range is the config schema's to reject: "rejects a bad API server port" above.)
            "LoadTest: no API server port",
            () => new LoadTest("lt", { ...parse([]).verification.loadTest, appPodLabels: { app: "it-ops-system" }, prometheusNamespace: "monitoring", apiServerPorts: [] }),
            /args\.apiServerPorts must be a non-empty list/,
        ],
    ];
    for (const [name, program, message] of badComponents) {
        it(`rejects ${name} before creating any child`, async () => {
            let error: unknown;
            const r = await record(() => {
                try {
                    program();
                } catch (e) {
                    error = e;
                }
            });
            assert.match(String((error as Error)?.message), message);
            assert.equal(r.resources.filter((x) => x.custom).length, 0);
        });
    }
});

describe("policies: default deny per namespace, chart images, Grafana's RBAC", () => {
    const NS = "kubernetes:core/v1:Namespace";
    const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    const res = (type: string, props: Record<string, any>, name = "r") => ({ type, props, urn: `urn:pulumi:test::p::${type}::${name}`, name });
    const stackCheck = (resources: ReturnType<typeof res>[]) => {
        const out: string[] = [];
        namespaceDefaultDeny.validateStack({ resources, getConfig: <T extends object>() => ({}) as T }, (m: string) => out.push(m));
        return out;
    };
    const resourceCheck = (policy: typeof grafanaRbacNamespaced, props: Record<string, any>, config: object = {}) => {
        const out: string[] = [];
        policy.validateResource({ ...res(RELEASE, props), getConfig: <T extends object>() => config as T }, (m: string) => out.push(m));
        return out;
    };

    it("namespace-default-deny passes a namespace with its default deny and fails one without", () => {
        const deny = res(NP, { metadata: { name: "default-deny", namespace: "a" }, spec: defaultDenyPolicy().spec });
        assert.deepEqual(stackCheck([res(NS, { metadata: { name: "a" } }), deny]), []);
        assert.deepEqual(stackCheck([res(NS, { metadata: { name: "a" } }), res(NS, { metadata: { name: "b" } }, "b"), deny]), [
            "Namespace b: no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules) in it; add one and allow the exact flows on top",
        ]);
        // Ingress-only, a selector, or any rule is not a default deny.
        assert.equal(isDefaultDeny({ podSelector: {}, policyTypes: ["Ingress"] }), false);
        assert.equal(isDefaultDeny({ podSelector: { matchLabels: { a: "b" } }, policyTypes: ["Ingress", "Egress"] }), false);
        assert.equal(isDefaultDeny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] }), false);
        assert.equal(isDefaultDeny(defaultDenyPolicy().spec), true);
    });

    it("chart-images-from-stack-registry passes the stack's registry and fails a public one", () => {
        const cfg = configOf(policyConfigFor({ stack: "production", registryName: "itopsproductionacr" }), chartImagesFromStackRegistry.name);
        assert.deepEqual(resourceCheck(chartImagesFromStackRegistry, { name: "kps", values: { global: { imageRegistry: "itopsproductionacr.azurecr.io/mirror" } } }, cfg), []);
        assert.deepEqual(resourceCheck(chartImagesFromStackRegistry, { name: "kps", values: { global: { imageRegistry: "itopsproductionacr.azurecr.io/mirror" }, grafana: { image: { registry: "docker.io" } } } }, cfg), [
            "Helm release kps: grafana.image.registry is docker.io, outside the stack's registry",
        ]);
        assert.match(resourceCheck(chartImagesFromStackRegistry, { name: "kps", values: {} }, cfg).join(), /Helm release kps: global\.imageRegistry is undefined/);
    });

    it("grafana-rbac-namespaced passes the project's values and fails cluster-wide RBAC, Secrets or ALL namespaces", () => {
        const good = { rbac: { namespaced: true }, sidecar: { dashboards: { resource: "configmap", searchNamespace: "monitoring" }, datasources: { resource: "configmap" } } };
        const rel = (grafana: unknown) => ({ name: "kps", chart: "kube-prometheus-stack", namespace: "monitoring", values: { grafana } });
        assert.deepEqual(resourceCheck(grafanaRbacNamespaced, rel(good)), []);
        assert.deepEqual(resourceCheck(grafanaRbacNamespaced, rel({ ...good, rbac: {}, sidecar: { dashboards: { resource: "both", searchNamespace: "ALL" }, datasources: { resource: "configmap" } } })), [
            "Helm release kps: grafana.rbac.namespaced must be true (a Role in its namespace, no ClusterRole)",
            'Helm release kps: grafana.sidecar.dashboards.resource must be "configmap" (never Secrets), got "both"',
            'Helm release kps: grafana.sidecar.dashboards.searchNamespace must be Grafana\'s own namespace (monitoring), got "ALL"',
        ]);
        // The chart's default (no grafana values) is cluster-wide: a violation; Grafana turned off is not.
        assert.equal(resourceCheck(grafanaRbacNamespaced, { name: "kps", chart: "kube-prometheus-stack", namespace: "monitoring", values: {} }).length, 3);
        assert.deepEqual(resourceCheck(grafanaRbacNamespaced, rel({ enabled: false })), []);
    });
});
