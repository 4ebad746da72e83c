/**
 * The building blocks of the configuration schema (`infra/config/*.ts`): zod 4 schemas for the
 * value kinds a stack file holds, each carrying the project's error text, and the formatting of
 * zod's issues into the project's error contract:
 *
 * - every problem is ONE line naming the full key, the bad value and what is allowed, e.g.
 *   `it-ops-infra:cluster.userPool.maxCount must be an integer >= minCount (3) and <= 1000, got 2`;
 * - a {@link ConfigError} (a `pulumi.RunError`: the CLI prints it without a stack trace) lists
 *   every problem of the stack file, one per line; the offline render exits 2 on it.
 *
 * The text of a rule lives with the rule: a builder such as {@link int} turns its range into both
 * the check and the message ("must be an integer >= 1 and <= 100"), so they cannot disagree.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DNS1123_LABEL, DNS1123_LABEL_TEXT, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_TEXT, IPV4_CIDR, isIpv4Cidr, PINNED_IMAGE_TEXT, pinnedImageProblem, UUID } from "../../components/shared/validation";

// The shared value rules (components/shared/validation.ts) that the schema applies too: defined once there.
export { IPV4_CIDR, isIpv4Cidr };

// A stack's configuration is parsed once per process: zod's JIT (object parsers generated with
// `new Function` on first use) only pays off over many parses, so it is off.
z.config({ jitless: true });

/** One problem of a stack file: the full key and its one-line message (which starts with the key). */
export interface ConfigProblem {
    readonly key: string;
    readonly message: string;
}

/**
 * Invalid configuration. Its message is one line per problem, each naming its key. It is a
 * `pulumi.RunError`, so the Pulumi CLI prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    /** Every problem found (the message lists all of them, one per line). */
    public readonly problems: readonly ConfigProblem[];

    constructor(
        /** The full key of the first problem, e.g. `it-ops-infra:cluster.userPool.maxCount`. */
        public readonly key: string,
        message: string,
        problems?: readonly ConfigProblem[],
    ) {
        super(message);
        this.name = "ConfigError";
        this.problems = problems ?? [{ key, message }];
    }

    /** An error listing `problems` (at least one), one line each. */
    static of(problems: readonly ConfigProblem[]): ConfigError {
        return new ConfigError(problems[0].key, problems.map((p) => p.message).join("\n"), problems);
    }
}

/** Renders a value for an error message: JSON, shortened. */
export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    let s: string;
    try {
        s = JSON.stringify(value);
    } catch {
        s = String(value);
    }
    if (s === undefined) s = String(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A Prometheus/Alertmanager duration such as `5m`, `30s`, `1h30m`. */
export const DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** What a `secure:` value of a stack file becomes in the offline render (it cannot decrypt it). */
export const SECURE_PLACEHOLDER = "[secure]";

/** Metadata of a key in the schema (zod's global registry); read by the generators in tools/schema/. */
export interface KeyMeta {
    /** The key must be set as a Pulumi secret (`pulumi config set --secret --path ...`). */
    readonly secret?: boolean;
    /** A default that depends on other keys, in words ("3 × replicas"). */
    readonly derivedDefault?: string;
    /** The key is set only in some modes; never otherwise ("only with cluster.mode aks"). */
    readonly notHere?: string;
}

type ErrorFn = (iss: { input?: unknown; code?: string }) => string;

/** `is required: <what>` for a missing value, `must be <what>` for a bad one. */
function typeError(what: string, must = `must be ${what}`): ErrorFn {
    return (iss) => (iss.input === undefined ? `is required: ${what}` : must);
}

export interface RangeOptions {
    readonly min?: number;
    readonly max?: number;
    /** How the minimum reads in messages, e.g. `1024 (the containers run as non-root)`. */
    readonly minText?: string;
    readonly maxText?: string;
}

/** "an integer >= 1 and <= 100". */
export function rangeText(kind: string, c?: RangeOptions): string {
    const parts: string[] = [];
    if (c?.min !== undefined) parts.push(`>= ${c.minText ?? c.min}`);
    if (c?.max !== undefined) parts.push(`<= ${c.maxText ?? c.max}`);
    return parts.length ? `${kind} ${parts.join(" and ")}` : kind;
}

export interface StringOptions {
    readonly pattern?: RegExp;
    /** What the pattern accepts, in words (`a DNS-1123 label (...)`). */
    readonly text?: string;
    readonly minLength?: number;
    readonly maxLength?: number;
}

/** A string; `pattern`'s message is `must be <text>`. */
export function str(o: StringOptions = {}) {
    let s = z.string({ error: typeError("a string") });
    if (o.minLength !== undefined) s = s.min(o.minLength, { error: `must be at least ${o.minLength} characters long` });
    if (o.maxLength !== undefined) s = s.max(o.maxLength, { error: `must be at most ${o.maxLength} characters long` });
    if (o.pattern) s = s.regex(o.pattern, { error: `must be ${o.text ?? `a string matching ${o.pattern}`}` });
    return s;
}

/** A DNS-1123 label (names of Kubernetes namespaces, Services, Deployments, ...): components/shared/validation's rule. */
export function dnsLabel(what?: string) {
    return str({ maxLength: 63, pattern: DNS1123_LABEL, text: what ? `${what}, ${DNS1123_LABEL_TEXT}` : DNS1123_LABEL_TEXT });
}

/** A DNS-1123 label as a list item: one message for both its pattern and its length. */
export function dnsLabelItem(what?: string) {
    const text = `must be ${what ? `${what}, ${DNS1123_LABEL_TEXT}` : DNS1123_LABEL_TEXT}`;
    return z.string({ error: typeError("a string") }).regex(DNS1123_LABEL, { error: text }).max(63, { error: text });
}

/** A DNS-1123 subdomain (names of ConfigMaps, Secrets, host names). */
export function dnsSubdomain() {
    return str({ pattern: DNS1123_SUBDOMAIN, text: DNS1123_SUBDOMAIN_TEXT });
}

export function uuid(text = "a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)") {
    return str({ pattern: UUID, text });
}

/** A pinned image reference (full `[registry/]repository:tag` other than latest, or `@sha256:` digest): the components' rule (pinnedImageProblem). */
export function pinnedImage() {
    return z.string({ error: typeError("a string") }).superRefine((v, ctx) => {
        const p = pinnedImageProblem(v);
        if (p) ctx.addIssue({ code: "custom", message: `must be ${PINNED_IMAGE_TEXT}: ${p}`, input: v });
    });
}

/** A Prometheus/Alertmanager duration such as `5m`, `30s`, `1h30m`. */
export function duration() {
    return str({ pattern: DURATION, text: "a duration such as 30s, 5m or 1h30m" });
}

/** An integer in a range; one message ("must be an integer >= 1 and <= 100") for every violation. */
export function int(o: RangeOptions = {}) {
    const text = rangeText("an integer", o);
    let s = z.number({ error: typeError(text) }).int({ error: `must be ${text}` });
    if (o.min !== undefined) s = s.min(o.min, { error: `must be ${text}` });
    if (o.max !== undefined) s = s.max(o.max, { error: `must be ${text}` });
    return s;
}

/** A finite number in a range. */
export function num(o: RangeOptions = {}) {
    const text = rangeText("a number", o);
    let s = z.number({ error: typeError(text) });
    if (o.min !== undefined) s = s.min(o.min, { error: `must be ${text}` });
    if (o.max !== undefined) s = s.max(o.max, { error: `must be ${text}` });
    return s;
}

export function bool() {
    return z.boolean({ error: typeError("true or false") });
}

/** One of a fixed set (a literal union). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: typeError(`one of ${values.join(", ")}`) });
}

/** A list; `minItems`/`maxItems` say "must have at least N item(s)". */
export function list<T extends z.ZodType>(item: T, o: { minItems?: number; maxItems?: number } = {}) {
    let s = z.array(item, { error: typeError("a list") });
    if (o.minItems !== undefined) s = s.min(o.minItems, { error: `must have at least ${o.minItems} item(s)` });
    if (o.maxItems !== undefined) s = s.max(o.maxItems, { error: `must have at most ${o.maxItems} item(s)` });
    return s;
}

/** A string→string map (labels, tags). */
export function stringMap() {
    return z.record(z.string(), z.string({ error: "must be a string" }), { error: typeError("a map of strings", "must be a map of strings") });
}

/** Marks where the strict object lists its keys for the "not a known setting" message. */
const KNOWN = "known here: ";

/**
 * A strict object: an unknown key is an error naming it (and the keys known there). A key that
 * was removed is named with its replacement (see {@link REMOVED_KEYS}).
 */
export function obj<S extends z.core.$ZodLooseShape>(shape: S) {
    const known = Object.keys(shape)
        .filter((k) => !(shape[k] as z.ZodType).meta()?.notHere)
        .sort()
        .join(", ");
    return z.strictObject(shape, {
        error: (iss) => (iss.code === "unrecognized_keys" ? `${KNOWN}${known}` : typeError("an object", "must be an object")(iss)),
    });
}

/** An optional object: absent, it is parsed as `{}` (so its keys' defaults apply). */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
    return obj(shape).prefault({} as never);
}

/** A key that must not be set here (`is <why>`); documented as such. */
export function notHere(why: string) {
    return z.never({ error: why }).optional().meta({ notHere: why });
}

/**
 * Keys that were removed (their fact is now set once elsewhere), by dotted path below the project
 * namespace: present, each is rejected with one line naming where the fact lives now. They are
 * rejected, not aliased (design note of issue 14).
 */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
    "app.monitoringNamespace": "the monitoring namespace is set once, in monitoring.namespace (scrapes are admitted from monitoring.prometheus.namespace)",
    "verification.dashboardNamespace": "the report dashboard goes to monitoring.namespace (Grafana's dashboard sidecar reads only there)",
    "verification.checks.monitoringNamespace": "the checks use monitoring.namespace and monitoring.prometheus.namespace",
    "verification.checks.prometheusService": "Prometheus' Service is derived: monitoring.prometheus.service",
    "verification.checks.prometheusPort": "Prometheus' port is derived: monitoring.prometheus.port",
    "migration.gate.prometheusNamespace": "the gate's Prometheus is derived: monitoring.prometheus.namespace (the `prometheus` stack output)",
    "migration.gate.prometheusService": "the gate's Prometheus is derived: monitoring.prometheus.service (the `prometheus` stack output)",
    "verification.loadTest.prometheusRemoteWriteUrl": "Prometheus' URL is derived from monitoring.prometheus: set verification.loadTest.remoteWrite: true",
};

/** A secret string as the schema parses it: resolved to a Pulumi secret by {@link resolveSecrets}. */
export class SecretRef {
    constructor(
        /** The raw value (undefined when absent). */
        readonly value: string | undefined,
        readonly rule: SecretOptions,
    ) {}
}

export interface SecretOptions {
    /** Absent is fine (no placeholder, no error): the value is then undefined. */
    readonly optional?: boolean;
    readonly pattern?: RegExp;
    readonly text?: string;
}

/**
 * A secret string. It must come from a secret config key (`pulumi config set --secret --path ...`)
 * and becomes a Pulumi secret, so it never appears in plaintext in state or logs. In the offline
 * render a missing secret (or a `secure:` value it cannot decrypt) becomes a placeholder.
 */
export function secret(o: Omit<SecretOptions, "optional"> = {}) {
    return z
        .string({ error: typeError("a string") })
        .optional()
        .transform((v) => new SecretRef(v, o))
        .meta({ secret: true });
}

/** An optional secret string: absent, it resolves to undefined. */
export class OptionalSecretRef extends SecretRef {
    readonly optional = true;
}

/** A {@link secret} that may be absent. */
export function optionalSecret(o: Omit<SecretOptions, "optional"> = {}) {
    return z
        .string({ error: typeError("a string") })
        .optional()
        .transform((v) => new OptionalSecretRef(v, { ...o, optional: true }))
        .meta({ secret: true });
}

/** The output type of a {@link secret} once resolved. */
export type Secret = pulumi.Output<string>;
/** Replaces SecretRef by Secret in a parsed type. */
export type Resolved<T> = T extends OptionalSecretRef
    ? Secret | undefined
    : T extends SecretRef
      ? Secret
    : T extends readonly (infer U)[]
      ? readonly Resolved<U>[]
      : T extends pulumi.Output<unknown>
        ? T
        : T extends object
          ? { readonly [K in keyof T]: Resolved<T[K]> }
          : T;

/** Shared by the parse of one configuration. */
export interface ParseContext {
    readonly stack: string;
    /** Root keys of the project namespace that hold secret values. */
    readonly secretFields: ReadonlySet<string>;
    /** Offline render only: a missing required secret becomes a placeholder secret. */
    readonly secretPlaceholders: boolean | ((key: string) => boolean);
    /** The keys that were given placeholders. */
    readonly placeholders: string[];
    /** `database.mode managed`: the stack's MongoDatabase is the connection's one source (infra/config/database.ts). */
    readonly managedDatabase?: boolean;
}

let current: ParseContext | undefined;

/** The context of the parse under way (schemas read the stack name for stack-derived defaults). */
export function parseContext(): ParseContext {
    if (!current) throw new Error("parseContext() outside a configuration parse");
    return current;
}

/** The context of the parse under way, or undefined outside one (e.g. while generating the JSON schema). */
export function maybeParseContext(): ParseContext | undefined {
    return current;
}

/** Runs `f` with `ctx` as the parse context (parsing is synchronous). */
export function withContext<T>(ctx: ParseContext, f: () => T): T {
    const before = current;
    current = ctx;
    try {
        return f();
    } finally {
        current = before;
    }
}

/** The full key of a path below the project namespace: `it-ops-infra:app.ingressNamespaces[0]`. */
export function keyOf(prefix: string, path: readonly PropertyKey[]): string {
    let s = prefix;
    for (const [i, p] of path.entries()) {
        if (typeof p === "number") s += `[${p}]`;
        else s += i === 0 ? String(p) : `.${String(p)}`;
    }
    return s;
}

function placeholdersAllowed(ctx: ParseContext, key: string): boolean {
    return typeof ctx.secretPlaceholders === "function" ? ctx.secretPlaceholders(key) : ctx.secretPlaceholders;
}

/**
 * Replaces every {@link SecretRef} of a parsed value by a Pulumi secret (or a placeholder in the
 * offline render), and reports secrets that are missing, malformed or set in plaintext.
 */
export function resolveSecrets(value: unknown, path: PropertyKey[], prefix: string, ctx: ParseContext, problems: ConfigProblem[]): unknown {
    if (value instanceof SecretRef) {
        const key = keyOf(prefix, path);
        const dotted = key.slice(prefix.length);
        const fail = (message: string) => {
            problems.push({ key, message: `${key} ${message}` });
            return pulumi.secret("");
        };
        const isSecret = ctx.secretFields.has(String(path[0]));
        if (value.value === undefined) {
            if (value.rule.optional) return undefined;
            if (placeholdersAllowed(ctx, key)) {
                ctx.placeholders.push(key);
                return pulumi.secret(`placeholder-for-${key}`);
            }
            return fail(`is required: set it with \`pulumi config set --secret --path '${dotted}' <value>\``);
        }
        if (placeholdersAllowed(ctx, key) && isSecret && value.value === SECURE_PLACEHOLDER) {
            // A `secure:` value of a stack file, which the offline render cannot decrypt.
            return pulumi.secret(`placeholder-for-${key}`);
        }
        if (value.rule.pattern && !value.rule.pattern.test(value.value)) {
            return fail(`must be ${value.rule.text ?? `a string matching ${value.rule.pattern}`}, got ${show(value.value)}`);
        }
        if (!isSecret) return fail(`must be set as a secret (\`pulumi config set --secret --path '${dotted}' <value>\`), not in plaintext`);
        return pulumi.secret(value.value);
    }
    if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, [...path, i], prefix, ctx, problems));
    if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = resolveSecrets(v, [...path, k], prefix, ctx, problems);
        }
        return out;
    }
    return value;
}

/**
 * The project's one-line messages for zod's issues (`prefix` is `it-ops-infra:`). Only the first
 * issue of a key is kept (a bad value is one problem, whichever of its rules it breaks first).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: string, base: readonly PropertyKey[] = []): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    const seen = new Set<string>();
    const add = (key: string, message: string) => {
        if (seen.has(key)) return;
        seen.add(key);
        out.push({ key, message: `${key} ${message}` });
    };
    for (const i of issues) {
        const iss = { ...i, path: [...base, ...i.path] } as z.core.$ZodIssue;
        const input = (iss as { input?: unknown }).input;
        if (iss.code === "unrecognized_keys") {
            for (const k of iss.keys) {
                const path = [...iss.path, k];
                const key = keyOf(prefix, path);
                const removed = REMOVED_KEYS[path.filter((p) => typeof p !== "number").join(".")];
                if (removed) add(key, `is no longer a key: ${removed}`);
                else {
                    const known = iss.message.startsWith(KNOWN) ? iss.message.slice(KNOWN.length) : "";
                    add(key, `is not a known setting${known ? ` (known here: ${known})` : ""}`);
                }
            }
            continue;
        }
        if (iss.code === "invalid_union" && (iss as { discriminator?: string }).discriminator && input && typeof input === "object") {
            // A bad mode of a mode-dependent object: name the mode key.
            const d = (iss as { discriminator?: string }).discriminator!;
            const v = (input as Record<string, unknown>)[d];
            const path = iss.path[iss.path.length - 1] === d ? iss.path : [...iss.path, d];
            add(keyOf(prefix, path), `${iss.message}, got ${show(v)}`);
            continue;
        }
        const key = keyOf(prefix, iss.path);
        const got = input !== undefined && !(iss as { params?: { noGot?: boolean } }).params?.noGot ? `, got ${show(input)}` : "";
        add(key, `${iss.message}${got}`);
    }
    return out;
}

/**
 * Cross-field rules run only on values whose fields are all valid (zod runs refinements after
 * non-fatal issues such as a failed pattern otherwise), so one bad value is one problem.
 */
export const WHEN_VALID = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** A problem from a cross-field rule (`superRefine`): one line at `path` of the refined object. */
export function problem(ctx: z.RefinementCtx, path: PropertyKey[], message: string, value?: unknown): void {
    ctx.addIssue(value === undefined ? { code: "custom", path, message, params: { noGot: true } } : { code: "custom", path, message, input: value });
}
