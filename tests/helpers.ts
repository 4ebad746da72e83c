/**
 * Shared test helpers: in-process renders of the real program (Pulumi mock runtime), the synth
 * CLI as a subprocess and its exit-2 paths in process, and look-ups over rendered resources.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nodeArgs } from "../tools/render/cli";
import type { Recording, Rendering, RenderedResource } from "../tools/render/render";

// The program (and with it the providers' SDKs) loads when a test first renders or records:
// a test file that needs only the paths and tools below does not pay for it.
/* eslint-disable @typescript-eslint/no-require-imports */
const program = () => require("../tools/render/render") as typeof import("../tools/render/render");
const store = () => require("./render-store") as typeof import("./render-store");
const worker = () => require("./render-worker") as typeof import("./render-worker");
const synthCommand = () => require("../tools/render/synth") as typeof import("../tools/render/synth");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The repository root (where Pulumi.yaml is). */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** How `npm run synth` and the other TypeScript commands start node (tools/preload.cjs). */
export const NODE_ARGS: readonly string[] = nodeArgs(PROJECT_DIR);

const renders = new Map<string, Promise<Rendering>>();

/**
 * Renders a stack (with `--set` style overrides) in a worker thread (./render-worker: without
 * node:test's async hook; under `node --test`, the run's one worker in the runner's process); cached
 * per arguments, and shared with the other test processes of the same run (./render-store).
 */
export function render(stack: string, sets: string[] = [], configFile?: string): Promise<Rendering> {
    const key = JSON.stringify([stack, sets, configFile]);
    if (!renders.has(key)) renders.set(key, store().storedRender(stack, sets, configFile, () => worker().renderJson({ stack, sets, configFile })));
    return renders.get(key)!;
}

/** Runs `program` under the mocks and records what it registers. */
export function record(run: () => unknown, stack = "test"): Promise<Recording> {
    return program().recordProgram(run, stack);
}

/** Resources of a type (and name, when given). */
export function all(r: { resources: RenderedResource[] }, type: string, name?: string): RenderedResource[] {
    return r.resources.filter((x) => x.type === type && (name === undefined || x.name === name));
}

/** The one resource of a type (and name); fails the test when there is not exactly one. */
export function one(r: { resources: RenderedResource[] }, type: string, name?: string): RenderedResource {
    const found = all(r, type, name);
    assert.equal(found.length, 1, `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
}

/** Kubernetes objects by kind (and metadata.name). */
export function manifests(r: { resources: RenderedResource[] }, kind: string, name?: string): Record<string, any>[] {
    return r.resources
        .filter((x) => x.type.startsWith("kubernetes:") && x.inputs.kind === kind && !x.type.endsWith("Patch"))
        .map((x) => x.inputs as Record<string, any>)
        .filter((m) => name === undefined || m.metadata?.name === name);
}

export interface CliResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly out: string;
}

/** Runs `npm run synth -- <args>` (as the node command it is) with a fresh --out directory. */
export function synthCli(args: string[], opts: { out?: string } = {}): CliResult {
    const out = opts.out ?? fs.mkdtempSync(path.join(os.tmpdir(), "itops-synth-"));
    const p = spawnSync(process.execPath, [...NODE_ARGS, path.join(PROJECT_DIR, "tools", "render", "synth.ts"), ...args, "--out", out], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        timeout: 120_000,
    });
    return { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr, out };
}

/**
 * The synth command's exit-2 paths, in this process: `synth()` of tools/render/synth.ts (what
 * `npm run synth` runs) with its output captured and a fresh --out directory. For arguments or
 * config it rejects: those are found before anything is rendered, so no runtime state is touched.
 */
export async function synthInProcess(args: string[]): Promise<CliResult> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "itops-synth-"));
    let stdout = "";
    let stderr = "";
    const code = await synthCommand().synth([...args, "--out", out], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr, out };
}

/**
 * Asynchronous variant, so several CLI runs can go in parallel. Under `node --test`, the run's test
 * processes share the result of the same command (same arguments, no --config file) through the
 * run's render store, as they share renders (./render-store): its exit code, output and --out
 * directory, which the tests only read.
 */
export async function synthCliAsync(args: string[]): Promise<CliResult> {
    const store = process.env.ITOPS_RENDER_STORE;
    if (!store || !fs.existsSync(store) || args.includes("--config")) return runSynthCli(args);
    const file = path.join(store, `cli-${crypto.createHash("sha256").update(JSON.stringify(args)).digest("hex")}.json`);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as CliResult;
    const r = await runSynthCli(args);
    // Written whole, then renamed: a concurrent reader sees all of it or nothing.
    fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(r));
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
    return r;
}

function runSynthCli(args: string[]): Promise<CliResult> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "itops-synth-"));
    const { spawn } = require("node:child_process") as typeof import("node:child_process");
    return new Promise((resolve) => {
        const p = spawn(process.execPath, [...NODE_ARGS, path.join(PROJECT_DIR, "tools", "render", "synth.ts"), ...args, "--out", out], { cwd: PROJECT_DIR });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, out }));
    });
}

/** Runs async jobs with at most `limit` at a time. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** Whether a command is on PATH. */
export function hasCommand(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
