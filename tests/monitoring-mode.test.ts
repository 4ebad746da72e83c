/**
 * `monitoring.mode`: `helm` (default, the project's own kube-prometheus-stack) and `existing-operator`
 * (only the project's monitoring objects, for a cluster that already runs the Prometheus Operator):
 * config parsing with its errors, and what each mode renders.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { alertmanagerConfig, ALERTMANAGER_CONFIG_KEY, ALERTMANAGER_RECEIVER_SECRET, alertmanagerConfigSecretData } from "../components/monitoring";
import { ConfigError, parseStackConfig } from "../infra/config";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { alertmanagerConfigOf } from "../tools/render/write";
import { all, manifests, PROJECT_DIR, render } from "./helpers";
import { run, tempFiles } from "./tools";

/** The local stack switched to mode existing-operator (the helm-only keys removed). */
export const EXISTING_OPERATOR_SETS = [
    "monitoring.mode=existing-operator",
    "monitoring.storageClass=null",
    "monitoring.prometheus=null",
    "monitoring.alertmanager=null",
    "monitoring.grafana=null",
];
const LABELS = 'monitoring.existingOperator.labels={"release":"kube-prometheus-stack"}';

function parse(stack: string, sets: string[]) {
    let raw = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
    for (const s of sets) raw = applySet(raw, s);
    return parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true }).config.monitoring;
}

describe("monitoring.mode (config)", () => {
    it("defaults to helm, with today's keys", () => {
        for (const stack of ["staging", "production", "local"]) {
            const m = parse(stack, []);
            assert.equal(m.mode, "helm", stack);
            assert.ok(m.mode === "helm" && m.prometheus.replicas >= 1);
        }
    });

    it("existing-operator: labels, config Secret name and the operator's default Alertmanager retention", () => {
        const m = parse("local", [...EXISTING_OPERATOR_SETS, LABELS]);
        assert.ok(m.mode === "existing-operator");
        assert.deepEqual(m.existingOperator, { labels: { release: "kube-prometheus-stack" }, alertmanagerConfigSecretName: "itops-alertmanager-config", alertmanagerRetention: "120h" });
        assert.equal(m.namespace, "monitoring");
        assert.equal(m.oncall.timezone, "Asia/Tokyo");
        const noLabels = parse("local", EXISTING_OPERATOR_SETS);
        assert.ok(noLabels.mode === "existing-operator");
        assert.deepEqual(noLabels.existingOperator.labels, {});
    });

    const bad: [string, string[], string, RegExp][] = [
        ["an unknown mode", ["monitoring.mode=operator"], "it-ops-infra:monitoring.mode", /must be one of helm, existing-operator, got "?operator"?/],
        ...(["storageClass", "prometheus", "alertmanager", "grafana"] as const).map((k): [string, string[], string, RegExp] => [
            `${k} in mode existing-operator`,
            EXISTING_OPERATOR_SETS.filter((s) => !s.startsWith(`monitoring.${k}=`)),
            `it-ops-infra:monitoring.${k}`,
            /is only used with monitoring\.mode helm \(it sizes the project's own kube-prometheus-stack\); remove it in mode existing-operator/,
        ]),
        ["existingOperator in mode helm", [LABELS], "it-ops-infra:monitoring.existingOperator", /is only used with monitoring\.mode existing-operator/],
        ["a bad label key", [...EXISTING_OPERATOR_SETS, 'monitoring.existingOperator.labels={"-x":"y"}'], "it-ops-infra:monitoring.existingOperator.labels.-x", /must be keyed by a Kubernetes label key/],
        ["a bad label value", [...EXISTING_OPERATOR_SETS, 'monitoring.existingOperator.labels={"release":"kube prometheus"}'], "it-ops-infra:monitoring.existingOperator.labels.release", /must be a Kubernetes label value/],
        ["a bad Secret name", [...EXISTING_OPERATOR_SETS, "monitoring.existingOperator.alertmanagerConfigSecretName=Bad_Name"], "it-ops-infra:monitoring.existingOperator.alertmanagerConfigSecretName", /DNS-1123/],
        ["a bad retention", [...EXISTING_OPERATOR_SETS, "monitoring.existingOperator.alertmanagerRetention=5 days"], "it-ops-infra:monitoring.existingOperator.alertmanagerRetention", /must be a duration/],
        [
            "a level-4 repeat beyond the existing Alertmanager's retention",
            [...EXISTING_OPERATOR_SETS, "monitoring.existingOperator.alertmanagerRetention=72h"],
            "it-ops-infra:monitoring.oncall.repeatIntervals.level4",
            /must be shorter than monitoring\.existingOperator\.alertmanagerRetention \(72h\)/,
        ],
        ["an unknown existingOperator key", [...EXISTING_OPERATOR_SETS, "monitoring.existingOperator.release=x"], "it-ops-infra:monitoring.existingOperator.release", /is not a known setting/],
    ];
    for (const [what, sets, key, message] of bad) {
        it(`rejects ${what}, naming ${key}`, () => {
            assert.throws(
                () => parse("local", sets),
                (e: unknown) => e instanceof ConfigError && e.message.startsWith(key) && message.test(e.message),
            );
        });
    }
});

describe("monitoring.mode existing-operator (render of the local stack)", () => {
    it("deploys only the project's monitoring objects: no chart, no CRDs, no Grafana password, no namespace", async () => {
        const r = await render("local", [...EXISTING_OPERATOR_SETS, LABELS]);
        assert.deepEqual(r.resources.filter((x) => x.type.startsWith("kubernetes:helm.sh/") || x.type.startsWith("random:")).map((x) => x.type), []);
        assert.deepEqual(manifests(r, "Namespace").map((n) => n.metadata.name), ["local"], "only the app namespace: the monitoring namespace is the existing stack's");
        assert.deepEqual(manifests(r, "CustomResourceDefinition"), []);
        const monitoringObjects = r.resources
            .filter((x) => x.type.startsWith("kubernetes:") && (x.inputs.metadata as { namespace?: string } | undefined)?.namespace === "monitoring")
            .map((x) => `${x.inputs.kind}/${(x.inputs.metadata as { name: string }).name}`)
            .sort();
        assert.deepEqual(monitoringObjects, [
            "ConfigMap/alertmanager-zoneinfo",
            "ConfigMap/it-ops-dashboard",
            "ConfigMap/itops-monthly-report-dashboard",
            "PrometheusRule/it-ops-alerts",
            "Secret/alertmanager-receivers",
            "Secret/itops-alertmanager-config",
            "ServiceMonitor/it-ops-system",
        ]);
        for (const kind of ["ServiceMonitor", "PrometheusRule"]) {
            assert.deepEqual(manifests(r, kind)[0].metadata.labels, { release: "kube-prometheus-stack" }, kind);
        }
        assert.equal(all(r, "itops:monitoring:OperatorMonitoring").length, 1);
        assert.equal("grafanaAdminSecret" in r.outputs, false, "Grafana is not the stack's");
        assert.equal(r.outputs.monitoringNamespace, "monitoring");
    });

    it("gives the existing Alertmanager exactly the configuration mode helm gives the chart, and amtool accepts it", async () => {
        const helm = await render("local");
        const fromChart = alertmanagerConfigOf(helm);
        assert.ok(fromChart);
        const m = parse("local", EXISTING_OPERATOR_SETS);
        const config = alertmanagerConfig(m.oncall, { secretName: ALERTMANAGER_RECEIVER_SECRET }) as Record<string, unknown>;
        assert.deepEqual(config, fromChart);
        const data = alertmanagerConfigSecretData(config);
        assert.deepEqual(Object.keys(data), [ALERTMANAGER_CONFIG_KEY]);
        assert.deepEqual(YAML.parse(data[ALERTMANAGER_CONFIG_KEY]), fromChart);
        const dir = tempFiles({ "alertmanager.yaml": data[ALERTMANAGER_CONFIG_KEY] });
        const p = run("amtool", ["check-config", path.join(dir, "alertmanager.yaml")]);
        assert.equal(p.status, 0, p.stdout + p.stderr);
    });

    it("mode helm keeps the chart, the CRD chart and the Grafana password (staging)", async () => {
        const r = await render("staging");
        assert.equal(all(r, "kubernetes:helm.sh/v3:Release").length, 1);
        assert.equal(all(r, "random:index/randomPassword:RandomPassword", "itops-monitoring-grafana-admin-password").length, 1);
        assert.equal(all(r, "itops:monitoring:OperatorMonitoring").length, 0);
        assert.equal(r.outputs.grafanaAdminSecret, "grafana-admin");
    });
});
