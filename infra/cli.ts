/** Shared entry of the project's command-line tools (synth, diff). */

/** Runs `main` and exits with its code; an unexpected error prints one line and exits 1. */
export function runCli(main: () => Promise<number>): void {
    main().then(
        (code) => process.exit(code),
        (e: Error) => {
            process.stderr.write(`error: ${e.message}\n`);
            process.exit(1);
        },
    );
}
