/**
 * The policy pack as the Pulumi engine runs it: `policy/` started by the SDK's run-policy-pack (it
 * prints its gRPC port), then the engine's Analyzer calls — GetAnalyzerInfo (policies and the
 * per-stack config derived from the stack's config), Configure and Analyze — over gRPC.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { PROJECT_DIR } from "./helpers";
import { RESOURCE_POLICIES, STACK_POLICIES } from "../policy/policies";

type Client = InstanceType<typeof analyzerRpc.AnalyzerClient>;

const call = <Req, Res>(fn: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void, req: Req) =>
    new Promise<Res>((resolve, reject) => fn(req, (e, r) => (e ? reject(e) : resolve(r))));

describe("policy pack served over gRPC (as `pulumi preview --policy-pack policy` runs it)", () => {
    let proc: ChildProcess;
    let client: Client;
    let info: analyzer.AnalyzerInfo;

    before(async () => {
        // Exactly how the engine's Node.js language host starts a policy pack: the SDK's
        // run-policy-pack (TypeScript through its ts-node, type-checked) in the pack's folder.
        const runner = path.join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        proc = spawn(process.execPath, [runner, "127.0.0.1:0", "."], {
            cwd: path.join(PROJECT_DIR, "policy"),
            env: {
                ...process.env,
                // What the engine hands a policy pack: the stack and its config.
                PULUMI_NODEJS_STACK: "production",
                PULUMI_CONFIG: JSON.stringify({
                    "it-ops-infra:registry": JSON.stringify({ name: "itopsproductionacr", sku: "Premium" }),
                    "it-ops-infra:app": JSON.stringify({ allowPublicLoadBalancer: false }),
                }),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        proc.stderr!.on("data", (d) => (stderr += d));
        let timer: NodeJS.Timeout | undefined;
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            proc.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(Number(m[1]));
            });
            proc.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
            timer = setTimeout(() => reject(new Error(`no port printed: ${out} ${stderr}`)), 240_000);
        }).finally(() => clearTimeout(timer));
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
    });

    after(() => {
        client?.close();
        proc?.kill();
    });

    it("serves every policy of policies.ts, mandatory", () => {
        assert.equal(info.getName(), "it-ops-policy");
        const names = info.getPoliciesList().map((p) => p.getName()).sort();
        assert.deepEqual(names, [...RESOURCE_POLICIES, ...STACK_POLICIES].map((p) => p.name).sort());
        for (const p of info.getPoliciesList()) assert.equal(p.getEnforcementlevel(), analyzer.EnforcementLevel.MANDATORY, p.getName());
    });

    it("derives its initial config from the stack's config (registry login server, production)", () => {
        const initial = info.getInitialconfigMap();
        assert.deepEqual(initial.get("images-from-stack-registry")?.getProperties()?.toJavaScript(), { registries: ["itopsproductionacr.azurecr.io"] });
        assert.deepEqual(initial.get("production-high-availability")?.getProperties()?.toJavaScript(), { production: true, minReplicas: 2 });
        assert.deepEqual(initial.get("no-public-load-balancer")?.getProperties()?.toJavaScript(), { allowPublicLoadBalancer: false });
    });

    it("analyzes a resource: a pinned image from the registry passes, latest from Docker Hub is a mandatory violation", async () => {
        // The engine configures the pack with the initial config (merged with any --policy-pack-config).
        const configure = new analyzer.ConfigureAnalyzerRequest();
        for (const [name, cfg] of info.getInitialconfigMap().entries()) {
            const pc = new analyzer.PolicyConfig();
            pc.setEnforcementlevel(analyzer.EnforcementLevel.MANDATORY);
            pc.setProperties(cfg.getProperties());
            configure.getPolicyconfigMap().set(name, pc);
        }
        await call(client.configure.bind(client), configure);

        const analyze = async (image: string) => {
            const req = new analyzer.AnalyzeRequest();
            req.setType("kubernetes:batch/v1:Job");
            req.setName("job");
            req.setUrn("urn:pulumi:production::it-ops-infra::kubernetes:batch/v1:Job::job");
            const container = {
                name: "c",
                image,
                resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            };
            req.setProperties(Struct.fromJavaScript({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "job", namespace: "production" }, spec: { template: { spec: { restartPolicy: "Never", containers: [container] } } } } as any));
            req.setOptions(new analyzer.AnalyzerResourceOptions());
            const res = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze.bind(client), req);
            return res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`);
        };
        assert.deepEqual(await analyze("itopsproductionacr.azurecr.io/it-ops/tools:1.2.3"), []);
        const bad = await analyze("docker.io/library/mongo:latest");
        assert.equal(bad.length, 2, bad.join("\n"));
        assert.match(bad.join("\n"), /images-from-stack-registry: [\s\S]*not from the stack's registry/);
        assert.match(bad.join("\n"), /images-from-stack-registry: [\s\S]*floating tag latest/);
    });
});
