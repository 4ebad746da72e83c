/**
 * The data copy script (components/migration/container-scripts/migrate-data.sh) run for real with stub `mongodump`,
 * `mongorestore` and `mongosh` on PATH: a verified copy, a failed-documents line, a count
 * mismatch, a missing collection, an index mismatch, a failing restore. And the mongosh inventory
 * script run against a fake `db`.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { describe, it } from "node:test";
import { dataCopyScripts } from "../components/migration";
import { tempFiles } from "./tools";

const SOURCE_URI = "mongodb://copy:s3cret-source@old-db.legacy.svc:27017/?authSource=admin";
const TARGET_URI = "mongodb+srv://copy:s3cret-target@new-db.example.com/";

const STUBS: Record<string, string> = {
    "bin/mongodump": `#!/usr/bin/env bash
set -euo pipefail
printf 'mongodump %s\\n' "$*" >> "$STUB_LOG"
echo "archive-bytes"
echo "done dumping itops.tickets (10 documents)" >&2
`,
    "bin/mongorestore": `#!/usr/bin/env bash
set -euo pipefail
printf 'mongorestore %s\\n' "$*" >> "$STUB_LOG"
printf 'stdin: %s\\n' "$(cat)" >> "$STUB_LOG"
if [ -n "\${STUB_NO_SUMMARY:-}" ]; then exit 0; fi
echo "\${STUB_RESTORED:-15} document(s) restored successfully. \${STUB_FAILED:-0} document(s) failed to restore." >&2
exit "\${STUB_RESTORE_EXIT:-0}"
`,
    "bin/mongosh": `#!/usr/bin/env bash
set -euo pipefail
if [ "$1" = "$SOURCE_URI" ]; then side=source; else side=target; fi
printf 'mongosh %s %s\\n' "$side" "\${*:2}" >> "$STUB_LOG"
echo "Current Mongosh Log ID: 0123"
cat "$STUB_DIR/$side.tsv"
`,
};

const INVENTORY = [
    ["collection", "itops.tickets", "10", '{"_id":1};{"status":1,"createdAt":-1}'],
    ["collection", "itops.users", "5", '{"_id":1};{"email":1} unique'],
];
const tsv = (rows: string[][]) => rows.map((r) => r.join("\t")).join("\n") + "\n";

function copy(target: string[][], env: Record<string, string> = {}) {
    const scripts = dataCopyScripts();
    const dir = tempFiles({ ...STUBS, "scripts/migrate-data.sh": scripts["migrate-data.sh"], "scripts/inventory.js": scripts["inventory.js"], "source.tsv": tsv(INVENTORY), "target.tsv": tsv(target), "log": "", "work/.keep": "" });
    for (const s of Object.keys(STUBS)) fs.chmodSync(path.join(dir, s), 0o755);
    const p = spawnSync("bash", [path.join(dir, "scripts/migrate-data.sh")], {
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, SOURCE_URI, TARGET_URI, WORK_DIR: path.join(dir, "work"), STUB_LOG: path.join(dir, "log"), STUB_DIR: dir, ...env },
    });
    const log = fs.readFileSync(path.join(dir, "log"), "utf8").split("\n").filter(Boolean);
    return { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr, log };
}

function assertNoSecrets(r: { stdout: string; stderr: string }) {
    assert.ok(!/s3cret/.test(r.stdout + r.stderr), "the connection strings are never printed");
}

describe("data copy script", () => {
    it("streams mongodump into mongorestore with the exact flags and verifies an equal copy", () => {
        const r = copy(INVENTORY);
        assert.equal(r.code, 0, r.stderr);
        // mongodump and mongorestore run concurrently (a stream): their log lines may interleave.
        assert.deepEqual(r.log.slice(0, 3).sort(), [
            `mongodump --uri=${SOURCE_URI} --archive --gzip --oplog`,
            `mongorestore --uri=${TARGET_URI} --archive --gzip --oplogReplay --drop`,
            "stdin: archive-bytes",
        ].sort());
        assert.equal(r.log.length, 5);
        assert.match(r.log[3], /^mongosh source --quiet --norc /);
        assert.match(r.log[4], /^mongosh target --quiet --norc \S+\/scripts\/inventory\.js$/);
        assert.match(r.log[3], /--norc \S+\/scripts\/inventory\.js$/);
        assert.match(r.stdout, /data-copy: VERIFIED 2 collection\(s\), 15 document\(s\): counts and indexes equal/);
        assertNoSecrets(r);
    });

    const failures: [string, string[][], Record<string, string>, RegExp][] = [
        ["documents that failed to restore", INVENTORY, { STUB_FAILED: "3", STUB_RESTORED: "12" }, /data-copy: FAILED: mongorestore reports 3 document\(s\) failed to restore/],
        ["a per-collection count mismatch", [INVENTORY[0].map((c, i) => (i === 2 ? "9" : c)), INVENTORY[1]], {}, /data-copy: FAILED: collection itops\.tickets has 10 document\(s\) on the source but 9 on the target/],
        ["a missing collection", [INVENTORY[0]], {}, /data-copy: FAILED: collection itops\.users is missing on the target/],
        ["an extra collection", [...INVENTORY, ["collection", "itops.zombies", "1", '{"_id":1}']], {}, /data-copy: FAILED: collection itops\.zombies exists only on the target/],
        ["a different index set", [INVENTORY[0], ["collection", "itops.users", "5", '{"_id":1};{"email":1}']], {}, /data-copy: FAILED: collection itops\.users has indexes \[\{"_id":1\};\{"email":1\} unique\] on the source but \[\{"_id":1\};\{"email":1\}\] on the target/],
        ["a restore without a summary line", INVENTORY, { STUB_NO_SUMMARY: "1" }, /data-copy: FAILED: mongorestore did not report its document counts/],
    ];
    for (const [what, target, env, message] of failures) {
        it(`fails the Job on ${what}`, () => {
            const r = copy(target, env);
            assert.equal(r.code, 1, r.stdout);
            assert.match(r.stderr, message);
            assert.match(r.stderr, /data-copy: NOT VERIFIED/);
            assert.doesNotMatch(r.stdout, /VERIFIED \d/);
            assertNoSecrets(r);
        });
    }

    it("fails at once when mongorestore (or mongodump) exits non-zero, before verifying", () => {
        const r = copy(INVENTORY, { STUB_RESTORE_EXIT: "1" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /data-copy: FAILED: mongodump \| mongorestore exited non-zero/);
        assert.ok(!r.log.some((l) => l.startsWith("mongosh")), "no verification after a failed restore");
    });

    it("refuses to run without the connection strings", () => {
        const r = copy(INVENTORY, { SOURCE_URI: "" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /SOURCE_URI must be set/);
    });
});

describe("mongosh inventory script", () => {
    it("prints one sorted line per non-system collection with its count and sorted index keys", () => {
        const dbs: Record<string, Record<string, { count: number; indexes: { key: Record<string, number>; unique?: boolean }[] }>> = {
            itops: {
                users: { count: 5, indexes: [{ key: { email: 1 }, unique: true }, { key: { _id: 1 } }] },
                tickets: { count: 10, indexes: [{ key: { _id: 1 } }] },
                "system.views": { count: 0, indexes: [] },
            },
            admin: { "system.users": { count: 1, indexes: [] } },
            local: { oplog: { count: 100, indexes: [] } },
        };
        const lines: string[] = [];
        const sibling = (d: string) => ({
            getCollectionInfos: () => Object.keys(dbs[d]).map((name) => ({ name, type: "collection" })),
            getCollection: (c: string) => ({ countDocuments: () => dbs[d][c].count, getIndexes: () => dbs[d][c].indexes }),
        });
        const db = { getMongo: () => ({ getDBNames: () => Object.keys(dbs) }), getSiblingDB: sibling };
        vm.runInNewContext(dataCopyScripts()["inventory.js"], { db, print: (...a: unknown[]) => lines.push(a.join(" ")) });
        assert.deepEqual(lines, ["collection\titops.tickets\t10\t{\"_id\":1}", "collection\titops.users\t5\t{\"_id\":1};{\"email\":1} unique"]);
    });
});
