/**
 * No Kubernetes object sends an empty map that the API server drops (labels, annotations,
 * matchLabels, nodeSelector, data, ...): the stored object would then never equal the inputs, and
 * every `pulumi preview` after `up` would show an update that never settles (the perpetual diff
 * of issue 13: the ServiceMonitor and PrometheusRule sent `metadata.labels: {}`).
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelsField } from "../components/shared/metadata";
import { isManifest } from "../tools/render/write";
import { render } from "./helpers";

/** Map-typed Kubernetes fields (`map[string]string` in the API): an empty one is dropped by the server. */
const MAP_FIELDS = new Set(["labels", "annotations", "matchLabels", "nodeSelector", "data", "stringData", "binaryData"]);

/** Paths of empty map-typed fields anywhere in `value`. */
export function emptyMaps(value: unknown, at = ""): string[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => emptyMaps(v, `${at}[${i}]`));
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const p = at ? `${at}.${k}` : k;
        const empty = MAP_FIELDS.has(k) && v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
        return empty ? [p] : emptyMaps(v, p);
    });
}

describe("emptyMaps", () => {
    it("finds empty map fields at any depth, and only those", () => {
        assert.deepEqual(emptyMaps({ metadata: { labels: {}, name: "x" }, spec: { template: { metadata: { annotations: {} } }, podSelector: {} } }), [
            "metadata.labels",
            "spec.template.metadata.annotations",
        ]);
        assert.deepEqual(emptyMaps({ spec: { containers: [{ env: [], resources: {} }] }, metadata: { labels: { a: "b" } } }), []);
    });
});

describe("labelsField", () => {
    it("leaves labels out when there are none", () => {
        assert.deepEqual(labelsField(undefined), {});
        assert.deepEqual(labelsField({}), {});
        assert.deepEqual(labelsField({ a: "b" }), { labels: { a: "b" } });
    });
});

const RENDERS: { name: string; stack: string; sets: string[] }[] = [
    { name: "staging", stack: "staging", sets: [] },
    { name: "production", stack: "production", sets: [] },
    { name: "local", stack: "local", sets: [] },
    { name: "production, migration (gateway, stage 2)", stack: "production", sets: ["migration.enabled=true", "migration.dataStrategy=shared", "migration.routing=gateway", "migration.stage=2"] },
    { name: "production, migration (nginx, stage 2)", stack: "production", sets: ["migration.enabled=true", "migration.dataStrategy=shared", "migration.routing=nginx", "migration.stage=2"] },
];

describe("no rendered Kubernetes object sends an empty map (the API server drops it: a perpetual diff)", () => {
    for (const c of RENDERS) {
        it(c.name, async () => {
            const r = await render(c.stack, c.sets);
            const objects = r.resources.filter(isManifest);
            assert.ok(objects.length > 10, `only ${objects.length} objects rendered`);
            const found = objects.flatMap((o) => emptyMaps(o.inputs).map((p) => `${o.type} ${o.name}: ${p}`));
            assert.deepEqual(found, []);
        });
    }
});
