/**
 * The tests' renders of whole stacks run in a worker thread of the test process, not on its main
 * thread.
 *
 * Why: `node:test` enables an async hook on the main thread of every test file (it maps each
 * async resource to the test that created it, and forgets it in a destroy hook). With a destroy
 * hook enabled, V8 registers a destroy callback for every promise, and a render creates some
 * hundred thousand (the SDK's Outputs): measured on tests/migration-stack.test.ts, the hook, its
 * destroy callbacks and the garbage they leave were about two thirds of the file's CPU. A worker
 * thread has its own isolate, without the hook. It runs the same code (tools/render/render.ts'
 * renderStack) with the same preload, and hands back exactly what the run's render store keeps
 * (./render-store.ts): the JSON of the resources, outputs and placeholder keys; the config is
 * parsed again on this side by the same pure parser.
 *
 * The worker starts at a test file's first render and keeps the process alive only while a render
 * is pending (unref'd otherwise), so the runner still exits as soon as the last test ends; a render
 * that fails rejects with the worker's error (a ConfigError stays a ConfigError, key and message).
 */
import * as path from "node:path";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import type { RenderOptions } from "../tools/render/stack-file";

/** What the worker answers: the JSON of a render, or its error. */
type Reply =
    | { readonly id: number; readonly json: string }
    | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly key?: string; readonly stack?: string } };

interface Request {
    readonly id: number;
    readonly opts: RenderOptions;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (json: string) => void; reject: (e: Error) => void }>();

function start(): Worker {
    const preload = path.join(__dirname, "..", "tools", "preload.cjs");
    // The preload (TypeScript through tsx, the lazy SDK dependencies) is per thread; require it first.
    const w = new Worker(`require(${JSON.stringify(preload)}); require(${JSON.stringify(__filename)});`, { eval: true });
    w.unref();
    w.on("message", (reply: Reply) => {
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        if (pending.size === 0) w.unref();
        if ("json" in reply) p.resolve(reply.json);
        else p.reject(toError(reply.error));
    });
    const fail = (e: Error) => {
        if (worker === w) worker = undefined;
        for (const [id, p] of pending) {
            pending.delete(id);
            p.reject(e);
        }
    };
    w.on("error", fail);
    w.on("exit", (code) => fail(new Error(`the render worker exited (code ${code})`)));
    return w;
}

function toError(e: { name: string; message: string; key?: string; stack?: string }): Error {
    let error: Error;
    if (e.name === "ConfigError" && e.key !== undefined) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { ConfigError } = require("../infra/config") as typeof import("../infra/config");
        error = new ConfigError(e.key, e.message);
    } else {
        error = new Error(e.message);
        error.name = e.name;
    }
    if (e.stack) error.stack = e.stack;
    return error;
}

/** Renders `opts` in the worker: the JSON of the resources, outputs and placeholder keys. */
export function renderJsonInWorker(opts: RenderOptions): Promise<string> {
    worker ??= start();
    const w = worker;
    const id = nextId++;
    return new Promise<string>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, opts } satisfies Request);
    });
}

// --- the worker's side
if (!isMainThread && parentPort) {
    const port = parentPort;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderStack } = require("../tools/render/render") as typeof import("../tools/render/render");
    port.on("message", ({ id, opts }: Request) => {
        renderStack(opts).then(
            (r) => port.postMessage({ id, json: JSON.stringify({ resources: r.resources, outputs: r.outputs, placeholders: r.placeholders }) } satisfies Reply),
            (e: Error & { key?: unknown }) =>
                port.postMessage({
                    id,
                    error: { name: e?.name ?? "Error", message: e?.message ?? String(e), key: typeof e?.key === "string" ? e.key : undefined, stack: e?.stack },
                } satisfies Reply),
        );
    });
}
