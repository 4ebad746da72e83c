/**
 * Cluster mode `existing` and the `local` stack: no Azure resource is rendered, the Kubernetes
 * provider renders YAML (or gets a kubeconfig file's content as a secret), every Kubernetes part is
 * deployed, the policy pack / schema / Pod Security accept the render, and bad existing-mode
 * configuration is rejected naming the key (in the parser and as exit 2 of the synth CLI).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ConfigError, parseStackConfig } from "../infra/config";
import { RenderedResource, Rendering } from "../tools/render/render";
import { loadSchemaValidator } from "../tools/render/schema";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { isManifest, isPatch } from "../tools/render/write";
import { existingProviderArgs, readKubeconfig } from "../infra/stack";
import { configOf, policyConfigFor, RESOURCE_POLICIES, STACK_POLICIES } from "../policy/policies";
import { all, CliResult, manifests, one, PROJECT_DIR, render, synthCliAsync, synthInProcess } from "./helpers";
import { run } from "./tools";

const PROVIDER = "pulumi:providers:kubernetes";
const CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
/** The read-only identity of restores and drills (Storage Blob Data Reader). */
const READER_CLIENT_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const CONTAINER_URL = "https://itopsbkplocal.blob.core.windows.net/mongodb-backups";
/** The local stack with every optional Kubernetes part on: backups (existing storage) and the load test. */
const FULL = [
    "backup.enabled=true",
    `backup.existing.identityClientId=${CLIENT_ID}`,
    `backup.existing.containerUrl=${CONTAINER_URL}`,
    `backup.existing.restoreIdentityClientId=${READER_CLIENT_ID}`,
    "verification.loadTest.enabled=true",
    "verification.loadTest.image=localhost:5001/mirror/k6:1.8.1",
    "backup.images.mongo=localhost:5001/mirror/mongo:7.0.14",
    "backup.images.azcopy=localhost:5001/mirror/azcopy:10.27.1",
];

function parseLocal(sets: string[]) {
    let raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.local.yaml"));
    for (const s of sets) raw = applySet(raw, s);
    return parseStackConfig("local", toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true }).config;
}

/** Every resource policy and stack policy of the pack over a rendering, as policy-render.test.ts does. */
function runPack(r: Rendering): string[] {
    assert.ok(r.config.clusterMode === "existing");
    const config = policyConfigFor({ stack: r.stack, registryLoginServer: r.config.registry.loginServer, allowPublicLoadBalancer: r.config.app.allowPublicLoadBalancer });
    const resources = r.resources
        .filter((x) => !x.type.startsWith("itops:") && !x.type.startsWith("pulumi:"))
        .map((x) => ({ type: x.type, props: x.inputs, urn: x.urn, name: x.name }));
    const out: string[] = [];
    for (const p of RESOURCE_POLICIES) {
        for (const x of resources) p.validateResource({ ...x, getConfig: <T extends object>() => configOf(config, p.name) as T }, (m: string) => out.push(`${p.name}: ${m}`));
    }
    for (const p of STACK_POLICIES) p.validateStack({ resources, getConfig: <T extends object>() => configOf(config, p.name) as T }, (m: string) => out.push(`${p.name}: ${m}`));
    return out;
}

describe("the local stack file", () => {
    it("parses as cluster mode existing with renderYamlToDirectory, the local registry, no backups, no load test", () => {
        const c = parseLocal([]);
        assert.ok(c.clusterMode === "existing");
        assert.deepEqual(c.cluster, { kubeconfigPath: undefined, context: undefined, renderYamlToDirectory: "out/local-yaml" });
        assert.deepEqual(c.registry, { loginServer: "localhost:5001" });
        assert.deepEqual(c.tags, {});
        assert.equal(c.backup.enabled, false);
        assert.equal(c.verification.loadTest.enabled, false);
        assert.equal(c.verification.defenderForContainers, false);
    });

    it("staging and production stay in cluster mode aks", () => {
        for (const stack of ["staging", "production"]) {
            const raw = readStackFile(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`));
            assert.equal(parseStackConfig(stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true }).config.clusterMode, "aks");
        }
    });
});

for (const [label, sets] of [["local", []], ["local with backups and the load test", FULL]] as [string, string[]][]) {
    describe(`render: ${label}`, () => {
        it("registers no Azure resource and one Kubernetes provider that renders YAML into out/local-yaml", async () => {
            const r = await render("local", sets);
            assert.deepEqual(r.resources.filter((x) => x.type.startsWith("azure-native:") || x.type.startsWith("pulumi:providers:azure")).map((x) => x.type), []);
            assert.deepEqual(all(r, "itops:platform:AksCluster").length + all(r, "itops:platform:ContainerRegistry").length, 0);
            const providers = all(r, PROVIDER);
            assert.equal(providers.length, 1);
            assert.equal(providers[0].name, "itops-k8s");
            assert.equal(providers[0].inputs.renderYamlToDirectory, "out/local-yaml");
            assert.equal(providers[0].inputs.kubeconfig, undefined);
        });

        it("every Kubernetes object goes through that provider (its own, or inherited from a parent)", async () => {
            const r = await render("local", sets);
            const byUrn = new Map(r.resources.map((x) => [x.urn, x]));
            const providerOf = (x: RenderedResource | undefined): string | undefined => (x === undefined ? undefined : (x.options.provider ?? providerOf(x.parent ? byUrn.get(x.parent) : undefined)));
            const k8s = r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
            assert.ok(k8s.length >= 20, `${k8s.length} Kubernetes resources`);
            const providerUrn = one(r, PROVIDER, "itops-k8s").urn;
            const viaOther = k8s.filter((x) => providerOf(x) !== providerUrn);
            assert.deepEqual(viaOther.map((x) => `${x.type} ${x.name} ${x.options.provider}`), []);
        });

        it("deploys the workload from the local registry, and monitoring with the workload's scrape target and alerts", async () => {
            const r = await render("local", sets);
            const [d] = manifests(r, "Deployment", "it-ops-system");
            assert.equal(d.metadata.namespace, "local");
            assert.equal(d.spec.replicas, 1);
            assert.deepEqual(
                d.spec.template.spec.containers.map((c: any) => c.image).sort(),
                ["localhost:5001/it-ops/backend:1.0.0", "localhost:5001/it-ops/frontend:1.0.0"],
            );
            for (const kind of ["Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"]) assert.equal(manifests(r, kind, "it-ops-system").length, 1, kind);
            assert.equal(manifests(r, "NetworkPolicy").filter((n) => n.metadata.namespace === "local" && n.metadata.name === "default-deny").length, 1);
            one(r, "kubernetes:helm.sh/v3:Release", "itops-monitoring");
            assert.equal(one(r, "kubernetes:helm.sh/v3:Release", "itops-monitoring").inputs.namespace, "monitoring");
            const [sm] = manifests(r, "ServiceMonitor", "it-ops-system");
            assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ["local"] });
            const [rule] = manifests(r, "PrometheusRule", "it-ops-alerts");
            const groups = rule.spec.groups.map((g: any) => g.name);
            assert.ok(groups.length >= 2, groups.join());
            assert.equal(groups.some((g: string) => /backup/i.test(g)), sets === FULL, `backup alert group present iff backups are enabled: ${groups.join()}`);
            assert.equal(manifests(r, "ConfigMap", "it-ops-dashboard").length, 1);
            assert.equal(manifests(r, "ConfigMap", "itops-monthly-report-dashboard").length, 1);
            assert.equal(r.outputs.registryLoginServer, "localhost:5001");
            for (const k of ["resourceGroupName", "clusterName", "kubeconfig", "verifyEnv", "backupStorageAccountName"]) assert.equal(r.outputs[k], undefined, k);
        });

        it("the policy pack finds zero violations (images from localhost:5001, not production)", async () => {
            assert.deepEqual(runPack(await render("local", sets)), []);
        });

        it("every Kubernetes object validates against its schema, every pod passes Pod Security restricted", async () => {
            const r = await render("local", sets);
            const v = await loadSchemaValidator();
            const objects = r.resources.filter(isManifest);
            const failures = objects.map((o) => v.validate(o.inputs, { patch: isPatch(o) })).filter((x) => x.problems.length).map((x) => `${x.object}: ${x.problems.join("; ")}`);
            assert.deepEqual(failures, []);
            const pods = objects.filter((x) => !isPatch(x) && ["Deployment", "Job", "CronJob"].includes(String(x.inputs.kind))).map((x) => x.inputs);
            const res = run("psa-check", ["-level", "restricted", "-version", "latest"], { input: JSON.stringify(pods) });
            assert.equal(res.status, 0, res.stdout + res.stderr);
            assert.equal(res.stdout.trim().split("\n").length, pods.length);
        });
    });
}

describe("render: local with backups on existing storage and the load test", () => {
    it("the backup CronJobs use the configured identity and container; the k6 Job targets the workload", async () => {
        const r = await render("local", FULL);
        const [sa] = manifests(r, "ServiceAccount", "mongodb-backup");
        assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], CLIENT_ID);
        const [reader] = manifests(r, "ServiceAccount", "mongodb-restore");
        assert.equal(reader.metadata.annotations["azure.workload.identity/client-id"], READER_CLIENT_ID, "restores and drills use the read-only identity");
        assert.equal(r.outputs.restoreIdentityClientId, READER_CLIENT_ID);
        const cronJobs = manifests(r, "CronJob").map((c) => c.metadata.name).sort();
        assert.deepEqual(cronJobs, ["mongodb-backup", "mongodb-restore", "mongodb-restore-drill"]);
        const [backup] = manifests(r, "CronJob", "mongodb-backup");
        const env = backup.spec.jobTemplate.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
        assert.ok(env.some((e: any) => e.name === "BACKUP_CONTAINER_URL" && e.value === CONTAINER_URL));
        assert.equal(r.outputs.backupIdentityClientId, CLIENT_ID);
        assert.equal(r.outputs.backupNamespace, "itops-backup");
        const [job] = manifests(r, "Job", "k6-load-test-1");
        assert.equal(job.spec.template.spec.containers[0].image, "localhost:5001/mirror/k6:1.8.1");
    });
});

describe("render: local with a staged migration (nginx canary)", () => {
    const MIGRATION = [
        "migration.enabled=true",
        "migration.dataStrategy=shared",
        "migration.routing=nginx",
        "migration.stage=1",
        'migration.hosts=["it-ops.localtest.me"]',
        "migration.tlsSecretName=it-ops-tls",
        "migration.oldSystem.namespace=legacy",
        "migration.oldSystem.service=old-system",
        "migration.oldSystem.port=80",
        "migration.oldSystem.deployment=old-system",
        "migration.replicas.new=1",
        "migration.replicas.old=1",
        'migration.gate.selector=namespace="local",service="it-ops-system"',
    ];
    it("routes 10 % to the workload through the local provider, without Azure", async () => {
        const r = await render("local", MIGRATION);
        assert.deepEqual(r.resources.filter((x) => x.type.startsWith("azure-native:")).map((x) => x.name), []);
        const [canary] = manifests(r, "Ingress", "itops-migration-canary");
        assert.equal(canary.metadata.namespace, "local");
        assert.equal(canary.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"], "10");
        assert.equal(manifests(r, "Ingress", "itops-migration").filter((i) => i.metadata.namespace === "legacy").length, 1);
        assert.equal((r.outputs.migration as any)?.newWeight, 10);
        assert.deepEqual(runPack(r), []);
    });
});

describe("cluster.existing.kubeconfigPath", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-kubeconfig-"));
    const file = path.join(dir, "local.yaml");
    fs.writeFileSync(file, "apiVersion: v1\nkind: Config\ncurrent-context: kind-itops\n");

    it("the provider gets the file's content as a secret and the context", async () => {
        const r = await render("local", ["cluster.existing.renderYamlToDirectory=null", `cluster.existing.kubeconfigPath=${file}`, "cluster.existing.context=kind-itops"]);
        const p = one(r, PROVIDER, "itops-k8s");
        assert.equal(p.inputs.kubeconfig, "[secret]");
        assert.equal(p.inputs.context, "kind-itops");
        assert.equal(p.inputs.renderYamlToDirectory, undefined);
        assert.ok(!JSON.stringify(r.resources).includes("current-context"), "the kubeconfig content is never in the render");
    });

    it("relative paths are read from the project directory; a missing file names the key", () => {
        assert.equal(readKubeconfig("local.yaml", dir), fs.readFileSync(file, "utf8"));
        assert.throws(() => readKubeconfig("nope.yaml", dir), (e: unknown) => e instanceof ConfigError && e.key === "it-ops-infra:cluster.existing.kubeconfigPath" && e.message.includes(path.join(dir, "nope.yaml")));
        assert.deepEqual(existingProviderArgs({ renderYamlToDirectory: "out/x" }), { renderYamlToDirectory: "out/x" });
        const args = existingProviderArgs({ kubeconfigPath: "local.yaml", context: "c" }, dir);
        assert.equal(args.context, "c");
        assert.equal(args.renderYamlToDirectory, undefined);
    });
});

/** [what, --set overrides on the local stack (or `stack:` prefix), key, message fragment] */
const BAD: [string, string[], string, string][] = [
    ["an unknown mode", ["cluster.mode=eks"], "it-ops-infra:cluster.mode", "must be one of aks, existing"],
    ["mode existing without cluster.existing", ["cluster.existing=null"], "it-ops-infra:cluster.existing", "is required"],
    ["both kubeconfigPath and renderYamlToDirectory", ["cluster.existing.kubeconfigPath=kube.yaml"], "it-ops-infra:cluster.existing.kubeconfigPath", "exclusive: set exactly one"],
    ["neither kubeconfigPath nor renderYamlToDirectory", ["cluster.existing.renderYamlToDirectory=null"], "it-ops-infra:cluster.existing", "must set exactly one of kubeconfigPath"],
    ["a ~ path (not expanded)", ["cluster.existing.renderYamlToDirectory=null", "cluster.existing.kubeconfigPath=~/.kube/config"], "it-ops-infra:cluster.existing.kubeconfigPath", "`~` is not expanded"],
    ["context without a kubeconfig", ["cluster.existing.context=kind-itops"], "it-ops-infra:cluster.existing.context", "only used with kubeconfigPath"],
    ["an unknown cluster.existing key", ["cluster.existing.server=https://x"], "it-ops-infra:cluster.existing.server", ""],
    ["an AKS cluster key", ["cluster.kubernetesVersion=1.33"], "it-ops-infra:cluster.kubernetesVersion", "only used with cluster.mode aks"],
    ["an Azure location", ["location=japaneast"], "it-ops-infra:location", "only used with cluster.mode aks"],
    ["Azure tags", ["tags.owner=ops"], "it-ops-infra:tags", "only used with cluster.mode aks"],
    ["an ACR name", ["registry.name=itopslocalacr"], "it-ops-infra:registry.name", "only used with cluster.mode aks"],
    ["no registry.loginServer", ["registry.loginServer=null"], "it-ops-infra:registry.loginServer", "is required"],
    ["a registry URL instead of a host", ["registry.loginServer=https://localhost:5001"], "it-ops-infra:registry.loginServer", "a registry host name"],
    ["enabled backups without backup.existing", ["backup.enabled=true"], "it-ops-infra:backup.existing", "is required with cluster.mode existing"],
    ["backup.existing with a bad client id", ["backup.enabled=true", "backup.existing.identityClientId=abc", `backup.existing.containerUrl=${CONTAINER_URL}`], "it-ops-infra:backup.existing.identityClientId", "UUID"],
    ["backup.existing with an http URL", ["backup.enabled=true", `backup.existing.identityClientId=${CLIENT_ID}`, "backup.existing.containerUrl=http://x/y"], "it-ops-infra:backup.existing.containerUrl", "https URL of a blob container"],
    ["backup.existing while backups are off", [`backup.existing.identityClientId=${CLIENT_ID}`], "it-ops-infra:backup.existing", "only used when backups are enabled"],
    ["backup.storage (Azure)", ["backup.storage.sku=Standard_LRS"], "it-ops-infra:backup.storage", "only used with cluster.mode aks"],
    ["Defender (Azure)", ["verification.defenderForContainers=true"], "it-ops-infra:verification.defenderForContainers", "only used with cluster.mode aks"],
    ["backup.existing without the read-only identity", FULL.slice(0, 3), "it-ops-infra:backup.existing.restoreIdentityClientId", "is required"],
    ["backup.existing with the writer as the restore identity", [...FULL.slice(0, 3), `backup.existing.restoreIdentityClientId=${CLIENT_ID}`], "it-ops-infra:backup.existing.restoreIdentityClientId", "must differ from identityClientId"],
    ["the Azure network", ["network.publicNetworkAccess=false"], "it-ops-infra:network", "only used with cluster.mode aks"],
];

describe("existing-mode validation (parser)", () => {
    for (const [what, sets, key, fragment] of BAD) {
        it(`rejects ${what}`, () => {
            assert.throws(
                () => parseLocal(sets),
                (e: unknown) => e instanceof ConfigError && e.key === key && e.message.startsWith(key) && e.message.includes(fragment),
            );
        });
    }
    it("backup.enabled: false needs no backup.existing and no MongoDB URI, in either mode", () => {
        const local = parseLocal([]);
        assert.deepEqual([local.backup.enabled, local.backup.existing], [false, undefined]);
        const raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
        // Every secret but the MongoDB URI gets a placeholder: a missing URI would be an error.
        const uri = "it-ops-infra:backup.mongodb.uri";
        // Staging with an external database (in managed mode the URI is the MongoDatabase's: tests/database.test.ts).
        const external = applySet(applySet(raw, 'database={"mode":"external"}'), "app.database={}");
        const parseStaging = (set: string) => parseStackConfig("staging", toRuntimeConfig(applySet(external, set)), raw.secretKeys, { secretPlaceholders: (k) => k !== uri });
        assert.equal(parseStaging("backup.enabled=false").config.backup.enabled, false);
        assert.throws(() => parseStaging("backup.enabled=true"), (e: unknown) => e instanceof ConfigError && e.key === uri);
        assert.equal(parseLocal(FULL.slice(0, 4)).backup.existing?.containerUrl, CONTAINER_URL);
    });

    it("mode aks rejects existing-mode keys", () => {
        const staging = (sets: string[]) => {
            let raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
            for (const s of sets) raw = applySet(raw, s);
            return () => parseStackConfig("staging", toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true });
        };
        const cases: [string, string][] = [
            ["cluster.existing.renderYamlToDirectory=out/x", "it-ops-infra:cluster.existing"],
            ["registry.loginServer=localhost:5001", "it-ops-infra:registry.loginServer"],
            [`backup.existing.identityClientId=${CLIENT_ID}`, "it-ops-infra:backup.existing"],
        ];
        for (const [set, key] of cases) {
            assert.throws(staging([set]), (e: unknown) => e instanceof ConfigError && e.key === key && /only used with cluster.mode existing/.test(e.message), set);
        }
    });
});

describe("existing-mode validation (synth command)", () => {
    const exits2 = (r: CliResult, sets: string[], key: string) => {
        assert.equal(r.code, 2, `${sets.join(" ")}: ${r.stderr}`);
        const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error"));
        assert.equal(lines.length, 1, r.stderr);
        assert.ok(lines[0].includes(key), `${lines[0]} names ${key}`);
    };

    it("bad configs exit 2 with one stderr line naming the key", async () => {
        const picked = [BAD[1], BAD[2], BAD[3], BAD[7], BAD[13]].map(([, sets, key]) => ({ sets, key }));
        for (const { sets, key } of picked) exits2(await synthInProcess(["--stack", "local", "--quiet", ...sets.flatMap((s) => ["--set", s])]), sets, key);
    });

    it("a missing kubeconfig file exits 2 with one stderr line naming the key (found while rendering: the real command)", async () => {
        const sets = ["cluster.existing.renderYamlToDirectory=null", "cluster.existing.kubeconfigPath=does/not/exist.yaml"];
        exits2(await synthCliAsync(["--stack", "local", "--quiet", ...sets.flatMap((s) => ["--set", s])]), sets, "it-ops-infra:cluster.existing.kubeconfigPath");
    });

    it("npm run synth -- --stack local succeeds", async () => {
        const r = await synthCliAsync(["--stack", "local", "--quiet"]);
        assert.equal(r.code, 0, r.stderr);
        const written = fs.readdirSync(path.join(r.out, "local", "manifests"));
        assert.ok(written.includes("local.deployment.it-ops-system.yaml"), written.join());
        assert.ok(!fs.readFileSync(path.join(r.out, "local", "resources.json"), "utf8").includes("azure-native:"));
    });
});
