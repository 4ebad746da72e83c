/**
 * `npm run diff`: the pure diffing of two renders (unified diffs per file and per resource, text
 * and Markdown forms), the command line, and the whole command end to end in a temporary git
 * repository (so it works the same in CI's fresh clone and on a developer's dirty tree).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as YAML from "yaml";
import {
    COMMENT_MARKER,
    diffTrees,
    explodeResources,
    fenceFor,
    formatMarkdown,
    formatText,
    readRenderTree,
    StackDiff,
    summarize,
    unifiedDiff,
} from "../tools/render/diff";
import { writeRendering } from "../tools/render/write";
import { parseArgs, UsageError } from "../tools/render/diff-cli";
import { PROJECT_DIR, render } from "./helpers";

function writeTree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-difftree-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

const USER_POOL = "resources.json › azure-native:containerservice:AgentPool itops-aks-user";

describe("two real renders of staging", () => {
    let same: ReturnType<typeof diffTrees>;
    let oneValue: ReturnType<typeof diffTrees>;
    before(async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "itops-diff-"));
        const base = await render("staging");
        const changed = await render("staging", ["cluster.userPool.maxCount=5"]);
        writeRendering(base, path.join(out, "a"));
        writeRendering(base, path.join(out, "b"));
        writeRendering(changed, path.join(out, "c"));
        const a = readRenderTree(path.join(out, "a", "staging"));
        assert.ok(a.has("resources.json") && a.has("outputs.json"), [...a.keys()].join(", "));
        same = diffTrees(a, readRenderTree(path.join(out, "b", "staging")));
        oneValue = diffTrees(a, readRenderTree(path.join(out, "c", "staging")));
    });

    it("identical renders: no changes, in both forms", () => {
        assert.deepEqual(same, []);
        assert.equal(formatText([{ stack: "staging", changes: same }]), "staging: no changes\n");
        const md = formatMarkdown([{ stack: "staging", changes: same }], { base: "abc1234", head: "def5678" });
        assert.match(md, /^#### staging: no changes$/m);
        assert.doesNotMatch(md, /<details>/);
    });

    it("renders that differ in one value: exactly that resource, one line out and one line in", () => {
        assert.equal(oneValue.length, 1, oneValue.map((c) => c.path).join(", "));
        const [c] = oneValue;
        assert.equal(c.path, USER_POOL);
        assert.equal(c.kind, "modified");
        assert.equal(c.added, 1);
        assert.equal(c.removed, 1);
        const lines = c.patch.split("\n");
        assert.equal(lines[0], `--- a/${USER_POOL}`);
        assert.equal(lines[1], `+++ b/${USER_POOL}`);
        assert.match(lines[2], /^@@ -\d+,7 \+\d+,7 @@$/);
        assert.deepEqual(lines.filter((l) => /^[-+](?![-+]{2})/.test(l)), ["-  maxCount: 4", "+  maxCount: 5"]);
        // Three lines of context on each side of the changed line.
        assert.equal(lines.length, 3 + 3 + 2 + 3);
    });

    it("the text form names the stack, counts the change and shows the hunk", () => {
        const text = formatText([{ stack: "staging", changes: oneValue }]);
        assert.match(text, /^staging: 1 change \(1 modified\)\n--- a\/resources\.json › /);
        assert.match(text, /^-  maxCount: 4$/m);
        assert.match(text, /^\+  maxCount: 5$/m);
        assert.doesNotMatch(text, /\x1b\[/, "no colours unless asked");
        assert.match(formatText([{ stack: "staging", changes: oneValue }], { color: true }), /\x1b\[32m\+  maxCount: 5\x1b\[0m/);
    });

    it("the Markdown form is a marked comment with one collapsible diff block", () => {
        const md = formatMarkdown([{ stack: "staging", changes: oneValue }], { base: "abc1234", head: "def5678" });
        assert.ok(md.startsWith(`${COMMENT_MARKER}\n`));
        assert.match(md, /^#### staging: 1 change \(1 modified\)$/m);
        assert.match(md, /<details><summary>modified <code>resources\.json › azure-native:containerservice:AgentPool itops-aks-user<\/code> \(\+1 −1\)<\/summary>/);
        assert.match(md, /^```diff\n--- a\/resources\.json/m);
        assert.match(md, /npm run diff -- --stack staging --base abc1234/);
        assert.equal((md.match(/<details>/g) ?? []).length, 1);
    });
});

describe("unifiedDiff", () => {
    const cases: { name: string; before?: string; after?: string; kind?: string; lines?: string[]; added?: number; removed?: number }[] = [
        { name: "equal texts", before: "a\n", after: "a\n" },
        { name: "both absent" },
        {
            name: "added file",
            after: "a: 1\nb: 2\n",
            kind: "added",
            lines: ["--- /dev/null", "+++ b/f.yaml", "@@ -0,0 +1,2 @@", "+a: 1", "+b: 2"],
            added: 2,
            removed: 0,
        },
        {
            name: "removed file",
            before: "a: 1\n",
            kind: "removed",
            lines: ["--- a/f.yaml", "+++ /dev/null", "@@ -1 +0,0 @@", "-a: 1"],
            added: 0,
            removed: 1,
        },
        {
            name: "one changed line in the middle, context 3",
            before: "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
            after: "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
            kind: "modified",
            lines: ["--- a/f.yaml", "+++ b/f.yaml", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"],
            added: 1,
            removed: 1,
        },
        {
            name: "missing final newline is shown",
            before: "a\n",
            after: "a",
            kind: "modified",
            lines: ["--- a/f.yaml", "+++ b/f.yaml", "@@ -1 +1 @@", "-a", "+a", "\\ No newline at end of file"],
            added: 1,
            removed: 1,
        },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const d = unifiedDiff("f.yaml", c.before, c.after);
            if (!c.kind) return assert.equal(d, undefined);
            assert.ok(d);
            assert.equal(d.kind, c.kind);
            assert.deepEqual(d.patch.split("\n"), c.lines);
            assert.equal(d.added, c.added);
            assert.equal(d.removed, c.removed);
        });
    }
});

describe("diffTrees and explodeResources", () => {
    const resources = (list: object[]) => JSON.stringify(list, null, 2) + "\n";
    const rg = { urn: "urn:pulumi:s::p::azure-native:resources:ResourceGroup::itops", type: "azure-native:resources:ResourceGroup", name: "itops", inputs: { location: "japaneast" } };

    it("keys resources by type and name, as YAML", () => {
        const t = explodeResources(new Map([["resources.json", resources([rg])]]));
        assert.deepEqual([...t.keys()], ["resources.json › azure-native:resources:ResourceGroup itops"]);
        assert.deepEqual(YAML.parse(t.get("resources.json › azure-native:resources:ResourceGroup itops")!), rg);
    });

    it("falls back to the URN when two resources share type and name", () => {
        const a = { ...rg, urn: "urn:pulumi:s::p::x$azure-native:resources:ResourceGroup::itops" };
        const t = explodeResources(new Map([["resources.json", resources([rg, a])]]));
        assert.deepEqual([...t.keys()].sort(), [`resources.json › ${a.urn}`, `resources.json › ${rg.urn}`].sort());
    });

    it("keeps a resources.json that is not a list of resources as one file", () => {
        for (const text of ["not json", "{}", "[1, 2]"]) {
            const t = explodeResources(new Map([["resources.json", text]]));
            assert.deepEqual([...t.entries()], [["resources.json", text]]);
        }
    });

    it("orders changes: manifests, Helm values, rules, Alertmanager, other files, resources, outputs", () => {
        const head = new Map([
            ["outputs.json", "{}\n"],
            ["resources.json", resources([rg])],
            ["alertmanager/alertmanager.yaml", "route: {}\n"],
            ["prometheus/rules.yaml", "groups: []\n"],
            ["helm/kube-prometheus-stack.yaml", "values: {}\n"],
            ["manifests/monitoring.configmap.x.yaml", "kind: ConfigMap\n"],
            ["notes.txt", "x\n"],
        ]);
        const changes = diffTrees(new Map(), head);
        assert.deepEqual(
            changes.map((c) => c.path),
            [
                "manifests/monitoring.configmap.x.yaml",
                "helm/kube-prometheus-stack.yaml",
                "prometheus/rules.yaml",
                "alertmanager/alertmanager.yaml",
                "notes.txt",
                "resources.json › azure-native:resources:ResourceGroup itops",
                "outputs.json",
            ],
        );
        assert.ok(changes.every((c) => c.kind === "added"));
        assert.equal(summarize(changes), "7 changes (7 added)");
    });

    it("reports added, removed and modified files from directories on disk", () => {
        const base = writeTree({ "manifests/a.yaml": "x: 1\n", "manifests/b.yaml": "y: 1\n", "helm/r.yaml": "v: 1\n" });
        const head = writeTree({ "manifests/a.yaml": "x: 2\n", "helm/r.yaml": "v: 1\n", "manifests/c.yaml": "z: 1\n" });
        const changes = diffTrees(readRenderTree(base), readRenderTree(head));
        assert.deepEqual(
            changes.map((c) => [c.path, c.kind]),
            [
                ["manifests/a.yaml", "modified"],
                ["manifests/b.yaml", "removed"],
                ["manifests/c.yaml", "added"],
            ],
        );
        assert.equal(summarize(changes), "3 changes (1 added, 1 removed, 1 modified)");
        assert.deepEqual(readRenderTree(path.join(base, "does-not-exist")), new Map());
    });
});

describe("formatMarkdown limits", () => {
    const change = (i: number, body = "x") => unifiedDiff(`manifests/m${i}.yaml`, undefined, `${body}\n`)!;

    it("uses a fence longer than any backtick run in the diff", () => {
        assert.equal(fenceFor("no ticks"), "```");
        assert.equal(fenceFor("a ```` b"), "`````");
        const md = formatMarkdown([{ stack: "s", changes: [change(1, "````")] }], { base: "b", head: "h" });
        assert.match(md, /^`````diff$/m);
    });

    it("escapes HTML in summaries", () => {
        const c = unifiedDiff("manifests/<script>.yaml", undefined, "x\n")!;
        const md = formatMarkdown([{ stack: "s", changes: [c] }], { base: "b", head: "h" });
        assert.match(md, /<code>manifests\/&lt;script&gt;\.yaml<\/code>/);
    });

    it("stays under the size limit and lists what it left out", () => {
        const big = "y".repeat(2000);
        const diffs: StackDiff[] = [{ stack: "staging", changes: Array.from({ length: 50 }, (_, i) => change(i, big)) }];
        const md = formatMarkdown(diffs, { base: "b", head: "h", maxChars: 10_000 });
        assert.ok(md.length <= 10_000 + 200, `${md.length}`);
        const shown = (md.match(/<details>/g) ?? []).length;
        assert.ok(shown >= 3 && shown < 50, `${shown}`);
        assert.match(md, new RegExp(`\\*\\*${50 - shown} more changes not shown\\*\\*`));
        // The first change left out is listed by name.
        assert.match(md, new RegExp(`^- \`staging: added manifests/m${shown}\\.yaml\`$`, "m"));
    });

    it("marks a stack that is new at the base", () => {
        const d: StackDiff = { stack: "dr", changes: [change(1)], newStack: true };
        assert.match(formatMarkdown([d], { base: "b", head: "h" }), /^#### dr: 1 change \(1 added\) \(new stack\)$/m);
        assert.match(formatText([d]), /^dr: 1 change \(1 added\) \(stack does not exist at the base\)$/m);
    });
});

describe("npm run diff command line", () => {
    it("parses stacks, base and format", () => {
        assert.deepEqual(parseArgs(["--stack", "staging"]), { stacks: ["staging"], base: "HEAD", format: "text", sets: [], urns: false });
        assert.deepEqual(parseArgs(["--stack", "staging", "--stack", "production", "--stack", "staging", "--base", "HEAD~1", "--format", "markdown"]), {
            stacks: ["staging", "production"],
            base: "HEAD~1",
            format: "markdown",
            sets: [],
            urns: false,
        });
        assert.deepEqual(parseArgs(["--stack", "s", "--set", "migration.enabled=true", "--set", 'migration.hosts=["a.example.com"]', "--urns"]), {
            stacks: ["s"],
            base: "HEAD",
            format: "text",
            sets: ["migration.enabled=true", 'migration.hosts=["a.example.com"]'],
            urns: true,
        });
        assert.equal(parseArgs(["--stack", "s", "--base", "origin/main"]).base, "origin/main");
        assert.equal(parseArgs(["--stack", "s", "--base", "0123abcd"]).base, "0123abcd");
    });

    const bad: [string[], RegExp][] = [
        [[], /--stack <name> is required/],
        [["--stack"], /--stack needs a value/],
        [["--stack", "--base", "HEAD"], /--stack needs a value/],
        [["--stack", "a/b"], /--stack must be a stack name .*got 'a\/b'/],
        [["--stack", "s", "--base", "$(rm -rf /)"], /--base must be a git ref or commit, got '\$\(rm -rf \/\)'/],
        [["--stack", "s", "--base", "-x"], /--base must be a git ref or commit, got '-x'/],
        [["--stack", "s", "--format", "html"], /--format must be one of text, markdown, got 'html'/],
        [["--stack", "s", "--out", "x"], /unknown argument '--out'/],
        [["--stack", "s", "--set", "migration.enabled"], /--set must be key=value .*got 'migration\.enabled'/],
        [["--stack", "s", "--set"], /--set needs a value/],
    ];
    for (const [argv, message] of bad) {
        it(`rejects ${JSON.stringify(argv)}`, () => {
            assert.throws(() => parseArgs(argv), (e: Error) => e instanceof UsageError && message.test(e.message));
        });
    }
});

/** Copies the working tree (tracked and untracked, not ignored) into a fresh git repository. */
function tempRepo(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-diffrepo-"));
    const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_DIR, encoding: "utf8" });
    assert.equal(ls.status, 0, ls.stderr);
    for (const f of ls.stdout.split("\0").filter(Boolean)) {
        const src = path.join(PROJECT_DIR, f);
        if (!fs.existsSync(src) || !fs.statSync(src).isFile()) continue; // deleted in the working tree
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(src, path.join(dir, f));
    }
    gitIn(dir, ["init", "--quiet", "--initial-branch=main"]);
    commitAll(dir, "snapshot");
    fs.symlinkSync(fs.realpathSync(path.join(PROJECT_DIR, "node_modules")), path.join(dir, "node_modules"), "dir");
    return dir;
}

function gitIn(dir: string, args: string[]): string {
    const p = spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" });
    assert.equal(p.status, 0, `git ${args.join(" ")}: ${p.stderr}`);
    return p.stdout;
}

function commitAll(dir: string, message: string): void {
    gitIn(dir, ["add", "--all", "--", ".", ":(exclude)node_modules"]);
    gitIn(dir, ["commit", "--quiet", "-m", message]);
}

/** `npm run diff`'s node arguments, read from package.json (run directly: npm may be absent from PATH). */
let diffArgs: string[] = [];

function npmRunDiff(dir: string, args: string[]) {
    const p = spawnSync(process.execPath, [...diffArgs, ...args], { cwd: dir, encoding: "utf8", timeout: 240_000 });
    return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

describe("npm run diff end to end (temporary clone of this tree)", () => {
    let repo: string;
    before(() => {
        repo = tempRepo();
        const pkg = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8"));
        const [node, ...rest] = (pkg.scripts.diff as string).split(" ");
        assert.equal(node, "node");
        assert.equal(rest.at(-1), "tools/render/diff-cli.ts");
        diffArgs = rest;
    });

    it("--base HEAD on a clean tree prints 'no changes' and removes its worktree", () => {
        const r = npmRunDiff(repo, ["--stack", "staging", "--base", "HEAD"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "staging: no changes\n");
        assert.equal(gitIn(repo, ["worktree", "list"]).trim().split("\n").length, 1);
    });

    it("--stack production --base HEAD~1 after a one-value commit prints that change", () => {
        const file = path.join(repo, "Pulumi.production.yaml");
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^ {6}maxCount: 10$/m);
        fs.writeFileSync(file, text.replace(/^( {6}maxCount:) 10$/m, "$1 12"));
        commitAll(repo, "production: user pool max 12");
        const r = npmRunDiff(repo, ["--stack", "production", "--base", "HEAD~1"]);
        assert.equal(r.code, 0, r.stderr);
        const pool = "resources.json › azure-native:containerservice:AgentPool itops-aks-user";
        assert.ok(r.stdout.startsWith(`production: 1 change (1 modified)\n--- a/${pool}\n+++ b/${pool}\n@@ `), r.stdout);
        assert.match(r.stdout, /^-  maxCount: 10$/m);
        assert.match(r.stdout, /^\+  maxCount: 12$/m);
    });

    it("an unknown base is a usage error (exit 2)", () => {
        const r = npmRunDiff(repo, ["--stack", "staging", "--base", "no-such-ref"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: --base: 'no-such-ref' is not a commit in this repository/);
    });
});
