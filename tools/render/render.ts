/**
 * Runs the real program under the Pulumi SDK's mock runtime and records every resource it
 * registers: type, name, URN, parent, resource options and fully resolved inputs, with every
 * secret value replaced by "[secret]" (a secret map by its keys, each "[secret]"). No cloud, no
 * Pulumi CLI, no cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, PROJECT, StackConfig } from "../../infra/config";
import { deployStack } from "../../infra/stack";
import { allAliasUrns, createUrn, parseUrn } from "./aliases";
import { ItOpsMocks } from "./mocks";
import { PROJECT_DIR, RenderOptions, stackConfigFor, toRuntimeConfig } from "./stack-file";

/** How secrets appear in every rendered file. */
export const REDACTED = "[secret]";

export interface RenderedOptions {
    readonly protect?: boolean;
    readonly ignoreChanges?: string[];
    readonly dependsOn?: string[];
    readonly provider?: string;
    readonly deleteBeforeReplace?: boolean;
    readonly retainOnDelete?: boolean;
    readonly replaceOnChanges?: string[];
    readonly customTimeouts?: Record<string, string>;
}

export interface RenderedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    /**
     * The URN the Pulumi engine gives the resource. `urn` and `parent` are the mock runtime's, which
     * qualify a type by its parent's type only (and the stack's); the engine qualifies it by every
     * ancestor's type except the stack's (./aliases.ts).
     */
    readonly engineUrn?: string;
    /** Engine URNs Pulumi takes as this resource's former URNs (its `aliases` and those inherited from its ancestors), when it has any. */
    readonly aliases?: string[];
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    readonly options: RenderedOptions;
}

export interface Rendering {
    readonly stack: string;
    readonly config: StackConfig;
    readonly resources: RenderedResource[];
    readonly outputs: Record<string, unknown>;
    /** Required secrets absent from the stack file, rendered with placeholders. */
    readonly placeholders: readonly string[];
}

export { PROJECT_DIR, stackConfigFor };
export type { RenderOptions };

interface Recorded {
    res: pulumi.Resource;
    type: string;
    name: string;
    custom: boolean;
    props: Record<string, unknown>;
    opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

/**
 * What a secret value renders as: {@link REDACTED}, or for a secret map (a Secret's `stringData`,
 * which the Kubernetes provider marks secret as a whole) the same keys, each {@link REDACTED}, so the
 * rendered object keeps its shape (a valid Kubernetes object) and shows which keys it sets.
 */
export function redact(value: unknown): unknown {
    if (value && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.keys(value).sort().map((k) => [k, REDACTED]));
    }
    return REDACTED;
}

/** Resolves Inputs deeply; secret outputs become {@link redact}ed placeholders. */
export async function resolveDeep(value: unknown): Promise<unknown> {
    if (value === undefined || value === null) return value;
    if (pulumi.Output.isInstance(value)) {
        if (await (value as any).isSecret) return redact(await (value as any).promise());
        return resolveDeep(await (value as any).promise());
    }
    if (value instanceof Promise) return resolveDeep(await value);
    if (pulumi.Resource.isInstance(value)) return resolveDeep(value.urn);
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const r = await resolveDeep(v);
            if (r !== undefined) out[k] = r;
        }
        return out;
    }
    return value;
}

async function resolveOptions(o: Recorded["opts"]): Promise<RenderedOptions> {
    const deps = o.dependsOn ? await resolveDeep(o.dependsOn) : undefined;
    const out: RenderedOptions = {
        protect: o.protect || undefined,
        ignoreChanges: o.ignoreChanges?.length ? [...o.ignoreChanges] : undefined,
        dependsOn: deps === undefined ? undefined : ([] as string[]).concat(deps as string | string[]),
        provider: o.provider ? ((await resolveDeep(o.provider.urn)) as string) : undefined,
        deleteBeforeReplace: o.deleteBeforeReplace || undefined,
        retainOnDelete: o.retainOnDelete || undefined,
        replaceOnChanges: o.replaceOnChanges?.length ? [...o.replaceOnChanges] : undefined,
        customTimeouts: o.customTimeouts ? ((await resolveDeep(o.customTimeouts)) as Record<string, string>) : undefined,
    };
    return JSON.parse(JSON.stringify(out)) as RenderedOptions;
}

/**
 * The engine URN one alias option names: a URN as given, or a spec completed from the resource's
 * name, type, parent, project and stack (as the SDK's `collapseAliasToUrn`). `engineUrnOf` maps a
 * resource's mock URN to its engine URN (for a spec's `parent`).
 */
async function aliasUrn(
    alias: pulumi.Input<string | pulumi.Alias>,
    r: { name: string; type: string; parentUrn: string | undefined },
    project: string,
    stack: string,
    engineUrnOf: (mockUrn: string) => string,
): Promise<string> {
    const a = (await resolveDeep(alias)) as string | Record<string, unknown>;
    if (typeof a === "string") return a;
    // `alias` itself (not its resolved copy) says whether `parent` was given: rootStackResource is undefined.
    const spec = (pulumi.Output.isInstance(alias) ? await (alias as any).promise() : alias) as pulumi.Alias;
    const has = (k: keyof pulumi.Alias) => Object.prototype.hasOwnProperty.call(spec, k);
    let parentUrn = r.parentUrn;
    if (has("parent")) {
        if (spec.parent === undefined) parentUrn = undefined;
        else if (pulumi.Resource.isInstance(spec.parent)) parentUrn = engineUrnOf((await resolveDeep(spec.parent.urn)) as string);
        else parentUrn = (await resolveDeep(spec.parent)) as string;
    }
    return createUrn(
        has("name") ? String(a.name) : r.name,
        has("type") ? String(a.type) : r.type,
        parentUrn,
        has("project") ? String(a.project) : project,
        has("stack") ? String(a.stack) : stack,
    );
}

/** What a program registered under the mocks: resources in order and its resolved outputs. */
export interface Recording {
    readonly resources: RenderedResource[];
    readonly outputs: Record<string, unknown>;
    readonly mocks: ItOpsMocks;
}

/**
 * Runs `program` inside a mocked Pulumi stack and records every resource it registers.
 * Config must be set (`pulumi.runtime.setAllConfig`) before, if the program reads any.
 * Used by the offline render and by the unit tests of components.
 */
export function recordProgram(program: () => unknown, stack = "test"): Promise<Recording> {
    return oneAtATime(() => record(program, stack));
}

/**
 * The SDK's runtime (config, mocks, the stack resource) is global to the process: two renders
 * that overlapped would read each other's config. Renders in one process therefore run one at
 * a time, in the order they were asked for.
 */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(() => withoutStackTraces(fn), () => withoutStackTraces(fn));
    queue = run.catch(() => undefined);
    return run;
}

/**
 * Whether renders keep stack traces: the SDK captures one for every promise it creates (for its
 * leak report, printed only with PULUMI_DEBUG_PROMISE_LEAKS), which is a quarter of a render's CPU.
 * Debugging (ITOPS_SOURCE_MAPS=1, PULUMI_DEBUG_PROMISE_LEAKS) keeps them; errors keep their messages either way.
 */
const KEEP_STACK_TRACES = process.env.ITOPS_SOURCE_MAPS === "1" || !!process.env.PULUMI_DEBUG_PROMISE_LEAKS;

/** Runs one render with `Error.stackTraceLimit` 0 (then restores it), unless debugging. */
async function withoutStackTraces<T>(fn: () => Promise<T>): Promise<T> {
    if (KEEP_STACK_TRACES) return fn();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return await fn();
    } finally {
        Error.stackTraceLimit = limit;
    }
}

async function record(program: () => unknown, stack: string): Promise<Recording> {
    const mocks = new ItOpsMocks();
    await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
    const records: Recorded[] = [];
    let stackResource: pulumi.Resource | undefined;
    let outputs: unknown;
    await pulumi.runtime.runInPulumiStack(async () => {
        stackResource = pulumi.runtime.getStackResource();
        pulumi.runtime.registerStackTransformation((a) => {
            records.push({ res: a.resource, type: a.type, name: a.name, custom: a.resource instanceof pulumi.CustomResource, props: a.props, opts: a.opts as Recorded["opts"] });
            return undefined;
        });
        // Keep the program's own outputs: the SDK's resolved copy has its secrets unwrapped.
        outputs = program();
        return outputs as Record<string, unknown>;
    });
    // Wait until every registration has been answered (the SDK's own drain, as at disconnect).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();

    const stackUrn = stackResource ? ((await resolveDeep(stackResource.urn)) as string) : undefined;
    const resources: RenderedResource[] = [];
    // Per mock URN, in registration order (a parent registers before its children): engine URN,
    // alias URNs and name. The stack is no resource's engine parent.
    const engine = new Map<string, { urn: string; aliases: string[]; name: string }>();
    const engineUrnOf = (mockUrn: string) => {
        const e = engine.get(mockUrn);
        if (!e) throw new Error(`render: ${mockUrn} is used before it is registered`);
        return e.urn;
    };
    for (const r of records) {
        const urn = (await resolveDeep(r.res.urn)) as string;
        const parent = r.opts.parent ? ((await resolveDeep(r.opts.parent.urn)) as string) : stackUrn;
        const { project, stack: stackName } = parseUrn(urn);
        const engineParent = parent === undefined || parent === stackUrn ? undefined : engine.get(parent);
        const engineUrn = createUrn(r.name, r.type, engineParent?.urn, project, stackName);
        const own = await Promise.all((r.opts.aliases ?? []).map((a) => aliasUrn(a, { name: r.name, type: r.type, parentUrn: engineParent?.urn }, project, stackName, engineUrnOf)));
        const aliases = allAliasUrns({ urn: engineUrn, name: r.name, type: r.type, parentName: engineParent?.name ?? "", own, parentAliases: engineParent?.aliases ?? [] });
        engine.set(urn, { urn: engineUrn, aliases, name: r.name });
        resources.push({
            urn,
            type: r.type,
            name: r.name,
            parent,
            engineUrn,
            ...(aliases.length ? { aliases } : {}),
            custom: r.custom,
            inputs: ((await resolveDeep(r.props)) ?? {}) as Record<string, unknown>,
            options: await resolveOptions(r.opts),
        });
    }
    return { resources, outputs: ((await resolveDeep(outputs ?? {})) ?? {}) as Record<string, unknown>, mocks };
}

/** Renders one stack of the program with its stack file (and overrides) in this process. */
export function renderStack(opts: RenderOptions): Promise<Rendering> {
    return oneAtATime(() => render(opts));
}

async function render(opts: RenderOptions): Promise<Rendering> {
    const raw = stackConfigFor(opts);
    pulumi.runtime.setAllConfig(toRuntimeConfig(raw), [...raw.secretKeys]);
    await pulumi.runtime.setMocks(new ItOpsMocks(), PROJECT, opts.stack, false);

    // Validate every config value before a single resource is registered.
    const placeholders: string[] = [];
    const config = loadConfig({ secretPlaceholders: true, placeholdersOut: placeholders });
    const recording = await record(() => deployStack(config), opts.stack);
    return { stack: opts.stack, config, resources: recording.resources, outputs: recording.outputs, placeholders };
}
