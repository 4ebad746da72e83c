/**
 * The container scripts of the backup system, run for real by bash with stub `mongodump`,
 * `mongorestore`, `mongod`, `mongosh`, `azcopy` and `date` executables first on PATH. The azcopy
 * stub keeps "blobs" in a local directory, so a backup can be uploaded and then drilled.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SCRIPTS_DIR, BACKUP_SCRIPTS } from "../components/backup/mongo-backup";
import { requireTool, shellcheck, tempFiles } from "./tools";

const CONTAINER_URL = "https://acct.blob.core.windows.net/mongodb-backups";
const SECRET_PASSWORD = "s3cr3t-P4ss";
const SOURCE_URI = `mongodb://backup:${SECRET_PASSWORD}@mongo-0.db:27017/?replicaSet=rs0`;

/** The stub executables. Each appends its arguments to $STUB_LOG/<name>.log. */
const STUBS: Record<string, string> = {
    date: `#!/usr/bin/env bash
case "$*" in
  *%Y%m%dT*) echo "\${STUB_TS:-20261128T170000Z}" ;;
  *) echo "2026-11-28T17:00:00Z" ;;
esac
`,
    mongodump: `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$STUB_LOG/mongodump.log"
archive="" config=""
for a in "$@"; do
  case "$a" in
    --archive=*) archive=\${a#--archive=} ;;
    --config=*) config=\${a#--config=} ;;
  esac
done
cp "$config" "$STUB_LOG/mongodump.config"
if [[ "\${STUB_DUMP:-ok}" == fail ]]; then
  printf '\\037\\213\\010\\000partial' >"$archive"
  echo "2026-11-28T17:00:01.000+0000	writing app.users to archive" >&2
  echo "2026-11-28T17:00:02.000+0000	Failed: error writing data for collection app.users: connection reset" >&2
  exit 1
fi
if [[ "\${STUB_DUMP:-ok}" == corrupt ]]; then
  printf 'not gzip at all' >"$archive"
else
  printf 'archive-of-%s' "\${STUB_TS:-20261128T170000Z}" | gzip >"$archive"
fi
if [[ "\${STUB_DUMP:-ok}" != empty ]]; then
  echo "2026-11-28T17:00:01.000+0000	done dumping app.users (3 documents)" >&2
  echo "2026-11-28T17:00:01.000+0000	done dumping app.orders (1 document)" >&2
fi
echo "2026-11-28T17:00:01.000+0000	done dumping admin.system.version (1 document)" >&2
`,
    azcopy: `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$STUB_LOG/azcopy.log"
[[ "\${AZCOPY_AUTO_LOGIN_TYPE:-}" == WORKLOAD ]] || { echo "no credentials" >&2; exit 1; }
local_path() { echo "$STUB_STORE/\${1#https://}"; }
cmd=$1; shift
case "$cmd" in
  copy|cp)
    src=$1 dst=$2
    if [[ "$src" == https://* ]]; then
      [[ -f "$(local_path "$src")" ]] || { echo "404 $src" >&2; exit 1; }
      cp "$(local_path "$src")" "$dst"
    else
      mkdir -p "$(dirname "$(local_path "$dst")")"
      [[ ! -e "$(local_path "$dst")" ]] || { echo "exists: $dst" >&2; exit 1; }
      cp "$src" "$(local_path "$dst")"
    fi ;;
  list)
    root=$(local_path "$1")
    [[ -d "$root" ]] || exit 0
    (cd "$root" && find . -type f | sed 's|^\\./||' | while read -r f; do echo "INFO: $f;  Content Length: 1 B"; done) ;;
  *) echo "unexpected azcopy $cmd" >&2; exit 2 ;;
esac
`,
    mongorestore: `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$STUB_LOG/mongorestore.log"
for a in "$@"; do case "$a" in --config=*) cp "\${a#--config=}" "$STUB_LOG/mongorestore.config" ;; esac; done
total=0
IFS=, read -ra pairs <<<"\${STUB_RESTORE_COUNTS:-app.users=3,app.orders=1}"
for p in "\${pairs[@]}"; do
  echo "2026-11-28T17:10:00.000+0000	finished restoring \${p%%=*} (\${p#*=} documents, 0 failures)" >&2
  total=$((total + \${p#*=}))
done
echo "2026-11-28T17:10:01.000+0000	$total document(s) restored successfully. \${STUB_RESTORE_FAILED:-0} document(s) failed to restore." >&2
`,
    mongod: `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$STUB_LOG/mongod.log"
echo $$ >"$STUB_LOG/mongod.pid"
exec sleep 30
`,
    mongosh: `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$STUB_LOG/mongosh.log"
echo 1
`,
};

interface Sandbox {
    readonly dir: string;
    readonly bin: string;
    readonly store: string;
    readonly logs: string;
    readonly work: string;
}

function sandbox(): Sandbox {
    requireTool("jq"); // the scripts use it (the mongo image ships it)
    const dir = tempFiles(Object.fromEntries(Object.entries(STUBS).map(([n, t]) => [`bin/${n}`, t])));
    for (const n of Object.keys(STUBS)) fs.chmodSync(path.join(dir, "bin", n), 0o755);
    for (const d of ["store", "logs", "work"]) fs.mkdirSync(path.join(dir, d));
    return { dir, bin: path.join(dir, "bin"), store: path.join(dir, "store"), logs: path.join(dir, "logs"), work: path.join(dir, "work") };
}

function runScript(sb: Sandbox, script: string, env: Record<string, string>) {
    const r = spawnSync(requireTool("bash"), [path.join(SCRIPTS_DIR, script)], {
        encoding: "utf8",
        timeout: 60_000,
        env: {
            PATH: `${sb.bin}:/usr/bin:/bin`,
            STUB_LOG: sb.logs,
            STUB_STORE: sb.store,
            WORK_DIR: sb.work,
            BACKUP_STACK: "staging",
            BACKUP_CONTAINER_URL: CONTAINER_URL,
            AZCOPY_AUTO_LOGIN_TYPE: "WORKLOAD",
            ...env,
        },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const blobDir = (sb: Sandbox) => path.join(sb.store, "acct.blob.core.windows.net", "mongodb-backups");
const log = (sb: Sandbox, tool: string) => (fs.existsSync(path.join(sb.logs, `${tool}.log`)) ? fs.readFileSync(path.join(sb.logs, `${tool}.log`), "utf8") : "");

function backup(sb: Sandbox, env: Record<string, string> = {}) {
    return runScript(sb, "backup.sh", { MONGODB_URI: SOURCE_URI, BACKUP_OPLOG: "true", ...env });
}

describe("container scripts pass shellcheck", () => {
    it("every script shipped in the ConfigMap, and the operator restore script", () => {
        const files = [...BACKUP_SCRIPTS.map((f) => path.join(SCRIPTS_DIR, f)), path.join(__dirname, "..", "scripts", "restore-backup.sh")];
        const r = shellcheck(files);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.match(text, /^#!\/usr\/bin\/env bash\n/, `${f} has a bash shebang`);
            assert.match(text, /\nset -euo pipefail\n/, `${f} sets -euo pipefail`);
        }
    });
});

describe("backup.sh", () => {
    it("uploads the archive and then a manifest at <stack>/<yyyy>/<mm>/<dd>/<timestamp>", () => {
        const sb = sandbox();
        const r = backup(sb);
        assert.equal(r.code, 0, r.out);
        const base = "staging/2026/11/28/20261128T170000Z";
        const archive = path.join(blobDir(sb), `${base}.archive.gz`);
        const manifestFile = path.join(blobDir(sb), `${base}.manifest.json`);
        assert.ok(fs.existsSync(archive), "archive uploaded");
        const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
        assert.deepEqual(manifest, {
            stack: "staging",
            timestamp: "20261128T170000Z",
            archive: `${base}.archive.gz`,
            sha256: crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex"),
            bytes: fs.statSync(archive).size,
            oplog: true,
            collections: { "app.users": 3, "app.orders": 1, "admin.system.version": 1 },
            totalDocuments: 5,
        });
        // The archive first, the manifest last (a manifest marks a complete backup).
        const uploads = log(sb, "azcopy").trim().split("\n");
        assert.equal(uploads.length, 2);
        assert.match(uploads[0], new RegExp(`^copy \\S+ ${CONTAINER_URL}/${base}\\.archive\\.gz --overwrite=false --put-md5$`));
        assert.match(uploads[1], new RegExp(`^copy \\S+ ${CONTAINER_URL}/${base}\\.manifest\\.json --overwrite=false --put-md5$`));
    });

    it("dumps with --archive --gzip (--oplog for a replica set) and keeps the URI off the command line", () => {
        const sb = sandbox();
        assert.equal(backup(sb).code, 0);
        const args = log(sb, "mongodump").trim();
        assert.match(args, /--archive=\S+\.archive\.gz --gzip -v --oplog$/);
        assert.ok(!args.includes(SECRET_PASSWORD), "the URI is not an argument");
        assert.equal(fs.readFileSync(path.join(sb.logs, "mongodump.config"), "utf8"), `uri: '${SOURCE_URI}'\n`);
        assert.deepEqual(fs.readdirSync(sb.work).filter((f) => !f.endsWith(".mongodump.log")), [], "archive, manifest and URI file are removed");

        const noOplog = sandbox();
        assert.equal(backup(noOplog, { BACKUP_OPLOG: "false" }).code, 0);
        assert.doesNotMatch(log(noOplog, "mongodump"), /--oplog/);
        assert.equal(JSON.parse(fs.readFileSync(path.join(blobDir(noOplog), "staging/2026/11/28/20261128T170000Z.manifest.json"), "utf8")).oplog, false);
    });

    it("a failing dump exits non-zero without uploading anything", () => {
        const sb = sandbox();
        const r = backup(sb, { STUB_DUMP: "fail" });
        assert.notEqual(r.code, 0);
        assert.match(r.out, /mongodump failed \(exit 1\); nothing was uploaded/);
        assert.equal(log(sb, "azcopy"), "", "azcopy was never called");
        assert.equal(fs.existsSync(blobDir(sb)), false, "no blob exists");
        assert.ok(!r.out.includes(SECRET_PASSWORD), "the URI is not logged");
    });

    it("a corrupt archive or a dump without user collections is not uploaded either", () => {
        for (const mode of ["corrupt", "empty"]) {
            const sb = sandbox();
            const r = backup(sb, { STUB_DUMP: mode });
            assert.notEqual(r.code, 0, mode);
            assert.match(r.out, /nothing was uploaded/, mode);
            assert.equal(log(sb, "azcopy"), "", `${mode}: azcopy was never called`);
        }
    });

    it("requires its environment", () => {
        const sb = sandbox();
        const r = runScript(sb, "backup.sh", {});
        assert.notEqual(r.code, 0);
        assert.match(r.out, /MONGODB_URI must be set/);
    });
});

describe("restore-drill.sh", () => {
    /** A store with an older and a newer backup (the drill must take the newer). */
    function withBackups(): Sandbox {
        const sb = sandbox();
        assert.equal(backup(sb, { STUB_TS: "20261120T170000Z" }).code, 0);
        assert.equal(backup(sb, { STUB_TS: "20261128T170000Z" }).code, 0);
        fs.writeFileSync(path.join(sb.logs, "azcopy.log"), "");
        return sb;
    }

    it("restores the newest backup into a throw-away mongod and passes when the counts match", () => {
        const sb = withBackups();
        const r = runScript(sb, "restore-drill.sh", { DRILL_MONGOD_PORT: "27999" });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /restore drill ok: staging\/2026\/11\/28\/20261128T170000Z\.manifest\.json \(2 collections, 5 documents\)/);
        assert.match(log(sb, "azcopy"), new RegExp(`copy ${CONTAINER_URL}/staging/2026/11/28/20261128T170000Z.archive.gz `));
        assert.match(log(sb, "mongod"), /--bind_ip 127\.0\.0\.1 --port 27999 --nounixsocket/);
        // The throw-away mongod is stopped when the drill ends.
        const pid = Number(fs.readFileSync(path.join(sb.logs, "mongod.pid"), "utf8"));
        assert.throws(() => process.kill(pid, 0), /ESRCH/);
        const restoreArgs = log(sb, "mongorestore");
        assert.match(restoreArgs, /--archive=\S+backup\.archive\.gz --gzip -v --oplogReplay/);
        assert.equal(fs.readFileSync(path.join(sb.logs, "mongorestore.config"), "utf8"), "uri: 'mongodb://127.0.0.1:27999/'\n");
    });

    it("fails on a per-collection count mismatch", () => {
        const sb = withBackups();
        const r = runScript(sb, "restore-drill.sh", { STUB_RESTORE_COUNTS: "app.users=2,app.orders=1" });
        assert.notEqual(r.code, 0);
        assert.match(r.out, /< app\.users\t3/);
        assert.match(r.out, /> app\.users\t2/);
        assert.match(r.out, /document counts do not match the manifest/);
    });

    it("fails on a missing collection", () => {
        const sb = withBackups();
        const r = runScript(sb, "restore-drill.sh", { STUB_RESTORE_COUNTS: "app.users=3" });
        assert.notEqual(r.code, 0);
        assert.match(r.out, /document counts do not match the manifest/);
    });

    it("fails when documents failed to restore", () => {
        const sb = withBackups();
        const r = runScript(sb, "restore-drill.sh", { STUB_RESTORE_FAILED: "2" });
        assert.notEqual(r.code, 0);
        assert.match(r.out, /2 document\(s\) failed to restore/);
    });

    it("fails when the archive does not match the manifest's SHA-256", () => {
        const sb = withBackups();
        fs.appendFileSync(path.join(blobDir(sb), "staging/2026/11/28/20261128T170000Z.archive.gz"), "x");
        const r = runScript(sb, "restore-drill.sh", {});
        assert.notEqual(r.code, 0);
        assert.match(r.out, /does not match the manifest/);
        assert.equal(log(sb, "mongorestore"), "", "nothing was restored");
    });

    it("fails when there is no backup", () => {
        const sb = sandbox();
        const r = runScript(sb, "restore-drill.sh", {});
        assert.notEqual(r.code, 0);
        assert.match(r.out, /no backup of stack staging found/);
    });
});

describe("restore.sh (on-demand restore)", () => {
    it("restores the requested backup into the target URI with --drop, URI only in the config file", () => {
        const sb = sandbox();
        assert.equal(backup(sb, { STUB_TS: "20261120T170000Z" }).code, 0);
        assert.equal(backup(sb, { STUB_TS: "20261128T170000Z" }).code, 0);
        const target = `mongodb://restore:${SECRET_PASSWORD}@target:27017/`;
        const r = runScript(sb, "restore.sh", {
            RESTORE_TARGET_URI: target,
            RESTORE_BACKUP: "staging/2026/11/20/20261120T170000Z.manifest.json",
            RESTORE_DROP: "true",
        });
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /restore ok: staging\/2026\/11\/20\/20261120T170000Z\.manifest\.json \(2 collections restored\)/);
        assert.match(log(sb, "mongorestore"), /--gzip -v --drop --oplogReplay/);
        assert.ok(!log(sb, "mongorestore").includes(SECRET_PASSWORD));
        assert.ok(!r.out.includes(SECRET_PASSWORD));
        assert.equal(fs.readFileSync(path.join(sb.logs, "mongorestore.config"), "utf8"), `uri: '${target}'\n`);
    });

    it("fails when documents failed to restore", () => {
        const sb = sandbox();
        assert.equal(backup(sb).code, 0);
        const r = runScript(sb, "restore.sh", { RESTORE_TARGET_URI: "mongodb://t/", STUB_RESTORE_FAILED: "1" });
        assert.notEqual(r.code, 0);
        assert.match(r.out, /1 document\(s\) failed to restore/);
    });
});
