/**
 * Prints, as one JSON array, the container images the given stacks deploy (offline render, no
 * cloud access): `node --import tsx tools/render/list-images.ts --stack staging --stack production`.
 * Used by the CI image scan to build its matrix.
 */
import { imagesOf } from "./images";
import { renderStack } from "./render";

async function main(argv: string[]): Promise<void> {
    const stacks: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack" && argv[i + 1]) stacks.push(argv[++i]);
        else throw new Error(`usage: list-images.ts --stack <name> [--stack <name> ...] (got '${argv[i]}')`);
    }
    if (stacks.length === 0) throw new Error("usage: list-images.ts --stack <name> [--stack <name> ...]");
    const images = new Set<string>();
    // One stack at a time: renders share the Pulumi runtime's global state.
    for (const stack of stacks) for (const image of imagesOf((await renderStack({ stack, sets: [] })).resources)) images.add(image);
    process.stdout.write(`${JSON.stringify([...images].sort())}\n`);
}

main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
});
