/**
 * Every Kubernetes object of both stacks validates against its upstream schema (Kubernetes
 * OpenAPI via kubernetes-models, Prometheus Operator and Gateway API CRDs via
 * @kubernetes-models/*), in the rendering and in the YAML files the synth writes. The validator
 * itself rejects broken manifests and unknown kinds.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { loadSchemaValidator } from "../tools/render/schema";
import { isManifest, isPatch, manifestFileName, writeRendering } from "../tools/render/write";
import { render } from "./helpers";

for (const [stack, sets] of [["staging", []], ["production", []], ["production", ["app.split=true"]], ["local", []]] as [string, string[]][]) {
    describe(`schema validation: ${stack} ${sets.join(" ")}`, () => {
        it("every rendered Kubernetes object validates against its schema", async () => {
            const v = await loadSchemaValidator();
            const r = await render(stack, sets);
            const objects = r.resources.filter(isManifest);
            assert.ok(objects.length >= 12, `${objects.length} objects`);
            const failures = objects
                .map((o) => v.validate(o.inputs, { patch: isPatch(o) }))
                .filter((x) => x.problems.length)
                .map((x) => `${x.object}: ${x.problems.join("; ")}`);
            assert.deepEqual(failures, []);
            assert.ok(objects.every((o) => isPatch(o) || v.validate(o.inputs).checked === "schema"), "non-patch objects were checked against the full schema");
        });

        it("every YAML file the synth writes under manifests/ is a valid object; Secrets hold per-key placeholders", async () => {
            const v = await loadSchemaValidator();
            const r = await render(stack, sets);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-schema-"));
            writeRendering(r, dir);
            const files = fs.readdirSync(path.join(dir, stack, "manifests"));
            assert.deepEqual(files.sort(), r.resources.filter(isManifest).map(manifestFileName).sort());
            let secrets = 0;
            for (const f of files) {
                const doc = YAML.parse(fs.readFileSync(path.join(dir, stack, "manifests", f), "utf8"));
                const res = v.validate(doc, { patch: f.endsWith(".patch.yaml") });
                assert.deepEqual(res.problems, [], `${f}: ${res.problems.join("; ")}`);
                if (!f.endsWith(".patch.yaml")) assert.equal(res.checked, "schema", `${f} is checked against the full schema`);
                if (doc.kind === "Secret") {
                    secrets++;
                    // Per-key placeholders: the keys stay (a valid object), every value is redacted.
                    assert.equal(doc.data, undefined, `${f}: no data field`);
                    assert.ok(doc.stringData && typeof doc.stringData === "object" && Object.keys(doc.stringData).length > 0, `${f}: stringData is a map`);
                    for (const [k, val] of Object.entries(doc.stringData)) assert.equal(val, "[secret]", `${f}: stringData.${k}`);
                }
            }
            assert.ok(secrets >= 2, `${secrets} Secrets checked`);
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });
}

describe("the schema validator", () => {
    const deployment = () => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "x", namespace: "production" },
        spec: { replicas: 1, selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "x", image: "r.azurecr.io/x:1" }] } } },
    });

    it("accepts a valid Deployment", async () => {
        const v = await loadSchemaValidator();
        assert.deepEqual(v.validate(deployment()).problems, []);
    });

    it("rejects a broken manifest: wrong types, a missing required field", async () => {
        const v = await loadSchemaValidator();
        const d = deployment() as any;
        d.spec.replicas = "three";
        delete d.spec.template.spec.containers[0].name;
        d.spec.template.spec.containers[0].ports = [{ containerPort: "http" }];
        const res = v.validate(d);
        assert.equal(res.checked, "schema");
        const text = res.problems.join("\n");
        assert.match(text, /\/spec\/replicas must be integer/);
        assert.match(text, /containers\/0 must have required property name/);
        assert.match(text, /containerPort must be integer/);
    });

    it("rejects a Deployment without selector, a Service port that is not a number, a bad NetworkPolicy", async () => {
        const v = await loadSchemaValidator();
        const d = deployment() as any;
        delete d.spec.selector;
        assert.match(v.validate(d).problems.join(), /selector/);
        assert.match(v.validate({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: "eighty" }] } }).problems.join(), /\/spec\/ports\/0\/port must be integer/);
        assert.match(v.validate({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n" }, spec: { podSelector: {}, policyTypes: "Ingress" } }).problems.join(), /policyTypes must be array/);
    });

    it("an unknown kind or apiVersion FAILS instead of passing silently", async () => {
        const v = await loadSchemaValidator();
        const res = v.validate({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } });
        assert.equal(res.checked, "unknown-kind");
        assert.match(res.problems[0], /no schema for example\.com\/v1\/Widget/);
        assert.equal(v.validate({ apiVersion: "apps/v1beta9", kind: "Deployment", metadata: { name: "x" } }).problems.length, 1);
        assert.equal(v.validate({ kind: "Deployment" }).problems.length, 1, "no apiVersion");
    });

    it("knows the kinds the other parts add: CronJob, Job, ConfigMap, Secret, Ingress, ServiceMonitor, PrometheusRule, HTTPRoute, Gateway", async () => {
        const v = await loadSchemaValidator();
        for (const [apiVersion, kind] of [
            ["batch/v1", "CronJob"],
            ["batch/v1", "Job"],
            ["v1", "ConfigMap"],
            ["v1", "Secret"],
            ["networking.k8s.io/v1", "Ingress"],
            ["monitoring.coreos.com/v1", "ServiceMonitor"],
            ["monitoring.coreos.com/v1", "PrometheusRule"],
            ["gateway.networking.k8s.io/v1", "HTTPRoute"],
            ["gateway.networking.k8s.io/v1", "Gateway"],
        ]) {
            assert.ok(v.knows(apiVersion, kind), `${apiVersion}/${kind}`);
        }
    });

    it("validates CRD objects against their CRD schema", async () => {
        const v = await loadSchemaValidator();
        const sm = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m", namespace: "production" }, spec: { selector: { matchLabels: { app: "it-ops-system" } }, endpoints: [{ port: "metrics", interval: "30s" }] } };
        assert.deepEqual(v.validate(sm).problems, []);
        assert.ok(v.validate({ ...sm, spec: { ...sm.spec, endpoints: [{ port: "metrics", interval: "thirty" }] } }).problems.length > 0, "interval must be a duration");
        const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r" }, spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "it-ops-system", port: 8080, weight: 10 }] }] } };
        assert.deepEqual(v.validate(route).problems, []);
        assert.ok(v.validate({ ...route, spec: { rules: [{ backendRefs: [{ name: "x", port: 8080, weight: -1 }] }] } }).problems.length > 0, "negative weight");
    });

    it("patches: the kind must be known and the target named; the partial body is not schema-checked", async () => {
        const v = await loadSchemaValidator();
        const patch = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "old-system", namespace: "production" }, spec: { replicas: 2 } };
        assert.deepEqual(v.validate(patch, { patch: true }), { object: "apps/v1/Deployment production/old-system", problems: [], checked: "patch" });
        assert.equal(v.validate({ ...patch, metadata: {} }, { patch: true }).problems.length, 1);
        assert.equal(v.validate({ ...patch, kind: "Deploymnet" }, { patch: true }).checked, "unknown-kind");
    });

    it("a redacted Secret is a map of keys to [secret]; the old whole-field string is not a valid Secret", async () => {
        const v = await loadSchemaValidator();
        assert.deepEqual(v.validate({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { uri: "[secret]" } }).problems, []);
        assert.ok(v.validate({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: "[secret]" }).problems.length > 0);
        assert.ok(v.validate({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: "plain" }).problems.length > 0);
    });
});
