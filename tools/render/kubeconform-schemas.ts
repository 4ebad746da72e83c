/**
 * JSON schemas for kubeconform, generated offline from pinned upstream sources that the Go
 * module proxy serves as ordinary module downloads:
 * - the Kubernetes OpenAPI (`api/openapi-spec/swagger.json` of `k8s.io/kubernetes`, the version
 *   of the clusters, `cluster.kubernetesVersion` 1.33);
 * - the Prometheus Operator CRDs (`example/prometheus-operator-crd/` of its module);
 * - the Gateway API CRDs (`config/crd/standard/` of `sigs.k8s.io/gateway-api`).
 *
 * The schemas are strict: every object with listed properties gets `additionalProperties: false`
 * (unless it preserves unknown fields), so a misspelt field fails. Kubernetes' `int-or-string`
 * and quantities accept both forms. Layout: `<dir>/<group>/<kind>_<version>.json` (core: group
 * `v1`), matching {@link KUBECONFORM_SCHEMA_TEMPLATE}; the Kubernetes kinds `$ref` one shared
 * `_definitions.json`.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";

/** A Go module file set the schemas come from. */
export interface SchemaSource {
    readonly module: string;
    readonly version: string;
    /** A file (the OpenAPI spec) or a directory of CRD YAML files, inside the module. */
    readonly path: string;
    readonly kind: "openapi" | "crds";
}

/** The repository's tools folder, whose build modules pin the versions (tools/cluster/{kube,crds}/go.mod). */
const TOOLS_DIR = path.join(__dirname, "..");

/**
 * The version a build module's go.mod requires of `module`: the one place each version is pinned
 * (the test control plane serves the same Kubernetes and the same CRDs that kubeconform checks against).
 */
export function pinnedVersion(goModFile: string, module: string): string {
    const text = fs.readFileSync(goModFile, "utf8");
    const m = new RegExp(`^\\s*${module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} (v\\S+)`, "m").exec(text);
    if (!m) throw new Error(`${goModFile} does not require ${module}`);
    return m[1];
}

/** The pinned sources (`.ci/run` downloads them through `npm run kubeconform-schemas`). */
export const SCHEMA_SOURCES: readonly SchemaSource[] = [
    { module: "k8s.io/kubernetes", version: pinnedVersion(path.join(TOOLS_DIR, "cluster", "kube", "go.mod"), "k8s.io/kubernetes"), path: "api/openapi-spec/swagger.json", kind: "openapi" },
    {
        module: "github.com/prometheus-operator/prometheus-operator",
        version: pinnedVersion(path.join(TOOLS_DIR, "cluster", "crds", "go.mod"), "github.com/prometheus-operator/prometheus-operator"),
        path: "example/prometheus-operator-crd",
        kind: "crds",
    },
    { module: "sigs.k8s.io/gateway-api", version: pinnedVersion(path.join(TOOLS_DIR, "cluster", "crds", "go.mod"), "sigs.k8s.io/gateway-api"), path: "config/crd/standard", kind: "crds" },
];

/** kubeconform's `-schema-location` under a schema directory. */
export const KUBECONFORM_SCHEMA_TEMPLATE = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json";

type Schema = Record<string, any>;

/** Kubernetes' special string types that accept numbers too (by definition name). */
const NUMBER_OR_STRING: Record<string, Schema> = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": { oneOf: [{ type: "string" }, { type: "integer" }] },
    "io.k8s.apimachinery.pkg.api.resource.Quantity": { oneOf: [{ type: "string" }, { type: "number" }] },
};

/** Keywords kept from the upstream schemas (validation keywords; descriptions and formats are dropped). */
const KEEP = new Set(["type", "required", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "pattern", "minProperties", "maxProperties"]);

/**
 * One schema node converted for kubeconform (draft 4): validation keywords kept, `$ref`s
 * rewritten by `ref`, int-or-string and nullable expressed in JSON Schema, and objects with
 * properties closed (`additionalProperties: false`) unless they preserve unknown fields.
 */
export function convertSchema(node: Schema, ref: (r: string) => string = (r) => r): Schema {
    if (!node || typeof node !== "object") return node;
    if (typeof node.$ref === "string") return { $ref: ref(node.$ref) };
    if (node["x-kubernetes-int-or-string"] === true) return { oneOf: [{ type: "string" }, { type: "integer" }] };
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) if (KEEP.has(k)) out[k] = v;
    if (node.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
    if (node.format === "int-or-string") return { oneOf: [{ type: "string" }, { type: "integer" }] };
    const sub = (s: Schema) => convertSchema(s, ref);
    if (node.properties && typeof node.properties === "object") {
        out.properties = Object.fromEntries(Object.entries(node.properties as Record<string, Schema>).map(([k, v]) => [k, sub(v)]));
    }
    if (node.items && typeof node.items === "object") out.items = Array.isArray(node.items) ? node.items.map(sub) : sub(node.items);
    for (const k of ["oneOf", "anyOf", "allOf"]) if (Array.isArray(node[k])) out[k] = node[k].map(sub);
    if (node.not && typeof node.not === "object") out.not = sub(node.not);
    const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
    if (typeof node.additionalProperties === "boolean") out.additionalProperties = node.additionalProperties;
    else if (node.additionalProperties && typeof node.additionalProperties === "object") out.additionalProperties = sub(node.additionalProperties);
    else if (out.properties && !preserve) out.additionalProperties = false;
    return out;
}

/** The file of a kind: `<group>/<kind>_<version>.json` (core group: `v1`). */
export function schemaFile(group: string, version: string, kind: string): string {
    return path.join(group === "" ? version : group, `${kind.toLowerCase()}_${version}.json`);
}

/** Schemas of the Kubernetes OpenAPI (swagger 2): the shared definitions and one file per kind. */
export function openApiSchemas(swagger: { definitions: Record<string, Schema> }): Map<string, Schema> {
    const out = new Map<string, Schema>();
    const defs: Record<string, Schema> = {};
    for (const [name, d] of Object.entries(swagger.definitions)) defs[name] = NUMBER_OR_STRING[name] ?? convertSchema(d);
    out.set("_definitions.json", { definitions: defs });
    for (const [name, d] of Object.entries(swagger.definitions)) {
        for (const gvk of (d["x-kubernetes-group-version-kind"] ?? []) as { group: string; version: string; kind: string }[]) {
            // Only kinds with apiVersion and kind fields (real objects, not options or events of other groups).
            if (!d.properties?.apiVersion || !d.properties?.kind) continue;
            out.set(schemaFile(gvk.group, gvk.version, gvk.kind), { $ref: `../_definitions.json#/definitions/${name}` });
        }
    }
    return out;
}

/** Schemas of CustomResourceDefinitions (each served version's `openAPIV3Schema`). */
export function crdSchemas(crds: readonly Schema[]): Map<string, Schema> {
    const out = new Map<string, Schema>();
    for (const crd of crds) {
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec?.versions ?? []) {
            if (v.served === false || !v.schema?.openAPIV3Schema) continue;
            out.set(schemaFile(crd.spec.group, v.name, crd.spec.names.kind), convertSchema(v.schema.openAPIV3Schema));
        }
    }
    return out;
}

/** The directory of a Go module version in the module cache (`offline`: never downloads). */
export function goModuleDir(module: string, version: string, opts: { offline: boolean }): string | undefined {
    const env = { ...process.env, GOFLAGS: "-mod=mod", ...(opts.offline ? { GOPROXY: "off" } : {}) };
    const p = spawnSync("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: os.tmpdir(), env, encoding: "utf8", timeout: 600_000 });
    if (p.status !== 0) return undefined;
    const dir = (JSON.parse(p.stdout) as { Dir?: string }).Dir;
    return dir && fs.existsSync(dir) ? dir : undefined;
}

/** Where the generated schemas are cached: one directory per set of sources. */
export function schemaCacheDir(root = process.env.ITOPS_CACHE ?? path.join(os.homedir(), ".cache", "it-ops-infra")): string {
    const key = crypto.createHash("sha256").update(JSON.stringify(SCHEMA_SOURCES)).update(convertSchema.toString()).digest("hex").slice(0, 16);
    return path.join(root, "kubeconform-schemas", key);
}

/**
 * Generates the schema directory (once per set of sources) and returns it, or the reason it
 * cannot: the Go toolchain or a module missing (`offline`: the module cache is not warm; `.ci/run`
 * downloads the modules).
 */
export function ensureSchemas(opts: { offline: boolean; dir?: string }): { dir: string } | { missing: string } {
    const dir = opts.dir ?? schemaCacheDir();
    if (fs.existsSync(path.join(dir, ".complete"))) return { dir };
    const files = new Map<string, Schema>();
    for (const s of SCHEMA_SOURCES) {
        const moduleDir = goModuleDir(s.module, s.version, opts);
        if (!moduleDir) return { missing: `${s.module}@${s.version} is not in the Go module cache (run .ci/run or \`npm run kubeconform-schemas\`)` };
        const p = path.join(moduleDir, s.path);
        if (s.kind === "openapi") {
            for (const [f, x] of openApiSchemas(JSON.parse(fs.readFileSync(p, "utf8")))) files.set(f, x);
        } else {
            const docs = fs
                .readdirSync(p)
                .filter((f) => f.endsWith(".yaml"))
                .sort()
                .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(p, f), "utf8")).map((d) => d.toJS() as Schema));
            for (const [f, x] of crdSchemas(docs)) files.set(f, x);
        }
    }
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const [f, x] of files) {
        fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
        fs.writeFileSync(path.join(tmp, f), JSON.stringify(x));
    }
    fs.writeFileSync(path.join(tmp, ".complete"), JSON.stringify(SCHEMA_SOURCES));
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { dir };
}
