/**
 * Real checkers over every stack's rendered manifests (issue 15): kubeconform against strict
 * schemas generated offline from the pinned Kubernetes OpenAPI and CRDs
 * (tools/render/kubeconform-schemas.ts), and Trivy's misconfiguration checks (embedded, offline:
 * `trivy config --skip-check-update`). One run of each tool over one directory that holds every
 * render in a folder of its own (each tool's start-up, Trivy's check compilation above all, is paid once).
 *
 * Every finding left must be listed in security/checker-findings.yaml with its reason; an entry
 * no finding matches is stale and fails too; the list holds no HIGH or CRITICAL finding (every
 * rendered manifest is the project's own object).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import * as YAML from "yaml";
import { convertSchema, crdSchemas, ensureSchemas, KUBECONFORM_SCHEMA_TEMPLATE, openApiSchemas, schemaFile } from "../tools/render/kubeconform-schemas";
import { writeRendering } from "../tools/render/write";
import { PROJECT_DIR, render } from "./helpers";
import { requireTool, run } from "./tools";

/** The stacks (and overrides) whose manifests are checked. */
const RENDERS: [string, string[]][] = [
    ["staging", []],
    ["production", []],
    ["production", ["app.split=true"]],
    // A migration under way: the Gateway API route and the old system's objects.
    ["production", ["migration.enabled=true", "migration.dataStrategy=shared", "migration.routing=gateway", "migration.stage=2"]],
    ["local", []],
];

export const ALLOW_LIST = path.join(PROJECT_DIR, "security", "checker-findings.yaml");

/** One finding of a checker on one manifest file. */
interface Finding {
    readonly tool: "trivy" | "kubeconform";
    /** Trivy's check ID (e.g. KSV-0014); kubeconform: `invalid`. */
    readonly id: string;
    readonly severity: string;
    /** The manifest's file name (`<namespace>.<kind>.<name>.yaml`). */
    readonly file: string;
    /** The render folder the file lies in, when the tool ran over several renders. */
    readonly folder?: string;
    readonly message: string;
}

interface AllowEntry {
    readonly tool: "trivy" | "kubeconform";
    readonly id: string;
    readonly severity: string;
    /** Globs (`*`) over manifest file names. */
    readonly files: string[];
    readonly reason: string;
}

const glob = (g: string) => new RegExp(`^${g.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
const matches = (e: AllowEntry, f: Finding) => e.tool === f.tool && e.id === f.id && e.severity === f.severity && e.files.some((g) => glob(g).test(f.file));

function loadAllowList(): AllowEntry[] {
    const doc = YAML.parse(fs.readFileSync(ALLOW_LIST, "utf8")) as { findings?: AllowEntry[] };
    return doc.findings ?? [];
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-checkers-"));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** The folder name of a render (`production-app.split_true`). */
const label = (stack: string, sets: string[]) => `${stack}${sets.length ? "-" + sets.join("-").replace(/[^a-z0-9.]+/gi, "_") : ""}`;

/** Writes a render's manifests (patches left out) into `<into>/<label>`. */
async function manifestDir(stack: string, sets: string[], into: string): Promise<string> {
    const r = await render(stack, sets);
    const out = path.join(workDir, "renders", label(stack, sets));
    writeRendering(r, out);
    const src = path.join(out, stack, "manifests");
    const dst = path.join(into, label(stack, sets));
    fs.mkdirSync(dst, { recursive: true });
    for (const f of fs.readdirSync(src)) {
        // Server-side-apply patches are partial objects (tests/schema.test.ts checks them as such).
        if (f.endsWith(".patch.yaml")) continue;
        // Byte for byte what the synth writes (Secrets hold per-key placeholders, so they are valid objects too).
        fs.copyFileSync(path.join(src, f), path.join(dst, f));
    }
    return dst;
}

/** The render folder a finding's file lies in (relative to the checked root). */
function folderOf(root: string, file: string): string {
    return path.relative(root, path.isAbsolute(file) ? file : path.join(root, file)).split(path.sep)[0];
}

function kubeconform(dir: string, schemas: string): Finding[] {
    const p = run("kubeconform", ["-strict", "-summary", "-output", "json", "-schema-location", path.join(schemas, KUBECONFORM_SCHEMA_TEMPLATE), dir]);
    assert.ok(p.stdout, `kubeconform printed nothing: ${p.stderr}`);
    const out = JSON.parse(p.stdout) as { resources?: { filename: string; status: string; msg: string }[]; summary: { valid: number; invalid: number; errors: number; skipped: number } };
    assert.equal(out.summary.skipped, 0, "no resource may be skipped");
    const files = fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".yaml")).length;
    assert.ok(out.summary.valid + out.summary.invalid + out.summary.errors >= files, JSON.stringify(out.summary));
    return (out.resources ?? [])
        .filter((x) => x.status !== "statusValid")
        .map((x) => ({ tool: "kubeconform" as const, id: x.status.replace(/^status/, "").toLowerCase(), severity: "ERROR", file: path.basename(x.filename), folder: folderOf(dir, x.filename), message: x.msg }));
}

/** Whether this process may start a command in a network namespace of its own (no network at all). */
const CAN_UNSHARE_NET = spawnSync("unshare", ["-n", "true"]).status === 0;

function trivy(dir: string): Finding[] {
    const cache = fs.mkdtempSync(path.join(workDir, "trivy-cache-"));
    // Offline: the checks embedded in the binary, no update, no version notice. Where possible it
    // runs with no network at all (`unshare -n`), which proves it needs none.
    const args = ["config", "--skip-check-update", "--skip-version-check", "--quiet", "--format", "json", "--cache-dir", cache, dir];
    const p = CAN_UNSHARE_NET
        ? spawnSync("unshare", ["-n", requireTool("trivy"), ...args], { encoding: "utf8", timeout: 120_000 })
        : run("trivy", args);
    assert.equal(p.status, 0, `trivy failed: ${p.stderr}`);
    const out = JSON.parse(p.stdout) as { Results?: { Target: string; Misconfigurations?: { ID: string; Severity: string; Status: string; Title: string }[] }[] };
    const found: Finding[] = [];
    for (const r of out.Results ?? []) {
        for (const m of r.Misconfigurations ?? []) {
            if (m.Status !== "FAIL") continue;
            found.push({ tool: "trivy", id: m.ID, severity: m.Severity, file: path.basename(r.Target), folder: folderOf(dir, r.Target), message: m.Title });
        }
    }
    return found;
}

describe("real checkers over the rendered manifests", () => {
    const all: Finding[] = [];
    let schemas: string | undefined;

    it("kubeconform's schemas are generated offline from the pinned Kubernetes OpenAPI and CRDs", () => {
        const r = ensureSchemas({ offline: true });
        assert.ok("dir" in r, `${"missing" in r ? r.missing : ""}`);
        schemas = r.dir;
        for (const f of ["apps/deployment_v1.json", "v1/namespace_v1.json", "networking.k8s.io/networkpolicy_v1.json", "monitoring.coreos.com/servicemonitor_v1.json", "gateway.networking.k8s.io/httproute_v1.json"]) {
            assert.ok(fs.existsSync(path.join(schemas, f)), f);
        }
    });

    /** Every render written side by side, then one kubeconform and one Trivy over all of them. */
    let checked: Promise<{ folders: Set<string>; findings: Finding[] }> | undefined;
    const checkAll = () =>
        (checked ??= (async () => {
            const root = path.join(workDir, "checked");
            for (const [stack, sets] of RENDERS) await manifestDir(stack, sets, root);
            const findings = [...kubeconform(root, schemas!), ...trivy(root)];
            return { folders: new Set(fs.readdirSync(root)), findings };
        })());

    for (const [stack, sets] of RENDERS) {
        it(`${stack} ${sets.join(" ")}: kubeconform (strict) and trivy config`, async () => {
            assert.ok(schemas, "schemas generated");
            const { folders, findings } = await checkAll();
            assert.ok(folders.has(label(stack, sets)), `${label(stack, sets)} was checked`);
            assert.ok(fs.readdirSync(path.join(workDir, "checked", label(stack, sets))).length > 10, "the render's manifests are there");
            all.push(...findings.filter((f) => f.folder === label(stack, sets)).map((f) => ({ ...f, message: `${stack}: ${f.message}` })));
        });
    }

    it("every finding belongs to one of the checked renders", async () => {
        const { folders, findings } = await checkAll();
        assert.deepEqual(findings.filter((f) => !f.folder || !folders.has(f.folder)).map((f) => `${f.tool} ${f.id} ${f.file}`), []);
    });

    it("every finding is in security/checker-findings.yaml with its reason; no stale entry; none HIGH or CRITICAL", () => {
        const list = loadAllowList();
        for (const e of list) {
            assert.ok(e.reason && e.reason.length > 20, `${e.id}: a reason`);
            assert.ok(!["HIGH", "CRITICAL"].includes(e.severity), `${e.tool} ${e.id} on ${e.files.join(", ")} is ${e.severity}: fix it, the project's own objects may not keep one`);
        }
        const unlisted = all.filter((f) => !list.some((e) => matches(e, f)));
        assert.deepEqual(unlisted.map((f) => `${f.tool} ${f.id} ${f.severity} ${f.file}: ${f.message}`), []);
        const stale = list.filter((e) => !all.some((f) => matches(e, f)));
        assert.deepEqual(stale.map((e) => `${e.tool} ${e.id} ${e.files.join(",")}`), []);
    });
});

describe("the checkers really check", () => {
    const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "test" },
        spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "r.azurecr.io/x:1", securityContext: { privileged: true } }] } } },
    };
    /** One Trivy run (in a network namespace of its own where possible) over a clean ConfigMap and a privileged Deployment. */
    let trivyRun: Finding[] | undefined;
    const trivyOnce = () => {
        if (!trivyRun) {
            const dir = fs.mkdtempSync(path.join(workDir, "trivy-cases-"));
            fs.writeFileSync(path.join(dir, "cm.yaml"), YAML.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "test" }, data: { a: "b" } }));
            fs.writeFileSync(path.join(dir, "privileged.yaml"), YAML.stringify(deployment));
            trivyRun = trivy(dir);
        }
        return trivyRun;
    };

    it("trivy runs without any network (a network namespace of its own)", (t) => {
        if (!CAN_UNSHARE_NET) return t.skip("SKIP: this user cannot create a network namespace (unshare -n); trivy still runs with --skip-check-update");
        const r = spawnSync("unshare", ["-n", "getent", "hosts", "example.com"], { encoding: "utf8" });
        assert.notEqual(r.status, 0, "no name resolution inside the namespace");
        // trivy() ran it under `unshare -n` and asserted its exit status 0; a clean object has no finding.
        assert.deepEqual(trivyOnce().filter((f) => f.file === "cm.yaml"), []);
    });

    it("kubeconform rejects a misspelt field, a wrong type and an unknown kind; trivy flags a privileged pod", () => {
        const r = ensureSchemas({ offline: true });
        assert.ok("dir" in r, "missing" in r ? r.missing : "");
        const dir = fs.mkdtempSync(path.join(workDir, "broken-"));
        fs.writeFileSync(path.join(dir, "ok.yaml"), YAML.stringify(deployment));
        fs.writeFileSync(path.join(dir, "misspelt.yaml"), YAML.stringify({ ...deployment, spec: { ...deployment.spec, replica: 2 } }));
        fs.writeFileSync(path.join(dir, "type.yaml"), YAML.stringify({ ...deployment, spec: { ...deployment.spec, replicas: "two" } }));
        fs.writeFileSync(path.join(dir, "kind.yaml"), YAML.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }));
        const k = kubeconform(dir, r.dir);
        assert.deepEqual(k.map((f) => `${f.file} ${f.id}`).sort(), ["kind.yaml error", "misspelt.yaml invalid", "type.yaml invalid"]);
        assert.match(k.find((f) => f.file === "misspelt.yaml")!.message, /replica/);
        const t = trivyOnce();
        assert.ok(t.some((f) => f.file === "privileged.yaml" && f.severity === "HIGH" && /privileged/i.test(f.message)), JSON.stringify(t.filter((f) => f.file === "privileged.yaml")));
    });
});

describe("convertSchema and the schema layout", () => {
    const table: [string, Record<string, any>, Record<string, any>][] = [
        ["an object with properties is closed", { type: "object", description: "d", properties: { a: { type: "string", format: "byte" } } }, { type: "object", properties: { a: { type: "string" } }, additionalProperties: false }],
        ["preserve-unknown-fields stays open", { type: "object", properties: { a: { type: "string" } }, "x-kubernetes-preserve-unknown-fields": true }, { type: "object", properties: { a: { type: "string" } } }],
        ["a map keeps its value schema", { type: "object", additionalProperties: { type: "string" } }, { type: "object", additionalProperties: { type: "string" } }],
        ["int-or-string (CRD)", { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true }, { oneOf: [{ type: "string" }, { type: "integer" }] }],
        ["int-or-string (OpenAPI format)", { type: "string", format: "int-or-string" }, { oneOf: [{ type: "string" }, { type: "integer" }] }],
        ["nullable", { type: "string", nullable: true }, { type: ["string", "null"] }],
        ["arrays and validation keywords", { type: "array", minItems: 1, items: { type: "string", enum: ["a"], "x-kubernetes-validations": [{ rule: "x" }] } }, { type: "array", minItems: 1, items: { type: "string", enum: ["a"] } }],
        ["a $ref", { $ref: "#/definitions/x", description: "d" }, { $ref: "#/definitions/x" }],
    ];
    for (const [name, input, want] of table) it(name, () => assert.deepEqual(convertSchema(input), want));
    it("kind files: <group>/<kind>_<version>.json, core under v1; Kubernetes kinds refer to the shared definitions", () => {
        assert.equal(schemaFile("", "v1", "Namespace"), path.join("v1", "namespace_v1.json"));
        assert.equal(schemaFile("monitoring.coreos.com", "v1", "ServiceMonitor"), path.join("monitoring.coreos.com", "servicemonitor_v1.json"));
        const m = openApiSchemas({
            definitions: {
                "io.k8s.api.core.v1.Namespace": { properties: { apiVersion: { type: "string" }, kind: { type: "string" } }, "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Namespace" }] },
                "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { type: "string", format: "int-or-string" },
            },
        });
        assert.deepEqual(m.get(path.join("v1", "namespace_v1.json")), { $ref: "../_definitions.json#/definitions/io.k8s.api.core.v1.Namespace" });
        assert.deepEqual(m.get("_definitions.json")!.definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"], { oneOf: [{ type: "string" }, { type: "integer" }] });
        const crd = crdSchemas([{ kind: "CustomResourceDefinition", spec: { group: "g.io", names: { kind: "Widget" }, versions: [{ name: "v1", served: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object" } } } } }, { name: "v0", served: false, schema: { openAPIV3Schema: {} } }] } }]);
        assert.deepEqual([...crd.keys()], [path.join("g.io", "widget_v1.json")]);
    });
});
