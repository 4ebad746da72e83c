/**
 * Integration: every policy of the pack over the offline render of both stacks (the resources'
 * type + inputs, as `resources.json` holds them) finds zero violations, with the per-stack policy
 * config derived from the stack's own settings exactly as the pack's index.ts does.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { configOf, policyConfigFor, RESOURCE_POLICIES, STACK_POLICIES } from "../policy/policies";
import { Rendering } from "../tools/render/render";
import { render } from "./helpers";
import { writeRendering } from "../tools/render/write";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A resource as `resources.json` holds it. */
interface ResourceEntry {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** Whether an entry is a real resource (not a component, the stack or a provider). */
const isResource = (x: ResourceEntry) => !x.type.startsWith("itops:") && !x.type.startsWith("pulumi:");

/** Runs the whole pack over a rendering's resources; returns `policy: message` lines. */
export function runPack(r: Rendering, entries: readonly ResourceEntry[] = r.resources): string[] {
    const registry = r.config.clusterMode === "aks" ? { registryName: r.config.registry.name } : { registryLoginServer: r.config.registry.loginServer };
    const publicNetworkAccess = r.config.clusterMode === "aks" ? r.config.network.publicNetworkAccess : undefined;
    const config = policyConfigFor({ stack: r.stack, ...registry, allowPublicLoadBalancer: r.config.app.allowPublicLoadBalancer, publicNetworkAccess });
    const resources = entries.filter(isResource).map((x) => ({ type: x.type, props: x.inputs, urn: x.urn, name: x.name }));
    const out: string[] = [];
    for (const p of RESOURCE_POLICIES) {
        for (const x of resources) {
            p.validateResource({ ...x, getConfig: <T extends object>() => configOf(config, p.name) as T }, (m: string) => out.push(`${p.name}: ${m}`));
        }
    }
    for (const p of STACK_POLICIES) {
        p.validateStack({ resources, getConfig: <T extends object>() => configOf(config, p.name) as T }, (m: string) => out.push(`${p.name}: ${m}`));
    }
    return out;
}

for (const stack of ["staging", "production"]) {
    describe(`policy pack over the ${stack} render`, () => {
        it("finds zero violations", async () => {
            const r = await render(stack);
            assert.deepEqual(runPack(r), []);
        });
        it("finds zero violations in the resources.json the synth writes", async () => {
            const r = await render(stack);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-policy-"));
            writeRendering(r, dir);
            const entries = JSON.parse(fs.readFileSync(path.join(dir, stack, "resources.json"), "utf8")) as ResourceEntry[];
            assert.equal(entries.filter(isResource).length, r.resources.filter(isResource).length);
            assert.deepEqual(runPack(r, entries), []);
            fs.rmSync(dir, { recursive: true, force: true });
        });
        it("really inspects the render: a Deployment, the AKS cluster and the registry are among the resources", async () => {
            const r = await render(stack);
            for (const t of ["kubernetes:apps/v1:Deployment", "azure-native:containerservice:ManagedCluster", "azure-native:containerregistry:Registry", "kubernetes:policy/v1:PodDisruptionBudget"]) {
                assert.ok(r.resources.some((x) => x.type === t), t);
            }
        });
    });
}

describe("policy pack over the production render with app.split=true", () => {
    it("finds zero violations (two Deployments, each with PDB and spread)", async () => {
        const r = await render("production", ["app.split=true"]);
        assert.equal(r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment").length, 2);
        assert.deepEqual(runPack(r), []);
    });
});

describe("policy pack over renders that open the network", () => {
    it("production with public ACR/Storage access and a public API server without ranges: each is a violation", async () => {
        const r = await render("production", ["network.publicNetworkAccess=true", "cluster.apiServer.access=authorizedRanges", 'cluster.apiServer.authorizedIpRanges=["203.0.113.0/24"]']);
        const opened: Rendering = {
            ...r,
            resources: r.resources.map((x) => {
                if (x.type !== "azure-native:containerservice:ManagedCluster") return x;
                const inputs = structuredClone(x.inputs) as any;
                inputs.apiServerAccessProfile.authorizedIPRanges = [];
                return { ...x, inputs };
            }),
        };
        const out = runPack(opened).filter((m) => /^(registry|storage)-private-network|^aks-api-server-restricted/.test(m));
        assert.equal(out.length, 3, out.join("\n"));
        assert.match(out.join("\n"), /^registry-private-network: container registry itopsproductionacr: publicNetworkAccess must be Disabled, is Enabled/m);
        assert.match(out.join("\n"), /^storage-private-network: storage account itopsbkpproducti[a-z0-9]+: publicNetworkAccess must be Disabled, is Enabled/m);
        assert.match(out.join("\n"), /^aks-api-server-restricted: AKS cluster aks-it-ops-production: the API server is public without authorizedIPRanges/m);
    });
    it("staging may open ACR/Storage by config (a debugging stack), never production", async () => {
        const r = await render("staging", ["network.publicNetworkAccess=true"]);
        assert.deepEqual(runPack(r), []);
    });
});

describe("policy pack over a render with a floating image", () => {
    it("reports the latest tag (the config guard is bypassed by editing the rendered Deployment)", async () => {
        const r = await render("production");
        const broken: Rendering = {
            ...r,
            resources: r.resources.map((x) => {
                if (x.type !== "kubernetes:apps/v1:Deployment") return x;
                const inputs = structuredClone(x.inputs) as any;
                inputs.spec.template.spec.containers[0].image = "docker.io/library/nginx:latest";
                inputs.spec.replicas = 1;
                return { ...x, inputs };
            }),
        };
        const out = runPack(broken);
        assert.ok(out.some((m) => /^images-from-stack-registry: .*not from the stack's registry/.test(m)), out.join("\n"));
        assert.ok(out.some((m) => /^images-from-stack-registry: .*floating tag latest/.test(m)), out.join("\n"));
        assert.ok(out.some((m) => /^production-high-availability: .*>= 2 replicas, has 1/.test(m)), out.join("\n"));
    });
});

describe("policy pack over production with database.mode managed (issue 16)", () => {
    const MANAGED = ["database.mode=managed", "app.database={}"];
    it("finds zero violations: the cluster and its geo replica are private, the primary has HA", async () => {
        const r = await render("production", MANAGED);
        assert.equal(r.resources.filter((x) => x.type === "azure-native:mongocluster:MongoCluster").length, 2, "primary and geo replica");
        assert.deepEqual(runPack(r), []);
    });
    it("catches public access and a primary without HA in the rendered resources", async () => {
        const r = await render("production", MANAGED);
        const bent = r.resources.map((x) =>
            x.type === "azure-native:mongocluster:MongoCluster" && x.name === "itops-database"
                ? { ...x, inputs: { ...x.inputs, properties: { ...(x.inputs.properties as object), publicNetworkAccess: "Enabled", highAvailability: { targetMode: "Disabled" } } } }
                : x,
        );
        assert.deepEqual(runPack(r, bent), [
            "mongo-cluster-private-network: MongoDB cluster mongo-it-ops-production: properties.publicNetworkAccess must be Disabled, is Enabled",
            "mongo-cluster-high-availability: MongoDB cluster mongo-it-ops-production: properties.highAvailability.targetMode must be ZoneRedundantPreferred (or SameZone) in production, is Disabled",
        ]);
    });
});
