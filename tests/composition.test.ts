/**
 * How the parts are wired together per stack: monitoring watches the deployed workload, the load
 * test targets it and can push its metrics, and every part's alerts are in the one catalogue.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manifests, render } from "./helpers";

describe("composition", () => {
    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: the ServiceMonitor selects the workload's Service in the workload's namespace`, async () => {
            const r = await render(stack);
            const [sm] = manifests(r, "ServiceMonitor");
            const [svc] = manifests(r, "Service", "it-ops-system");
            assert.equal(svc.metadata.namespace, r.config.app.namespace);
            assert.deepEqual(sm.spec.namespaceSelector, { matchNames: [r.config.app.namespace] });
            for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, `Service carries ${k}`);
            assert.ok(svc.spec.ports.some((p: any) => p.name === sm.spec.endpoints[0].port), "the endpoint port is a named port of the Service");
            assert.equal(sm.spec.endpoints[0].interval, "30s");
        });

        it(`${stack}: the alert catalogue holds the monitoring and backup groups, about the workload's namespace`, async () => {
            const r = await render(stack);
            const rules = manifests(r, "PrometheusRule");
            assert.equal(rules.length, 1);
            const groups = rules[0].spec.groups as any[];
            assert.ok(groups.some((g) => g.name === "mongodb-backup"));
            const down = groups.flatMap((g) => g.rules).find((x: any) => x.alert === "ItOpsSystemDown");
            assert.match(down.expr, new RegExp(`namespace="${r.config.app.namespace}"`));
        });
    }

    it("staging: the load test targets the workload's Service and Prometheus accepts its remote writes", async () => {
        const r = await render("staging");
        const [job] = manifests(r, "Job").filter((j) => j.metadata.namespace === "load-test");
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        assert.equal(env.TARGET_URL, "http://it-ops-system.staging.svc.cluster.local:8080/");
        const release = r.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release")!;
        assert.equal((release.inputs.values as any).prometheus.prometheusSpec.enableRemoteWriteReceiver, true);
    });

    it("staging: a configured targetUrl (e.g. the public route) is the one the load goes to", async () => {
        const r = await render("staging", ["verification.loadTest.targetUrl=https://itops.staging.example.com/"]);
        const [job] = manifests(r, "Job").filter((j) => j.metadata.namespace === "load-test");
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        assert.equal(env.TARGET_URL, "https://itops.staging.example.com/");
    });

    it("production: no load test, so Prometheus accepts no remote writes", async () => {
        const r = await render("production");
        assert.equal(manifests(r, "Job").filter((j) => j.metadata.namespace === "load-test").length, 0);
        const release = r.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release")!;
        assert.equal((release.inputs.values as any).prometheus.prometheusSpec.enableRemoteWriteReceiver, undefined);
    });

    it("production with a migration: its error-ratio alert is the Migration's own PrometheusRule beside the catalogue", async () => {
        const r = await render("production", ["migration.enabled=true", "migration.dataStrategy=shared", "migration.stage=1"]);
        const [rule] = manifests(r, "PrometheusRule", "itops-migration-alerts");
        assert.equal(rule.metadata.namespace, "monitoring");
        assert.deepEqual(rule.spec.groups.map((g: any) => [g.name, g.rules.map((x: any) => [x.alert, x.labels.severity])]), [["itops-migration", [["MigrationNewSystemErrorRatioHigh", "level2"]]]]);
        const catalogue = manifests(r, "PrometheusRule", "it-ops-alerts")[0].spec.groups as any[];
        assert.ok(!catalogue.some((g) => g.name === "itops-migration"), "not twice");
        // Mode helm: the rule waits for the Prometheus Operator CRDs.
        const prometheusRule = r.resources.find((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && x.name === "itops-migration-alerts")!;
        assert.ok(prometheusRule.options.dependsOn?.some((u) => u.endsWith("::itops-monitoring-crds")), JSON.stringify(prometheusRule.options.dependsOn));
    });
});
