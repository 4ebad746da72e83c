/**
 * Stack-level tests of the migration on the production render (issue #6 acceptance).
 *
 * For every stage of the default steps with `dataStrategy: shared`, in both routing modes, the
 * render routes exactly `steps[stage]` % to the new system; between any two stages only route
 * weights and replica counts differ — no object is added or removed, and no field that would
 * replace an object (metadata.name/namespace, selectors, ...) changes.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RenderedResource } from "../tools/render/render";
import { all, manifests, render } from "./helpers";


const STEPS = [0, 10, 25, 50, 100];
const MODES = ["gateway", "nginx"] as const;
const CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";

const sets = (mode: string, stage: number, extra: string[] = []) => [
    "migration.enabled=true",
    "migration.dataStrategy=shared",
    `migration.routing=${mode}`,
    `migration.stage=${stage}`,
    ...extra,
];
const renderStage = (mode: string, stage: number, extra: string[] = []) => render("production", sets(mode, stage, extra));

/** The new system's share as the rendered objects carry it. */
function newShare(r: { resources: RenderedResource[] }, mode: string): { old: number; new: number } {
    if (mode === "gateway") {
        const routes = manifests(r, "HTTPRoute");
        assert.equal(routes.length, 1, "expected exactly one HTTPRoute");
        const split = routes[0].spec.rules.find((x: any) => !x.matches[0].headers);
        const byNs = Object.fromEntries(split.backendRefs.map((b: any) => [b.namespace === "legacy" ? "old" : "new", b.weight]));
        return { old: byNs.old, new: byNs.new };
    }
    const canary = manifests(r, "Ingress").filter((i) => i.metadata.annotations?.["nginx.ingress.kubernetes.io/canary"] === "true");
    assert.equal(canary.length, 1, "expected exactly one canary Ingress");
    const w = Number(canary[0].metadata.annotations[CANARY_WEIGHT]);
    return { old: 100 - w, new: w };
}

/** Inputs with the fields a stage may change blanked out. */
function withoutStageFields(x: RenderedResource): unknown {
    const i = structuredClone(x.inputs) as any;
    if (i.kind === "HTTPRoute") for (const rule of i.spec.rules) for (const b of rule.backendRefs) if ("weight" in b) b.weight = "<weight>";
    if (i.kind === "Ingress" && i.metadata.annotations?.[CANARY_WEIGHT] !== undefined) i.metadata.annotations[CANARY_WEIGHT] = "<weight>";
    if (i.kind === "Deployment" && i.spec?.replicas !== undefined) i.spec.replicas = "<replicas>";
    return { type: x.type, parent: x.parent, options: x.options, inputs: i };
}

/** Fields that make Kubernetes (or the provider) replace an object. */
function replaceKeys(x: RenderedResource): unknown {
    const i = x.inputs as any;
    return { apiVersion: i.apiVersion, kind: i.kind, name: i.metadata?.name, namespace: i.metadata?.namespace, selector: i.spec?.selector, template: i.spec?.template?.metadata?.labels, type: x.type };
}

function assertOnlyStageFieldsDiffer(a: { resources: RenderedResource[] }, b: { resources: RenderedResource[] }, what: string) {
    const ua = a.resources.map((x) => x.urn);
    const ub = b.resources.map((x) => x.urn);
    assert.deepEqual(ub, ua, `${what}: the same objects (nothing created or deleted)`);
    for (let i = 0; i < a.resources.length; i++) {
        assert.deepEqual(replaceKeys(b.resources[i]), replaceKeys(a.resources[i]), `${what}: nothing replaced (${a.resources[i].urn})`);
        assert.deepEqual(withoutStageFields(b.resources[i]), withoutStageFields(a.resources[i]), `${what}: only weights and replica counts differ (${a.resources[i].urn})`);
    }
}

describe("migration on the production stack", () => {
    for (const mode of MODES) {
        describe(`${mode} routing`, () => {
            for (let stage = 0; stage < STEPS.length; stage++) {
                it(`stage ${stage} routes exactly ${STEPS[stage]} % to the new system and the rest to the old one`, async () => {
                    const r = await renderStage(mode, stage);
                    assert.deepEqual(newShare(r, mode), { old: 100 - STEPS[stage], new: STEPS[stage] });
                    assert.deepEqual((r.outputs.migration as any)?.newWeight, STEPS[stage]);
                });
            }

            for (let stage = 0; stage + 1 < STEPS.length; stage++) {
                it(`stage ${stage} ↔ ${stage + 1}: only route weights and replica counts differ, nothing is replaced`, async () => {
                    const [a, b] = await Promise.all([renderStage(mode, stage), renderStage(mode, stage + 1)]);
                    assertOnlyStageFieldsDiffer(a, b, `${mode} ${stage}→${stage + 1}`);
                    const weighted = b.resources.filter((x) => JSON.stringify(withoutStageFields(x)) !== JSON.stringify({ type: x.type, parent: x.parent, options: x.options, inputs: x.inputs }));
                    assert.ok(weighted.length >= 1, "the weights are carried by the route");
                });
            }

            it("any stage to any other changes only weights and replica counts", async () => {
                const renders = await Promise.all(STEPS.map((_, s) => renderStage(mode, s)));
                for (let i = 0; i < renders.length; i++) for (let j = i + 2; j < renders.length; j++) assertOnlyStageFieldsDiffer(renders[i], renders[j], `${mode} ${i}→${j}`);
            });

            it("rollback to 0 renders the same routing as before the migration began", async () => {
                const before = await renderStage(mode, 0);
                const rolledBack = await render("production", sets(mode, 3, ["migration.stage=0"]));
                assert.deepEqual(rolledBack.resources, before.resources);
                assert.deepEqual(newShare(rolledBack, mode), { old: 100, new: 0 });
            });

            it("retiring the old system at the final stage changes only its replica count", async () => {
                const [a, b] = await Promise.all([renderStage(mode, 4), renderStage(mode, 4, ["migration.retireOld=true"])]);
                const patch = (r: typeof a) => all(r, "kubernetes:apps/v1:DeploymentPatch").map((x) => (x.inputs as any).spec.replicas);
                assert.deepEqual(patch(a), [2]);
                assert.deepEqual(patch(b), [0]);
                // The same objects (retiring only reorders: the old system is scaled down after the route moved).
                assert.deepEqual(b.resources.map((x) => x.urn).sort(), a.resources.map((x) => x.urn).sort());
                const byUrn = new Map(a.resources.map((x) => [x.urn, x]));
                for (const x of b.resources) {
                    assert.deepEqual(replaceKeys(x), replaceKeys(byUrn.get(x.urn)!), x.urn);
                    if (x.type !== "kubernetes:apps/v1:DeploymentPatch") assert.deepEqual(x.inputs, byUrn.get(x.urn)!.inputs, x.urn);
                }
            });
        });
    }

    it("the new system runs the migration's replica count (3) and the old one 2 while both run", async () => {
        const r = await renderStage("gateway", 2);
        assert.deepEqual(manifests(r, "Deployment", "it-ops-system").map((d) => d.spec.replicas), [3]);
        assert.deepEqual(all(r, "kubernetes:apps/v1:DeploymentPatch").map((x) => (x.inputs as any).spec.replicas), [2]);
    });

    it("with cutover, stage 1 (10 %) is refused with a message about split writes", async () => {
        await assert.rejects(render("production", ["migration.enabled=true", "migration.stage=1"]), /splits the writes/);
    });
});
