/**
 * No surprise for a deployed stack (issue #14): every stack rendered at the last commit before the
 * restructuring and at the working tree, through `npm run diff`'s own machinery (its base checkout
 * and the checkout's own synth; resources.json / urns.json; `urnChanges`). Deploying the head over
 * a stack deployed from the base must delete nothing and replace nothing: every base URN is still
 * there or is an alias of exactly one head resource.
 *
 * Each stack is checked as its stack file is and with its migration enabled (`--set`), so that the
 * resources the Migration component re-parented are covered. The base is a fixed commit (a deployed
 * stack's state is what it is); when it is not in the clone (a shallow clone), the test SKIPs and
 * says so. The base checkout borrows this tree's node_modules (no `npm ci`): its dependencies are a
 * subset of these.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { readRenderTree, UrnResource, urnChanges, urnResources } from "../tools/render/diff";
import type { Rendering } from "../tools/render/render";
import { PROJECT_DIR, render } from "./helpers";
import { MIGRATION_SETS } from "./support/migration-sets";
import { URN_BASE_COMMIT } from "./support/urn-base";


const CASES = ["staging", "production", "local"].flatMap((stack) => [
    { stack, sets: [] as readonly string[], what: "as its stack file is" },
    { stack, sets: MIGRATION_SETS[stack as keyof typeof MIGRATION_SETS], what: "with its migration enabled" },
]);

function git(args: string[]): { status: number | null; stdout: string; stderr: string } {
    return spawnSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8" });
}

/** Why the base cannot be rendered here, or undefined. */
function baseUnavailable(): string | undefined {
    if (git(["rev-parse", "--git-dir"]).status !== 0) return "not a git checkout";
    if (git(["cat-file", "-e", `${URN_BASE_COMMIT}^{commit}`]).status !== 0) {
        const shallow = git(["rev-parse", "--is-shallow-repository"]).stdout.trim() === "true";
        return `the base commit ${URN_BASE_COMMIT.slice(0, 7)} is not in this clone${shallow ? " (a shallow clone: git fetch --unshallow)" : ""}`;
    }
    return undefined;
}

/** The base renders of this process: one checkout, each (stack, sets) rendered once; kept in the run's render store. */
let checkout: { dir: string; tmp: string } | undefined;
const baseRenders = new Map<string, Promise<UrnResource[]>>();

async function baseResources(stack: string, sets: readonly string[]): Promise<UrnResource[]> {
    const key = crypto.createHash("sha256").update(JSON.stringify([URN_BASE_COMMIT, stack, sets])).digest("hex").slice(0, 24);
    if (!baseRenders.has(key)) {
        baseRenders.set(
            key,
            (async () => {
                const store = process.env.ITOPS_RENDER_STORE;
                const stored = store && fs.existsSync(store) ? path.join(store, `urn-base-${key}`) : undefined;
                if (stored && fs.existsSync(path.join(stored, "resources.json"))) return urnResources(readRenderTree(stored));
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                const cli = require("../tools/render/diff-cli") as typeof import("../tools/render/diff-cli");
                if (!checkout) {
                    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "itops-urn-base-"));
                    const dir = path.join(tmp, "base");
                    cli.prepareBase(URN_BASE_COMMIT, dir, { borrowModules: true });
                    checkout = { dir, tmp };
                }
                const out = fs.mkdtempSync(path.join(checkout.tmp, "out-"));
                const r = await cli.synth(checkout.dir, stack, out, sets);
                assert.equal(r.code, 0, `rendering ${stack} ${JSON.stringify(sets)} at the base failed:\n${r.stderr}`);
                const dir = path.join(out, stack);
                if (stored) {
                    fs.mkdirSync(stored, { recursive: true });
                    for (const f of ["urns.json", "resources.json"]) if (fs.existsSync(path.join(dir, f))) fs.copyFileSync(path.join(dir, f), path.join(stored, f));
                }
                return urnResources(readRenderTree(dir));
            })(),
        );
    }
    return baseRenders.get(key)!;
}

/** The head's resources as `npm run synth` writes them (resources.json and urns.json), read back by the diff's reader. */
async function headResources(rendering: Rendering): Promise<UrnResource[]> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const w = require("../tools/render/write") as typeof import("../tools/render/write");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-urn-head-"));
    try {
        w.writeResources(rendering, dir);
        w.writeUrns(rendering, dir);
        return urnResources(readRenderTree(dir));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

after(() => {
    if (checkout) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require("../tools/render/diff-cli") as typeof import("../tools/render/diff-cli")).removeBase(checkout.dir);
        fs.rmSync(checkout.tmp, { recursive: true, force: true });
    }
});

describe(`URN stability against ${URN_BASE_COMMIT.slice(0, 7)} (before issue #14)`, () => {
    const unavailable = baseUnavailable();
    for (const c of CASES) {
        it(`${c.stack} ${c.what}: nothing deleted or replaced; every moved URN is an alias`, async (t) => {
            if (unavailable) {
                process.stderr.write(`SKIP urn-stability: ${unavailable}\n`);
                t.skip(`SKIP: ${unavailable}`);
                return;
            }
            const [base, head] = await Promise.all([baseResources(c.stack, c.sets), render(c.stack, [...c.sets]).then(headResources)]);
            const all = urnChanges(base, head);
            // Issue 16: staging (database.mode managed) gains the MongoDatabase and its children, new
            // resources and nothing else; the external stacks gain none.
            const newDatabase = all.created.filter(isMongoDatabase);
            assert.equal(newDatabase.length > 0, c.stack === "staging", `the MongoDatabase is new in staging only: ${newDatabase.join(", ")}`);
            if (c.stack === "staging") assert.ok(newDatabase.includes("urn:pulumi:staging::it-ops-infra::itops:data:MongoDatabase::itops-database"));
            const changes = { ...all, created: all.created.filter((u) => !isMongoDatabase(u)) };
            assert.deepEqual(changes.deleted, [], "base URNs no head resource has or aliases (the engine would delete them)");
            assert.deepEqual(changes.replaced, [], "resources the engine would replace");
            assert.deepEqual(changes.conflicts, []);
            if (c.sets.length) {
                // The migration's resources moved under the Migration node: each through an alias.
                const moved = changes.moved.map((m) => parseUrnType(m.to));
                for (const t of ["itops:migration:WeightedRoute", "itops:migration:DeploymentReplicas", "kubernetes:apps/v1:DeploymentPatch"]) assert.ok(moved.includes(t), `${t} moved: ${moved.join(", ")}`);
                assert.ok(changes.moved.every((m) => m.to.includes("::itops:migration:Migration$")), "only the migration's resources move");
                assert.deepEqual(
                    changes.created.map(parseUrnType).sort(),
                    ["itops:migration:Migration", "itops:monitoring:AlertRules", "kubernetes:monitoring.coreos.com/v1:PrometheusRule"],
                    "new: the Migration node and its alert group's PrometheusRule",
                );
            } else {
                assert.deepEqual({ moved: changes.moved, created: changes.created }, { moved: [], created: [] }, "a stack without a migration keeps every URN");
            }
        });
    }
});

/** The MongoDatabase component (issue 16) or one of its descendants. */
function isMongoDatabase(urn: string): boolean {
    return urn.split("::")[2].split("$")[0] === "itops:data:MongoDatabase";
}

function parseUrnType(urn: string): string {
    const qualified = urn.split("::")[2];
    return qualified.split("$").pop()!;
}
