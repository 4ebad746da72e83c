/**
 * The pure parts of the test control plane (tools/cluster), without starting it: the pinned build
 * modules, the simulated AKS nodes, the Warning header parser, the PID guard of `down`.
 * `npm run test:cluster` (tests/cluster/) runs the control plane itself.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { BUILD_MODULES, down, isAlive, KUBERNETES_VERSION, productionTopology, simulatedNodes, TOOL_DIR, warningTexts } from "../tools/cluster/cluster";

const goMod = (dir: string) => fs.readFileSync(path.join(TOOL_DIR, dir, "go.mod"), "utf8");

describe("tools/cluster build modules", () => {
    it("kube: requires k8s.io/kubernetes v1.33.13 and pins every k8s.io staging module to v0.33.13", () => {
        const mod = goMod("kube");
        assert.match(mod, /^\tk8s\.io\/kubernetes v1\.33\.13\b/m);
        assert.equal(KUBERNETES_VERSION, "v1.33.13");
        const replaces = [...mod.matchAll(/^\t(k8s\.io\/[\w-]+) => (k8s\.io\/[\w-]+) (\S+)$/gm)];
        assert.equal(replaces.length, 31, "the 31 staging modules of k8s.io/kubernetes v1.33.13");
        for (const [, from, to, version] of replaces) {
            assert.equal(to, from);
            assert.equal(version, "v0.33.13", from);
        }
        // Every k8s.io module the build selects at the upstream placeholder v0.0.0 is one of them.
        const placeholders = [...mod.matchAll(/^\t(k8s\.io\/[\w-]+) v0\.0\.0(?= |$)/gm)].map((m) => m[1]);
        const replaced = new Set(replaces.map((m) => m[1]));
        assert.deepEqual(placeholders.filter((p) => !replaced.has(p)), []);
        assert.match(fs.readFileSync(path.join(TOOL_DIR, "kube", "go.sum"), "utf8"), /^k8s\.io\/kubernetes v1\.33\.13 h1:/m);
        assert.deepEqual(Object.keys(BUILD_MODULES.find((m) => m.dir === "kube")!.packages), ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"]);
    });

    it("kwok and the CRD modules are pinned with go.sum", () => {
        assert.match(goMod("kwok"), /^\tsigs\.k8s\.io\/kwok v0\.8\.0\b/m);
        assert.match(fs.readFileSync(path.join(TOOL_DIR, "kwok", "go.sum"), "utf8"), /^sigs\.k8s\.io\/kwok v0\.8\.0 h1:/m);
        const crds = goMod("crds");
        const sum = fs.readFileSync(path.join(TOOL_DIR, "crds", "go.sum"), "utf8");
        for (const [m, v] of [["github.com/prometheus-operator/prometheus-operator", "v0.90.1"], ["sigs.k8s.io/gateway-api", "v1.6.3"]]) {
            assert.match(crds, new RegExp(`^\\t${m.replace(/\./g, "\\.")} ${v.replace(/\./g, "\\.")}$`, "m"));
            assert.ok(sum.includes(`${m} ${v} h1:`), `${m} ${v} zip hash in go.sum`);
        }
    });
});

describe("simulated nodes", () => {
    it("one system and one user node in each production zone, labelled as AKS labels its nodes", () => {
        const topo = productionTopology();
        assert.deepEqual(topo, { location: "japaneast", zones: ["1", "2", "3"], systemVm: "Standard_D4ds_v5", userVm: "Standard_D8ds_v5" });
        const nodes = simulatedNodes(topo);
        assert.equal(nodes.length, 6);
        for (const mode of ["system", "user"]) {
            const pool = nodes.filter((n) => n.labels["kubernetes.azure.com/mode"] === mode);
            assert.deepEqual(pool.map((n) => n.labels["topology.kubernetes.io/zone"]), ["japaneast-1", "japaneast-2", "japaneast-3"]);
            for (const n of pool) {
                assert.equal(n.labels["kubernetes.io/os"], "linux");
                assert.equal(n.labels["kubernetes.io/arch"], "amd64");
                assert.equal(n.labels["kubernetes.io/hostname"], n.name);
                assert.equal(n.labels["topology.kubernetes.io/region"], "japaneast");
                assert.equal(n.labels["kubernetes.azure.com/agentpool"], mode);
            }
        }
        // The system pool only takes critical add-ons, as the program's AKS system pool.
        assert.deepEqual(nodes.filter((n) => n.taints.length).map((n) => n.name), ["aks-system-vmss000000", "aks-system-vmss000001", "aks-system-vmss000002"]);
        assert.deepEqual(nodes[0].taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }]);
        assert.deepEqual(nodes.find((n) => n.name === "aks-user-vmss000000")!.capacity, { cpu: "7820m", memory: "27Gi", pods: "110", "ephemeral-storage": "100Gi" });
    });

    it("the program's AKS system pool has that taint too", () => {
        const src = fs.readFileSync(path.join(TOOL_DIR, "..", "..", "components", "platform", "aks-cluster.ts"), "utf8");
        assert.match(src, /CriticalAddonsOnly=true:NoSchedule/);
    });

    it("a production stack file without zones is refused", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-topo-"));
        fs.writeFileSync(path.join(dir, "Pulumi.production.yaml"), "config:\n  it-ops-infra:location: japaneast\n  it-ops-infra:cluster:\n    zones: []\n");
        assert.throws(() => productionTopology(dir), /it-ops-infra:cluster\.zones is empty/);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("API server Warning headers", () => {
    it("parses each warn-text, unescaping quotes", () => {
        assert.deepEqual(
            warningTexts([
                '299 - "would violate PodSecurity \\"restricted:latest\\": privileged (container \\"a\\" must not set securityContext.privileged=true)"',
                '299 - "one", 299 - "two"',
            ]),
            ['would violate PodSecurity "restricted:latest": privileged (container "a" must not set securityContext.privileged=true)', "one", "two"],
        );
        assert.deepEqual(warningTexts(["no warning here"]), []);
    });
});

describe("`down` stops only what `up` recorded", () => {
    it("a recorded PID whose start time differs (a reused PID) is not the process `up` started", async () => {
        const child = spawn("sleep", ["30"], { stdio: "ignore" });
        try {
            const stat = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8");
            const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
            assert.equal(isAlive({ name: "x", pid: child.pid!, exe: "sleep", startTicks: ticks, log: "" }), true);
            assert.equal(isAlive({ name: "x", pid: child.pid!, exe: "sleep", startTicks: String(Number(ticks) - 1), log: "" }), false);
            // `down` with that stale record leaves the process alone.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-down-"));
            fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify({ dir, processes: [{ name: "x", pid: child.pid, exe: "sleep", startTicks: "1", log: "" }] }));
            await down(dir);
            assert.equal(fs.existsSync(dir), false);
            assert.equal(child.exitCode, null, "the unrelated process still runs");
            assert.doesNotThrow(() => process.kill(child.pid!, 0));
        } finally {
            child.kill();
        }
    });

    it("refuses to remove a state dir holding files it did not write", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-down-"));
        fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
        await assert.rejects(down(dir), /holds files this tool did not write \(notes\.txt\); not removing it/);
        assert.ok(fs.existsSync(path.join(dir, "notes.txt")));
        fs.rmSync(dir, { recursive: true });
    });
});
