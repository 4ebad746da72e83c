/** Shared entry of the project's command-line tools (synth, diff). */
import * as fs from "fs";
import * as path from "path";

/**
 * Runs `main` and sets the exit code it returns; an unexpected error prints one line and exits 1.
 * The process ends on its own (no `process.exit`), so that pending writes — tsx's transform
 * cache among them — are not cut short.
 */
export function runCli(main: () => Promise<number>): void {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exitCode = 1;
        },
    );
}

/**
 * The node options that run the TypeScript commands of the checkout in `dir`: its preload
 * (infra/preload.cjs) where it has one, else tsx (an older checkout, e.g. `npm run diff --base`).
 */
export function nodeArgs(dir: string): string[] {
    const preload = path.join(dir, "infra", "preload.cjs");
    return fs.existsSync(preload) ? ["--require", preload] : ["--import", "tsx"];
}
