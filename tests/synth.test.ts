/**
 * The offline render's contract, through the real CLI: files written for both stacks, `--set`,
 * `--config`, secrets redacted, and bad input → exit 2 with one line naming the key, nothing written.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as YAML from "yaml";
import { applySet, parsePath, parseSetValue, readStackFile, UsageError } from "../tools/render/stack-file";
import { CliResult, PROJECT_DIR, synthCli, synthCliAsync, synthInProcess } from "./helpers";

function readJson(file: string): any {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

describe("synth writes the contract's files for both stacks", () => {
    const results: Record<string, CliResult> = {};
    before(async () => {
        const [staging, production] = await Promise.all([synthCliAsync(["--stack", "staging"]), synthCliAsync(["--stack", "production"])]);
        results.staging = staging;
        results.production = production;
    });

    for (const stack of ["staging", "production"]) {
        it(`${stack}: exit 0, resources.json in registration order with urn/type/name/parent/inputs`, () => {
            const r = results[stack];
            assert.equal(r.code, 0, r.stderr);
            const resources = readJson(path.join(r.out, stack, "resources.json"));
            assert.ok(Array.isArray(resources) && resources.length > 5);
            for (const x of resources) {
                for (const k of ["urn", "type", "name", "parent", "inputs"]) assert.ok(k in x, `${x.urn} lacks ${k}`);
                assert.match(x.urn, new RegExp(`^urn:pulumi:${stack}::it-ops-infra::`));
            }
            // Registration order: the resource group comes before the cluster that lives in it.
            const idx = (t: string) => resources.findIndex((x: any) => x.type === t);
            assert.ok(idx("azure-native:resources:ResourceGroup") < idx("azure-native:containerservice:ManagedCluster"));
            // Children name their component parent.
            const cluster = resources.find((x: any) => x.type === "azure-native:containerservice:ManagedCluster");
            assert.equal(cluster.parent, `urn:pulumi:${stack}::it-ops-infra::pulumi:pulumi:Stack$itops:azure:AksCluster::itops-aks`);
        });

        it(`${stack}: prints a tree with counts`, () => {
            const out = results[stack].stdout;
            assert.match(out, new RegExp(`^stack ${stack} — \\d+ resources`, "m"));
            assert.match(out, /itops-aks \(itops:azure:AksCluster\) — \d+ resources/);
            assert.match(out, /└─ |├─ /);
        });

        it(`${stack}: secrets are "[secret]" in every file, never plaintext`, () => {
            const dir = path.join(results[stack].out, stack);
            const outputs = readJson(path.join(dir, "outputs.json"));
            assert.equal(outputs.kubeconfig, "[secret]");
            for (const f of listFiles(dir)) {
                const text = fs.readFileSync(f, "utf8");
                assert.ok(!text.includes("kubelogin"), `${f} leaks the kubeconfig`);
                assert.ok(!text.includes("placeholder-for-"), `${f} leaks a secret placeholder`);
            }
        });
    }

    it("production and staging differ only as their stack files say", () => {
        const load = (s: string) => readJson(path.join(results[s].out, s, "resources.json"));
        const p = load("production");
        const s = load("staging");
        // The Azure platform is the same set of resources in both stacks (other parts differ by config,
        // e.g. the load test runs in staging only).
        const platform = (rs: any[]) => rs.filter((x) => /^azure-native:(resources|containerservice|containerregistry|operationalinsights)/.test(x.type)).map((x) => `${x.type}::${x.name}`);
        assert.deepEqual(platform(p), platform(s), "same platform resources in the same order");
        const pc = p.find((x: any) => x.type === "azure-native:containerservice:ManagedCluster").inputs;
        const sc = s.find((x: any) => x.type === "azure-native:containerservice:ManagedCluster").inputs;
        assert.equal(pc.sku.tier, "Standard");
        assert.equal(sc.sku.tier, "Free");
        assert.deepEqual(pc.agentPoolProfiles[0].availabilityZones, ["1", "2", "3"]);
        assert.deepEqual(sc.agentPoolProfiles[0].availabilityZones, []);
        for (const c of [pc, sc]) {
            assert.equal(c.disableLocalAccounts, true);
            assert.equal(c.aadProfile.enableAzureRBAC, true);
            assert.equal(c.securityProfile.workloadIdentity.enabled, true);
            assert.equal(c.oidcIssuerProfile.enabled, true);
        }
    });
});

describe("synth options", () => {
    it("--set overrides one value by path; --quiet skips the tree", () => {
        const r = synthCli(["--stack", "staging", "--set", "cluster.userPool.maxCount=6", "--quiet"]);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes("└─"));
        const pool = readJson(path.join(r.out, "staging", "resources.json")).find((x: any) => x.type === "azure-native:containerservice:AgentPool");
        assert.equal(pool.inputs.maxCount, 6);
    });

    it("--config renders any file in the form of Pulumi.<stack>.yaml; secure: values become secrets", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8"));
        doc.config["it-ops-infra:cluster"].name = "aks-from-file";
        doc.config["it-ops-infra:tags"] = { secretTag: { secure: "v1:AAAAAAAAAAAAAAAAAAAAAAAA" } };
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "itops-cfg-")), "Pulumi.custom.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const r = synthCli(["--stack", "staging", "--config", file, "--quiet"]);
        assert.equal(r.code, 0, r.stderr);
        const resources = readJson(path.join(r.out, "staging", "resources.json"));
        const cluster = resources.find((x: any) => x.type === "azure-native:containerservice:ManagedCluster");
        assert.equal(cluster.inputs.resourceName, "aks-from-file");
        // The secure tag is a plain tag field: rendered as its placeholder, not decrypted.
        assert.equal(cluster.inputs.tags.secretTag, "[secure]");
    });

    it("writes nothing and exits 2 for an unknown argument or a missing --stack", async () => {
        for (const args of [["--stack", "staging", "--bogus"], ["--quiet"], ["--stack"]]) {
            const r = await synthInProcess(args);
            assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.equal(r.stderr.trim().split("\n").length, 1);
            assert.deepEqual(listFiles(r.out), []);
        }
    });
});

/** Exit 2 as the process ends it: the exit status, one line on stderr, no trace, nothing written. */
function assertExit2(r: CliResult, what: string, firstLine: string): void {
    assert.equal(r.code, 2, `${what}: exit ${r.code}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
    assert.ok(lines[0].startsWith(firstLine), `${what}: ${lines[0]}`);
    assert.ok(!/\bat .*\.(ts|js):\d+/.test(r.stderr), `${what}: no stack trace`);
    assert.deepEqual(listFiles(r.out), [], `${what}: nothing written`);
}

describe("npm run synth as a process: the exit status 2 path (the messages are tested in process below)", () => {
    it("an unknown argument: exit 2, one stderr line, nothing written", async () => {
        assertExit2(await synthCliAsync(["--stack", "staging", "--bogus"]), "--bogus", "error: unknown argument '--bogus'");
    });

    it("a bad config value: exit 2, one stderr line naming the key, nothing written", async () => {
        assertExit2(await synthCliAsync(["--stack", "production", "--set", "cluster.userPool.maxCount=2"]), "maxCount=2", "error: it-ops-infra:cluster.userPool.maxCount ");
    });
});

describe("synth: twenty different bad configs each exit 2 with one line naming the key", () => {
    const CASES: [string, string][] = [
        ["cluster.userPool.maxCount=2", "it-ops-infra:cluster.userPool.maxCount"],
        ["cluster.userPool.maxCount=\"many\"", "it-ops-infra:cluster.userPool.maxCount"],
        ["cluster.userPool.minCount=0", "it-ops-infra:cluster.userPool.minCount"],
        ["cluster.skuTier=Gold", "it-ops-infra:cluster.skuTier"],
        ["cluster.zones=[\"7\"]", "it-ops-infra:cluster.zones"],
        ["registry.name=it-ops", "it-ops-infra:registry.name"],
        ["registry.name=ab", "it-ops-infra:registry.name"],
        ["clusterr={}", "it-ops-infra:clusterr"],
        ["cluster.nodePool={}", "it-ops-infra:cluster.nodePool"],
        ["cluster.kubernetesVersion=v1", "it-ops-infra:cluster.kubernetesVersion"],
        ["cluster.name=aks!", "it-ops-infra:cluster.name"],
        ["cluster.adminGroupObjectIds=[\"admins\"]", "it-ops-infra:cluster.adminGroupObjectIds[0]"],
        ["cluster.kubeloginMode=browser", "it-ops-infra:cluster.kubeloginMode"],
        ["cluster.upgradeWindow.durationHours=30", "it-ops-infra:cluster.upgradeWindow.durationHours"],
        ["cluster.nodeOsWindow.dayOfWeek=Sun", "it-ops-infra:cluster.nodeOsWindow.dayOfWeek"],
        ["cluster.dnsServiceIP=192.168.0.10", "it-ops-infra:cluster.dnsServiceIP"],
        ["cluster.logRetentionDays=1000", "it-ops-infra:cluster.logRetentionDays"],
        ["protect=1", "it-ops-infra:protect"],
        ["location=Japan East", "it-ops-infra:location"],
        ["cluster.systemPool.maxPods=5", "it-ops-infra:cluster.systemPool.maxPods"],
        ["cluster.podCidr=10.0.0.0/12", "it-ops-infra:cluster.podCidr"],
    ];

    it(`${CASES.length} cases (the synth command in process)`, async () => {
        for (const [set, key] of CASES) assertExit2(await synthInProcess(["--stack", "production", "--set", set]), set, `error: ${key} `);
    });
});

describe("stack-file helpers", () => {
    it("parsePath splits dotted paths with indexes", () => {
        assert.deepEqual(parsePath("a.b[0].c"), ["a", "b", 0, "c"]);
        assert.deepEqual(parsePath("steps[2]"), ["steps", 2]);
        assert.throws(() => parsePath("[0]"), UsageError);
        assert.throws(() => parsePath("a..b"), UsageError);
    });

    it("parseSetValue parses JSON where it parses, else keeps the string", () => {
        const table: [string, unknown][] = [["5", 5], ["true", true], ["[1,2]", [1, 2]], ["japaneast", "japaneast"], ["\"5\"", "5"], ["{\"a\":1}", { a: 1 }]];
        for (const [text, value] of table) assert.deepEqual(parseSetValue(text), value, text);
    });

    it("applySet creates nested objects and arrays and never mutates its input", () => {
        const raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
        const before = JSON.stringify(raw.values);
        const next = applySet(applySet(raw, "migration.steps[1]=10"), "azure-native:location=westeurope");
        assert.equal((next.values["it-ops-infra:migration"] as { steps: number[] }).steps[1], 10);
        assert.equal(next.values["azure-native:location"], "westeurope");
        assert.equal(JSON.stringify(raw.values), before);
        assert.throws(() => applySet(raw, "novalue"), UsageError);
    });
});
