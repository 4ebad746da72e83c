/**
 * The floor of `npm run bench`: the smallest Pulumi program — two resources (random strings) —
 * under the same mock runtime as the offline render (the SDK's `setMocks`), run to completion
 * with its outputs resolved. A render of the real program is compared with it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

async function main(): Promise<void> {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, result: "x".repeat(Number(args.inputs.length ?? 8)) } }),
            call: (args) => args.inputs,
        },
        "floor",
        "bench",
        false,
    );
    const a = new random.RandomString("a", { length: 8, special: false });
    const b = new random.RandomString("b", { length: 8, special: false, keepers: { a: a.result } });
    const result = await new Promise<string>((resolve) => pulumi.all([a.result, b.result]).apply(([x, y]) => resolve(`${x}${y}`)));
    process.stdout.write(`${result.length} characters from 2 resources\n`);
}

main().catch((e: Error) => {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 1;
});
