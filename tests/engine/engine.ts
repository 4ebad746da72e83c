/**
 * The real Pulumi engine for `npm run test:engine`: the CLI, the Node.js language host and the
 * Kubernetes provider that tools/build-engine.sh builds into the cache (outside the work tree), a
 * file backend and the passphrase secrets provider, PULUMI_HOME in a temp dir, no update check and
 * no automatic plugin downloads. A scratch copy of the project (stack files copied, code linked) keeps
 * every stack the tests create, and the `encryptionsalt` the CLI writes, out of the work tree.
 */
import { spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../../infra/config";
import { readStackFile, toRuntimeConfig } from "../../tools/render/stack-file";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The cache tools/build-engine.sh writes to (keep in sync with its BIN_DIR). */
export function engineBinDir(): string {
    return process.env.ITOPS_TOOLS_BIN ?? path.join(process.env.ITOPS_CACHE ?? path.join(os.homedir(), ".cache", "it-ops-infra"), "engine", "bin");
}

export const ENGINE_PIECES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"] as const;

/**
 * A released Pulumi CLI to use instead of the cache (`ITOPS_PULUMI_CLI`, e.g. in .github/workflows/e2e.yml):
 * its bundled language host is next to it, and the kubernetes plugin is installed in its PULUMI_HOME.
 */
export function releasedCli(): string | undefined {
    return process.env.ITOPS_PULUMI_CLI || undefined;
}

/** The `pulumi` binary the tests run. */
export function pulumiBinary(): string {
    return releasedCli() ?? path.join(engineBinDir(), "pulumi");
}

/** The pieces missing, each with why (empty when the engine can run). */
export function missingPieces(): string[] {
    const released = releasedCli();
    if (released) return fs.existsSync(released) ? [] : [`pulumi (ITOPS_PULUMI_CLI=${released} does not exist)`];
    const dir = engineBinDir();
    return ENGINE_PIECES.filter((p) => !fs.existsSync(path.join(dir, p))).map((p) => `${p} (not in ${dir}; build it with tools/build-engine.sh)`);
}

/** The version of an npm package of the project (node_modules/<name>/package.json). */
export function npmVersion(name: string): string {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/** Prints a loud SKIP line (the runner also shows `# SKIP`) and skips the test. */
export function loudSkip(t: { skip: (m: string) => void }, reason: string): void {
    process.stdout.write(`\n*** SKIP: ${reason}\n\n`);
    t.skip(reason);
}

export interface Workspace {
    /** The scratch project directory (Pulumi.yaml + stack files copied, code and node_modules linked). */
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;
    /** Runs `pulumi <args>` in the scratch project; never throws. */
    pulumi(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): SpawnSyncReturns<string>;
    /** The same, without blocking the event loop (for tests that must act while the engine waits). */
    pulumiAsync(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }>;
    /** Removes the scratch directory and the backend. */
    dispose(): void;
    /** Links the scratch project to the code of `source` instead (e.g. from an older commit's checkout to this tree's), and copies its Pulumi.yaml. */
    relink(source: string): void;
}

/** Code the program needs, linked into the scratch project. */
const LINKED = ["infra", "components", "policy", "scripts", "node_modules", "package.json", "tsconfig.json"];

/** Points the scratch project `dir` at the code of `source` (node_modules always this tree's) and copies its Pulumi.yaml. */
function linkCode(dir: string, source: string): void {
    fs.copyFileSync(path.join(source, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const f of LINKED) {
        fs.rmSync(path.join(dir, f), { force: true });
        const from = f === "node_modules" ? path.join(PROJECT_DIR, f) : path.join(source, f);
        if (fs.existsSync(from)) fs.symlinkSync(from, path.join(dir, f));
    }
}

/**
 * A scratch project with its own file backend and PULUMI_HOME; `pulumi login file://…` done. Its
 * code is this tree's, or that of the checkout in `source` (with this tree's node_modules).
 */
export function workspace(source = PROJECT_DIR): Workspace {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "itops-engine-"));
    const dir = path.join(root, "project");
    const backend = path.join(root, "state");
    const home = path.join(root, "pulumi-home");
    for (const d of [dir, backend, home]) fs.mkdirSync(d, { recursive: true });
    for (const f of fs.readdirSync(source)) {
        if (/^Pulumi(\..+)?\.yaml$/.test(f)) fs.copyFileSync(path.join(source, f), path.join(dir, f));
    }
    linkCode(dir, source);
    const pulumiBin = pulumiBinary();
    const bin = path.dirname(pulumiBin);
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [bin, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
        // A released CLI keeps its own PULUMI_HOME (where the kubernetes plugin was installed).
        PULUMI_HOME: releasedCli() ? (process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi")) : home,
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        NO_COLOR: "1",
    };
    const run = (args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) =>
        spawnSync(pulumiBin, [...args, "--non-interactive"], {
            cwd: dir,
            env: { ...env, ...opts.env },
            encoding: "utf8",
            timeout: opts.timeoutMs ?? 300_000,
            maxBuffer: 64 * 1024 * 1024,
        });
    const runAsync = (args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const p = spawn(pulumiBin, [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...opts.env } });
            let stdout = "";
            let stderr = "";
            p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            const timer = setTimeout(() => p.kill("SIGTERM"), opts.timeoutMs ?? 600_000);
            p.on("close", (status) => {
                clearTimeout(timer);
                resolve({ status, stdout, stderr });
            });
        });
    const login = run(["login", `file://${backend}`]);
    if (login.status !== 0) throw new Error(`pulumi login file://${backend} failed: ${login.stderr}`);
    return { dir, env, pulumi: run, pulumiAsync: runAsync, dispose: () => fs.rmSync(root, { recursive: true, force: true }), relink: (source: string) => linkCode(dir, source) };
}

/** `stack init <name> --secrets-provider passphrase`; throws with the CLI's output on failure. */
export function initStack(ws: Workspace, name: string): void {
    const r = ws.pulumi(["stack", "init", name, "--secrets-provider", "passphrase"]);
    if (r.status !== 0) throw new Error(`pulumi stack init ${name} failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
}

/** The CLI's output of a run, for assertion messages. */
export function output(r: { stdout: string; stderr: string; status: number | null }): string {
    return `exit ${r.status}\n--- stdout\n${r.stdout.slice(-6000)}\n--- stderr\n${r.stderr.slice(-6000)}`;
}

/** A stand-in value for a required secret the stack file does not hold (the users set theirs once per machine). */
function standInSecret(key: string): string {
    if (/(\.uri|Uri)$/.test(key)) return "mongodb://itops:stand-in@mongo.example.internal:27017/itops";
    if (/\.url$|\.receiverUrls\.\w+$/.test(key)) return "https://hooks.example.com/stand-in";
    return "stand-in-secret";
}

/**
 * Sets, as secrets, the required secrets a stack file leaves to `pulumi config set --secret` (found by
 * the program's own parser); returns their keys. Throws with the CLI's output on failure.
 */
export function setRequiredSecrets(ws: Workspace, stack: string, file = path.join(ws.dir, `Pulumi.${stack}.yaml`)): string[] {
    const raw = readStackFile(file);
    const keys = parseStackConfig(stack, toRuntimeConfig(raw), new Set(raw.secretKeys), { secretPlaceholders: true }).placeholders;
    for (const key of keys) {
        const r = ws.pulumi(["config", "set", "--stack", stack, "--secret", "--path", key, standInSecret(key)]);
        if (r.status !== 0) throw new Error(`pulumi config set --secret ${key} failed: ${r.stderr}`);
    }
    return [...keys];
}
