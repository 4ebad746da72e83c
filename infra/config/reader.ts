import { DNS1123_LABEL, DNS1123_LABEL_TEXT, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_TEXT, PINNED_IMAGE_TEXT, pinnedImageProblem } from "../../components/shared/validation";
import * as pulumi from "@pulumi/pulumi";

/**
 * A typed, path-aware reader over the raw (already JSON-parsed) stack configuration.
 *
 * It never touches `pulumi.Config`: `infra/config.ts` reads the raw values once and hands them
 * to section parsers through this reader. Every accessor validates one value and, when the value
 * is bad, throws a {@link ConfigError} whose message names the full key, the bad value and what is
 * allowed, e.g. `it-ops-infra:cluster.userPool.maxCount must be an integer >= minCount (3), got 2`.
 *
 * Readers remember which fields were read; {@link ObjectReader.done} rejects any field that no
 * parser asked for, so a typo in a stack file is an error instead of a silently ignored key.
 */

/**
 * An invalid configuration value. Its message is one line and names the key. It is a
 * `pulumi.RunError`, so the Pulumi CLI prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        /** The full key, e.g. `it-ops-infra:cluster.userPool.maxCount`. */
        public readonly key: string,
        message: string,
    ) {
        super(message);
        this.name = "ConfigError";
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

export { DNS1123_SUBDOMAIN } from "../../components/shared/validation";
/** Canonical textual UUID (Entra object ids, tenant ids, client ids). */
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** What a `secure:` value of a stack file becomes in the offline render (it cannot decrypt it). */
export const SECURE_PLACEHOLDER = "[secure]";

/** Shared by all readers of one configuration. */
export interface ReaderContext {
    /** Offline render only: a missing required secret becomes a placeholder secret. */
    readonly secretPlaceholders: boolean | ((key: string) => boolean);
    /** The keys that were given placeholders. */
    readonly placeholders: string[];
}

function placeholdersAllowed(ctx: ReaderContext, key: string): boolean {
    return typeof ctx.secretPlaceholders === "function" ? ctx.secretPlaceholders(key) : ctx.secretPlaceholders;
}

interface Constraint {
    readonly min?: number;
    readonly max?: number;
}

/** Options shared by scalar accessors. */
export interface ValueOptions<T> {
    /** Used when the field is absent; without it the field is required. */
    readonly default?: T;
}

/**
 * Reads one object of the configuration. `path` is the full key of the object itself
 * (`it-ops-infra:cluster`), so that errors can name `it-ops-infra:cluster.userPool.maxCount`.
 */
export class ObjectReader {
    private readonly used = new Set<string>();

    constructor(
        public readonly path: string,
        private readonly raw: Record<string, unknown>,
        /** Whether the values below this object came from a secret config key. */
        public readonly secret: boolean = false,
        private readonly ctx: ReaderContext = { secretPlaceholders: false, placeholders: [] },
        /** For the namespace root: which of its fields are secret config keys. */
        private readonly secretFields: ReadonlySet<string> = new Set(),
    ) {}

    /**
     * A secret string. It must come from a secret config key (`pulumi config set --secret --path ...`)
     * and is returned as a Pulumi secret, so it never appears in plaintext in state or logs.
     * In the offline render a missing secret is replaced by a placeholder (listed in the context).
     */
    secretString(field: string, opts?: { optional?: boolean; pattern?: RegExp; patternText?: string }): pulumi.Output<string> | undefined {
        if (!this.has(field)) {
            if (opts?.optional) return undefined;
            if (placeholdersAllowed(this.ctx, this.key(field))) {
                this.ctx.placeholders.push(this.key(field));
                return pulumi.secret(`placeholder-for-${this.key(field)}`);
            }
            throw this.fail(field, `is required: set it with \`pulumi config set --secret --path '${this.key(field).replace(/^[^:]*:/, "")}' <value>\``);
        }
        if (placeholdersAllowed(this.ctx, this.key(field)) && this.secret && this.rawValue(field) === SECURE_PLACEHOLDER) {
            // A `secure:` value of a stack file, which the offline render cannot decrypt.
            return pulumi.secret(`placeholder-for-${this.key(field)}`);
        }
        const v = this.string(field, opts);
        if (!this.secret) {
            throw this.fail(field, `must be set as a secret (\`pulumi config set --secret --path '${this.key(field).replace(/^[^:]*:/, "")}' <value>\`), not in plaintext`);
        }
        return pulumi.secret(v);
    }

    /** The full key of a field of this object. */
    key(field: string): string {
        return this.path.endsWith(":") ? `${this.path}${field}` : `${this.path}.${field}`;
    }

    /** An error about one field of this object. */
    fail(field: string, message: string, value?: unknown): ConfigError {
        const key = field ? this.key(field) : this.path;
        const got = arguments.length >= 3 ? `, got ${show(value)}` : "";
        return new ConfigError(key, `${key} ${message}${got}`);
    }

    /** Whether the field is present (and not null). Marks it as read. */
    has(field: string): boolean {
        this.used.add(field);
        return this.raw[field] !== undefined && this.raw[field] !== null;
    }

    /** The raw value of a field. Marks it as read. */
    rawValue(field: string): unknown {
        this.used.add(field);
        const v = this.raw[field];
        return v === null ? undefined : v;
    }

    private required<T>(field: string, opts: ValueOptions<T> | undefined, what: string): T | undefined {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts && "default" in opts && opts.default !== undefined) return opts.default;
            throw this.fail(field, `is required: ${what}`);
        }
        return undefined;
    }

    string(field: string, opts?: ValueOptions<string> & { pattern?: RegExp; patternText?: string; minLength?: number; maxLength?: number }): string {
        const d = this.required(field, opts, "a string");
        if (d !== undefined) return d;
        const v = this.rawValue(field);
        if (typeof v !== "string") throw this.fail(field, "must be a string", v);
        if (opts?.minLength !== undefined && v.length < opts.minLength) {
            throw this.fail(field, `must be at least ${opts.minLength} characters long`, v);
        }
        if (opts?.maxLength !== undefined && v.length > opts.maxLength) {
            throw this.fail(field, `must be at most ${opts.maxLength} characters long`, v);
        }
        if (opts?.pattern && !opts.pattern.test(v)) {
            throw this.fail(field, `must be ${opts.patternText ?? `a string matching ${opts.pattern}`}`, v);
        }
        return v;
    }

    optionalString(field: string, opts?: { pattern?: RegExp; patternText?: string; maxLength?: number }): string | undefined {
        if (!this.has(field)) return undefined;
        return this.string(field, opts);
    }

    /** A DNS-1123 label (names of Kubernetes namespaces, Services, Deployments, ...). */
    dnsLabel(field: string, opts?: ValueOptions<string>): string {
        return this.string(field, {
            ...opts,
            maxLength: 63,
            pattern: DNS1123_LABEL,
            patternText: DNS1123_LABEL_TEXT,
        });
    }

    /** A DNS-1123 subdomain (names of ConfigMaps, Secrets, host names). */
    dnsSubdomain(field: string, opts?: ValueOptions<string>): string {
        return this.string(field, {
            ...opts,
            maxLength: 253,
            pattern: DNS1123_SUBDOMAIN,
            patternText: DNS1123_SUBDOMAIN_TEXT,
        });
    }

    /** A pinned image reference (components/shared/validation.ts' rule: a version tag, never latest, or a digest). */
    pinnedImage(field: string, opts?: ValueOptions<string>): string {
        const v = this.string(field, opts);
        const problem = pinnedImageProblem(v);
        if (problem) throw this.fail(field, `must be ${PINNED_IMAGE_TEXT}: ${problem}`, v);
        return v;
    }

    uuid(field: string, opts?: ValueOptions<string>): string {
        return this.string(field, { ...opts, pattern: UUID, patternText: "a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)" });
    }

    enum<T extends string>(field: string, allowed: readonly T[], opts?: ValueOptions<T>): T {
        const d = this.required(field, opts, `one of ${allowed.join(", ")}`);
        if (d !== undefined) return d;
        const v = this.rawValue(field);
        if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
            throw this.fail(field, `must be one of ${allowed.join(", ")}`, v);
        }
        return v as T;
    }

    boolean(field: string, opts?: ValueOptions<boolean>): boolean {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts?.default !== undefined) return opts.default;
            throw this.fail(field, "is required: true or false");
        }
        if (typeof v !== "boolean") throw this.fail(field, "must be true or false", v);
        return v;
    }

    integer(field: string, opts?: ValueOptions<number> & Constraint & { minText?: string; maxText?: string }): number {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts?.default !== undefined) return opts.default;
            throw this.fail(field, `is required: ${rangeText("an integer", opts)}`);
        }
        if (typeof v !== "number" || !Number.isInteger(v)) throw this.fail(field, `must be ${rangeText("an integer", opts)}`, v);
        checkRange(this, field, v, "an integer", opts);
        return v;
    }

    number(field: string, opts?: ValueOptions<number> & Constraint & { minText?: string; maxText?: string }): number {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts?.default !== undefined) return opts.default;
            throw this.fail(field, `is required: ${rangeText("a number", opts)}`);
        }
        if (typeof v !== "number" || !Number.isFinite(v)) throw this.fail(field, `must be ${rangeText("a number", opts)}`, v);
        checkRange(this, field, v, "a number", opts);
        return v;
    }

    /** A Prometheus/Alertmanager duration such as `5m`, `30s`, `1h30m`. */
    duration(field: string, opts?: ValueOptions<string>): string {
        return this.string(field, {
            ...opts,
            pattern: /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/,
            patternText: "a duration such as 30s, 5m or 1h30m",
        });
    }

    /** A nested object; absent objects read as `{}` unless `required`. */
    object(field: string, opts?: { required?: boolean }): ObjectReader {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts?.required) throw this.fail(field, "is required: an object");
            return new ObjectReader(this.key(field), {}, this.secret || this.secretFields.has(field), this.ctx);
        }
        if (typeof v !== "object" || Array.isArray(v)) throw this.fail(field, "must be an object", v);
        return new ObjectReader(this.key(field), v as Record<string, unknown>, this.secret || this.secretFields.has(field), this.ctx);
    }

    /** An array whose elements are read by `item` (given a reader for `field[i]`). */
    array<T>(field: string, item: (r: ItemReader) => T, opts?: ValueOptions<T[]> & { minItems?: number; maxItems?: number }): T[] {
        const v = this.rawValue(field);
        if (v === undefined) {
            if (opts?.default !== undefined) return opts.default;
            throw this.fail(field, "is required: a list");
        }
        if (!Array.isArray(v)) throw this.fail(field, "must be a list", v);
        if (opts?.minItems !== undefined && v.length < opts.minItems) {
            throw this.fail(field, `must have at least ${opts.minItems} item(s)`, v);
        }
        if (opts?.maxItems !== undefined && v.length > opts.maxItems) {
            throw this.fail(field, `must have at most ${opts.maxItems} item(s)`, v);
        }
        return v.map((x, i) => item(new ItemReader(`${this.key(field)}[${i}]`, x, this.secret, this.ctx)));
    }

    /** A string→string map (labels, tags). */
    stringMap(field: string, opts?: ValueOptions<Record<string, string>>): Record<string, string> {
        const v = this.rawValue(field);
        if (v === undefined) return { ...(opts?.default ?? {}) };
        if (typeof v !== "object" || Array.isArray(v)) throw this.fail(field, "must be a map of strings", v);
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
            if (typeof x !== "string") throw this.fail(`${field}.${k}`, "must be a string", x);
            out[k] = x;
        }
        return out;
    }

    /** A map of objects, each read by `item` (given the map key and a reader for it). */
    objectMap<T>(field: string, item: (key: string, r: ObjectReader) => T): Record<string, T> {
        const o = this.object(field);
        const out: Record<string, T> = {};
        for (const k of o.fields()) out[k] = item(k, o.object(k, { required: true }));
        o.done();
        return out;
    }

    /** The names of the fields present in this object. */
    fields(): string[] {
        return Object.keys(this.raw);
    }

    /**
     * Keys that were removed because their fact is now set once elsewhere (field → where it lives now):
     * present, they are rejected with one line naming the new key (no deprecated aliases).
     */
    removed(keys: Readonly<Record<string, string>>): void {
        for (const [field, now] of Object.entries(keys)) if (this.has(field)) throw this.fail(field, `is no longer a key: ${now}`);
    }

    /** Throws for the first field present in the config that no parser read. */
    done(): void {
        for (const k of Object.keys(this.raw)) {
            if (!this.used.has(k)) {
                const allowed = [...this.used].sort().join(", ");
                throw new ConfigError(this.key(k), `${this.key(k)} is not a known setting${allowed ? ` (known here: ${allowed})` : ""}`);
            }
        }
    }
}

/** Reads one element of a list. */
export class ItemReader {
    constructor(
        public readonly path: string,
        public readonly value: unknown,
        public readonly secret: boolean = false,
        private readonly ctx: ReaderContext = { secretPlaceholders: false, placeholders: [] },
    ) {}

    fail(message: string): ConfigError {
        return new ConfigError(this.path, `${this.path} ${message}, got ${show(this.value)}`);
    }

    string(opts?: { pattern?: RegExp; patternText?: string }): string {
        if (typeof this.value !== "string") throw this.fail("must be a string");
        if (opts?.pattern && !opts.pattern.test(this.value)) throw this.fail(`must be ${opts.patternText ?? `a string matching ${opts.pattern}`}`);
        return this.value;
    }

    /** A DNS-1123 label (`what`, e.g. "a namespace name", says what it names): the same rule as {@link ObjectReader.dnsLabel}. */
    dnsLabel(what?: string): string {
        const text = what ? `${what}, ${DNS1123_LABEL_TEXT}` : DNS1123_LABEL_TEXT;
        const v = this.string({ pattern: DNS1123_LABEL, patternText: text });
        if (v.length > 63) throw this.fail(`must be ${text}`);
        return v;
    }

    integer(opts?: Constraint): number {
        const v = this.value;
        if (typeof v !== "number" || !Number.isInteger(v)) throw this.fail(`must be ${rangeText("an integer", opts)}`);
        if ((opts?.min !== undefined && v < opts.min) || (opts?.max !== undefined && v > opts.max)) {
            throw this.fail(`must be ${rangeText("an integer", opts)}`);
        }
        return v;
    }

    object(): ObjectReader {
        if (typeof this.value !== "object" || this.value === null || Array.isArray(this.value)) throw this.fail("must be an object");
        return new ObjectReader(this.path, this.value as Record<string, unknown>, this.secret, this.ctx);
    }
}

function rangeText(kind: string, c?: Constraint & { minText?: string; maxText?: string }): string {
    const parts: string[] = [];
    if (c?.min !== undefined) parts.push(`>= ${c.minText ?? c.min}`);
    if (c?.max !== undefined) parts.push(`<= ${c.maxText ?? c.max}`);
    return parts.length ? `${kind} ${parts.join(" and ")}` : kind;
}

function checkRange(r: ObjectReader, field: string, v: number, kind: string, c?: Constraint & { minText?: string; maxText?: string }): void {
    if ((c?.min !== undefined && v < c.min) || (c?.max !== undefined && v > c.max)) {
        throw r.fail(field, `must be ${rangeText(kind, c)}`, v);
    }
}
