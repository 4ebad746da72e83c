/**
 * Facts that several parts share are configured once and derived (issue 14, point 3). Each test is
 * one of the traces, through the real program's offline render (tests/helpers):
 *
 * - a monitoring namespace change keeps scraping allowed: the app's NetworkPolicy admits the
 *   namespace Prometheus runs in, wherever the ServiceMonitor goes;
 * - `migration.replicas.new` beyond `app.maxReplicas` is a key-named config error (exit 2), not a
 *   component's error about an argument the user never set.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prometheusEndpoint } from "../components/monitoring";
import { manifests, render, synthInProcess } from "./helpers";

/** The app's NetworkPolicy that lets Prometheus scrape the metrics port. */
const SCRAPE_POLICY = "it-ops-system-allow-metrics-from-monitoring";
const nsSelector = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });

/** The local stack switched to monitoring.mode existing-operator (the helm-only keys removed). */
const EXISTING_OPERATOR_SETS = ["monitoring.mode=existing-operator", "monitoring.storageClass=null", "monitoring.prometheus=null", "monitoring.alertmanager=null", "monitoring.grafana=null"];

describe("trace: a monitoring namespace change keeps scraping allowed", () => {
    it("production --set monitoring.namespace=observability: ServiceMonitor, scrape allow, dashboards, verify env and the prometheus output all follow", async () => {
        const r = await render("production", ["monitoring.namespace=observability"]);
        const [sm] = manifests(r, "ServiceMonitor");
        assert.equal(sm.metadata.namespace, "observability");
        assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ["production"] });
        const [policy] = manifests(r, "NetworkPolicy", SCRAPE_POLICY);
        assert.equal(policy.metadata.namespace, "production");
        assert.deepEqual(policy.spec.ingress, [{ from: [nsSelector("observability")], ports: [{ protocol: "TCP", port: "metrics" }] }]);
        // The report dashboard goes where Grafana's sidecar reads (there is no key to disagree with).
        assert.equal(manifests(r, "ConfigMap", "itops-monthly-report-dashboard")[0].metadata.namespace, "observability");
        const prometheus = { namespace: "observability", service: "kube-prometheus-stack-prometheus", port: 9090, url: "http://kube-prometheus-stack-prometheus.observability.svc.cluster.local:9090" };
        assert.deepEqual(r.outputs.prometheus, prometheus);
        const env = r.outputs.verifyEnv as Record<string, string>;
        assert.deepEqual(
            [env.VERIFY_MONITORING_NAMESPACE, env.VERIFY_PROMETHEUS_NAMESPACE, env.VERIFY_PROMETHEUS_SERVICE, env.VERIFY_PROMETHEUS_PORT],
            ["observability", "observability", "kube-prometheus-stack-prometheus", "9090"],
        );
        // The chart's release is installed into the same namespace: the derived Service is the chart's.
        const release = r.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && x.inputs.chart === "kube-prometheus-stack");
        assert.ok(release, "the kube-prometheus-stack release is rendered");
        assert.equal(release.inputs.namespace, "observability");
        assert.equal(`${release.inputs.name}-prometheus`, prometheus.service);
    });

    it("staging --set monitoring.namespace=observability: the load test's remote write and its egress allow follow too", async () => {
        const r = await render("staging", ["monitoring.namespace=observability"]);
        const env = manifests(r, "Job")[0].spec.template.spec.containers[0].env as { name: string; value: string }[];
        assert.equal(env.find((e) => e.name === "K6_PROMETHEUS_RW_SERVER_URL")!.value, "http://kube-prometheus-stack-prometheus.observability.svc.cluster.local:9090/api/v1/write");
        const egress = JSON.stringify(manifests(r, "NetworkPolicy", "k6-allow-egress")[0].spec.egress);
        assert.match(egress, /"kubernetes\.io\/metadata\.name":"observability"/);
        assert.doesNotMatch(egress, /"kubernetes\.io\/metadata\.name":"monitoring"/);
        assert.deepEqual(manifests(r, "NetworkPolicy", SCRAPE_POLICY)[0].spec.ingress[0].from, [nsSelector("observability")]);
    });

    it("production as shipped: the same facts in namespace monitoring (the stack file no longer repeats them)", async () => {
        const r = await render("production");
        assert.deepEqual(manifests(r, "NetworkPolicy", SCRAPE_POLICY)[0].spec.ingress[0].from, [nsSelector("monitoring")]);
        assert.equal(manifests(r, "ServiceMonitor")[0].metadata.namespace, "monitoring");
        assert.deepEqual(r.outputs.prometheus, prometheusEndpoint({ mode: "helm", namespace: "monitoring" }));
    });

    it("existing-operator: the objects go to monitoring.namespace, scrapes are admitted from monitoring.prometheus.namespace", async () => {
        const r = await render("local", [...EXISTING_OPERATOR_SETS, "monitoring.namespace=itops-monitoring", 'monitoring.prometheus={"namespace":"prometheus-system","service":"prometheus-k8s"}']);
        assert.equal(manifests(r, "ServiceMonitor")[0].metadata.namespace, "itops-monitoring");
        assert.equal(manifests(r, "PrometheusRule")[0].metadata.namespace, "itops-monitoring");
        assert.deepEqual(manifests(r, "NetworkPolicy", SCRAPE_POLICY)[0].spec.ingress, [{ from: [nsSelector("prometheus-system")], ports: [{ protocol: "TCP", port: "metrics" }] }]);
        assert.deepEqual(r.outputs.prometheus, { namespace: "prometheus-system", service: "prometheus-k8s", port: 9090, url: "http://prometheus-k8s.prometheus-system.svc.cluster.local:9090" });
    });

    it("existing-operator without monitoring.prometheus: the operator's prometheus-operated in monitoring.namespace", async () => {
        const r = await render("local", [...EXISTING_OPERATOR_SETS, "monitoring.namespace=observability"]);
        assert.deepEqual(manifests(r, "NetworkPolicy", SCRAPE_POLICY)[0].spec.ingress[0].from, [nsSelector("observability")]);
        assert.deepEqual(r.outputs.prometheus, { namespace: "observability", service: "prometheus-operated", port: 9090, url: "http://prometheus-operated.observability.svc.cluster.local:9090" });
    });

    const exits2: [what: string, stack: string, sets: string[], line: RegExp][] = [
        ["the removed app.monitoringNamespace", "production", ["app.monitoringNamespace=monitoring"], /^error: it-ops-infra:app\.monitoringNamespace is no longer a key: the monitoring namespace is set once, in monitoring\.namespace/],
        ["the removed migration.gate.prometheusNamespace", "production", ["migration.gate.prometheusNamespace=monitoring"], /^error: it-ops-infra:migration\.gate\.prometheusNamespace is no longer a key: the gate's Prometheus is derived: monitoring\.prometheus\.namespace/],
        ["monitoring.prometheus.namespace in mode helm", "production", ["monitoring.prometheus.namespace=observability"], /^error: it-ops-infra:monitoring\.prometheus\.namespace is derived from the chart in monitoring\.mode helm/],
        ["a sizing key of monitoring.prometheus in mode existing-operator", "local", [...EXISTING_OPERATOR_SETS, "monitoring.prometheus.replicas=2"], /^error: it-ops-infra:monitoring\.prometheus\.replicas is only used with monitoring\.mode helm/],
        ["a bad monitoring.prometheus.service", "local", [...EXISTING_OPERATOR_SETS, "monitoring.prometheus.service=Prometheus"], /^error: it-ops-infra:monitoring\.prometheus\.service must be a DNS-1123 label/],
        ["a bad monitoring.prometheus.port", "local", [...EXISTING_OPERATOR_SETS, "monitoring.prometheus.port=0"], /^error: it-ops-infra:monitoring\.prometheus\.port must be an integer >= 1 and <= 65535, got 0/],
    ];
    for (const [what, stack, sets, line] of exits2) {
        it(`exit 2 for ${what}, naming the key`, async () => {
            const r = await synthInProcess(["--stack", stack, "--quiet", ...sets.flatMap((s) => ["--set", s])]);
            assert.equal(r.code, 2, r.stderr);
            assert.match(r.stderr, line);
        });
    }
});

describe("the workload's names, port and job are derived, not re-typed", () => {
    it("production --set app.name=web with a migration: ServiceMonitor, alert job, migration alert, gate selector and route backend all say web", async () => {
        const r = await render("production", ["app.name=web", "migration.enabled=true", "migration.dataStrategy=shared", "migration.stage=1"]);
        const [svc] = manifests(r, "Service", "web");
        assert.deepEqual(svc.spec.ports.map((p: { name: string }) => p.name), ["http", "metrics"]);
        const [sm] = manifests(r, "ServiceMonitor");
        assert.deepEqual([sm.spec.selector.matchLabels, sm.spec.jobLabel, sm.spec.endpoints[0].port], [{ app: "web" }, "app", "metrics"]);
        // The catalogue's PrometheusRule and the Migration component's own.
        const groups = manifests(r, "PrometheusRule").flatMap((p) => p.spec.groups as { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[]);
        const rules = groups.flatMap((g) => g.rules);
        assert.match(rules.find((x) => x.alert === "ItOpsSystemDown")!.expr, /job="web"/);
        assert.equal(rules.find((x) => x.alert === "MigrationNewSystemErrorRatioHigh")!.labels.service, "web");
        assert.match(rules.find((x) => x.alert === "MigrationNewSystemErrorRatioHigh")!.expr, /namespace="production",service="web"/);
        assert.equal(r.outputs.migrationGateSelector, 'namespace="production",service="web"');
        const backends = JSON.stringify(r.resources.filter((x) => /HTTPRoute|Ingress/.test(String(x.inputs.kind))).map((x) => x.inputs.spec));
        assert.match(backends, /"name":"web"/, "the route's new-system backend is the workload's Service");
    });
});

describe("trace: migration.replicas.new beyond app.maxReplicas", () => {
    const LINE = "error: it-ops-infra:migration.replicas.new must not exceed app.maxReplicas (12): the new system runs that many replicas during the migration, got 20\n";
    for (const sets of [["migration.replicas.new=20"], ["migration.enabled=true", "migration.replicas.new=20"]]) {
        it(`production --set ${sets.join(" --set ")}: exit 2 naming the key, not a component error`, async () => {
            const r = await synthInProcess(["--stack", "production", "--quiet", ...sets.flatMap((s) => ["--set", s])]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr, LINE);
            assert.doesNotMatch(r.stderr + r.stdout, /ItOpsApp|args\.maxReplicas/);
        });
    }
    it("at app.maxReplicas it renders, with the workload's autoscaler at that maximum", async () => {
        const r = await render("production", ["migration.enabled=true", "migration.replicas.new=12"]);
        const [hpa] = manifests(r, "HorizontalPodAutoscaler");
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [12, 12]);
    });
});
