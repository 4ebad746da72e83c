/**
 * A stack deployed with the program from before issue #14 (commit URN_BASE_COMMIT, where the
 * migration was the plain function `deployMigration` at the stack's root), then previewed and
 * updated with this tree's program, in the real engine (no cluster: the Kubernetes provider renders
 * YAML, `cluster.existing.renderYamlToDirectory`, as the local stack does):
 *
 *   1. `pulumi up` with the old program: the local stack with its migration on (nginx routing, a
 *      data copy run) and monitoring in mode existing-operator (mode helm needs the random provider);
 *   2. `pulumi preview --json` with this tree's program: the Migration node is created, the route,
 *      the old system's replica patch and the data copy move under it through their aliases — no
 *      replace, no delete;
 *   3. `pulumi up`, then `pulumi preview --expect-no-changes`: the state now has the new URNs.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as YAML from "yaml";
import { prepareBase, removeBase } from "../../tools/render/diff-cli";
import { URN_BASE_COMMIT } from "../support/urn-base";
import { initStack, loudSkip, missingPieces, output, PROJECT_DIR, setRequiredSecrets, Workspace, workspace } from "./engine";

const STACK = "upgrade";

function baseUnavailable(): string | undefined {
    const missing = missingPieces();
    if (missing.length) return `the engine is not built: ${missing.join("; ")}`;
    if (spawnSync("git", ["cat-file", "-e", `${URN_BASE_COMMIT}^{commit}`], { cwd: PROJECT_DIR }).status !== 0) {
        return `the base commit ${URN_BASE_COMMIT.slice(0, 7)} is not in this clone (a shallow clone: git fetch --unshallow)`;
    }
    return undefined;
}

/** The local stack file of `source`, rendering YAML into `outDir`, monitoring existing-operator, the migration on. */
function upgradeStackFile(source: string, outDir: string): string {
    const file = YAML.parse(fs.readFileSync(path.join(source, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, any> };
    const c = file.config;
    c["it-ops-infra:cluster"] = { mode: "existing", existing: { renderYamlToDirectory: outDir } };
    const m = c["it-ops-infra:monitoring"];
    for (const k of ["storageClass", "prometheus", "alertmanager", "grafana"]) delete m[k];
    m.mode = "existing-operator";
    c["it-ops-infra:migration"] = {
        enabled: true,
        dataStrategy: "shared",
        routing: "nginx",
        stage: 1,
        hosts: ["it-ops.localtest.me"],
        tlsSecretName: "it-ops-tls",
        oldSystem: { namespace: "legacy", service: "old-system", port: 80, deployment: "old-system" },
        replicas: { old: 1, new: 1 },
        gate: { selector: 'namespace="local",service="it-ops-system"' },
        copy: { runId: "upgrade-1" },
    };
    return YAML.stringify(file);
}

interface PreviewStep {
    op: string;
    urn: string;
}

describe(`a stack deployed from ${URN_BASE_COMMIT.slice(0, 7)} (deployMigration) upgraded to the Migration component`, () => {
    const skip = baseUnavailable();
    let ws: Workspace | undefined;
    let tmp: string | undefined;
    let baseDir: string | undefined;
    let broken: string | undefined;

    before(() => {
        if (skip) return;
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "itops-upgrade-"));
        baseDir = path.join(tmp, "base");
        prepareBase(URN_BASE_COMMIT, baseDir, { borrowModules: true });
        ws = workspace(baseDir);
        fs.writeFileSync(path.join(ws.dir, `Pulumi.${STACK}.yaml`), upgradeStackFile(baseDir, path.join(tmp, "yaml")));
        initStack(ws, STACK);
        setRequiredSecrets(ws, STACK);
    });
    after(() => {
        ws?.dispose();
        if (baseDir) removeBase(baseDir);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    const guard = (t: { skip: (m: string) => void }): boolean => {
        if (skip) {
            loudSkip(t, skip);
            return false;
        }
        if (broken) assert.fail(`not run: ${broken}`);
        return true;
    };

    it("1. pulumi up with the old program (migration at the stack's root)", (t) => {
        if (!guard(t)) return;
        broken = "step 1 failed";
        const r = ws!.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], { timeoutMs: 900_000 });
        assert.equal(r.status, 0, output(r));
        const state = ws!.pulumi(["stack", "export", "--stack", STACK]);
        const urns = (JSON.parse(state.stdout).deployment.resources as { urn: string }[]).map((x) => x.urn);
        assert.ok(urns.some((u) => u.endsWith("::itops:migration:WeightedRoute::itops-migration-route")), "the route at the root");
        assert.ok(!urns.some((u) => u.includes("itops:migration:Migration")), "no Migration node yet");
        broken = undefined;
    });

    it("2. pulumi preview with this program: the Migration node is created, its children move through aliases — no replace, no delete", (t) => {
        if (!guard(t)) return;
        broken = "step 2 failed";
        ws!.relink(PROJECT_DIR);
        const r = ws!.pulumi(["preview", "--json", "--stack", STACK], { timeoutMs: 900_000 });
        assert.equal(r.status, 0, output(r));
        const preview = JSON.parse(r.stdout) as { steps: PreviewStep[]; changeSummary: Record<string, number> };
        const summary = preview.changeSummary;
        t.diagnostic(`change summary: ${JSON.stringify(summary)}`);
        for (const op of ["delete", "replace", "create-replacement", "delete-replaced"]) assert.equal(summary[op] ?? 0, 0, `${op}: ${JSON.stringify(summary)}`);
        const bad = preview.steps.filter((s) => /delete|replace/.test(s.op));
        assert.deepEqual(bad, [], "no step deletes or replaces");
        // `same` steps are not listed: the moved resources show up as what is NOT created or deleted.
        const changed = (op: string) => preview.steps.filter((s) => s.op === op).map((s) => s.urn.replace(/^urn:pulumi:[^:]+::[^:]+::/, "")).sort();
        assert.deepEqual(changed("create"), [
            "itops:migration:Migration$itops:monitoring:AlertRules$kubernetes:monitoring.coreos.com/v1:PrometheusRule::itops-migration-alerts",
            "itops:migration:Migration$itops:monitoring:AlertRules::itops-migration-alerts",
            "itops:migration:Migration::itops-migration",
        ], "created: only the Migration node and its alert group (the route, replicas patch and data copy move through their aliases)");
        // The catalogue's PrometheusRule loses the migration group (now in itops-migration-alerts).
        assert.deepEqual(changed("update"), ["itops:monitoring:AlertRules$kubernetes:monitoring.coreos.com/v1:PrometheusRule::it-ops-alerts"]);
        broken = undefined;
    });

    it("3. pulumi up with this program, then preview --expect-no-changes", (t) => {
        if (!guard(t)) return;
        broken = "step 3 failed";
        const up = ws!.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], { timeoutMs: 900_000 });
        assert.equal(up.status, 0, output(up));
        const again = ws!.pulumi(["preview", "--expect-no-changes", "--stack", STACK], { timeoutMs: 900_000 });
        assert.equal(again.status, 0, output(again));
        const state = ws!.pulumi(["stack", "export", "--stack", STACK]);
        const urns = (JSON.parse(state.stdout).deployment.resources as { urn: string }[]).map((x) => x.urn);
        const rel = urns.map((u) => u.replace(/^urn:pulumi:[^:]+::[^:]+::/, ""));
        for (const moved of [
            "itops:migration:Migration$itops:migration:WeightedRoute::itops-migration-route",
            "itops:migration:Migration$itops:migration:WeightedRoute$kubernetes:networking.k8s.io/v1:Ingress::itops-migration-route-canary",
            "itops:migration:Migration$itops:migration:DeploymentReplicas$kubernetes:apps/v1:DeploymentPatch::itops-migration-old-replicas",
            "itops:migration:Migration$itops:migration:DataCopyJob$kubernetes:batch/v1:Job::itops-migration-copy",
        ]) {
            assert.ok(rel.includes(moved), `${moved} in the state`);
        }
        assert.deepEqual(rel.filter((u) => /^itops:migration:(WeightedRoute|DeploymentReplicas|DataCopyJob)/.test(u)), [], "nothing of the migration left at the root");
        broken = undefined;
    });
});
