/**
 * The real engine against the real control plane (tools/cluster: kube-apiserver + etcd + kwok):
 * an engine stack based on `local` (cluster.mode existing with the control plane's kubeconfig,
 * monitoring.mode existing-operator on the CRDs the control plane is tested with) goes through
 *
 *   1. `pulumi up`;
 *   2. `pulumi preview --expect-no-changes`;
 *   3. a migration walked stage by stage with scripts/migrate.sh (nginx routing; the real CLI):
 *      each stage's `pulumi preview --json` shows only weight and replica updates, 0 replaces, 0 deletes;
 *   4. scripts/rollback.sh back to stage 0 (old-system keeps migration.replicas.old);
 *   5. `pulumi destroy`: nothing the stack created remains (asked of the API server), and old-system
 *      keeps the count the migration set (the retained DeploymentPatch, docs/migration.md).
 *
 * The test plays two parts no simulated cluster has: the ingress controller (it publishes a
 * load-balancer address on the Ingresses, which the provider's Ingress await waits for) and, for the
 * operator scripts, the answers that come through the API server's service proxy (Prometheus' health
 * gate queries and the old system's health path: kwok's pods have no network). Everything else is real.
 */
import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as YAML from "yaml";
import { initStack, loudSkip, missingPieces, output, PROJECT_DIR, Workspace, workspace } from "./engine";

const STACK = "engine";
const STEPS = [0, 10, 25, 50, 100];
const OLD_REPLICAS = 2;
const CANARY = "itops-migration-canary";
const CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
const CLUSTER_TOOL = path.join(PROJECT_DIR, "tools", "cluster", "cluster.ts");

/** What of the `local` stack runs here, and what is left out and why (printed by the test). */
const PARTS = {
    ran: [
        "the workload (namespace, Deployment, Service, HPA, PDB, NetworkPolicies, database Secret)",
        "monitoring in mode existing-operator: ServiceMonitor, PrometheusRule, dashboard ConfigMaps, Alertmanager config and receiver Secrets, zoneinfo ConfigMap",
        "backups with existing storage (the CronJobs and their ServiceAccount/NetworkPolicies)",
        "the monthly report dashboard",
        "the staged migration in nginx routing (canary Ingress pair, old-system replica patch)",
    ],
    leftOut: [
        "monitoring mode helm (kube-prometheus-stack and its CRD chart: chart downloads are unreachable here; Grafana's admin password: the random provider, which the Go module proxy does not serve) — monitoring runs in mode existing-operator instead",
        "every Azure resource (cluster.mode existing creates none; the azure-native provider is not buildable here)",
        "the load test (verification.loadTest stays off as in the local stack: its Job targets a real HTTP service)",
    ],
};

function cacheRoot(): string {
    return process.env.ITOPS_CACHE ?? path.join(os.homedir(), ".cache", "it-ops-infra");
}

interface Env {
    ws: Workspace;
    clusterDir: string;
    kubeconfig: string;
    kubectlPath: string;
    wrapperDir: string;
    proxyLog: string;
    env: NodeJS.ProcessEnv;
}

let ctx: Env | undefined;
let skipReason: string | undefined;
let broken: string | undefined;
let destroyed = false;
/** The cluster is not the test's own control plane (ITOPS_ENGINE_KUBECONFIG). */
let external = false;
let publisher: NodeJS.Timeout | undefined;
const published = new Set<string>();

function kubectl(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(ctx!.kubectlPath, args, { env: { ...process.env, KUBECONFIG: ctx!.kubeconfig }, encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function kubectlOk(args: string[]): string {
    const r = kubectl(args);
    assert.equal(r.status, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
}

function clusterCli(args: string[], env: NodeJS.ProcessEnv) {
    return spawnSync(process.execPath, ["--import", "tsx", CLUSTER_TOOL, ...args], { cwd: PROJECT_DIR, env, encoding: "utf8", timeout: 1_800_000 });
}

/** Plays the ingress controller: publishes 127.0.0.1 in each Ingress' status (the provider's Ingress await waits for it). */
function publishIngressAddresses(): void {
    execFile(ctx!.kubectlPath, ["get", "ingress", "--all-namespaces", "-o", "json"], { env: { ...process.env, KUBECONFIG: ctx!.kubeconfig } }, (err, stdout) => {
        if (err) return;
        for (const i of (JSON.parse(stdout) as { items: any[] }).items) {
            if (i.status?.loadBalancer?.ingress?.length) continue;
            const key = `${i.metadata.namespace}/${i.metadata.name}`;
            execFile(
                ctx!.kubectlPath,
                ["patch", "ingress", i.metadata.name, "-n", i.metadata.namespace, "--subresource=status", "--type=merge", "-p", '{"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}}'],
                { env: { ...process.env, KUBECONFIG: ctx!.kubeconfig } },
                (e) => {
                    if (!e) published.add(key);
                },
            );
        }
    });
}

/** A step that must not run after an earlier one failed: it fails (never passes silently). */
function guard(t: { skip: (m: string) => void }): boolean {
    if (skipReason) {
        loudSkip(t, skipReason);
        return false;
    }
    if (broken) assert.fail(`not run: ${broken}`);
    return true;
}

async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    try {
        return await fn();
    } catch (e) {
        broken ??= `step "${name}" failed`;
        throw e;
    }
}

/** The engine stack's config: the local stack file, pointed at the control plane, with the engine's modes. */
function engineStackFile(kubeconfig: string): string {
    const file = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, any> };
    const c = file.config;
    c["it-ops-infra:cluster"] = { mode: "existing", existing: { kubeconfigPath: kubeconfig } };
    const m = c["it-ops-infra:monitoring"];
    for (const k of ["storageClass", "prometheus", "alertmanager", "grafana"]) delete m[k];
    m.mode = "existing-operator";
    // No existingOperator.labels: the ServiceMonitor and PrometheusRule go without labels, the case whose
    // empty `labels: {}` once made every preview after up show 2 updates (issue 13).
    c["it-ops-infra:backup"] = {
        enabled: true,
        existing: { identityClientId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", restoreIdentityClientId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", containerUrl: "https://itopsbkplocal.blob.core.windows.net/mongodb-backups" },
        images: { mongo: "localhost:5001/mirror/mongo:7.0.14", azcopy: "localhost:5001/mirror/azcopy:10.27.1" },
    };
    c["it-ops-infra:migration"] = {
        enabled: true,
        stage: 0,
        dataStrategy: "shared",
        routing: "nginx",
        hosts: ["itops.engine.test"],
        tlsSecretName: "it-ops-tls",
        oldSystem: { namespace: "legacy", service: "old-system", port: 80, deployment: "old-system", healthPath: "/healthz" },
        gate: { selector: 'namespace="local",service="it-ops-system"' },
        // The local stack autoscales to 2 replicas (app.maxReplicas); the new system runs that many.
        replicas: { new: 2, old: OLD_REPLICAS },
    };
    return YAML.stringify(file);
}

/** The old system the migration moves away from: made by "someone else" (another field manager). */
const OLD_SYSTEM = `
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels: { pod-security.kubernetes.io/enforce: restricted }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: old-system, namespace: legacy }
spec:
  replicas: 1
  selector: { matchLabels: { app: old-system } }
  template:
    metadata: { labels: { app: old-system } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: localhost:5001/legacy/old-system:1.0.0
          ports: [{ containerPort: 8080 }]
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Service
metadata: { name: old-system, namespace: legacy }
spec:
  selector: { app: old-system }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  labels: { app.kubernetes.io/part-of: existing-kube-prometheus-stack }
`;

/** kubectl for the operator scripts: the real one, but the service proxy (unreachable kwok pods) answers here. */
const KUBECTL_WRAPPER = `#!/usr/bin/env bash
# The engine test's kubectl for scripts/migrate.sh and scripts/rollback.sh: the real kubectl, except the
# API server's service proxy (kwok's simulated pods have no network): Prometheus queries get a healthy
# answer (no errors, no firing alerts) and the old system's health path answers. Every proxied call is logged.
set -euo pipefail
if [ "\${1:-}" = get ] && [ "\${2:-}" = --raw ] && [[ "\${3:-}" == */proxy/* ]]; then
  printf '%s\\n' "$3" >> "$PROXY_LOG"
  case "$3" in
    */proxy/api/v1/query\\?query=ALERTS*) echo '{"status":"success","data":{"resultType":"vector","result":[]}}' ;;
    */proxy/api/v1/query\\?query=*) echo '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0"]}]}}' ;;
    *) echo ok ;;
  esac
  exit 0
fi
exec "$REAL_KUBECTL" "$@"
`;

function runScript(script: string, args: string[]) {
    return spawnSync("bash", [path.join(ctx!.ws.dir, "scripts", script), ...args], { cwd: ctx!.ws.dir, env: ctx!.env, encoding: "utf8", timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
}

interface PreviewStep {
    op: string;
    urn: string;
    diffReasons?: string[];
    detailedDiff?: Record<string, unknown>;
}

/** `pulumi preview --json`: the steps and the count per operation. */
function previewJson(): { steps: PreviewStep[]; ops: Record<string, number> } {
    const r = ctx!.ws.pulumi(["preview", "--stack", STACK, "--json"], { timeoutMs: 600_000 });
    assert.equal(r.status, 0, output(r));
    const doc = JSON.parse(r.stdout) as { steps?: PreviewStep[]; changeSummary?: Record<string, number> };
    return { steps: doc.steps ?? [], ops: doc.changeSummary ?? {} };
}

/** Fields a stage may change: route weights and replica counts. */
const STAGE_FIELD = /(weight|replicas)("\])?$/;

function typeName(urn: string): string {
    const parts = urn.split("::");
    return `${parts[2]?.split("$").pop()} ${parts[3]}`;
}

describe("the real engine against the real control plane (local stack, existing cluster)", { concurrency: false }, () => {
    before(async () => {
        const missing = missingPieces();
        if (missing.length) {
            skipReason = `the engine is not built: ${missing.join("; ")}`;
            return;
        }
        if (!fs.existsSync(CLUSTER_TOOL)) {
            skipReason = `the control plane tool is not in this tree (${path.relative(PROJECT_DIR, CLUSTER_TOOL)})`;
            return;
        }
        const clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-engine-cluster-"));
        let kubeconfig = process.env.ITOPS_ENGINE_KUBECONFIG;
        let kubectlPath = path.join(cacheRoot(), "cluster-bin", "kubectl");
        if (kubeconfig) {
            // An existing cluster (kind in .github/workflows/e2e.yml): its kubeconfig, kubectl from PATH.
            external = true;
            kubectlPath = process.env.ITOPS_KUBECTL ?? spawnSync("bash", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim();
            if (!kubectlPath) {
                skipReason = "ITOPS_ENGINE_KUBECONFIG is set but there is no kubectl on PATH (or ITOPS_KUBECTL)";
                return;
            }
        } else {
            const up = clusterCli(["up"], { ...process.env, ITOPS_CLUSTER_DIR: clusterDir });
            if (up.status !== 0) {
                skipReason = `the control plane could not be started (npm run cluster -- up, exit ${up.status}): ${(up.stderr || up.stdout).trim().split("\n").slice(-15).join("\n")}`;
                clusterCli(["down"], { ...process.env, ITOPS_CLUSTER_DIR: clusterDir });
                fs.rmSync(clusterDir, { recursive: true, force: true });
                return;
            }
            kubeconfig = up.stdout.trim().split("\n").pop()!;
        }
        const ws = workspace();
        const wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-engine-kubectl-"));
        const proxyLog = path.join(wrapperDir, "proxy.log");
        fs.writeFileSync(path.join(wrapperDir, "kubectl"), KUBECTL_WRAPPER, { mode: 0o755 });
        fs.writeFileSync(proxyLog, "");
        const env = { ...ws.env, PATH: `${wrapperDir}${path.delimiter}${ws.env.PATH}`, KUBECONFIG: kubeconfig, REAL_KUBECTL: kubectlPath, PROXY_LOG: proxyLog };
        ctx = { ws, clusterDir, kubeconfig, kubectlPath, wrapperDir, proxyLog, env };
        process.stdout.write(`\nengine stack parts that run:\n${PARTS.ran.map((p) => `  + ${p}`).join("\n")}\nleft out, and why:\n${PARTS.leftOut.map((p) => `  - ${p}`).join("\n")}\n\n`);
    });

    after(() => {
        if (publisher) clearInterval(publisher);
        if (!ctx) return;
        if (!destroyed) ctx.ws.pulumi(["destroy", "--stack", STACK, "--yes", "--skip-preview"], { timeoutMs: 600_000 });
        if (!external) clusterCli(["down"], { ...process.env, ITOPS_CLUSTER_DIR: ctx.clusterDir });
        fs.rmSync(ctx.clusterDir, { recursive: true, force: true });
        fs.rmSync(ctx.wrapperDir, { recursive: true, force: true });
        ctx.ws.dispose();
    });

    it("0. the CRDs (Prometheus Operator, Gateway API), the old system and the existing monitoring namespace are in the cluster", async (t) => {
        if (!guard(t)) return;
        await step("setup", () => {
            const crds = clusterCli(["crds"], { ...process.env, ITOPS_CLUSTER_DIR: ctx!.clusterDir });
            assert.equal(crds.status, 0, crds.stderr);
            for (const f of crds.stdout.trim().split("\n")) kubectlOk(["apply", "--server-side", "--field-manager=engine-test-crds", "-f", f]);
            kubectlOk(["wait", "--for=condition=Established", "--timeout=120s", "crd/servicemonitors.monitoring.coreos.com", "crd/prometheusrules.monitoring.coreos.com"]);
            const file = path.join(ctx!.wrapperDir, "old-system.yaml");
            fs.writeFileSync(file, OLD_SYSTEM);
            kubectlOk(["apply", "--server-side", "--field-manager=old-system-owner", "-f", file]);
            kubectlOk(["-n", "legacy", "rollout", "status", "deployment/old-system", "--timeout=180s"]);
            fs.writeFileSync(path.join(ctx!.ws.dir, `Pulumi.${STACK}.yaml`), engineStackFile(ctx!.kubeconfig));
            initStack(ctx!.ws, STACK);
            const secrets: [string, string][] = [
                ["app.database.uri", "mongodb://mongo.local.svc:27017/itops"],
                ["backup.mongodb.uri", "mongodb://backup@mongo.local.svc:27017/?authSource=admin"],
                ...["firstLine", "rotation", "escalation", "ticketQueue"].map((r): [string, string] => [`monitoring.oncall.receivers.${r}.url`, "http://localhost:9/"]),
            ];
            for (const [k, v] of secrets) {
                const r = ctx!.ws.pulumi(["config", "set", "--stack", STACK, "--secret", "--path", k, v]);
                assert.equal(r.status, 0, output(r));
            }
            publisher = setInterval(publishIngressAddresses, 2000);
        });
    });

    it("1. pulumi up creates the stack, the engine awaiting every object (Deployments ready on simulated nodes)", async (t) => {
        if (!guard(t)) return;
        await step("up", async () => {
            const start = Date.now();
            const r = await ctx!.ws.pulumiAsync(["up", "--stack", STACK, "--yes", "--skip-preview"], { timeoutMs: 900_000 });
            assert.equal(r.status, 0, output(r));
            const created = /(\d+) created/.exec(r.stdout)?.[1];
            t.diagnostic(`up: ${created} created in ${Math.round((Date.now() - start) / 1000)} s; ingress addresses published by the test: ${[...published].join(", ")}`);
            assert.ok(Number(created) >= 20, `only ${created} resources created`);
            // The monitoring objects went through the engine into the operator's CRDs.
            for (const o of ["servicemonitor.monitoring.coreos.com/it-ops-system", "prometheusrule.monitoring.coreos.com/it-ops-alerts"]) {
                assert.equal(kubectlOk(["-n", "monitoring", "get", o, "-o", "jsonpath={.metadata.labels}"]), "", `${o} has no labels`);
            }
            kubectlOk(["-n", "monitoring", "get", "secret/itops-alertmanager-config", "secret/alertmanager-receivers", "configmap/it-ops-dashboard"]);
            assert.equal(kubectlOk(["-n", "local", "get", "deployment/it-ops-system", "-o", "jsonpath={.status.readyReplicas}"]), "2");
            assert.equal(kubectlOk(["-n", "legacy", "get", "deployment/old-system", "-o", "jsonpath={.spec.replicas}"]), String(OLD_REPLICAS));
        });
    });

    it("2. pulumi preview --expect-no-changes right after up (no perpetual diff)", async (t) => {
        if (!guard(t)) return;
        await step("no-change preview", () => {
            const r = ctx!.ws.pulumi(["preview", "--stack", STACK, "--expect-no-changes", "--diff", "--show-sames"], { timeoutMs: 600_000 });
            assert.equal(r.status, 0, output(r));
            // The migration is one node of the preview, its parts below it (issue 14): `--diff` prints each URN.
            const esc = (x: string) => x.replace(/[$.]/g, "\\$&");
            assert.match(r.stdout, /\[urn=urn:pulumi:engine::it-ops-infra::itops:migration:Migration::itops-migration\]/, `the Migration node in the preview\n${output(r)}`);
            for (const [type, name] of [
                ["itops:migration:WeightedRoute", "itops-migration-route"],
                ["itops:migration:DeploymentReplicas", "itops-migration-old-replicas"],
                ["itops:monitoring:AlertRules", "itops-migration-alerts"],
            ]) {
                assert.match(r.stdout, new RegExp(`\\[urn=urn:pulumi:engine::it-ops-infra::itops:migration:Migration\\$${esc(type)}::${name}\\]`), `${type} ${name} under the Migration node\n${output(r)}`);
            }
            t.diagnostic(r.stdout.split("\n").filter((l) => /itops-migration/.test(l)).join(" | "));
        });
    });

    it("3. scripts/migrate.sh walks the stages; each stage's preview shows only weight and replica updates", async (t) => {
        if (!guard(t)) return;
        await step("migration walk", () => {
            for (let stage = 1; stage < STEPS.length; stage++) {
                // What the stage will change, previewed with the stage set, then the config put back for the script.
                let r = ctx!.ws.pulumi(["config", "set", "--stack", STACK, "--path", "migration.stage", String(stage)]);
                assert.equal(r.status, 0, output(r));
                const p = previewJson();
                r = ctx!.ws.pulumi(["config", "set", "--stack", STACK, "--path", "migration.stage", String(stage - 1)]);
                assert.equal(r.status, 0, output(r));
                const updates = p.steps.filter((s) => s.op === "update");
                const forbidden = p.steps.filter((s) => !["same", "update", "read"].includes(s.op)).map((s) => `${s.op} ${typeName(s.urn)}`);
                assert.deepEqual(forbidden, [], `stage ${stage}: creates/replaces/deletes`);
                assert.equal(p.ops.replace ?? 0, 0);
                assert.equal(p.ops.delete ?? 0, 0);
                assert.ok(updates.length >= 1, `stage ${stage}: no update at all`);
                const changed = updates.map((s) => `${typeName(s.urn)}: ${Object.keys(s.detailedDiff ?? {}).join(", ") || (s.diffReasons ?? []).join(", ")}`);
                for (const s of updates) {
                    const fields = Object.keys(s.detailedDiff ?? {});
                    assert.ok(fields.length > 0, `stage ${stage}: ${typeName(s.urn)} updates without a detailed diff (${(s.diffReasons ?? []).join(", ")})`);
                    for (const f of fields) assert.match(f, STAGE_FIELD, `stage ${stage}: ${typeName(s.urn)} changes ${f}`);
                }
                t.diagnostic(`stage ${stage} (${STEPS[stage]} %): ${JSON.stringify(p.ops)}; ${changed.join("; ")}`);

                const m = runScript("migrate.sh", [STACK, "next", "--yes"]);
                assert.equal(m.status, 0, `migrate.sh next to stage ${stage}:\n${m.stdout}\n${m.stderr}`);
                assert.match(m.stdout, new RegExp(`moving stack ${STACK} from stage ${stage - 1} \\(${STEPS[stage - 1]} % new\\) to stage ${stage}`));
                assert.match(m.stdout, /ok {3}error ratio 0 <= 0\.01/);
                assert.equal(kubectlOk(["-n", "local", "get", `ingress/${CANARY}`, "-o", `jsonpath={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}`]), String(STEPS[stage]));
            }
            const gate = fs.readFileSync(ctx!.proxyLog, "utf8").split("\n").filter((l) => l.includes("/proxy/api/v1/query"));
            assert.equal(gate.length, 3 * (STEPS.length - 1), "the health gate ran its three queries before each stage");
        });
    });

    it("3b. when pulumi up fails, scripts/migrate.sh puts the stage back (real CLI): config and cluster stay at the last stage", async (t) => {
        if (!guard(t)) return;
        await step("failed up", () => {
            // The program cannot read its kubeconfig: every `pulumi up` fails before changing anything.
            const moved = `${ctx!.kubeconfig}.away`;
            fs.renameSync(ctx!.kubeconfig, moved);
            let r;
            try {
                r = runScript("migrate.sh", [STACK, "back", "--yes"]);
            } finally {
                fs.renameSync(moved, ctx!.kubeconfig);
            }
            assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
            const last = STEPS.length - 1;
            assert.match(r.stderr, new RegExp(`pulumi up failed on stack ${STACK}; putting the previous configuration back:\\n {2}migration\\.stage is back at ${last}\\n`));
            assert.match(r.stderr, /and so did re-applying stage 4 \(100 % new\)/);
            const stage = ctx!.ws.pulumi(["config", "get", "--stack", STACK, "--path", "migration.stage"]);
            assert.equal(stage.stdout.trim(), String(last), "the config is back at the last stage");
            assert.equal(kubectlOk(["-n", "local", "get", `ingress/${CANARY}`, "-o", `jsonpath={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}`]), "100");
            t.diagnostic("a failed pulumi up (kubeconfig unreadable) left migration.stage at 4 and the canary at 100 %");
        });
    });

    it("4. scripts/rollback.sh returns to stage 0; old-system runs migration.replicas.old", async (t) => {
        if (!guard(t)) return;
        await step("rollback", () => {
            const r = runScript("rollback.sh", [STACK, "--yes"]);
            assert.equal(r.status, 0, `rollback.sh:\n${r.stdout}\n${r.stderr}`);
            assert.match(r.stdout, /rolled back: stack engine at stage 0 \(0 % to the new system\); the old system answers/);
            const stage = ctx!.ws.pulumi(["config", "get", "--stack", STACK, "--path", "migration.stage"]);
            assert.equal(stage.stdout.trim(), "0");
            assert.equal(kubectlOk(["-n", "local", "get", `ingress/${CANARY}`, "-o", `jsonpath={.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/canary-weight}`]), "0");
            assert.equal(kubectlOk(["-n", "legacy", "get", "deployment/old-system", "-o", "jsonpath={.spec.replicas}"]), String(OLD_REPLICAS));
            const again = ctx!.ws.pulumi(["preview", "--stack", STACK, "--expect-no-changes"], { timeoutMs: 600_000 });
            assert.equal(again.status, 0, output(again));
            t.diagnostic(`canary weight annotation ${CANARY_WEIGHT} back at 0; old-system at ${OLD_REPLICAS} replicas`);
        });
    });

    it("5. pulumi destroy leaves nothing the stack created; old-system keeps the count the migration set", async (t) => {
        if (!guard(t)) return;
        await step("destroy", async () => {
            const exported = ctx!.ws.pulumi(["stack", "export", "--stack", STACK]);
            assert.equal(exported.status, 0, output(exported));
            const resources = (JSON.parse(exported.stdout) as { deployment: { resources: { type: string; custom?: boolean; outputs?: any }[] } }).deployment.resources;
            const objects = resources
                .filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:providers") && !x.type.endsWith("Patch"))
                .map((x) => ({ apiVersion: String(x.outputs.apiVersion), kind: String(x.outputs.kind), name: String(x.outputs.metadata.name), namespace: x.outputs.metadata.namespace as string | undefined }));
            assert.ok(objects.length >= 20, `only ${objects.length} Kubernetes objects in the state`);
            const r = await ctx!.ws.pulumiAsync(["destroy", "--stack", STACK, "--yes", "--skip-preview"], { timeoutMs: 900_000 });
            assert.equal(r.status, 0, output(r));
            destroyed = true;
            const left: string[] = [];
            for (const o of objects) {
                const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
                const resource = group ? `${o.kind.toLowerCase()}.${version}.${group}` : o.kind.toLowerCase();
                const g = kubectl(["get", `${resource}/${o.name}`, ...(o.namespace ? ["-n", o.namespace] : []), "--ignore-not-found", "-o", "name"]);
                assert.equal(g.status, 0, g.stderr);
                if (g.stdout.trim()) left.push(`${o.kind} ${o.namespace ?? ""}/${o.name}`);
            }
            assert.deepEqual(left, [], "objects the stack created are still in the cluster");
            assert.equal(kubectlOk(["-n", "legacy", "get", "deployment/old-system", "-o", "jsonpath={.spec.replicas}"]), String(OLD_REPLICAS));
            t.diagnostic(`destroy: ${objects.length} objects gone (checked one by one against the API server); old-system still at ${OLD_REPLICAS} replicas (retained patch)`);
        });
    });
});
