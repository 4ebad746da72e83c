/**
 * `pulumi preview` shows a Migration node when the migration is enabled (issue #14): in every
 * stack's render, one `itops:migration:Migration` parents the route, the old system's replica
 * patch, the data copy Job and the alert group; every object the migration deploys sits in its
 * subtree (engine URN under `itops:migration:Migration$`), and the `migration` output is its plan.
 * A stack whose file leaves the migration off has no such node.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderTree } from "../tools/render/tree";
import { all, one, render } from "./helpers";
import { MIGRATION_SETS } from "./support/migration-sets";

const STACKS = ["staging", "production", "local"] as const;

describe("the Migration node", () => {
    for (const stack of STACKS) {
        it(`${stack} as its stack file is: a Migration node exactly when migration.enabled`, async () => {
            const r = await render(stack);
            assert.equal(all(r, "itops:migration:Migration").length, r.config.migration.enabled ? 1 : 0);
        });

        it(`${stack} with its migration enabled: one Migration parents the route, the old replicas, the data copy and the alert group`, async () => {
            const sets = MIGRATION_SETS[stack];
            const r = await render(stack, [...sets]);
            const m = one(r, "itops:migration:Migration", "itops-migration");
            assert.match(m.parent ?? "", new RegExp(`::pulumi:pulumi:Stack::it-ops-infra-${stack}$`), "at the root of the stack");
            const hasCopy = sets.some((s) => s.startsWith("migration.copy.runId="));
            const children = r.resources.filter((x) => x.parent === m.urn).map((x) => `${x.type} ${x.name}`).sort();
            assert.deepEqual(children, [
                ...(hasCopy ? ["itops:migration:DataCopyJob itops-migration-copy"] : []),
                "itops:migration:DeploymentReplicas itops-migration-old-replicas",
                "itops:migration:WeightedRoute itops-migration-route",
                "itops:monitoring:AlertRules itops-migration-alerts",
            ]);
            // Every object the migration deploys is in the Migration's subtree, as the engine sees it.
            const deployed = r.resources.filter(
                (x) =>
                    x.custom &&
                    (/:(HTTPRoute|Gateway|ReferenceGrant|DeploymentPatch)$/.test(x.type) ||
                        x.name.startsWith("itops-migration") ||
                        (x.type === "kubernetes:networking.k8s.io/v1:Ingress" && x.name.startsWith("itops-migration"))),
            );
            assert.ok(deployed.length >= (hasCopy ? 6 : 3), deployed.map((x) => x.name).join(", "));
            for (const x of deployed) assert.match(x.engineUrn ?? "", /::itops:migration:Migration\$/, `${x.type} ${x.name}`);
            // The plan is the stack output.
            const out = r.outputs.migration as Record<string, unknown>;
            const cfg = r.config.migration;
            assert.ok(cfg.enabled);
            assert.equal(out.stage, cfg.stage);
            assert.equal(out.newWeight, cfg.steps[cfg.stage]);
            assert.equal(out.oldWeight, 100 - cfg.steps[cfg.stage]);
            assert.equal(out.dataCopyJob, hasCopy ? `${r.config.app.namespace}/itops-data-copy-${cfg.copy!.runId}` : undefined);
            // The offline render's tree (what `pulumi preview` lists) shows the node.
            assert.match(renderTree(r), /─ itops-migration \(itops:migration:Migration\) — \d+ resources/);
        });
    }
});
