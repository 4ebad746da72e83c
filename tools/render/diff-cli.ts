/**
 * `npm run diff -- --stack <name> [--stack <name> ...] [--base <git-ref>] [--format text|markdown] [--set key=value ...] [--urns]`
 *
 * Renders each stack offline (`npm run synth`) for the working tree and for the base commit
 * (default HEAD) and prints a unified diff of the rendered files (Kubernetes manifests, Helm
 * values, alert rules, Azure resources), or "<stack>: no changes". The pull-request workflow
 * posts the Markdown form as a comment.
 *
 * The base is checked out with `git worktree add` into a temporary directory; when its
 * package-lock.json equals the working tree's, it reuses this node_modules through a symlink
 * (otherwise it runs `npm ci` there). Exit codes: 0 diff printed (with or without changes),
 * 2 bad command line or unknown git ref, 1 a render failed.
 *
 * `--set` renders both sides with the same overrides (as `npm run synth -- --set`), e.g. to review a
 * stack with its migration enabled. `--urns` adds, per stack, what the engine would do with the
 * base's resources (tools/render/diff.ts `urnChanges`): URNs moved through aliases, created,
 * deleted, replaced.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffTrees, formatMarkdown, formatText, formatUrnChanges, formatUrnMarkdown, readRenderTree, StackDiff, urnChanges, urnResources } from "./diff";
import { nodeArgs, runCli, synthEntry } from "./cli";

/** The repository root (where Pulumi.yaml is). */
export const REPO_DIR = path.resolve(__dirname, "..", "..");

export const FORMATS = ["text", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export interface DiffArgs {
    readonly stacks: readonly string[];
    readonly base: string;
    readonly format: Format;
    /** `key=value` overrides for both renders. */
    readonly sets: readonly string[];
    /** Also report URN moves, creates, deletes and replacements. */
    readonly urns: boolean;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run diff -- --stack <name> [--stack <name> ...] [--base <git-ref>] [--format text|markdown] [--set key=value ...] [--urns]";

/** Parses the command line; throws {@link UsageError} naming the bad argument. */
export function parseArgs(argv: readonly string[]): DiffArgs {
    const stacks: string[] = [];
    let base = "HEAD";
    let format: Format = "text";
    const sets: string[] = [];
    let urns = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value (${USAGE})`);
            return v;
        };
        switch (a) {
            case "--stack": {
                const s = value();
                if (!/^[A-Za-z0-9_.-]+$/.test(s)) throw new UsageError(`--stack must be a stack name (letters, digits, _ . -), got '${s}'`);
                if (!stacks.includes(s)) stacks.push(s);
                break;
            }
            case "--base": {
                base = value();
                // A ref is handed to git as one argument; still refuse option-like and odd values.
                if (!/^[A-Za-z0-9_./~^@{}-]+$/.test(base) || base.startsWith("-")) throw new UsageError(`--base must be a git ref or commit, got '${base}'`);
                break;
            }
            case "--format": {
                const f = value();
                if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${f}'`);
                format = f as Format;
                break;
            }
            case "--set": {
                const kv = value();
                if (!/^[A-Za-z0-9_.:-]+=/.test(kv)) throw new UsageError(`--set must be key=value (a config key such as migration.enabled), got '${kv}'`);
                sets.push(kv);
                break;
            }
            case "--urns":
                urns = true;
                break;
            default:
                throw new UsageError(`unknown argument '${a}' (${USAGE})`);
        }
    }
    if (stacks.length === 0) throw new UsageError(`--stack <name> is required (${USAGE})`);
    return { stacks, base, format, sets, urns };
}

function git(args: string[], cwd: string): string {
    const p = spawnSync("git", args, { cwd, encoding: "utf8" });
    if (p.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${(p.stderr || p.stdout).trim()}`);
    return p.stdout.trim();
}

/** The commit a ref names; {@link UsageError} when git does not know it. */
export function resolveCommit(ref: string, cwd: string): string {
    const p = spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd, encoding: "utf8" });
    if (p.status !== 0) throw new UsageError(`--base: '${ref}' is not a commit in this repository (in a shallow clone, fetch it first)`);
    return p.stdout.trim();
}

export interface Rendered {
    readonly code: number;
    readonly stderr: string;
}

/** Runs the synth CLI of the checkout in `dir` for one stack (with `sets` overrides), into `out`. */
export function synth(dir: string, stack: string, out: string, sets: readonly string[] = []): Promise<Rendered> {
    return new Promise((resolve) => {
        const p = spawn(process.execPath, [...nodeArgs(dir), synthEntry(dir), "--stack", stack, ...sets.flatMap((s) => ["--set", s]), "--out", out, "--quiet"], {
            cwd: dir,
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (code) => resolve({ code: code ?? 1, stderr }));
    });
}

/**
 * Checks the base out into `dir` and gives it node_modules: a symlink to this tree's when the
 * lockfile is equal (or when `borrowModules`: the caller knows the base needs no package this tree
 * lacks, e.g. the URN-stability test's fixed old commit), else `npm ci`.
 */
export function prepareBase(commit: string, dir: string, opts: { readonly borrowModules?: boolean } = {}): void {
    git(["worktree", "add", "--detach", "--quiet", dir, commit], REPO_DIR);
    const lock = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined);
    const same = opts.borrowModules || lock(path.join(dir, "package-lock.json")) === lock(path.join(REPO_DIR, "package-lock.json"));
    const modules = path.join(REPO_DIR, "node_modules");
    if (same && fs.existsSync(modules)) {
        fs.symlinkSync(fs.realpathSync(modules), path.join(dir, "node_modules"), "dir");
        return;
    }
    process.stderr.write(`note: package-lock.json differs at the base; running npm ci in ${dir}\n`);
    const p = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    if (p.status !== 0) throw new Error(`npm ci at the base failed (exit ${p.status})`);
}

/** Removes a checkout {@link prepareBase} made. */
export function removeBase(dir: string): void {
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: REPO_DIR });
}

async function main(): Promise<number> {
    let args: DiffArgs;
    let commit: string;
    try {
        args = parseArgs(process.argv.slice(2));
        commit = resolveCommit(args.base, REPO_DIR);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`error: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "itops-diff-"));
    const baseDir = path.join(tmp, "base");
    try {
        prepareBase(commit, baseDir);
        const jobs = args.stacks.flatMap((stack) => [
            { stack, side: "head" as const, dir: REPO_DIR },
            // A stack added by the working tree has nothing to render at the base.
            ...(fs.existsSync(path.join(baseDir, `Pulumi.${stack}.yaml`)) ? [{ stack, side: "base" as const, dir: baseDir }] : []),
        ]);
        const results = await Promise.all(jobs.map((j) => synth(j.dir, j.stack, path.join(tmp, "out", j.side), args.sets)));
        let failed = false;
        results.forEach((r, i) => {
            if (r.code !== 0) {
                failed = true;
                const j = jobs[i];
                process.stderr.write(`error: rendering ${j.stack} at the ${j.side === "head" ? "working tree" : `base (${args.base})`} failed (exit ${r.code}):\n${r.stderr}`);
            }
        });
        if (failed) return 1;
        const diffs: StackDiff[] = args.stacks.map((stack) => ({
            stack,
            changes: diffTrees(readRenderTree(path.join(tmp, "out", "base", stack)), readRenderTree(path.join(tmp, "out", "head", stack))),
            newStack: !jobs.some((j) => j.stack === stack && j.side === "base"),
        }));
        if (args.format === "markdown") {
            const short = (ref: string) => git(["rev-parse", "--short", ref], REPO_DIR);
            const dirty = git(["status", "--porcelain", "--untracked-files=no"], REPO_DIR) !== "";
            process.stdout.write(formatMarkdown(diffs, { base: short(commit), head: `${short("HEAD")}${dirty ? "+changes" : ""}` }));
        } else {
            process.stdout.write(formatText(diffs, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
        }
        if (args.urns) {
            const reports = args.stacks.map((stack) => {
                const side = (s: string) => urnResources(readRenderTree(path.join(tmp, "out", s, stack)));
                return { stack, changes: urnChanges(side("base"), side("head")) };
            });
            process.stdout.write(args.format === "markdown" ? formatUrnMarkdown(reports) : reports.map((r) => formatUrnChanges(r.stack, r.changes)).join(""));
        }
        return 0;
    } finally {
        removeBase(baseDir);
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

if (require.main === module) runCli(main);
