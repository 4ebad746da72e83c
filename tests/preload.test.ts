/**
 * tools/preload.cjs (how npm run synth / diff / test start node) changes how fast modules load,
 * never what the program does: TypeScript and @npmcli/arborist are not loaded by
 * `import "@pulumi/pulumi"` but still work when the SDK needs them; the compile cache is on and
 * source maps are off unless asked for; a render is byte-identical with and without it.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { NODE_ARGS, PROJECT_DIR, synthCliAsync } from "./helpers";

const PRELOAD = path.join(PROJECT_DIR, "tools", "preload.cjs");

/** Runs node with the given arguments in the project directory; fails the test unless it exits 0. */
function node(args: string[], env: NodeJS.ProcessEnv = {}) {
    const p = spawnSync(process.execPath, args, { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });
    assert.equal(p.status, 0, p.stdout + p.stderr);
    return p.stdout;
}

const LOADED = `
const loaded = (re) => Object.keys(require.cache).some((f) => re.test(f.split(require("path").sep).join("/")));
const report = () => ({ typescript: loaded(/\\/node_modules\\/typescript\\//), arborist: loaded(/\\/node_modules\\/@npmcli\\/arborist\\//) });
`;

/** Which of the modules the preload defers a stock start (no preload) loads with the SDK (and Helm's Chart): one process for the tests below. */
const STOCK_PROBE = `
const loaded = (re) => Object.keys(require.cache).some((f) => re.test(f.split(require("path").sep).join("/")));
require("@pulumi/pulumi");
void require("@pulumi/kubernetes").helm.v3.Chart;
process.stdout.write(JSON.stringify({
    typescript: loaded(/\\/node_modules\\/typescript\\//),
    arborist: loaded(/\\/node_modules\\/@npmcli\\/arborist\\//),
    automation: loaded(/\\/@pulumi\\/pulumi\\/automation\\//),
    provider: loaded(/\\/@pulumi\\/pulumi\\/provider\\//),
    grpc: loaded(/\\/node_modules\\/@grpc\\/grpc-js\\//),
    opentelemetry: loaded(/\\/node_modules\\/@opentelemetry\\/api\\//),
    normalizePackageData: loaded(/\\/node_modules\\/normalize-package-data\\//),
    glob: loaded(/\\/node_modules\\/glob\\//),
}));
`;
let stockReport: Record<string, boolean> | undefined;
const stock = (...keys: string[]): Record<string, boolean> => {
    stockReport ??= JSON.parse(node(["-e", STOCK_PROBE])) as Record<string, boolean>;
    return Object.fromEntries(keys.map((k) => [k, stockReport![k]]));
};

describe("tools/preload.cjs", () => {
    it("is what the project's commands start with", () => {
        assert.deepEqual(NODE_ARGS, ["--require", PRELOAD]);
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
        for (const s of ["synth", "diff", "test", "bench"]) assert.match(pkg.scripts[s], /node (--max-semi-space-size=\d+ )?--require \.\/tools\/preload\.cjs /, s);
    });

    it("import @pulumi/pulumi loads neither TypeScript nor @npmcli/arborist; the SDK still gets them on first use", () => {
        // node -e code resolves modules from the working directory, the project.
        const probe = `${LOADED}
const pulumi = require("@pulumi/pulumi");
(async () => {
    const atImport = report();
    const text = (await pulumi.runtime.serializeFunction(() => 41 + 1)).text;
    const afterSerialize = report();
    const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["yaml"] });
    process.stdout.write(JSON.stringify({ atImport, afterSerialize, serialized: text.includes("41 + 1"), yaml: [...paths.keys()].some((k) => k.includes("node_modules/yaml")), after: report() }));
})();
`;
        const r = JSON.parse(node(["--require", PRELOAD, "-e", probe]));
        assert.deepEqual(r.atImport, { typescript: false, arborist: false });
        assert.equal(r.afterSerialize.typescript, true, "serializeFunction loads TypeScript");
        assert.equal(r.serialized, true);
        assert.equal(r.yaml, true, "computeCodePaths found the yaml package");
        assert.deepEqual(r.after, { typescript: true, arborist: true });
        // Without the preload the SDK loads both at import: what the preload saves.
        assert.deepEqual(stock("typescript", "arborist"), { typescript: true, arborist: true });
    });

    it("import @pulumi/pulumi loads neither the Automation API, the provider server, gRPC, OpenTelemetry nor normalize-package-data, nor Helm's Chart glob; each still works on first use", () => {
        const probe = `
const loaded = (re) => Object.keys(require.cache).some((f) => re.test(f.split(require("path").sep).join("/")));
const report = () => ({
    automation: loaded(/\\/@pulumi\\/pulumi\\/automation\\//),
    provider: loaded(/\\/@pulumi\\/pulumi\\/provider\\//),
    grpc: loaded(/\\/node_modules\\/@grpc\\/grpc-js\\//),
    opentelemetry: loaded(/\\/node_modules\\/@opentelemetry\\/api\\//),
    normalizePackageData: loaded(/\\/node_modules\\/normalize-package-data\\//),
    glob: loaded(/\\/node_modules\\/glob\\//),
});
const pulumi = require("@pulumi/pulumi");
void require("@pulumi/kubernetes").helm.v3.Chart;
const atImport = report();
// A real engine connection: the monitor's gRPC client (settings.js' gRPC and resource_grpc_pb).
pulumi.runtime.resetOptions("p", "s", -1, "", "127.0.0.1:1", false, "");
const monitor = pulumi.runtime.getMonitor();
const client = typeof monitor.registerResource === "function" && typeof monitor.close === "function";
monitor.close();
const afterMonitor = report();
const api = { localWorkspace: typeof pulumi.automation.LocalWorkspace, providerMain: typeof pulumi.provider.main, unavailable: require("@grpc/grpc-js").status.UNAVAILABLE };
process.stdout.write(JSON.stringify({ atImport, client, afterMonitor, api, after: report() }));
`;
        const none = { automation: false, provider: false, grpc: false, opentelemetry: false, normalizePackageData: false, glob: false };
        const r = JSON.parse(node(["--require", PRELOAD, "-e", probe]));
        assert.deepEqual(r.atImport, none);
        assert.equal(r.client, true, "getMonitor() returns a gRPC ResourceMonitorClient");
        assert.equal(r.afterMonitor.grpc, true, "the monitor client loads gRPC");
        assert.deepEqual(r.api, { localWorkspace: "function", providerMain: "function", unavailable: 14 });
        assert.deepEqual(r.after, { ...none, automation: true, provider: true, grpc: true });
        // (normalize-package-data on first use: computeCodePaths in the test above.)
        // Without the preload they are all loaded at import: what the preload saves.
        assert.deepEqual(stock(...Object.keys(none)), { automation: true, provider: true, grpc: true, opentelemetry: true, normalizePackageData: true, glob: true });
    });

    it("turns the compile cache on (outside the work tree) and source maps off, unless ITOPS_SOURCE_MAPS=1", () => {
        const probe = "process.stdout.write(JSON.stringify({ cache: require('node:module').getCompileCacheDir?.(), maps: process.sourceMapsEnabled }))";
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "itops-cc-"));
        const off = JSON.parse(node(["--require", PRELOAD, "-e", probe], { ITOPS_CACHE: cache, NODE_COMPILE_CACHE: "" }));
        assert.equal(off.maps, false);
        assert.ok(String(off.cache).startsWith(path.join(cache, "node-compile-cache")), String(off.cache));
        const on = JSON.parse(node(["--require", PRELOAD, "-e", probe], { ITOPS_SOURCE_MAPS: "1" }));
        assert.equal(on.maps, true);
    });

    it("renders byte for byte what a stock start renders (local stack)", async () => {
        const files = (dir: string): Record<string, string> => {
            const out: Record<string, string> = {};
            for (const d of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
                if (d.isFile()) out[path.relative(dir, path.join(d.parentPath, d.name))] = fs.readFileSync(path.join(d.parentPath, d.name), "utf8");
            }
            return out;
        };
        const render = (start: string[]) => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "itops-preload-render-"));
            node([...start, path.join(PROJECT_DIR, "tools", "render", "synth.ts"), "--stack", "local", "--quiet", "--out", out]);
            return files(out);
        };
        // With the preload: `npm run synth -- --stack local --quiet` as helpers run it (NODE_ARGS, checked
        // above), whose result the run's test processes share.
        const cli = await synthCliAsync(["--stack", "local", "--quiet"]);
        assert.equal(cli.code, 0, cli.stderr);
        const withPreload = files(cli.out);
        assert.ok(Object.keys(withPreload).length > 5, Object.keys(withPreload).join());
        assert.deepEqual(withPreload, render(["--import", "tsx"]));
    });
});
