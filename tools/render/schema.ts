/**
 * Schema validation of rendered Kubernetes objects against the upstream schemas, generic by
 * apiVersion/kind: the Kubernetes OpenAPI schema (`kubernetes-models`), the Prometheus Operator
 * CRDs (`@kubernetes-models/prometheus-operator`) and the Gateway API CRDs
 * (`@kubernetes-models/gateway-api`). Every model class of those packages registers itself by
 * its `apiVersion` + `kind`, so objects added later validate without changes here; an object of
 * a kind none of them knows is a failure, never a silent pass.
 *
 * The model packages are ES modules only, hence the asynchronous {@link loadSchemaValidator}.
 */

/** A model class of the `kubernetes-models` family. */
interface ModelClass {
    readonly apiVersion: string;
    readonly kind: string;
    new (data: Record<string, unknown>): { validate(): void };
}

/** The schema packages, in the order their kinds are registered. */
export const SCHEMA_PACKAGES = ["kubernetes-models", "@kubernetes-models/prometheus-operator", "@kubernetes-models/gateway-api"] as const;

export interface ValidateOptions {
    /**
     * The object is a server-side-apply patch (`...Patch` resource types): only part of an
     * object, so required fields may be missing. Its kind must still be known and its metadata
     * name a string; the body is not checked against the full schema.
     */
    readonly patch?: boolean;
}

/** The outcome of validating one object. */
export interface SchemaResult {
    /** `apiVersion/kind namespace/name`. */
    readonly object: string;
    /** Empty when valid. */
    readonly problems: string[];
    /** How it was checked: against the full schema, as a patch, or not at all (unknown kind). */
    readonly checked: "schema" | "patch" | "unknown-kind";
}

/** Collects every model class (static apiVersion + kind) reachable from a module namespace. */
function collect(mod: unknown, into: Map<string, ModelClass>, depth = 0): void {
    if (!mod || depth > 4) return;
    for (const v of Object.values(mod as Record<string, unknown>)) {
        if (typeof v === "function") {
            const c = v as unknown as Partial<ModelClass>;
            if (typeof c.apiVersion === "string" && typeof c.kind === "string") into.set(`${c.apiVersion}/${c.kind}`, v as unknown as ModelClass);
        } else if (v && typeof v === "object") {
            collect(v, into, depth + 1);
        }
    }
}

/** Validates Kubernetes objects against the upstream schemas. */
export class SchemaValidator {
    constructor(private readonly models: ReadonlyMap<string, ModelClass>) {}

    /** Every `apiVersion/kind` the validator knows. */
    kinds(): string[] {
        return [...this.models.keys()].sort();
    }

    /** Whether `apiVersion/kind` has a schema. */
    knows(apiVersion: string, kind: string): boolean {
        return this.models.has(`${apiVersion}/${kind}`);
    }

    validate(obj: Record<string, any>, opts: ValidateOptions = {}): SchemaResult {
        const apiVersion = obj?.apiVersion;
        const kind = obj?.kind;
        const meta = obj?.metadata ?? {};
        const object = `${apiVersion}/${kind} ${meta.namespace ? `${meta.namespace}/` : ""}${meta.name ?? "(no name)"}`;
        if (typeof apiVersion !== "string" || typeof kind !== "string") {
            return { object, problems: ["apiVersion and kind must be strings"], checked: "unknown-kind" };
        }
        const model = this.models.get(`${apiVersion}/${kind}`);
        if (!model) {
            return { object, problems: [`no schema for ${apiVersion}/${kind} in ${SCHEMA_PACKAGES.join(", ")}: add the CRD's schema package or fix apiVersion/kind`], checked: "unknown-kind" };
        }
        if (opts.patch) {
            const problems = typeof meta.name === "string" && meta.name !== "" ? [] : ["a patch must name the object it patches (metadata.name)"];
            return { object, problems, checked: "patch" };
        }
        try {
            new model(obj).validate();
            return { object, problems: [], checked: "schema" };
        } catch (e) {
            const err = e as { errors?: { instancePath?: string; message?: string }[]; message: string };
            const problems = err.errors?.length ? err.errors.map((x) => `${x.instancePath || "/"} ${x.message ?? ""}`.trim()) : [err.message];
            return { object, problems, checked: "schema" };
        }
    }
}

let loaded: Promise<SchemaValidator> | undefined;

/** Loads the schema packages once (they are ES modules) and returns the validator. */
export function loadSchemaValidator(): Promise<SchemaValidator> {
    loaded ??= (async () => {
        const models = new Map<string, ModelClass>();
        // Literal specifiers, so that the packages are real dependencies of this module.
        collect(await import("kubernetes-models"), models);
        collect(await import("@kubernetes-models/prometheus-operator"), models);
        collect(await import("@kubernetes-models/gateway-api"), models);
        return new SchemaValidator(models);
    })();
    return loaded;
}
