/** Shared entry of the project's command-line tools (synth, diff). */
import * as fs from "fs";
import * as path from "path";

/**
 * Runs `main` and exits with its code; an unexpected error prints one line and exits 1.
 *
 * A failure exits at once, so that nothing the failed program left pending (e.g. a rejected
 * resource promise) can change the code or add output. A success lets the process end on its
 * own, so that pending writes — tsx's transform cache among them — complete; should something
 * keep it alive, it still exits after a grace period.
 */
export function runCli(main: () => Promise<number>): void {
    main().then(
        (code) => {
            if (code !== 0) process.exit(code);
            process.exitCode = 0;
            setTimeout(() => process.exit(0), 10_000).unref();
        },
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(1);
        },
    );
}

/**
 * The node options that run the TypeScript commands of the checkout in `dir`: its preload
 * (tools/preload.cjs, or infra/preload.cjs in a checkout from before the move) where it has one, else tsx (an older checkout, e.g. `npm run diff --base`).
 */
export function nodeArgs(dir: string): string[] {
    const preload = ["tools/preload.cjs", "infra/preload.cjs"].map((p) => path.join(dir, p)).find((p) => fs.existsSync(p));
    return preload ? ["--require", preload] : ["--import", "tsx"];
}

/** The offline render's entry in the checkout in `dir`, relative to it (infra/synth.ts before the tooling moved to tools/render). */
export function synthEntry(dir: string): string {
    return ["tools/render/synth.ts", "infra/synth.ts"].find((p) => fs.existsSync(path.join(dir, p))) ?? "tools/render/synth.ts";
}
