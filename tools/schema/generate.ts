/**
 * The artefacts generated from the configuration schema (infra/config/*.ts), so that none of them
 * is kept in step by hand:
 *
 * - `schema/stack.schema.json`: JSON Schema of a whole `Pulumi.<stack>.yaml` (editors validate and
 *   complete stack files through the yaml-language-server modeline on their first line);
 * - Pulumi.yaml's `config:` block: the keys every stack must set (type, description; no defaults,
 *   the CLI would merge them) and the comment listing the optional ones;
 * - `docs/configuration.md`: the configuration reference (every key: type, default, allowed values,
 *   description, secret or not);
 * - `scripts/lib/migration-defaults.sh`: what each migration key the operator scripts read means
 *   when the stack file leaves it out (the schema's defaults, for `cfg` in scripts/lib/migration.sh).
 *
 * `npm run schema` writes them; `npm run schema -- --check` (and tests/schema-artifacts.test.ts)
 * fails when any file differs from what the schema generates. Pure functions besides {@link main}.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { NAMESPACE_SCHEMAS, PROJECT } from "../../infra/config";
import { REMOVED_KEYS, withContext } from "../../infra/config/kit";

/** The repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
/** Where the stack files' JSON schema lives (relative to the repository root). */
export const STACK_SCHEMA_PATH = "schema/stack.schema.json";
/** The first line of every stack file. */
export const MODELINE = `# yaml-language-server: $schema=./${STACK_SCHEMA_PATH}`;

type Json = { [k: string]: unknown };

/** A `secure:` value as a stack file holds it (what `pulumi config set --secret` writes). */
const SECURE_VALUE: Json = {
    type: "object",
    description: "An encrypted value (pulumi config set --secret).",
    properties: { secure: { type: "string" } },
    required: ["secure"],
    additionalProperties: false,
};

/** The JSON Schema (draft 2020-12, input side) of one root key in one cluster mode. */
function keySchema(mode: keyof typeof NAMESPACE_SCHEMAS, key: string): Json {
    const s = (NAMESPACE_SCHEMAS[mode].shape as Record<string, z.ZodType>)[key];
    const j = z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json;
    delete j.$schema;
    return clean(j);
}

/** Turns the schema's metadata into plain JSON Schema: secrets also accept `{secure}`, derived defaults go into the description. */
function clean(node: unknown): Json {
    if (Array.isArray(node)) return node.map(clean) as unknown as Json;
    if (node === null || typeof node !== "object") return node as Json;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
        if (k === "secret" || k === "derivedDefault" || k === "notHere") continue;
        out[k] = k === "properties" || k === "$defs" ? Object.fromEntries(Object.entries(v as Json).map(([p, x]) => [p, clean(x)])) : clean(v);
    }
    const n = node as Json;
    if (typeof n.derivedDefault === "string") out.description = `${out.description ?? ""} Default: ${n.derivedDefault}.`.trim();
    if (typeof n.notHere === "string") out.description = `Not a key here: it ${n.notHere}.`;
    if (n.secret === true) {
        const { description, ...plain } = out;
        return { description: `${description ?? ""} Set it with pulumi config set --secret.`.trim(), anyOf: [plain, SECURE_VALUE] };
    }
    return out;
}

/** The root keys of the namespace (both cluster modes), in a stable order. */
export function rootKeys(): string[] {
    const keys = new Set([...Object.keys(NAMESPACE_SCHEMAS.aks.shape), ...Object.keys(NAMESPACE_SCHEMAS.existing.shape)]);
    return [...keys].sort();
}

const isNever = (j: Json) => j.not !== undefined && Object.keys(j.not as Json).length === 0;

/** One root key over both cluster modes: the same schema, or either mode's. */
function rootKeySchema(key: string): Json {
    const per = (["aks", "existing"] as const)
        .filter((m) => key in NAMESPACE_SCHEMAS[m].shape)
        .map((m) => ({ mode: m, json: keySchema(m, key) }))
        .filter((x) => !isNever(x.json));
    if (per.length === 1 || JSON.stringify(per[0].json) === JSON.stringify(per[1].json)) return per[0].json;
    const description =
        per[0].json.description === per[1].json.description ? per[0].json.description : `cluster.mode aks: ${per[0].json.description ?? ""} cluster.mode existing: ${per[1].json.description ?? ""}`;
    return { description, anyOf: per.map((p) => p.json) };
}

/** `schema/stack.schema.json`: a whole `Pulumi.<stack>.yaml`. */
export function stackJsonSchema(): Json {
    const properties: Json = {};
    for (const k of rootKeys()) properties[`${PROJECT}:${k}`] = rootKeySchema(k);
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://it-ops.example/it-ops-infra/stack.schema.json",
        title: "it-ops-infra stack file (Pulumi.<stack>.yaml)",
        description: "Generated from infra/config/*.ts by `npm run schema`; do not edit. The program checks every rule again (cross-field rules included) before any resource exists.",
        type: "object",
        properties: {
            config: {
                type: "object",
                description: `Stack configuration: the project's keys (${PROJECT}:<key>) and other namespaces' keys (azure-native:, kubernetes:, ...).`,
                properties,
                // Other namespaces are theirs (providers); an unknown key of the project's namespace is an error.
                patternProperties: { [`^(?!${PROJECT}:)[A-Za-z0-9_.-]+:.+$`]: {} },
                additionalProperties: false,
            },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: {},
        },
        additionalProperties: false,
    };
}

/** The text of `schema/stack.schema.json`. */
export function stackJsonSchemaText(): string {
    return `${JSON.stringify(stackJsonSchema(), null, 2)}\n`;
}

/** Whether a root key must be set in every stack (its schema rejects it absent, in both cluster modes). */
function requiredEverywhere(key: string): boolean {
    return (["aks", "existing"] as const).every((m) => {
        const s = (NAMESPACE_SCHEMAS[m].shape as Record<string, z.ZodType>)[key];
        if (!s) return false;
        const r = withContext({ stack: "schema", secretFields: new Set(), secretPlaceholders: true, placeholders: [] }, () => s.safeParse(undefined));
        return !r.success;
    });
}

function typeName(j: Json): string {
    if (Array.isArray(j.type)) return j.type.join(" | ");
    if (typeof j.type === "string") return j.type === "array" && j.items ? `list of ${typeName(j.items as Json)}` : j.type;
    const alts = (j.anyOf ?? j.oneOf) as Json[] | undefined;
    if (alts) return [...new Set(alts.map(typeName))].join(" | ");
    return "any";
}

const oneLine = (s: unknown) => String(s ?? "").replace(/\s+/g, " ").trim();

/** Pulumi.yaml with its generated part (everything after `main:`) from the schema. */
export function projectYaml(current: string): string {
    const head = current.slice(0, current.indexOf("\n", current.indexOf("\nmain:") + 1) + 1);
    const keys = rootKeys();
    const required = keys.filter(requiredEverywhere);
    const optional = keys.filter((k) => !required.includes(k));
    const width = Math.max(...optional.map((k) => k.length));
    const lines = [
        "# Project-level config schema, generated from infra/config/*.ts by `npm run schema` (do not edit below).",
        "# The CLI treats every key declared here without `default`/`value` as REQUIRED in every stack",
        "# (`validating stack config: Stack '<s>' is missing configuration values ...`), and MERGES any `default`",
        "# into the config the program sees. So only the keys that every stack must set are declared (no defaults:",
        "# each default lives once, in the schema); infra/config.ts checks every value, nested field and",
        "# cross-field rule again (and rejects unknown keys) before any resource exists.",
        "# tests/project-config.test.ts applies the CLI's rule to every Pulumi.<stack>.yaml.",
        "#",
        "# Optional keys (not declared, so that a stack may leave them out; see docs/configuration.md):",
        ...optional.map((k) => `#   ${k.padEnd(width)}  ${typeName(rootKeySchema(k)).padEnd(7)}  ${oneLine(rootKeySchema(k).description)}`),
        "config:",
        ...required.flatMap((k) => {
            const j = rootKeySchema(k);
            return [`  ${k}:`, `    type: ${typeName(j)}`, `    description: ${JSON.stringify(oneLine(j.description))}`];
        }),
    ];
    return `${head}${lines.join("\n")}\n`;
}

interface Row {
    key: string;
    type: string;
    default: string;
    allowed: string;
    description: string;
    secret: boolean;
    modes: string[];
}

const code = (s: string) => "`" + s.replace(/`/g, "'").replace(/\|/g, "\\|") + "`";
const cell = (s: string) => s.replace(/(?<!\\)\|/g, "\\|").replace(/\n/g, " ");

function allowedText(j: Json): string {
    const parts: string[] = [];
    if (Array.isArray(j.enum)) parts.push((j.enum as unknown[]).map((v) => code(String(v))).join(", "));
    if (j.const !== undefined) parts.push(code(String(j.const)));
    const bound = (v: unknown) => (typeof v === "number" && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
    j = { ...j, minimum: bound(j.minimum), maximum: bound(j.maximum) };
    if (j.minimum !== undefined && j.maximum !== undefined) parts.push(`${j.minimum} to ${j.maximum}`);
    else if (j.minimum !== undefined) parts.push(`>= ${j.minimum}`);
    else if (j.maximum !== undefined) parts.push(`<= ${j.maximum}`);
    if (j.minLength !== undefined) parts.push(`at least ${j.minLength} characters`);
    if (j.maxLength !== undefined) parts.push(`at most ${j.maxLength} characters`);
    if (j.minItems !== undefined) parts.push(`at least ${j.minItems} item(s)`);
    if (j.maxItems !== undefined) parts.push(`at most ${j.maxItems} item(s)`);
    if (typeof j.pattern === "string") parts.push(`matches ${code(j.pattern as string)}`);
    if (j.items && typeof j.items === "object") {
        const inner = allowedText(j.items as Json);
        if (inner) parts.push(`items: ${inner}`);
    }
    return parts.join("; ");
}

/** The reference rows of one schema node (recursing into objects and mode variants). */
function rows(j: Json, key: string, raw: Json, out: Row[], mode: string): void {
    const alts = (j.oneOf ?? j.anyOf) as Json[] | undefined;
    if (alts && !(raw.secret === true) && alts.some((a) => a.properties)) {
        for (const a of alts) {
            const props = a.properties as Record<string, Json> | undefined;
            const c = props?.mode?.const ?? props?.kind?.const;
            rows({ ...a, description: a.description ?? j.description, default: a.default ?? j.default }, key, a, out, c !== undefined ? `${props?.mode ? "mode" : "kind"} ${c}` : mode);
        }
        return;
    }
    if (j.type === "object" && j.properties) {
        if (key) out.push({ key, type: "object", default: "", allowed: "", description: oneLine(j.description), secret: false, modes: mode ? [mode] : [] });
        for (const [p, x] of Object.entries(j.properties as Record<string, Json>)) {
            if (typeof x.notHere === "string" || (x.not && Object.keys(x.not as Json).length === 0)) continue;
            rows(x, key ? `${key}.${p}` : p, x, out, mode);
        }
        return;
    }
    const dflt = j.default !== undefined ? code(JSON.stringify(j.default)) : typeof raw.derivedDefault === "string" ? raw.derivedDefault : "";
    out.push({
        key,
        type: typeName(j),
        default: dflt,
        allowed: allowedText(j),
        description: oneLine(j.description),
        secret: raw.secret === true,
        modes: mode ? [mode] : [],
    });
}

/** The raw (metadata-carrying) JSON Schema of a root key in one mode. */
function rawKeySchema(mode: keyof typeof NAMESPACE_SCHEMAS, key: string): Json {
    const s = (NAMESPACE_SCHEMAS[mode].shape as Record<string, z.ZodType>)[key];
    return z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Json;
}

/** `docs/configuration.md`: the configuration reference. */
export function configurationMarkdown(): string {
    const out: string[] = [
        "# Configuration reference",
        "",
        "<!-- Generated from infra/config/*.ts by `npm run schema`; do not edit. tests/schema-artifacts.test.ts fails when it drifts. -->",
        "",
        `Every key lives in the \`${PROJECT}\` namespace of a stack file (\`${PROJECT}:<key>\` in \`Pulumi.<stack>.yaml\`, or`,
        "`pulumi config set --path '<key>.<field>' <value>`). Unknown keys are errors; every problem of a stack file is reported",
        "at once, one line each, naming the full key, the bad value and what is allowed (`npm run synth` exits 2).",
        "Secret keys must be set with `pulumi config set --secret --path ...`: a secret key in plaintext is an error.",
        `Editors validate and complete stack files through [${STACK_SCHEMA_PATH}](../${STACK_SCHEMA_PATH}) (modeline on each stack file's first line).`,
        "Cross-field rules (e.g. `maxReplicas >= replicas`, subnets inside the address space) are stated in the descriptions and",
        "checked by the program.",
        "",
        "Required in every stack: " + rootKeys().filter(requiredEverywhere).map((k) => code(k)).join(", ") + ".",
        "",
    ];
    for (const k of rootKeys()) {
        const list: Row[] = [];
        for (const m of ["aks", "existing"] as const) {
            if (!(k in NAMESPACE_SCHEMAS[m].shape)) continue;
            const raw = rawKeySchema(m, k);
            if (isNever(raw)) continue;
            const before = list.length;
            rows(raw, k, raw, list, "");
            for (const r of list.slice(before)) r.modes = [`cluster.mode ${m}`, ...r.modes];
        }
        // One row per key and text; the modes it applies in are listed.
        const merged = new Map<string, Row>();
        for (const r of list) {
            const id = JSON.stringify([r.key, r.type, r.default, r.allowed, r.description, r.secret]);
            const m = merged.get(id);
            if (m) m.modes = [...new Set([...m.modes, ...r.modes])];
            else merged.set(id, { ...r });
        }
        const top = merged.values().next().value;
        out.push(`## \`${k}\``, "", top?.description ?? "", "", "| Key | Type | Default | Allowed | Secret | Description |", "| --- | --- | --- | --- | --- | --- |");
        for (const r of merged.values()) {
            const modes = r.modes.filter((m) => !(m.startsWith("cluster.mode") && r.modes.filter((x) => x.startsWith("cluster.mode")).length === 2));
            const where = modes.length ? ` (${modes.join(", ")})` : "";
            out.push(`| ${code(r.key)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.allowed)} | ${r.secret ? "yes" : ""} | ${cell(r.description)}${cell(where)} |`);
        }
        out.push("");
    }
    out.push("## Removed keys", "", "These keys were removed (issue 14: one fact, one place). A stack file that still sets one is rejected with a line naming where the fact lives now.", "", "| Key | Now |", "| --- | --- |");
    for (const [k, now] of Object.entries(REMOVED_KEYS)) out.push(`| ${code(k)} | ${cell(now)} |`);
    out.push("");
    return out.join("\n");
}

/** Where the operator scripts find the migration section's defaults (relative to the repository root). */
export const MIGRATION_DEFAULTS_PATH = "scripts/lib/migration-defaults.sh";

/** The migration keys the operator scripts read (scripts/migrate.sh, scripts/lib/migration.sh) whose absence means a default. */
export const SCRIPT_MIGRATION_KEYS = ["enabled", "steps", "stage", "dataStrategy", "routing", "retireOld", "replicas.old", "replicas.new", "oldSystem.healthPath", "gate.window", "gate.maxErrorRatio", "gate.maxP95Seconds"] as const;

/**
 * The migration section's defaults as the operator scripts need them: the section parsed with only
 * its required keys (an enabled migration), each key's value as `pulumi config get` prints it.
 */
export function migrationScriptDefaults(): Record<(typeof SCRIPT_MIGRATION_KEYS)[number], string> {
    const schema = (NAMESPACE_SCHEMAS.aks.shape as Record<string, z.ZodType>).migration;
    const required = { enabled: true, hosts: ["app.example.com"], tlsSecretName: "tls", gateway: { className: "gateway" }, oldSystem: { namespace: "old", service: "old", port: 80, deployment: "old" } };
    const parsed = schema.safeParse(required);
    if (!parsed.success) throw new Error(`the migration section's required keys changed: ${parsed.error.message}`);
    // `enabled` itself: what an absent section means.
    const absent = schema.safeParse({});
    if (!absent.success) throw new Error(`an empty migration section no longer parses: ${absent.error.message}`);
    const out = {} as Record<(typeof SCRIPT_MIGRATION_KEYS)[number], string>;
    for (const key of SCRIPT_MIGRATION_KEYS) {
        const from = key === "enabled" ? absent.data : parsed.data;
        const value = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], from);
        if (value === undefined) throw new Error(`migration.${key} has no default in the schema`);
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}

/** scripts/lib/migration-defaults.sh: a bash associative array of {@link migrationScriptDefaults}. */
export function migrationDefaultsShell(): string {
    const lines = [
        "# shellcheck shell=bash",
        "# Generated from the configuration schema (infra/config/migration.ts) by `npm run schema`: do not edit.",
        "# What each migration key the operator scripts read means when the stack file leaves it out.",
        "# shellcheck disable=SC2034 # used by scripts/lib/migration.sh, which sources this file",
        "declare -gA MIGRATION_DEFAULTS=(",
        ...Object.entries(migrationScriptDefaults()).map(([k, v]) => `  [${k}]='${v}'`),
        ")",
        "",
    ];
    return lines.join("\n");
}

/** Every generated file: path (relative to the repository root) → its text. */
export function artefacts(root = ROOT): Record<string, string> {
    return {
        [STACK_SCHEMA_PATH]: stackJsonSchemaText(),
        "Pulumi.yaml": projectYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")),
        "docs/configuration.md": configurationMarkdown(),
        [MIGRATION_DEFAULTS_PATH]: migrationDefaultsShell(),
    };
}

/** `npm run schema [-- --check]`: writes the artefacts, or lists those that drifted (exit 1). */
export function main(argv: readonly string[], root = ROOT): number {
    const check = argv.includes("--check");
    const drift: string[] = [];
    for (const [file, text] of Object.entries(artefacts(root))) {
        const full = path.join(root, file);
        const now = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
        if (now === text) continue;
        if (check) drift.push(file);
        else {
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, text);
            process.stdout.write(`wrote ${file}\n`);
        }
    }
    if (drift.length) {
        process.stderr.write(`out of date with the schema (run npm run schema): ${drift.join(", ")}\n`);
        return 1;
    }
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
