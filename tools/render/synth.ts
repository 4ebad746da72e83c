/**
 * Offline render: `npm run synth -- --stack <name> [--set key=value ...] [--config <file>] [--out <dir>]`.
 *
 * Runs the real program with the stack's real config under the Pulumi SDK's mock runtime and
 * writes what it would create to `<out>/<stack>/`. Exit codes: 0 rendered, 2 invalid config or
 * command line (one line on stderr naming the key; nothing written), 1 anything else.
 */
import * as path from "path";
import { ConfigError, parseStackConfig } from "../../infra/config";
import type { Rendering } from "./render";
import { stackConfigFor, toRuntimeConfig, UsageError } from "./stack-file";
import { renderTree } from "./tree";
import { writeRendering } from "./write";
import { runCli } from "./cli";

export interface SynthArgs {
    readonly stack: string;
    readonly sets: string[];
    readonly configFile?: string;
    readonly out: string;
    readonly quiet: boolean;
}

export function parseArgs(argv: readonly string[]): SynthArgs {
    let stack: string | undefined;
    let configFile: string | undefined;
    let out = "out";
    let quiet = false;
    const sets: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
            return v;
        };
        switch (a) {
            case "--stack": stack = value(); break;
            case "--set": sets.push(value()); break;
            case "--config": configFile = value(); break;
            case "--out": out = value(); break;
            case "--quiet": quiet = true; break;
            default: throw new UsageError(`unknown argument '${a}' (usage: npm run synth -- --stack <name> [--set key=value ...] [--config <file>] [--out <dir>] [--quiet])`);
        }
    }
    if (!stack) throw new UsageError("--stack <name> is required");
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack must be a stack name, got '${stack}'`);
    return { stack, sets, configFile, out, quiet };
}

/** Where the command writes: the process's streams, or a test's buffers. */
export interface SynthIo {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

/** The command: parses `argv`, renders, writes; returns the exit code. */
export async function synth(argv: readonly string[], io: SynthIo): Promise<number> {
    let args: SynthArgs;
    let rendering: Rendering;
    try {
        args = parseArgs(argv);
        const configFile = args.configFile && path.resolve(args.configFile);
        // Validate the whole configuration first, with the pure parser: a bad value exits 2
        // before the program's resource modules (the providers' SDKs) are even loaded.
        const raw = stackConfigFor({ stack: args.stack, sets: args.sets, configFile });
        parseStackConfig(args.stack, toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { renderStack } = require("./render") as typeof import("./render");
        rendering = await renderStack({ stack: args.stack, sets: args.sets, configFile });
    } catch (e) {
        if (e instanceof ConfigError || e instanceof UsageError) {
            // One line per problem (a ConfigError lists every problem of the stack file).
            for (const line of e.message.split("\n")) io.stderr(`error: ${line}\n`);
            return 2;
        }
        throw e;
    }
    const files = writeRendering(rendering, path.resolve(args.out));
    for (const key of rendering.placeholders) {
        io.stderr(`note: ${key} is not in the stack file; rendered with a secret placeholder\n`);
    }
    if (!args.quiet) io.stdout(renderTree(rendering));
    io.stdout(`wrote ${files.length} files to ${path.join(args.out, args.stack)}\n`);
    return 0;
}

if (require.main === module) {
    runCli(() => synth(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }));
}
