/**
 * `npm run bench [-- --runs N] [-- --only name,name]`: times the feedback loop of the project —
 * the type-check, `npm test`, the offline render of each stack, its exit-2 path — and the floor
 * (bench/floor.ts: a 2-resource Pulumi program under the same mock runtime), each at least 5
 * times, one command at a time. Prints min / median / max wall time (and median CPU time of the
 * command and its children) and writes bench/results.md with the machine's core count and load.
 *
 * It measures; it asserts nothing (the target column only reports).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
/** How `npm run synth` starts node (package.json): the same flags for the renders and the floor. */
const PRELOAD = ["--max-semi-space-size=32", "--require", path.join(ROOT, "tools", "preload.cjs")];
const node = process.execPath;

interface Case {
    readonly name: string;
    readonly what: string;
    readonly argv: readonly string[];
    /** The exit status the command must end with (a run that does not is an error, not a time). */
    readonly status: number;
}

/** Goals beyond the issue's targets: the suite with headroom, a render clearly below the floor. */
const NPM_TEST_GOAL = 45;
const RENDER_GOAL = 0.45;

/** How the floor is defined (printed, and written to bench/results.md). */
const FLOOR_DEFINITION = [
    "The floor (issue 12: \"a render of one stack at or below the 2-resource floor measured in the same",
    "run\") is bench/floor.ts: a Pulumi program of two resources (random.RandomString, the second",
    "depending on the first) under the same mock runtime as the render (the SDK's",
    "`pulumi.runtime.setMocks`), run to completion with its outputs resolved. The same program is",
    "timed two ways in the same run: `floor-stock`, started the way a Pulumi TypeScript program starts",
    "without this project's tooling (`node --import tsx`: the whole SDK loaded); and `floor`, started",
    "like the render (`tools/preload.cjs`). The target compares the render, started as",
    "`npm run synth` starts it, with `floor-stock`: what the smallest Pulumi program costs when",
    "started the stock way. `floor` (two resources with the project's start) is shown for",
    "reference: it is what the preload leaves of the SDK's own start, not a bound for a program that",
    "registers about 120 resources.",
];

const out = () => fs.mkdtempSync(path.join(os.tmpdir(), "itops-bench-"));
const synth = (stack: string, ...args: string[]): string[] => [node, ...PRELOAD, path.join(ROOT, "tools", "render", "synth.ts"), "--stack", stack, "--quiet", ...args];

const CASES: Case[] = [
    { name: "typecheck", what: "`npm run typecheck` (tsgo --noEmit)", argv: [path.join(ROOT, "node_modules", ".bin", "tsgo"), "--noEmit", "-p", path.join(ROOT, "tsconfig.json")], status: 0 },
    { name: "npm-test", what: "`npm test` (typecheck + every test file)", argv: ["npm", "test", "--silent"], status: 0 },
    { name: "render-staging", what: "`npm run synth -- --stack staging`", argv: synth("staging"), status: 0 },
    { name: "render-production", what: "`npm run synth -- --stack production`", argv: synth("production"), status: 0 },
    { name: "render-local", what: "`npm run synth -- --stack local`", argv: synth("local"), status: 0 },
    { name: "exit-2", what: "`npm run synth -- --stack staging --set cluster.skuTier=Gold` (bad config: exit 2)", argv: synth("staging", "--set", "cluster.skuTier=Gold"), status: 2 },
    { name: "floor", what: "bench/floor.ts: 2 resources, same mock runtime, same start (tools/preload.cjs)", argv: [node, ...PRELOAD, path.join(ROOT, "bench", "floor.ts")], status: 0 },
    { name: "floor-stock", what: "bench/floor.ts started the stock way (`node --import tsx`: the whole SDK loaded)", argv: [node, "--import", "tsx", path.join(ROOT, "bench", "floor.ts")], status: 0 },
    { name: "render-staging-stock", what: "`--stack staging` started the stock way (`node --import tsx`), as before tools/preload.cjs", argv: [node, "--import", "tsx", path.join(ROOT, "tools", "render", "synth.ts"), "--stack", "staging", "--quiet"], status: 0 },
];

/** CPU seconds (user + system) of this process's waited-for children, from /proc (Linux). */
function childrenCpu(): number {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // After the command name: state is field 3; cutime and cstime are fields 16 and 17.
        const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
        return ticks / 100; // USER_HZ
    } catch {
        return NaN;
    }
}

interface Sample {
    readonly wall: number;
    readonly cpu: number;
}

function runOnce(c: Case): Sample {
    const argv = c.name.startsWith("render") || c.name === "exit-2" ? [...c.argv, "--out", out()] : c.argv;
    const cpu0 = childrenCpu();
    const t0 = process.hrtime.bigint();
    const p = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = childrenCpu() - cpu0;
    if (p.status !== c.status) {
        throw new Error(`${c.name}: exit ${p.status} (expected ${c.status})\n${(p.stdout ?? "").slice(-2000)}${(p.stderr ?? "").slice(-2000)}`);
    }
    return { wall, cpu };
}

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row {
    readonly c: Case;
    readonly samples: Sample[];
}

function parseOptions(argv: string[]): { runs: number; only?: Set<string> } {
    let runs = 5;
    let only: Set<string> | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--runs") runs = Number(argv[++i]);
        else if (argv[i] === "--only") only = new Set(argv[++i].split(","));
        else throw new Error(`unknown argument '${argv[i]}' (usage: npm run bench -- [--runs N] [--only ${CASES.map((c) => c.name).join(",")}])`);
    }
    if (!Number.isInteger(runs) || runs < 5) throw new Error("--runs must be an integer >= 5");
    for (const n of only ?? []) if (!CASES.some((c) => c.name === n)) throw new Error(`--only: no case '${n}'`);
    return { runs, only };
}

const fmt = (s: number) => s.toFixed(2);

function main(): void {
    const { runs, only } = parseOptions(process.argv.slice(2));
    const cases = CASES.filter((c) => !only || only.has(c.name));
    const load0 = os.loadavg();
    const started = new Date();
    const rows: Row[] = [];
    // Warm-up (not timed): fills tsx's transform cache and Node's compile cache once.
    for (const c of cases) if (c.name !== "npm-test") runOnce(c);
    // Round-robin, so that a burst of load on the machine spreads over all cases.
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    for (let i = 0; i < runs; i++) {
        for (const c of cases) {
            const s = runOnce(c);
            samples.get(c.name)!.push(s);
            process.stderr.write(`run ${i + 1}/${runs} ${c.name}: ${fmt(s.wall)} s wall, ${fmt(s.cpu)} s CPU\n`);
        }
    }
    for (const c of cases) rows.push({ c, samples: samples.get(c.name)! });
    const load1 = os.loadavg();

    const med = (name: string) => {
        const r = rows.find((x) => x.c.name === name);
        return r ? median(r.samples.map((s) => s.wall)) : undefined;
    };
    const lines: string[] = [];
    lines.push("| case | what | runs | wall min | wall median | wall max | CPU median |");
    lines.push("|---|---|---:|---:|---:|---:|---:|");
    for (const { c, samples: s } of rows) {
        const w = s.map((x) => x.wall);
        lines.push(`| ${c.name} | ${c.what} | ${s.length} | ${fmt(Math.min(...w))} | ${fmt(median(w))} | ${fmt(Math.max(...w))} | ${fmt(median(s.map((x) => x.cpu)))} |`);
    }

    const targets: string[] = [];
    const check = (ok: boolean | undefined, text: string) => targets.push(`- ${ok === undefined ? "not measured" : ok ? "met" : "NOT met"}: ${text}`);
    const t = med("npm-test");
    check(t === undefined ? undefined : t < 60, `\`npm test\` (typecheck included) under 60 s: median ${t === undefined ? "-" : fmt(t)} s`);
    check(t === undefined ? undefined : t <= NPM_TEST_GOAL, `\`npm test\` at most ${NPM_TEST_GOAL} s (headroom for a fresh clone's cold caches and for added tests): median ${t === undefined ? "-" : fmt(t)} s`);
    const floor = med("floor");
    const stock = med("floor-stock");
    for (const stack of ["staging", "production", "local"]) {
        const r = med(`render-${stack}`);
        const share = r === undefined || stock === undefined ? "" : ` (${Math.round((100 * r) / stock)} % of it)`;
        check(
            r === undefined || stock === undefined ? undefined : r <= stock,
            `render of ${stack} at or below the 2-resource floor (the floor started the stock way): median ${r === undefined ? "-" : fmt(r)} s, floor ${stock === undefined ? "-" : fmt(stock)} s${share}`,
        );
    }
    for (const stack of ["staging", "production"]) {
        const r = med(`render-${stack}`);
        check(r === undefined ? undefined : r <= RENDER_GOAL, `render of ${stack} at most ${RENDER_GOAL} s, well below that floor: median ${r === undefined ? "-" : fmt(r)} s`);
    }
    if (floor !== undefined) targets.push(`- for reference: the same floor started with the project's preload: median ${fmt(floor)} s (2 resources; a render registers about 120)`);
    const e = med("exit-2");
    check(e === undefined ? undefined : e < 0.5, `exit-2 path under 0.5 s: median ${e === undefined ? "-" : fmt(e)} s`);

    const cpuModel = os.cpus()[0]?.model ?? "unknown";
    const text = [
        "# Benchmark results",
        "",
        `Produced by \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\` on ${started.toISOString()}.`,
        "",
        `- machine: ${os.availableParallelism()} cores (${cpuModel}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
        `- node ${process.version}; load average (1/5/15 min) ${load0.map((x) => x.toFixed(2)).join(" / ")} before, ${load1.map((x) => x.toFixed(2)).join(" / ")} after`,
        `- ${runs} timed runs of each case, round-robin, after one untimed warm-up run (caches filled); times in seconds`,
        "- wall: elapsed time; CPU: user + system time of the command and its child processes",
        "",
        ...lines,
        "",
        "## Targets (medians)",
        "",
        ...targets,
        "",
        ...FLOOR_DEFINITION,
        "",
    ].join("\n");
    fs.writeFileSync(path.join(ROOT, "bench", "results.md"), text);
    process.stdout.write(`${lines.join("\n")}\n\n${targets.join("\n")}\n\n${FLOOR_DEFINITION.join("\n")}\n\nwrote bench/results.md\n`);
}

main();
