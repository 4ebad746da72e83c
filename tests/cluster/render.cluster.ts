/**
 * `npm run test:cluster`: the offline render goes through a real Kubernetes API server.
 *
 * `npm run cluster -- up` starts etcd, kube-apiserver (PodSecurity admission), controller manager,
 * scheduler and kwok (simulated AKS nodes: system/user pools over the production zones) in a
 * temporary state dir; the Prometheus Operator and Gateway API CRDs are applied from their pinned
 * Go modules. Then every file under manifests/ of `local`, `staging`, `production` and of every
 * migration stage in both routing modes is applied with server-side apply (patches as their own
 * field manager, against an `old-system` Deployment created first), and {@link checkRender} must
 * find nothing: 0 rejected, 0 warnings, every Deployment Available, every Job and a manual run of
 * every CronJob Complete. Three renders broken on purpose show that the check fails.
 * `npm run cluster -- down` stops exactly the processes `up` started.
 *
 * Not part of `npm test` (it needs the control plane binaries; .ci/run builds them and runs this).
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as YAML from "yaml";
import { renderStack } from "../../tools/render/render";
import { writeRendering } from "../../tools/render/write";
import { crdFiles, isAlive, readState, REPO_DIR, simulatedNodes, ClusterState } from "../../tools/cluster/cluster";
import { checkRender, CheckResult, Kube, readManifests, storedAsRendered } from "./check";

const CLI = path.join(REPO_DIR, "tools", "cluster", "cluster.ts");
const STEPS = [0, 10, 25, 50, 100];

/** `npm run cluster -- <cmd>` (as the node command it is) against the test's own state dir. */
function cluster(cmd: string, dir: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ["--import", "tsx", CLI, cmd], { cwd: REPO_DIR, env: { ...process.env, ITOPS_CLUSTER_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (c) => (stdout += c));
        p.stderr.on("data", (c) => (stderr += c));
        p.on("error", reject);
        p.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    });
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const sock = net.connect({ host: "127.0.0.1", port });
        sock.once("connect", () => {
            sock.destroy();
            resolve(true);
        });
        sock.once("error", () => resolve(false));
    });
}

interface Case {
    readonly name: string;
    readonly stack: string;
    readonly sets: string[];
}

const migration = (routing: string, stage: number): Case => ({
    name: `production, migration ${routing} stage ${stage} (${STEPS[stage]} %)`,
    stack: "production",
    sets: ["migration.enabled=true", "migration.dataStrategy=shared", `migration.routing=${routing}`, `migration.stage=${stage}`],
});

/** In the order they are applied: each stack, then the migration walked stage by stage in each routing mode. */
const CASES: Case[] = [
    { name: "local", stack: "local", sets: [] },
    { name: "staging", stack: "staging", sets: [] },
    { name: "production", stack: "production", sets: [] },
    ...STEPS.map((_, i) => migration("gateway", i)),
    ...STEPS.map((_, i) => migration("nginx", i)),
    // The cutover with its data copy Job (the only stage that renders a Job in production).
    { name: "production, migration cutover to 100 % with a data copy run", stack: "production", sets: ["migration.enabled=true", "migration.stage=4", "migration.copy.runId=20260301-1"] },
];

/** Renders a case as `npm run synth` does; returns its manifests/ directory. */
async function renderCase(c: Case, out: string): Promise<string> {
    const r = await renderStack({ stack: c.stack, sets: c.sets });
    const dir = path.join(out, c.name.replace(/[^a-z0-9]+/gi, "-"));
    writeRendering(r, dir);
    return path.join(dir, c.stack, "manifests");
}

/** The old system the migration patches: a Deployment and Service owned by someone else (field manager `legacy-deploy`). */
const LEGACY = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "legacy" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "old-system", namespace: "legacy" }, spec: { selector: { app: "old-system" }, ports: [{ port: 80, targetPort: 8080 }] } },
    {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "old-system", namespace: "legacy" },
        spec: {
            replicas: 4,
            selector: { matchLabels: { app: "old-system" } },
            template: {
                metadata: { labels: { app: "old-system" } },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{ name: "web", image: "old-system:1", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
                },
            },
        },
    },
];

describe("the rendered stacks on a real Kubernetes control plane", { concurrency: 1 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-cluster-"));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "itops-cluster-render-"));
    let state: ClusterState;
    let kube: Kube;
    let upStdout = "";
    const manifests = new Map<string, Promise<string>>();
    const timings: string[] = [];

    before(async () => {
        // Start the control plane and render every case meanwhile (the renders run in this process).
        const upRun = cluster("up", dir);
        // One at a time: a render sets the Pulumi runtime's global config and mocks.
        let previous: Promise<unknown> = Promise.resolve();
        for (const c of CASES) {
            const m = previous.then(() => renderCase(c, out));
            manifests.set(c.name, m);
            // Keep a failed render from surfacing as an unhandled rejection before its test awaits it.
            previous = m.catch(() => undefined);
        }
        const u = await upRun;
        timings.push(`cluster up ${(u.ms / 1000).toFixed(1)} s`);
        assert.equal(u.code, 0, `npm run cluster -- up failed:\n${u.stderr}`);
        upStdout = u.stdout;
        state = readState(dir)!;
        kube = new Kube(state);

        const started = Date.now();
        await Promise.all(
            crdFiles().map(async (f) => {
                const r = await kube.apply(YAML.parse(fs.readFileSync(f, "utf8")), "itops-test-crds", true);
                assert.ok(r.status === 200 || r.status === 201, `${path.basename(f)}: HTTP ${r.status} ${r.body?.message}`);
            }),
        );
        const deadline = Date.now() + 60_000;
        for (const f of crdFiles()) {
            const crdName = YAML.parse(fs.readFileSync(f, "utf8")).metadata.name;
            for (;;) {
                const got = await kube.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`);
                if ((got.status?.conditions ?? []).some((c: any) => c.type === "Established" && c.status === "True")) break;
                assert.ok(Date.now() < deadline, `CRD ${crdName} not Established`);
                await new Promise((r) => setTimeout(r, 200));
            }
        }
        for (const o of LEGACY) {
            const r = await kube.apply(o, "legacy-deploy");
            assert.ok(r.status === 200 || r.status === 201, `legacy ${o.kind}: HTTP ${r.status} ${r.body?.message}`);
        }
        timings.push(`CRDs and old system ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    after(async () => {
        if (!state) {
            await cluster("down", dir);
            return;
        }
        const d = await cluster("down", dir);
        timings.push(`cluster down ${(d.ms / 1000).toFixed(1)} s`);
        process.stdout.write(`# timings: ${timings.join(", ")}\n`);
        fs.rmSync(out, { recursive: true, force: true });
        assert.equal(d.code, 0, d.stderr);
        assert.deepEqual(state.processes.filter(isAlive).map((p) => `${p.name} ${p.pid}`), [], "no process of the control plane is left");
        assert.equal(fs.existsSync(dir), false, "the state dir is removed");
        for (const port of Object.values(state.ports)) assert.equal(await listening(port), false, `nothing listens on 127.0.0.1:${port} any more`);
        const st = await cluster("status", dir);
        assert.equal(st.code, 1, "status after down: not running");
        assert.match(st.stdout, /^etcd +not started$/m);
    });

    it("`npm run cluster -- up` prints the kubeconfig path; a second `up` reuses the running control plane", async () => {
        assert.equal(upStdout, `${path.join(dir, "kubeconfig")}\n`);
        assert.deepEqual(state.processes.map((p) => p.name), ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]);
        const again = await cluster("up", dir);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(again.stdout, upStdout);
        assert.match(again.stderr, /already running/);
        assert.deepEqual(readState(dir)!.processes, state.processes, "the same processes, none started twice");
        const st = await cluster("status", dir);
        assert.equal(st.code, 0, st.stdout + st.stderr);
        for (const p of state.processes) assert.match(st.stdout, new RegExp(`^${p.name} +running \\(pid ${p.pid}\\)$`, "m"));
    });

    it("the API server runs v1.33.13 with PodSecurity on loopback; the nodes are AKS-like and Ready", async () => {
        const v = await kube.get("/version");
        assert.equal(v.gitVersion, "v1.33.13");
        assert.match(state.server, /^https:\/\/127\.0\.0\.1:\d+$/);
        const nodes = (await kube.get("/api/v1/nodes")).items as any[];
        const want = simulatedNodes();
        assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), want.map((n) => n.name).sort());
        for (const n of nodes) {
            const w = want.find((x) => x.name === n.metadata.name)!;
            for (const [k, val] of Object.entries(w.labels)) assert.equal(n.metadata.labels[k], val, `${n.metadata.name} ${k}`);
            assert.deepEqual((n.spec.taints ?? []).map((t: any) => `${t.key}=${t.value}:${t.effect}`), w.taints.map((t) => `${t.key}=${t.value}:${t.effect}`));
            assert.ok(n.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"), `${n.metadata.name} Ready`);
        }
        const zones = (mode: string) => new Set(nodes.filter((n) => n.metadata.labels["kubernetes.azure.com/mode"] === mode).map((n) => n.metadata.labels["topology.kubernetes.io/zone"]));
        assert.deepEqual([...zones("user")].sort(), ["japaneast-1", "japaneast-2", "japaneast-3"]);
        assert.deepEqual([...zones("system")].sort(), ["japaneast-1", "japaneast-2", "japaneast-3"]);
    });

    for (const c of CASES) {
        it(`${c.name}: every object accepted, 0 warnings, Deployments Available, Jobs and CronJob runs Complete`, async (t) => {
            const dirOf = await manifests.get(c.name)!;
            const started = Date.now();
            const res = await checkRender(kube, dirOf, { runId: `t${CASES.indexOf(c)}` });
            timings.push(`${c.name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
            t.diagnostic(`placement: ${res.placement.join("; ")}; completed: ${res.completed.join("; ")}`);
            assert.deepEqual(res.problems, []);
            const files = readManifests(dirOf);
            assert.equal(res.applied.length, files.length, "every file applied");
            const kinds = (k: string) => files.filter((f) => !f.patch && f.object.kind === k).map((f) => f.object);
            assert.deepEqual(res.available.sort(), kinds("Deployment").map((d) => `Deployment ${d.metadata.namespace}/${d.metadata.name}`).sort());
            assert.ok(res.available.some((d) => d.endsWith("/it-ops-system")), "the app Deployment is Available");
            // The app's pods run on the user pool (nodeSelector), one per production zone when there are 3.
            const app = kinds("Deployment").find((d) => d.metadata.name === "it-ops-system")!;
            const where = res.placement.find((p) => p.startsWith(`Deployment ${app.metadata.namespace}/it-ops-system:`))!;
            if (app.spec.replicas === 3) assert.match(where, /: japaneast-1=1, japaneast-2=1, japaneast-3=1$/);
            const cronJobs = kinds("CronJob");
            assert.equal(res.completed.filter((j) => j.includes("(from CronJob")).length, cronJobs.length, "every CronJob's manual run completed");
            // Accepted means stored as sent: read each NetworkPolicy and route back.
            for (const o of [...kinds("NetworkPolicy"), ...kinds("HTTPRoute"), ...kinds("Ingress"), ...kinds("Gateway"), ...kinds("ReferenceGrant")]) {
                const got = await kube.get(await kube.pathOf(o));
                assert.ok(storedAsRendered(got.spec, o.spec), `${o.kind} ${o.metadata.name} is stored as rendered:\n${JSON.stringify(got.spec)}\n${JSON.stringify(o.spec)}`);
            }
            if (c.stack !== "local") assert.ok(cronJobs.length >= 3, `${cronJobs.length} CronJobs`);
            // The old system's replicas belong to the migration's field manager once a stage patches them.
            const patch = files.find((f) => f.patch && f.object.metadata.name === "old-system");
            if (patch) {
                const old = await kube.get("/apis/apps/v1/namespaces/legacy/deployments/old-system");
                assert.equal(old.spec.replicas, patch.object.spec.replicas);
                const owner = old.metadata.managedFields.find((m: any) => m.manager === patch.object.metadata.annotations["pulumi.com/patchFieldManager"]);
                assert.ok(owner?.fieldsV1?.["f:spec"]?.["f:replicas"], "spec.replicas is owned by the patch's field manager");
                assert.equal(old.spec.template.spec.containers[0].image, "old-system:1", "the rest of old-system is untouched");
            }
        });
    }

    describe("the check fails on a render broken on purpose", () => {
        /** The local render's namespace, ServiceAccount, Secret and Deployment, moved to namespace `ns`, with `mutate` applied. */
        async function brokenRender(ns: string, mutate: (files: Map<string, any>) => void): Promise<string> {
            const src = await manifests.get("local")!;
            const dst = fs.mkdtempSync(path.join(out, `${ns}-`));
            const files = new Map<string, any>();
            for (const f of readManifests(src)) {
                const o = f.object;
                if (!["Namespace", "ServiceAccount", "Secret", "Deployment", "ServiceMonitor"].includes(o.kind) || (o.kind === "Namespace" && o.metadata.name !== "local")) continue;
                if (o.kind === "Namespace") o.metadata.name = ns;
                else o.metadata.namespace = ns;
                if (o.kind === "ServiceMonitor") o.spec.namespaceSelector = { matchNames: [ns] };
                files.set(o.kind, o);
            }
            mutate(files);
            for (const [kind, o] of files) fs.writeFileSync(path.join(dst, `${ns}.${kind.toLowerCase()}.yaml`), YAML.stringify(o));
            return dst;
        }
        const check = (d: string): Promise<CheckResult> => checkRender(kube, d, { runId: "broken", timeoutMs: 60_000 });

        it("a Deployment that violates `restricted` (privilege escalation allowed): a Pod Security warning and never Available", async () => {
            const d = await brokenRender("broken-psa", (f) => {
                f.delete("ServiceMonitor");
                f.get("Deployment").spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
            });
            const res = await check(d);
            const text = res.problems.join("\n");
            assert.match(text, /warning: broken-psa\.deployment\.yaml: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "frontend" must set securityContext\.allowPrivilegeEscalation=false\)/);
            assert.match(text, /Deployment broken-psa\/it-ops-system is not Available: FailedCreate: pods "it-ops-system-[a-z0-9]+-[a-z0-9]+" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
            assert.deepEqual(res.available, []);
        });

        it("an invalid custom resource (a ServiceMonitor interval that is not a duration): rejected by the CRD schema", async () => {
            const d = await brokenRender("broken-crd", (f) => {
                f.delete("Deployment");
                f.get("ServiceMonitor").spec.endpoints[0].interval = "thirty seconds";
            });
            const res = await check(d);
            assert.match(res.problems.join("\n"), /broken-crd\.servicemonitor\.yaml: rejected \(HTTP 422\): ServiceMonitor\.monitoring\.coreos\.com "it-ops-system" is invalid: spec\.endpoints\[0\]\.interval: Invalid value: "thirty seconds": spec\.endpoints\[0\]\.interval in body should match/);
            assert.ok(!res.applied.includes("ServiceMonitor broken-crd/it-ops-system"));
        });

        it("a nodeSelector that matches no node: the pods stay Unschedulable, the Deployment is never Available", async () => {
            const d = await brokenRender("broken-selector", (f) => {
                f.delete("ServiceMonitor");
                f.get("Deployment").spec.template.spec.nodeSelector = { "kubernetes.azure.com/mode": "User" };
            });
            const res = await check(d);
            assert.deepEqual(res.warnings, []);
            assert.match(res.problems.join("\n"), /Deployment broken-selector\/it-ops-system is not Available: pod it-ops-system-[a-z0-9-]+ is Unschedulable: 0\/6 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector, 3 node\(s\) had untolerated taint \{CriticalAddonsOnly: true\}/);
        });
    });
});
