/**
 * The tests' renders of whole stacks run in a worker thread, not on a test file's main thread; under
 * `node --test`, one worker thread in the test runner's process renders for every test file.
 *
 * Why a worker: `node:test` enables an async hook on the main thread of every test file (it maps each
 * async resource to the test that created it, and forgets it in a destroy hook). With a destroy
 * hook enabled, V8 registers a destroy callback for every promise, and a render creates some
 * 450,000 (the SDK's Outputs): measured on tests/migration-stack.test.ts, the hook, its destroy
 * callbacks and the garbage they leave were about two thirds of the file's CPU. A worker thread has
 * its own isolate, without the hook. It runs the same code (tools/render/render.ts' renderStack)
 * with the same preload, and hands back exactly what the run's render store keeps
 * (./render-store.ts): the JSON of the resources, outputs and placeholder keys; the config is
 * parsed again on the test's side by the same pure parser.
 *
 * Why one for the run: a worker loads the program and its providers' SDKs (about a third of a second
 * of CPU) and renders slowly until its code is optimised. tools/preload.cjs, in the test runner's
 * process, calls {@link serveRenders}: a server on a Unix socket in the run's render store, whose one
 * worker renders what the test processes ask for (each stack and overrides once; a second request for
 * the same render, even while it runs, gets the same answer). A test process asks it through
 * {@link renderJson}; without the server (a test file run without `node --test`), it starts a worker of
 * its own.
 *
 * Nothing keeps a process alive: a worker and the server are unref'd while no render is pending, so
 * the runner still exits as soon as the last test ends. A render that fails rejects with the render's
 * error (a ConfigError stays a ConfigError: key and message).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import type { RenderOptions } from "../tools/render/stack-file";

/** A render's error, as it crosses threads and processes. */
interface ErrorData {
    readonly name: string;
    readonly message: string;
    readonly key?: string;
    readonly stack?: string;
}

/** What the worker (and the server) answer: the JSON of a render, or its error. */
type Answer = { readonly json: string } | { readonly error: ErrorData };

interface Request {
    readonly id: number;
    readonly opts: RenderOptions;
}

/** The socket of the run's render server, in its render store (a name short enough for a Unix socket). */
export function serverSocket(storeDir: string): string {
    return path.join(storeDir, "render.sock");
}

/** The JSON of the resources, outputs and placeholder keys of a render: from the run's server, else from a worker of this process. */
export async function renderJson(opts: RenderOptions): Promise<string> {
    const store = process.env.ITOPS_RENDER_STORE;
    const socket = store && serverSocket(store);
    const answer = socket && fs.existsSync(socket) ? await askServer(socket, opts) : await askWorker(opts);
    if ("json" in answer) return answer.json;
    throw toError(answer.error);
}

// --- the worker, from the thread that owns it

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();

function start(): Worker {
    const preload = path.join(__dirname, "..", "tools", "preload.cjs");
    // The preload (TypeScript through tsx, the lazy SDK dependencies) is per thread; require it first.
    const w = new Worker(`require(${JSON.stringify(preload)}); require(${JSON.stringify(__filename)});`, { eval: true });
    w.unref();
    w.on("message", (reply: Answer & { id: number }) => {
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        if (pending.size === 0) w.unref();
        p.resolve(reply);
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

function askWorker(opts: RenderOptions): Promise<Answer> {
    worker ??= start();
    const w = worker;
    const id = nextId++;
    return new Promise<Answer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        w.postMessage({ id, opts } satisfies Request);
    });
}

function toError(e: ErrorData): Error {
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

// --- the run's server (in the test runner's process) and its clients (the test processes)

/**
 * Serves renders on {@link serverSocket}(storeDir), one newline-terminated JSON request
 * (`{"opts": ...}`) per connection, answered with one JSON line ({@link Answer}) before the server
 * ends the connection. Called by tools/preload.cjs in the `node --test` runner.
 */
export function serveRenders(storeDir: string): void {
    const answers = new Map<string, Promise<Answer>>();
    const answer = (opts: RenderOptions): Promise<Answer> => {
        // Keyed like the render store: the stack, the overrides and the config file's content.
        const file = opts.configFile && fs.existsSync(opts.configFile) ? fs.readFileSync(opts.configFile, "utf8") : null;
        const key = crypto.createHash("sha256").update(JSON.stringify([opts.stack, opts.sets ?? [], opts.configFile ?? null, file])).digest("hex");
        let a = answers.get(key);
        if (!a) {
            a = askWorker(opts).catch((e: Error) => {
                answers.delete(key); // the worker died: a later request starts a new one
                return { error: { name: e.name, message: e.message, stack: e.stack } };
            });
            answers.set(key, a);
        }
        return a;
    };
    const server = net.createServer((conn) => {
        let buf = "";
        conn.setEncoding("utf8");
        conn.on("error", () => conn.destroy());
        conn.on("data", (d: string) => {
            buf += d;
            const nl = buf.indexOf("\n");
            if (nl < 0) return;
            let opts: RenderOptions;
            try {
                opts = (JSON.parse(buf.slice(0, nl)) as { opts: RenderOptions }).opts;
            } catch (e) {
                conn.end(`${JSON.stringify({ error: { name: "Error", message: `bad render request: ${(e as Error).message}` } })}\n`);
                return;
            }
            // (While a render is pending, the worker and this connection keep the runner alive.)
            void answer(opts).then((a) => conn.end(`${JSON.stringify(a)}\n`));
        });
    });
    // Should the socket not be possible (e.g. a path too long for one), there is no server: each
    // test process then renders in a worker of its own.
    server.on("error", () => server.close());
    server.listen(serverSocket(storeDir));
    server.unref();
}

function askServer(socket: string, opts: RenderOptions): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
        const conn = net.createConnection(socket);
        let buf = "";
        conn.setEncoding("utf8");
        conn.on("connect", () => conn.write(`${JSON.stringify({ opts })}\n`));
        conn.on("data", (d: string) => (buf += d));
        conn.on("error", reject);
        conn.on("end", () => {
            try {
                resolve(JSON.parse(buf) as Answer);
            } catch {
                reject(new Error(`the render server answered ${JSON.stringify(buf.slice(0, 200))}`));
            }
        });
    });
}

// --- the worker's side
if (!isMainThread && parentPort) {
    const port = parentPort;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderStack } = require("../tools/render/render") as typeof import("../tools/render/render");
    port.on("message", ({ id, opts }: Request) => {
        renderStack(opts).then(
            (r) => port.postMessage({ id, json: JSON.stringify({ resources: r.resources, outputs: r.outputs, placeholders: r.placeholders }) }),
            (e: Error & { key?: unknown }) =>
                port.postMessage({
                    id,
                    error: { name: e?.name ?? "Error", message: e?.message ?? String(e), key: typeof e?.key === "string" ? e.key : undefined, stack: e?.stack },
                }),
        );
    });
}
