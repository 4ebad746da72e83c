/**
 * Pulumi.yaml's `config:` schema against every stack file, with the Pulumi CLI's own rule
 * (pkg/v3 workspace/config.go `mergeConfig`, v3.274.1) re-stated here so that it runs in `npm test`
 * without the engine. tests/engine.test.ts runs the real CLI's validation too.
 *
 * The CLI's rule: a key declared in the project's `config:` block, in the project's namespace, with
 * neither `default` nor `value` is REQUIRED in every stack (`validating stack config: Stack 's' is
 * missing configuration values 'a' and 'b'`); a declared `default`/`value` is MERGED into the config
 * the program sees; a stack value of an explicitly typed key must have that type.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig, PROJECT } from "../infra/config";
import { ConfigError } from "../infra/config/kit";
import { stackRaw } from "./fixtures/stack-config";
import { PROJECT_DIR } from "./helpers";

interface ProjectConfigType {
    type?: string;
    description?: string;
    default?: unknown;
    value?: unknown;
    items?: unknown;
    secret?: boolean;
}

/** The CLI's `formatMissingKeys`: 'a', 'a' and 'b', 'a', 'b' and 'c'. */
function formatMissingKeys(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    return keys.map((k, i) => (i === keys.length - 1 ? `and '${k}'` : i === keys.length - 2 ? `'${k}' ` : `'${k}', `)).join("");
}

/** The CLI's `ValidateConfigValue` for the scalar and object types this project uses. */
function validType(type: string, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[-+]?\d+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        case "array":
            return Array.isArray(value);
        default:
            throw new Error(`type ${type} is not modelled by this test`);
    }
}

/**
 * The error `pulumi preview/up --stack <stack>` stops with before the program runs, or undefined when
 * the CLI accepts the stack's config (the rule of `mergeConfig` with validate = true).
 */
export function cliConfigError(project: string, schema: Record<string, ProjectConfigType>, stack: string, stackConfig: Record<string, unknown>): string | undefined {
    const missing: string[] = [];
    const keys = Object.keys(schema).sort();
    for (const k of keys) {
        const t = schema[k];
        const full = k.includes(":") ? k : `${project}:${k}`;
        const namespace = full.slice(0, full.indexOf(":"));
        const found = Object.prototype.hasOwnProperty.call(stackConfig, full);
        if (!found && t.value === undefined && t.default === undefined && namespace === project) missing.push(k);
    }
    if (missing.length > 0) return `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatMissingKeys(missing)}`;
    for (const k of keys) {
        const t = schema[k];
        const full = k.includes(":") ? k : `${project}:${k}`;
        if (t.type === undefined || !Object.prototype.hasOwnProperty.call(stackConfig, full)) continue;
        let v = stackConfig[full];
        if (v !== null && typeof v === "object" && "secure" in (v as object)) v = "[secret]";
        if (!validType(t.type, v)) return `Stack '${stack}' with configuration key '${k}' must be of type '${t.type}'`;
    }
    return undefined;
}

const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, ProjectConfigType> };
const stacks = fs
    .readdirSync(PROJECT_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

function stackFile(stack: string): Record<string, unknown> {
    return (parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> }).config ?? {};
}

describe("the CLI's config rule (as re-stated here) on hand-made input", () => {
    const schema: Record<string, ProjectConfigType> = {
        a: { type: "object" },
        b: { type: "string" },
        c: { type: "boolean", default: false },
        "aws:region": { type: "string" },
    };
    const cases: { name: string; config: Record<string, unknown>; want: string | undefined }[] = [
        { name: "all required present", config: { "p:a": {}, "p:b": "x" }, want: undefined },
        { name: "two missing (other namespaces never required)", config: {}, want: "Stack 's' is missing configuration values 'a' and 'b'" },
        { name: "one missing", config: { "p:a": {} }, want: "Stack 's' is missing configuration value 'b'" },
        { name: "wrong type", config: { "p:a": "text", "p:b": "x" }, want: "Stack 's' with configuration key 'a' must be of type 'object'" },
        { name: "bad boolean", config: { "p:a": {}, "p:b": "x", "p:c": "yes" }, want: "Stack 's' with configuration key 'c' must be of type 'boolean'" },
    ];
    for (const c of cases) {
        it(c.name, () => assert.equal(cliConfigError("p", schema, "s", c.config), c.want));
    }
    it("formats three keys like the CLI", () => {
        assert.equal(formatMissingKeys(["hello", "values", "world"]), "'hello', 'values' and 'world'");
    });
    it("reproduces the day-one failure with the former schema (regionZones, resourceGroupName declared without default)", () => {
        const former = { ...project.config, regionZones: { type: "object" }, resourceGroupName: { type: "string" } };
        assert.equal(
            cliConfigError(project.name, former, "staging", stackFile("staging")),
            "Stack 'staging' is missing configuration values 'regionZones' and 'resourceGroupName'",
        );
    });
});

describe("Pulumi.yaml's config schema", () => {
    it("finds the three stack files", () => assert.deepEqual(stacks, ["local", "production", "staging"]));

    for (const stack of stacks) {
        it(`accepts Pulumi.${stack}.yaml under the CLI's rule`, () => {
            assert.equal(cliConfigError(project.name, project.config, stack, stackFile(stack)), undefined);
        });
    }

    it("declares no default or value (the CLI would merge it into the config the program sees)", () => {
        for (const [k, t] of Object.entries(project.config)) {
            assert.equal(t.default, undefined, `${k} has a default`);
            assert.equal(t.value, undefined, `${k} has a value`);
        }
    });

    it("declares exactly the keys the program requires: each one, left out, is a config error", () => {
        assert.deepEqual(Object.keys(project.config).sort(), ["app", "cluster", "monitoring", "registry"]);
        for (const stack of stacks) {
            const { raw, secretKeys } = stackRaw(stack);
            for (const k of Object.keys(project.config)) {
                const without = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== `${PROJECT}:${k}` && !key.startsWith(`${PROJECT}:${k}.`)));
                assert.throws(
                    () => parseStackConfig(stack, without, secretKeys, { secretPlaceholders: true }),
                    // (local without `cluster` falls back to mode aks, which then requires `location`)
                    (e: unknown) => e instanceof ConfigError && / is required: /.test(e.message) && (stack === "local" || e.message.startsWith(`${PROJECT}:${k}`)),
                    `${stack} without ${k}`,
                );
            }
        }
    });

    it("documents every optional top-level key the stack files use in Pulumi.yaml's comment", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
        const used = new Set(stacks.flatMap((s) => Object.keys(stackFile(s))).filter((k) => k.startsWith(`${PROJECT}:`)).map((k) => k.slice(PROJECT.length + 1)));
        for (const k of [...used, "resourceGroupName", "regionZones"]) {
            if (k in project.config) continue;
            assert.match(text, new RegExp(`^#\\s+${k}\\s+(string|boolean|object)\\s+\\S`, "m"), `optional key ${k} is not documented in Pulumi.yaml`);
        }
    });
});
