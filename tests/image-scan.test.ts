/** The CI image scan: images come from the render; the workflow is pinned, least-privilege, fails on HIGH/CRITICAL; actionlint passes. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { imagesOf } from "../tools/render/images";
import { RenderedResource } from "../tools/render/render";
import { NODE_ARGS, PROJECT_DIR, render } from "./helpers";
import { run } from "./tools";

const WORKFLOW = path.join(PROJECT_DIR, ".github", "workflows", "image-scan.yml");
const k = (kind: string, spec: unknown): RenderedResource => ({ urn: kind, type: `kubernetes:x:${kind}`, name: kind, custom: true, inputs: { kind, spec }, options: {} }) as RenderedResource;

describe("image scan", () => {
    it("imagesOf finds the images of every pod-carrying kind, unique and sorted", () => {
        const pod = (...images: string[]) => ({ containers: images.map((image) => ({ name: "c", image })) });
        const res = [
            k("Deployment", { template: { spec: { ...pod("b:1"), initContainers: [{ name: "i", image: "a:1" }] } } }),
            k("CronJob", { jobTemplate: { spec: { template: { spec: pod("c:1") } } } }),
            k("Job", { template: { spec: pod("b:1") } }),
            k("Pod", pod("d:1")),
            k("ConfigMap", { template: { spec: pod("ignored:1") } }),
        ];
        assert.deepEqual(imagesOf(res), ["a:1", "b:1", "c:1", "d:1"]);
    });

    it("staging's rendered images include the pinned k6 image", async () => {
        assert.ok(imagesOf((await render("staging")).resources).includes("itopsstagingacr.azurecr.io/mirror/k6:1.8.1"));
    });

    it("tools/render/list-images.ts prints the images of the stacks as a JSON array", () => {
        const p = spawnSync(process.execPath, [...NODE_ARGS, path.join(PROJECT_DIR, "tools", "render", "list-images.ts"), "--stack", "staging"], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
        assert.equal(p.status, 0, p.stderr);
        const images = JSON.parse(p.stdout) as string[];
        assert.ok(images.includes("itopsstagingacr.azurecr.io/mirror/k6:1.8.1"), p.stdout);
        const bad = spawnSync(process.execPath, [...NODE_ARGS, path.join(PROJECT_DIR, "tools", "render", "list-images.ts"), "--bogus"], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /usage: list-images\.ts --stack/);
    });

    it("the workflow: read-only token per job, actions pinned by commit SHA, Trivy fails on fixable HIGH/CRITICAL", () => {
        const wf = YAML.parse(fs.readFileSync(WORKFLOW, "utf8"));
        assert.deepEqual(wf.permissions, {}, "no token permissions at the top");
        for (const [name, job] of Object.entries<any>(wf.jobs)) {
            assert.deepEqual(job.permissions, { contents: "read" }, `${name} reads the repository, nothing else`);
            for (const step of job.steps) if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${step.uses}`);
        }
        const trivy = wf.jobs.scan.steps.find((s: any) => String(s.uses).startsWith("aquasecurity/trivy-action@"));
        assert.deepEqual(
            { severity: trivy.with.severity, exit: trivy.with["exit-code"], unfixed: trivy.with["ignore-unfixed"], ref: trivy.with["image-ref"] },
            { severity: "HIGH,CRITICAL", exit: "1", unfixed: true, ref: "${{ matrix.image }}" },
        );
        assert.equal(wf.jobs.scan.strategy.matrix.image, "${{ fromJSON(needs.images.outputs.images) }}");
        assert.match(wf.jobs.images.steps.at(-1).run, /tools\/render\/list-images\.ts --stack staging --stack production/);
    });

    it("actionlint accepts the workflow", () => {
        const r = run("actionlint", [WORKFLOW]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});
