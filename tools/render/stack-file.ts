/**
 * Reading stack files (`Pulumi.<stack>.yaml`) and applying `--set key=value` overrides the way
 * `pulumi config set --path` does, for the offline render. Pure functions.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT } from "../../infra/config";
import { SECURE_PLACEHOLDER } from "../../infra/config/kit";

export { SECURE_PLACEHOLDER };

export interface RawStackConfig {
    /** `namespace:key` → value (structured values as objects). */
    readonly values: Record<string, unknown>;
    /** Keys that hold `secure:` values. */
    readonly secretKeys: Set<string>;
}

/** A bad command line or stack file (exit code 2, like a config error). */
export class UsageError extends Error {}

export interface RenderOptions {
    readonly stack: string;
    /** A file in the form of `Pulumi.<stack>.yaml`; the stack's own file by default. */
    readonly configFile?: string;
    /** `key=value` overrides, as `pulumi config set --path`. */
    readonly sets?: readonly string[];
    /** Directory holding Pulumi.yaml and the stack files. @default the repository root */
    readonly projectDir?: string;
}

/** The repository root (where Pulumi.yaml is). */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Reads the stack file and applies the overrides. */
export function stackConfigFor(opts: RenderOptions): RawStackConfig {
    const file = opts.configFile ?? path.join(opts.projectDir ?? PROJECT_DIR, `Pulumi.${opts.stack}.yaml`);
    let raw = readStackFile(file);
    for (const s of opts.sets ?? []) raw = applySet(raw, s);
    return raw;
}

/** Replaces every `{ secure: ... }` leaf by the placeholder; reports whether there was one. */
function replaceSecure(v: unknown): { value: unknown; secure: boolean } {
    if (Array.isArray(v)) {
        let secure = false;
        const value = v.map((x) => {
            const r = replaceSecure(x);
            secure ||= r.secure;
            return r.value;
        });
        return { value, secure };
    }
    if (v && typeof v === "object") {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === "secure") return { value: SECURE_PLACEHOLDER, secure: true };
        let secure = false;
        const value: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const r = replaceSecure(x);
            secure ||= r.secure;
            value[k] = r.value;
        }
        return { value, secure };
    }
    return { value: v, secure: false };
}

/** Reads a file in the form of `Pulumi.<stack>.yaml`. */
export function readStackFile(file: string): RawStackConfig {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new UsageError(`cannot read stack config ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
    const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) throw new UsageError(`${file}: 'config' must be a map`);
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [key, v] of Object.entries(config)) {
        const full = key.includes(":") ? key : `${PROJECT}:${key}`;
        const r = replaceSecure(v);
        values[full] = r.value;
        if (r.secure) secretKeys.add(full);
    }
    return { values, secretKeys };
}

type PathToken = string | number;

/** Splits `a.b[0].c` into `["a", "b", 0, "c"]`. */
export function parsePath(path: string): PathToken[] {
    const tokens: PathToken[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]/g;
    let m: RegExpExecArray | null;
    let consumed = "";
    while ((m = re.exec(path))) {
        tokens.push(m[2] !== undefined ? Number(m[2]) : m[1]);
        consumed += m[0];
    }
    if (!tokens.length || typeof tokens[0] !== "string" || consumed.length !== path.replace(/\./g, "").length || /(^\.|\.\.|\.$|\.\[)/.test(path)) {
        throw new UsageError(`--set: cannot parse the key path '${path}'`);
    }
    return tokens;
}

/** Parses a `--set` value as `pulumi config set` would: JSON where it parses, else a string. */
export function parseSetValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Applies `key=value` (key with or without namespace, `--path` syntax) to the raw config.
 * Returns a new config; does not modify `raw`.
 */
export function applySet(raw: RawStackConfig, assignment: string): RawStackConfig {
    const eq = assignment.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set expects key=value, got '${assignment}'`);
    const keyPath = assignment.slice(0, eq);
    const value = parseSetValue(assignment.slice(eq + 1));
    const colon = keyPath.indexOf(":");
    const ns = colon >= 0 ? keyPath.slice(0, colon) : PROJECT;
    const tokens = parsePath(colon >= 0 ? keyPath.slice(colon + 1) : keyPath);
    const topKey = `${ns}:${tokens[0]}`;
    const values = structuredClone(raw.values);
    if (tokens.length === 1) {
        values[topKey] = value;
    } else {
        let node: any = values[topKey];
        if (node === undefined || node === null || typeof node !== "object") node = values[topKey] = typeof tokens[1] === "number" ? [] : {};
        for (let i = 1; i < tokens.length - 1; i++) {
            const t = tokens[i];
            if (node[t] === undefined || node[t] === null || typeof node[t] !== "object") node[t] = typeof tokens[i + 1] === "number" ? [] : {};
            node = node[t];
        }
        node[tokens[tokens.length - 1]] = value;
    }
    return { values, secretKeys: new Set(raw.secretKeys) };
}

/** The config map in the form Pulumi hands to programs: structured values as JSON text. */
export function toRuntimeConfig(raw: RawStackConfig): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.values)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
}
