/**
 * The extraction of documented `pulumi config set` commands (tests/engine/doc-commands.ts), which
 * `npm run test:engine` runs against a scratch stack with the real CLI.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configSetCommands, documentedConfigSetCommands, retarget, shellWords } from "./engine/doc-commands";
import { PROJECT_DIR } from "./helpers";

describe("shellWords", () => {
    const cases: [string, string[]][] = [
        ["pulumi config set --path 'migration.hosts[0]' it-ops.example.co.jp", ["pulumi", "config", "set", "--path", "migration.hosts[0]", "it-ops.example.co.jp"]],
        ['pulumi config set --path "a.b" "x y"   # comment', ["pulumi", "config", "set", "--path", "a.b", "x y"]],
        ["pulumi config set --path a false && pulumi up", ["pulumi", "config", "set", "--path", "a", "false"]],
        ["pulumi config set --path a 'it''s'", ["pulumi", "config", "set", "--path", "a", "its"]],
        ["echo a#b", ["echo", "a#b"]],
    ];
    for (const [line, words] of cases) it(line, () => assert.deepEqual(shellWords(line), words));
    it("rejects an unterminated quote", () => assert.throws(() => shellWords("pulumi config set --path a 'x"), /unterminated '/));
});

describe("configSetCommands", () => {
    it("takes fenced lines and inline spans, and marks templates and mentions", () => {
        const md = [
            "Run `pulumi config set --path a.b 1` first, or `pulumi config set --path`.",
            "```bash",
            "pulumi config set --secret --path <key> <value>",
            "pulumi config set --stack local --path c.d 'x y'   # note",
            "```",
            "pulumi config set --path outside.fence 1",
        ].join("\n");
        const got = configSetCommands("f.md", md).map((c) => [c.where, c.argv.slice(3).join(" "), c.template ?? ""]);
        assert.deepEqual(got, [
            ["f.md:1", "--path a.b 1", ""],
            ["f.md:1", "--path", "a mention of the command, without key and value"],
            ["f.md:3", "--secret --path <key> <value>", "a template (<key>)"],
            ["f.md:4", "--stack local --path c.d x y", ""],
        ]);
    });

    it("finds the documented commands, the tlsSecretName one with --plaintext", () => {
        const all = documentedConfigSetCommands(PROJECT_DIR);
        const runnable = all.filter((c) => !c.template);
        assert.ok(runnable.length >= 30, `only ${runnable.length} runnable commands found`);
        const tls = runnable.filter((c) => c.argv.includes("migration.tlsSecretName"));
        assert.equal(tls.length, 1);
        assert.ok(tls[0].argv.includes("--plaintext"), tls[0].text);
    });

    it("re-targets a command at the scratch stack", () => {
        assert.deepEqual(retarget(["pulumi", "config", "set", "--path", "a", "1"], "s"), ["pulumi", "config", "set", "--stack", "s", "--path", "a", "1"]);
        assert.deepEqual(retarget(["pulumi", "config", "set", "--stack", "local", "--path", "a", "1"], "s"), ["pulumi", "config", "set", "--stack", "s", "--path", "a", "1"]);
    });
});
