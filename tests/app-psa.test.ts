/**
 * The restricted Pod Security profile, checked by the real evaluator: every object with a pod
 * template in both stacks' renders goes through `psa-check` (tools/psa-check: the upstream
 * k8s.io/pod-security-admission library that the API server's admission plugin runs).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { run } from "./tools";
import { isManifest, isPatch } from "../tools/render/write";
import { render } from "./helpers";

const POD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

function psaCheck(objects: unknown[]): { status: number | null; stdout: string; stderr: string } {
    const r = run("psa-check", ["-level", "restricted", "-version", "latest"], { input: JSON.stringify(objects) });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const [stack, sets] of [["staging", []], ["production", []], ["production", ["app.split=true"]], ["local", []]] as [string, string[]][]) {
    describe(`Pod Security restricted (upstream evaluator): ${stack} ${sets.join(" ")}`, () => {
        it("every pod-bearing object passes", async () => {
            const r = await render(stack, sets);
            const objects = r.resources.filter((x) => isManifest(x) && !isPatch(x) && POD_KINDS.includes(String(x.inputs.kind))).map((x) => x.inputs);
            assert.ok(objects.some((o: any) => o.kind === "Deployment" && o.metadata.name === "it-ops-system"));
            const res = psaCheck(objects);
            assert.equal(res.status, 0, res.stdout + res.stderr);
            assert.equal(res.stdout.trim().split("\n").length, objects.length);
            assert.match(res.stdout, /^ok Deployment\/it-ops-system$/m);
        });
    });
}

describe("psa-check", () => {
    it("rejects a pod spec that breaks the restricted profile", async () => {
        const r = await render("production");
        const d = structuredClone(r.resources.find((x) => x.inputs.kind === "Deployment")!.inputs) as any;
        d.spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation = true;
        d.spec.template.spec.securityContext.seccompProfile = { type: "Unconfined" };
        d.spec.template.spec.containers[0].securityContext.capabilities = { add: ["NET_ADMIN"] };
        const res = psaCheck([d]);
        assert.equal(res.status, 1, res.stdout + res.stderr);
        assert.match(res.stdout, /violation Deployment\/it-ops-system: allowPrivilegeEscalation != false: container "backend"/);
        assert.match(res.stdout, /seccompProfile/);
        assert.match(res.stdout, /unrestricted capabilities/);
    });
});
