/**
 * No package registry's host name appears in the repository: documentation and code say
 * "the Go module proxy", "the npm registry", "Debian's packages" instead.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "./helpers";

// Assembled from parts, so that this file does not contain them either.
const HOSTS = [
    ["proxy", "golang", "org"],
    ["sum", "golang", "org"],
    ["registry", "npmjs", "org"],
    ["registry", "yarnpkg", "com"],
    ["deb", "debian", "org"],
    ["security", "debian", "org"],
    ["pypi", "org"],
    ["files", "pythonhosted", "org"],
].map((p) => p.join("."));

/** The registry host names a text mentions. */
function hostsIn(text: string): string[] {
    const lower = text.toLowerCase();
    return HOSTS.filter((h) => lower.includes(h));
}

/** Every file git tracks or would add (untracked, not ignored). */
function repoFiles(): string[] {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_DIR, encoding: "utf8" });
    return out.split("\0").filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)) && fs.statSync(path.join(PROJECT_DIR, f)).isFile());
}

describe("registry host names", () => {
    it("appear in no file of the repository", () => {
        const files = repoFiles();
        assert.ok(files.length > 50, `${files.length} files`);
        const hits: string[] = [];
        for (const f of files) {
            for (const h of hostsIn(fs.readFileSync(path.join(PROJECT_DIR, f), "latin1"))) hits.push(`${f}: ${h}`);
        }
        assert.deepEqual(hits, []);
    });

    it("the check finds a host name when one is there", () => {
        assert.deepEqual(hostsIn(`reading https://${HOSTS[0].toUpperCase()}/example.com/m/@v/list: 403 Forbidden`), [HOSTS[0]]);
        assert.deepEqual(hostsIn("reading <the Go module proxy>/example.com/m/@v/list: 403 Forbidden"), []);
    });
});
