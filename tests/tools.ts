/**
 * Running the real external tools the tests rely on (promtool, amtool, shellcheck, ...).
 * A missing tool fails the test with an install hint; it is never silently skipped
 * (.ci/run installs every one of them).
 */
import * as assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where each tool comes from, for the failure message. */
const INSTALL_HINT: Record<string, string> = {
    promtool: "apt-get install prometheus",
    amtool: "apt-get install prometheus-alertmanager",
    shellcheck: "apt-get install shellcheck",
    actionlint: "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12",
    trivy: "GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0",
    kubeconform: "go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0",
};

/** The path of a required tool; fails the test when it is not installed. */
export function requireTool(name: string): string {
    // .ci/run builds Go tools into this cache (outside the work tree, kept between runs).
    const extra = [path.join(process.env.ITOPS_CACHE ?? path.join(os.homedir(), ".cache", "it-ops-infra"), "bin")];
    for (const dir of [...extra, ...(process.env.PATH ?? "").split(path.delimiter)]) {
        const p = path.join(dir, name);
        if (dir && fs.existsSync(p)) return p;
    }
    assert.fail(`${name} is not installed (${INSTALL_HINT[name] ?? "see .ci/run"}); .ci/run installs it`);
}

/** Runs a tool; returns its result (status, stdout, stderr). */
export function run(tool: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
    return spawnSync(requireTool(tool), args, { encoding: "utf8", timeout: 120_000, ...opts });
}

/** Writes files into a fresh temp dir and returns its path. */
export function tempFiles(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-test-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

/** `promtool check rules` on a rules file's text. */
export function promtoolCheckRules(rulesYaml: string): SpawnSyncReturns<string> {
    const dir = tempFiles({ "rules.yaml": rulesYaml });
    return run("promtool", ["check", "rules", path.join(dir, "rules.yaml")]);
}

/**
 * `promtool test rules` with the given rules file and unit-test file (whose `rule_files`
 * must name `rules.yaml`).
 */
export function promtoolTestRules(rulesYaml: string, testsYaml: string): SpawnSyncReturns<string> {
    const dir = tempFiles({ "rules.yaml": rulesYaml, "tests.yaml": testsYaml });
    return run("promtool", ["test", "rules", "tests.yaml"], { cwd: dir });
}

/** `shellcheck` on files (paths); returns the result. */
export function shellcheck(files: string[]): SpawnSyncReturns<string> {
    // -x: follow `source`d libraries (relative to each script) instead of flagging their variables.
    return run("shellcheck", ["-x", "--source-path=SCRIPTDIR", "--shell=bash", "--severity=style", ...files]);
}
