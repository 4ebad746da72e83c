/**
 * How the project's TypeScript commands and tests start Node:
 *   node --require ./tools/preload.cjs <file.ts>       (npm run synth / diff / test use it)
 *
 * Everything here changes how fast modules load, never what they do (the offline render's output
 * is byte-identical with and without it; `npm run bench` measures the difference):
 *
 * 1. TypeScript runs through tsx's CommonJS hooks (the project is CommonJS): no ESM loader thread.
 * 2. `.js` files under node_modules are loaded by Node itself. tsx would scan every one of them
 *    for ESM syntax (about 600 files for a render); Node 22 loads ESM `.js` through require(esm).
 *    Likewise what a file under node_modules requires is resolved by Node itself, not through
 *    tsx's resolver (TypeScript extensions and tsconfig paths are for the project's own files).
 * 3. Two dependencies of @pulumi/pulumi that the offline render and the tests never use load on
 *    first use instead of at `import "@pulumi/pulumi"`: TypeScript (9 MB, required by the
 *    closure serializer `runtime/closure/*`, used only by `pulumi.runtime.serializeFunction`) and
 *    @npmcli/arborist (about 435 modules, required by `runtime/closure/codePaths`, used only by
 *    `computeCodePaths`). They get a proxy that requires the real module at its first property
 *    access; a program that does serialize a function behaves exactly as before. The same for the
 *    parts of the SDK that only a real deployment uses: the Automation API (`pulumi.automation`),
 *    the provider server (`pulumi.provider`), gRPC with the engine's and callbacks' clients, and
 *    OpenTelemetry (about 200 modules: under the mock runtime a render never connects to an engine).
 * 4. Node's compile cache (V8 code cache), outside the work tree: $NODE_COMPILE_CACHE, else
 *    ${ITOPS_CACHE:-~/.cache/it-ops-infra}/node-compile-cache.
 * 5. Source maps are off (Node would otherwise read the .js.map file of every dependency and
 *    decode tsx's inline maps). To debug with TypeScript line numbers: ITOPS_SOURCE_MAPS=1, or
 *    node --enable-source-maps.
 * 6. Under `node --test`: a temporary store (ITOPS_RENDER_STORE) in which the run's test
 *    processes share renders of the same stack (tests/render-store.ts), removed at the end, and the
 *    server whose one worker thread makes those renders (tests/render-worker.ts).
 *
 * It uses Node's preload (--require), the CommonJS loader hooks tsx itself is built on
 * (Module._load, require.extensions) and module.enableCompileCache; nothing under node_modules
 * is changed, so it survives `npm ci`.
 */
"use strict";
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");

// --- 4. compile cache (before anything else is compiled)
if (typeof Module.enableCompileCache === "function" && !process.env.NODE_DISABLE_COMPILE_CACHE) {
    const dir = process.env.NODE_COMPILE_CACHE || path.join(process.env.ITOPS_CACHE || path.join(os.homedir(), ".cache", "it-ops-infra"), "node-compile-cache");
    try {
        Module.enableCompileCache(dir);
    } catch {
        // A read-only home only loses the cache.
    }
}

// --- 3. lazy dependencies of @pulumi/pulumi
const SDK_DIR = path.join("node_modules", "@pulumi", "pulumi") + path.sep;
const RUNTIME_DIR = SDK_DIR + "runtime" + path.sep;
const CLOSURE_DIR = RUNTIME_DIR + "closure" + path.sep;
/**
 * [request, the requiring file's path must contain, "function" for a module that is a function
 * (imported with TypeScript's __importDefault)] → loaded on first use. Each is required at the top
 * of a dependency's module but used only inside functions that an offline render (the mock
 * monitor: no engine, no gRPC connection) and the tests never call.
 */
const LAZY = [
    // the closure serializer (pulumi.runtime.serializeFunction, computeCodePaths)
    ["../../typescript-shim", CLOSURE_DIR],
    ["@npmcli/arborist", CLOSURE_DIR + "codePaths.js"],
    ["normalize-package-data", CLOSURE_DIR + "codePaths.js", "function"],
    // the Automation API (pulumi.automation: drives the CLI; execa, js-yaml, tail-file, ...)
    ["./automation", SDK_DIR + "index.js"],
    // the provider server (pulumi.provider: a provider written in TypeScript)
    ["./provider", SDK_DIR + "index.js"],
    // gRPC: the connection to the engine's monitor and the callback server (the mock monitor
    // is a plain object), and the status codes read when such a call fails
    ["@grpc/grpc-js", SDK_DIR + "errors.js"],
    ["@grpc/grpc-js", RUNTIME_DIR],
    ["../proto/engine_grpc_pb", RUNTIME_DIR + "settings.js"],
    ["../proto/resource_grpc_pb", RUNTIME_DIR + "settings.js"],
    ["../proto/callback_grpc_pb", RUNTIME_DIR + "callbacks.js"],
    // OpenTelemetry: trace context on the gRPC calls to the engine
    ["@opentelemetry/api", RUNTIME_DIR + "settings.js"],
    // glob (with minimatch, path-scurry, lru-cache, minipass): the file patterns of
    // @pulumi/kubernetes' yaml.ConfigGroup, loaded with Helm's v3 Chart
    ["glob", path.join("node_modules", "@pulumi", "kubernetes", "yaml", "yaml.js")],
];
const load = Module._load;
Module._load = function (request, parent, isMain) {
    const from = (parent && parent.filename) || "";
    for (const [req, where, kind] of LAZY) {
        if (request === req && from.includes(where)) return (kind === "function" ? lazyFunction : lazyModule)(request, parent, isMain);
    }
    return load.apply(this, arguments);
};

/** A stand-in that requires the real module at its first use and then forwards to it. */
function lazyModule(request, parent, isMain) {
    let real;
    const target = () => (real === undefined ? (real = load.call(Module, request, parent, isMain)) : real);
    return new Proxy(Object.create(null), {
        // `__esModule` keeps TypeScript's __importStar helper from copying (and so loading) it.
        get: (_, key) => (key === "__esModule" ? true : Reflect.get(target(), key)),
        has: (_, key) => key in target(),
        set: (_, key, value) => Reflect.set(target(), key, value),
        ownKeys: () => Reflect.ownKeys(target()),
        getOwnPropertyDescriptor: (_, key) => {
            const d = Reflect.getOwnPropertyDescriptor(target(), key);
            return d && { ...d, configurable: true };
        },
    });
}

/**
 * The same for a module that is a function, imported with TypeScript's __importDefault: without
 * `__esModule` it is wrapped as `{ default: <this> }`, and a call requires the real function.
 */
function lazyFunction(request, parent, isMain) {
    let real;
    const target = () => (real === undefined ? (real = load.call(Module, request, parent, isMain)) : real);
    return new Proxy(function () {}, {
        apply: (_, self, args) => Reflect.apply(target(), self, args),
        get: (_, key) => (key === "__esModule" ? undefined : Reflect.get(target(), key)),
    });
}

// --- 1. + 2. TypeScript through tsx; node_modules' .js, and what node_modules require, through Node itself
const nativeJs = Module._extensions[".js"];
const nativeResolve = Module._resolveFilename;
require("tsx/cjs");
const tsxJs = Module._extensions[".js"];
const tsxResolve = Module._resolveFilename;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
if (tsxJs !== nativeJs) {
    Module._extensions[".js"] = function (module, filename) {
        return (filename.includes(NODE_MODULES) ? nativeJs : tsxJs).call(this, module, filename);
    };
}
if (tsxResolve !== nativeResolve) {
    // A dependency requires JavaScript by Node's rules (no TypeScript extensions, no tsconfig paths).
    Module._resolveFilename = function (request, parent) {
        const from = parent && parent.filename;
        return (from && from.includes(NODE_MODULES) ? nativeResolve : tsxResolve).apply(this, arguments);
    };
}

// --- 6. `node --test`: a store for the renders its test processes share (tests/render-store.ts),
// for this run only.
if (process.execArgv.includes("--test") && !process.env.ITOPS_RENDER_STORE && require("node:worker_threads").isMainThread) {
    const fs = require("node:fs");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-renders-"));
    process.env.ITOPS_RENDER_STORE = dir;
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    // The run's render server: one worker thread renders for every test file (tests/render-worker.ts).
    require(path.join(__dirname, "..", "tests", "render-worker.ts")).serveRenders(dir);
}

// --- 5. source maps (tsx turns them on)
const debugging = process.env.ITOPS_SOURCE_MAPS === "1" || process.execArgv.includes("--enable-source-maps") || /--enable-source-maps/.test(process.env.NODE_OPTIONS || "");
if (!debugging) process.setSourceMapsEnabled(false);
