/**
 * The delivery pipeline (.github/): actionlint on every workflow, shellcheck on the CI scripts,
 * and the security properties read from the parsed workflows: permissions per job, OpenID
 * Connect to Azure without client secrets, pinned actions, one deployment per stack at a time,
 * environment protection for production, no pull-request code with secrets. The CI scripts'
 * logic runs for real against stand-ins for `pulumi` and `gh` (no cloud or GitHub here).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./helpers";
import { requireTool, run, shellcheck, tempFiles } from "./tools";

const GITHUB_DIR = path.join(PROJECT_DIR, ".github");
const WORKFLOW_DIR = path.join(GITHUB_DIR, "workflows");
const SCRIPT_DIR = path.join(GITHUB_DIR, "ci-scripts");

interface Workflow {
    readonly file: string;
    readonly text: string;
    readonly doc: any;
}

function load(file: string): Workflow {
    const text = fs.readFileSync(file, "utf8");
    return { file: path.relative(PROJECT_DIR, file), text, doc: YAML.parse(text) };
}

const workflows: Workflow[] = fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => load(path.join(WORKFLOW_DIR, f)));
/** The workflows of the delivery pipeline; other parts may add more (each still gets the generic checks). */
const PIPELINE = ["deploy.yml", "drift.yml", "pull-request.yml", "render-diff-comment.yml", "test.yml"];
const isPipeline = (w: Workflow) => PIPELINE.includes(path.basename(w.file));
/** `needs` as a list. */
const needsOf = (job: any): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const byName = (file: string): Workflow => {
    const w = workflows.find((x) => x.file === `.github/workflows/${file}`);
    assert.ok(w, `.github/workflows/${file} is missing`);
    return w;
};

/** Local composite actions, by the `uses:` that names them. */
const localActions = new Map<string, Workflow>(
    fs
        .readdirSync(path.join(GITHUB_DIR, "actions"))
        .map((d) => [`./.github/actions/${d}`, load(path.join(GITHUB_DIR, "actions", d, "action.yml"))] as const),
);

/** A job's steps with local composite actions expanded in place. */
function steps(job: any): any[] {
    return (job.steps ?? []).flatMap((s: any) => {
        const local = typeof s.uses === "string" ? localActions.get(s.uses) : undefined;
        return local ? [s, ...local.doc.runs.steps] : [s];
    });
}

function jobs(w: Workflow): [string, any][] {
    return Object.entries(w.doc.jobs ?? {});
}

const usesAction = (s: any, action: string) => typeof s.uses === "string" && s.uses.split("@")[0].toLowerCase() === action;
const pulumiSteps = (job: any) => steps(job).filter((s) => usesAction(s, "pulumi/actions"));
const logsInToAzure = (job: any) => steps(job).some((s) => usesAction(s, "azure/login"));
/** The text of a job (its YAML), for reference checks. */
const jobText = (job: any) => YAML.stringify(job);

describe("CI runners and the private network (docs/network.md#ci-runners)", () => {
    /** A job reaches a stack when it logs in to Azure or pulls from a stack's registry. */
    const reachesStack = (job: any) => logsInToAzure(job) || /ACR_PULL_TOKEN/.test(jobText(job));
    const stackJobs = workflows.flatMap((w) => jobs(w).filter(([, j]) => !j.uses && reachesStack(j)).map(([name, j]) => [`${path.basename(w.file)}:${name}`, j] as const));

    it("every job that reaches a stack's API server, registry or storage runs on the self-hosted runners inside the network", () => {
        assert.deepEqual(stackJobs.map(([n]) => n).sort(), ["deploy.yml:production", "deploy.yml:staging", "drift.yml:drift", "image-scan.yml:scan", "pull-request.yml:preview"]);
        for (const [name, job] of stackJobs) assert.deepEqual(job["runs-on"], ["self-hosted", "linux", "itops-hub"], name);
    });

    it("no other job runs on them", () => {
        const others = workflows.flatMap((w) => jobs(w).filter(([, j]) => !j.uses && !reachesStack(j)).map(([name, j]) => [`${path.basename(w.file)}:${name}`, j] as const));
        for (const [name, job] of others) assert.ok(!JSON.stringify(job["runs-on"] ?? "").includes("itops-hub"), name);
    });

    it("actionlint knows the runners' label", () => {
        const cfg = YAML.parse(fs.readFileSync(path.join(GITHUB_DIR, "actionlint.yaml"), "utf8"));
        assert.deepEqual(cfg["self-hosted-runner"].labels, ["itops-hub"]);
    });
});

describe("workflow files", () => {
    it("include the pull-request, comment, deploy, drift and test workflows", () => {
        for (const f of PIPELINE) byName(f);
        assert.deepEqual(Object.keys(byName("pull-request.yml").doc.on), ["pull_request"]);
        assert.deepEqual(Object.keys(byName("render-diff-comment.yml").doc.on), ["workflow_run"]);
        assert.deepEqual(byName("deploy.yml").doc.on, { push: { branches: ["main"] }, workflow_dispatch: {} });
        assert.deepEqual(Object.keys(byName("drift.yml").doc.on), ["schedule", "workflow_dispatch"]);
        assert.deepEqual(byName("test.yml").doc.on, { workflow_call: {} });
    });

    it("actionlint passes on every workflow (and the composite action they use)", () => {
        requireTool("actionlint");
        const r = run("actionlint", ["-no-color", ...workflows.map((w) => w.file)], { cwd: PROJECT_DIR });
        assert.equal(r.status, 0, `actionlint:\n${r.stdout}${r.stderr}`);
    });

    it("actionlint really checks: a broken workflow fails it", () => {
        const dir = tempFiles({
            ".github/workflows/bad.yml": [
                "on: push",
                "permissions:",
                "  content: read", // unknown scope
                "jobs:",
                "  a:",
                "    runs-on: ubuntu-24.04",
                "    steps:",
                "      - run: echo $UNQUOTED", // shellcheck SC2086
                "",
            ].join("\n"),
        });
        fs.mkdirSync(path.join(dir, ".git"));
        const r = run("actionlint", ["-no-color", ".github/workflows/bad.yml"], { cwd: dir });
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stdout, /unknown permission scope "content"/);
        assert.match(r.stdout, /SC2086/);
    });
});

describe("security properties", () => {
    it("no pull_request_target: pull-request code never runs with secrets from a fork", () => {
        for (const w of workflows) {
            assert.ok(!("pull_request_target" in (w.doc.on ?? {})), `${w.file} uses pull_request_target`);
            const code = w.text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
            assert.doesNotMatch(code, /pull_request_target/, w.file);
        }
    });

    it("permissions: {} at the top of every workflow", () => {
        for (const w of workflows) assert.deepEqual(w.doc.permissions, {}, `${w.file}: top-level permissions`);
    });

    it("every job has exactly the permissions it needs", () => {
        const expected: Record<string, Record<string, Record<string, string>>> = {
            "deploy.yml": {
                test: { contents: "read" },
                "image-scan": { contents: "read" },
                staging: { contents: "read", "id-token": "write" },
                production: { contents: "read", "id-token": "write" },
            },
            "drift.yml": { drift: { contents: "read", "id-token": "write", issues: "write" } },
            "pull-request.yml": {
                test: { contents: "read" },
                "render-diff": { contents: "read" },
                preview: { contents: "read", "id-token": "write", "pull-requests": "write" },
            },
            "render-diff-comment.yml": { comment: { actions: "read", contents: "read", "pull-requests": "write" } },
            "test.yml": { test: { contents: "read" } },
        };
        for (const w of workflows.filter(isPipeline)) {
            const actual = Object.fromEntries(jobs(w).map(([id, j]) => [id, j.permissions]));
            assert.deepEqual(actual, expected[path.basename(w.file)], w.file);
        }
        // Workflows other parts add: explicit per-job permissions, never the write-all shorthand.
        for (const w of workflows.filter((x) => !isPipeline(x))) {
            for (const [id, j] of jobs(w)) {
                assert.equal(typeof j.permissions, "object", `${w.file} ${id} has no permissions map`);
            }
        }
    });

    it("id-token: write only in jobs that log in to Azure, and every such job has it", () => {
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                assert.equal(job.permissions?.["id-token"] === "write", logsInToAzure(job), `${w.file} ${id}`);
            }
        }
    });

    it("Azure login by OpenID Connect: client, tenant and subscription ids only, no client secret anywhere", () => {
        const logins = [...workflows, ...localActions.values()].flatMap((w) =>
            jobs(w).length ? jobs(w).flatMap(([, j]) => j.steps ?? []) : (w.doc.runs?.steps ?? []),
        ).filter((s: any) => usesAction(s, "azure/login"));
        assert.ok(logins.length >= 1, "the shared composite action logs in");
        for (const l of logins) assert.deepEqual(Object.keys(l.with).sort(), ["client-id", "subscription-id", "tenant-id"]);
        for (const w of [...workflows, ...localActions.values()]) {
            assert.doesNotMatch(w.text, /client-secret|CLIENT_SECRET|creds:|AZURE_CREDENTIALS|auth-type: *SERVICE_PRINCIPAL/i, w.file);
        }
    });

    it("jobs that run Pulumi against Azure: ARM_USE_OIDC and ids from variables, login to the same identity", () => {
        let count = 0;
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                if (!logsInToAzure(job) || pulumiSteps(job).length === 0) continue;
                count++;
                const env = job.env ?? {};
                assert.equal(env.ARM_USE_OIDC, "true", `${w.file} ${id}`);
                for (const k of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
                    assert.match(env[k], /^\$\{\{ vars\.AZURE_[A-Z_]+ \}\}$/, `${w.file} ${id} ${k}`);
                }
                const setup = (job.steps as any[]).find((s) => s.uses === "./.github/actions/setup-pulumi-azure");
                assert.equal(setup.with["client-id"], env.ARM_CLIENT_ID, `${w.file} ${id}: Azure CLI and azure-native use one identity`);
                assert.equal(setup.with["tenant-id"], env.ARM_TENANT_ID);
                assert.equal(setup.with["subscription-id"], env.ARM_SUBSCRIPTION_ID);
                // Previews and drift checks use the read-only identity; only deployments use the deployer.
                const deploys = pulumiSteps(job).some((s) => s.with?.command === "up");
                assert.equal(env.ARM_CLIENT_ID, deploys ? "${{ vars.AZURE_CLIENT_ID }}" : "${{ vars.AZURE_PREVIEW_CLIENT_ID }}", `${w.file} ${id}`);
            }
        }
        assert.equal(count, 4, "preview, staging, production, drift");
    });

    it("kubelogin is installed and logs in with the Azure CLI session before any Pulumi command", () => {
        const setup = localActions.get("./.github/actions/setup-pulumi-azure")!.doc.runs.steps as any[];
        const at = (pred: (s: any) => boolean) => setup.findIndex(pred);
        const login = at((s) => usesAction(s, "azure/login"));
        const kubelogin = at((s) => usesAction(s, "azure/use-kubelogin"));
        assert.ok(login >= 0 && kubelogin > login);
        assert.match(setup[kubelogin].with["kubelogin-version"], /^v\d+\.\d+\.\d+$/);
        assert.ok(setup.some((s) => /AAD_LOGIN_METHOD=azurecli/.test(s.run ?? "")));
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                const list = job.steps ?? [];
                const s = list.findIndex((x: any) => x.uses === "./.github/actions/setup-pulumi-azure");
                // (A pulumi/actions step without a command only installs the CLI: e2e.yml, no Azure.)
                const p = list.findIndex((x: any) => usesAction(x, "pulumi/actions") && x.with?.command);
                if (p >= 0) assert.ok(s >= 0 && s < p, `${w.file} ${id}: set-up before Pulumi`);
            }
        }
        // The program's own kubeconfig logs in with the Azure CLI too.
        for (const stack of ["staging", "production"]) {
            assert.match(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"), /^ {4}kubeloginMode: azurecli$/m);
        }
    });

    it("secrets reach steps only through env, never inside run scripts; no --show-secrets; outputs suppressed", () => {
        for (const w of [...workflows, ...localActions.values()]) {
            const all = jobs(w).length ? jobs(w).flatMap(([, j]) => j.steps ?? []) : w.doc.runs.steps;
            for (const s of all) {
                if (s.run) assert.doesNotMatch(s.run, /\$\{\{\s*secrets\./, `${w.file}: ${s.name}`);
                if (s.run) assert.doesNotMatch(s.run, /\$\{\{\s*(github\.event|steps|inputs)\./, `${w.file}: ${s.name}: no expressions in scripts (injection)`);
            }
            assert.doesNotMatch(w.text, /show-secrets/, w.file);
            // The pipeline's secrets: the Pulumi Cloud token (as an environment variable) and, passed
            // to the image scan only, the pull-only ACR token.
            const allowed = ["PULUMI_ACCESS_TOKEN", "ACR_PULL_TOKEN_NAME", "ACR_PULL_TOKEN_PASSWORD"];
            if (isPipeline(w)) for (const m of w.text.matchAll(/secrets\.([A-Za-z_]+)/g)) assert.ok(allowed.includes(m[1]), `${w.file}: secrets.${m[1]}`);
        }
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                for (const s of pulumiSteps(job).filter((x) => x.with?.command)) {
                    assert.equal(s.with["suppress-outputs"], true, `${w.file} ${id}`);
                }
            }
        }
    });

    it("every checkout drops the token (persist-credentials: false)", () => {
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                for (const s of steps(job).filter((x) => usesAction(x, "actions/checkout"))) {
                    assert.equal(s.with?.["persist-credentials"], false, `${w.file} ${id}`);
                }
            }
        }
    });
});

/**
 * Whether a `uses:` line is pinned: a local path, or `owner/repo[/path]@<40-hex commit>` with a
 * `# v<version>` comment. Returns the problem, or undefined.
 */
function pinProblem(line: string): string | undefined {
    const m = /^\s*(?:-\s*)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!m) return "not a uses: line";
    const [, ref, comment] = m;
    if (ref.startsWith("./")) return undefined;
    if (ref.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : "docker image without a digest";
    const at = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@(.+)$/.exec(ref);
    if (!at) return "not owner/repo@ref";
    if (!/^[0-9a-f]{40}$/.test(at[1])) return `not pinned to a commit SHA: @${at[1]}`;
    if (!comment || !/^v\d+(\.\d+)*$/.test(comment.trim())) return "no '# vX.Y.Z' comment naming the version";
    return undefined;
}

describe("pinned actions", () => {
    const table: [string, string | undefined][] = [
        ["      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", undefined],
        ["        uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0", undefined],
        ["    uses: ./.github/workflows/test.yml", undefined],
        ["      - uses: actions/checkout@v4", "not pinned to a commit SHA: @v4"],
        ["      - uses: actions/checkout@main", "not pinned to a commit SHA: @main"],
        ["      - uses: pulumi/actions@master", "not pinned to a commit SHA: @master"],
        ["      - uses: azure/login@v3.1.0", "not pinned to a commit SHA: @v3.1.0"],
        ["      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "no '# vX.Y.Z' comment naming the version"],
        ["      - uses: actions/checkout", "not owner/repo@ref"],
        ["      - uses: docker://alpine:3", "docker image without a digest"],
    ];
    for (const [line, problem] of table) {
        it(`${line.trim()} → ${problem ?? "pinned"}`, () => assert.equal(pinProblem(line), problem));
    }

    it("every uses: in the workflows and the composite action is pinned, one version per action", () => {
        const seen = new Map<string, string>();
        let count = 0;
        for (const w of [...workflows, ...localActions.values()]) {
            for (const line of w.text.split("\n").filter((l) => /^\s*(-\s*)?uses:/.test(l))) {
                count++;
                assert.equal(pinProblem(line), undefined, `${w.file}: ${line.trim()}`);
                const ref = line.replace(/^\s*(-\s*)?uses:\s*/, "");
                const action = ref.split("@")[0];
                if (action.startsWith("./")) continue;
                assert.equal(seen.get(action) ?? ref, ref, `${action} pinned to two versions`);
                seen.set(action, ref);
            }
        }
        assert.ok(count >= 20, `${count}`);
        for (const a of ["actions/checkout", "actions/download-artifact", "actions/setup-go", "actions/setup-node", "actions/upload-artifact", "azure/login", "azure/use-kubelogin", "pulumi/actions"]) {
            assert.ok(seen.has(a), a);
        }
    });

    it("the Pulumi CLI version is pinned in .pulumi.version and every pulumi/actions step installs it", () => {
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".pulumi.version"), "utf8"), /^3\.\d+\.\d+\n$/);
        let n = 0;
        for (const w of workflows) {
            for (const [, job] of jobs(w)) {
                for (const s of pulumiSteps(job)) {
                    n++;
                    assert.equal(s.with["pulumi-version-file"], ".pulumi.version", w.file);
                    assert.equal(s.with["pulumi-version"], undefined);
                }
            }
        }
        assert.ok(n >= 4, `${n}`);
    });

    it("Node.js 22 (actions/setup-node) wherever npm runs", () => {
        for (const w of workflows) {
            for (const [id, job] of jobs(w)) {
                if (job.uses) continue;
                const list = steps(job);
                const npm = list.findIndex((s) => /\bnpm\b|\.ci\/run/.test(s.run ?? ""));
                if (npm < 0) continue;
                const node = list.findIndex((s) => usesAction(s, "actions/setup-node"));
                assert.ok(node >= 0 && node < npm, `${w.file} ${id}: setup-node before npm`);
                assert.equal(list[node].with["node-version"], "22", `${w.file} ${id}`);
            }
        }
    });
});

describe("pull requests", () => {
    const pr = byName("pull-request.yml");
    const job = (id: string) => pr.doc.jobs[id];

    it("tests with npm ci && npm test (.ci/run) in the reusable test workflow", () => {
        assert.equal(job("test").uses, "./.github/workflows/test.yml");
        const t = byName("test.yml").doc.jobs.test;
        assert.ok(t.steps.some((s: any) => s.run === "bash .ci/run"));
        const ci = fs.readFileSync(path.join(PROJECT_DIR, ".ci", "run"), "utf8");
        assert.match(ci, /^npm ci /m);
        assert.match(ci, /^npm test$/m);
        assert.match(ci, /^go_tool actionlint github\.com\/rhysd\/actionlint\/cmd\/actionlint@v\d+\.\d+\.\d+$/m);
    });

    it("render-diff: both stacks against the base, no secrets, read-only, uploaded as an artifact", () => {
        const j = job("render-diff");
        assert.deepEqual(j.permissions, { contents: "read" });
        assert.equal(j.needs, undefined, "runs for every pull request, forks included");
        assert.equal(j.if, undefined);
        assert.doesNotMatch(jobText(j), /secrets\.|id-token|environment/);
        const checkout = j.steps.find((s: any) => usesAction(s, "actions/checkout"));
        assert.equal(checkout.with["fetch-depth"], 0, "the base commit must be in the clone");
        const diff = j.steps.find((s: any) => /npm run --silent diff/.test(s.run ?? ""));
        assert.match(diff.run, /npm run --silent diff -- --stack staging --stack production --base "\$BASE_SHA" --format markdown --urns > render-diff\/comment\.md/);
        assert.equal(diff.env.BASE_SHA, "${{ github.event.pull_request.base.sha }}");
        const upload = j.steps.find((s: any) => usesAction(s, "actions/upload-artifact"));
        assert.equal(upload.with.name, "render-diff");
        assert.equal(upload.with.path, "render-diff/");
    });

    it("the comment is posted by a workflow_run job that never checks out or runs pull-request code", () => {
        const w = byName("render-diff-comment.yml");
        assert.deepEqual(w.doc.on.workflow_run, { workflows: [pr.doc.name], types: ["completed"] });
        const j = w.doc.jobs.comment;
        assert.match(j.if, /github\.event\.workflow_run\.event == 'pull_request'/);
        assert.doesNotMatch(jobText(j), /secrets\./);
        const checkout = j.steps.find((s: any) => usesAction(s, "actions/checkout"));
        assert.deepEqual(checkout.with, { "persist-credentials": false, "sparse-checkout": ".github/ci-scripts" }, "default branch, no ref");
        assert.ok(!j.steps.some((s: any) => /\bnpm\b|\bnode\b/.test(s.run ?? "")), "nothing from the artifact is executed");
        const download = j.steps.find((s: any) => usesAction(s, "actions/download-artifact"));
        assert.equal(download.with.name, "render-diff");
        assert.equal(download.with["run-id"], "${{ github.event.workflow_run.id }}");
        const post = j.steps.find((s: any) => /pr-comment\.sh/.test(s.run ?? ""));
        assert.equal(post.env.HEAD_SHA, "${{ github.event.workflow_run.head_sha }}");
    });

    it("preview: per stack, pulumi preview --diff with the policy pack, commented on the pull request, same-repo branches only", () => {
        const j = job("preview");
        assert.deepEqual(j.strategy.matrix.stack, ["staging", "production"]);
        assert.equal(j.strategy["fail-fast"], false);
        assert.equal(j.needs, "test");
        assert.match(j.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        assert.match(j.concurrency.group, /\$\{\{ matrix\.stack \}\}/);
        assert.equal(j.concurrency["cancel-in-progress"], false);
        const [p] = pulumiSteps(j);
        assert.deepEqual(
            { command: p.with.command, diff: p.with.diff, policyPacks: p.with.policyPacks, comment: p.with["comment-on-pr"], stack: p.with["stack-name"] },
            { command: "preview", diff: true, policyPacks: "policy", comment: true, stack: "${{ vars.PULUMI_STACK_PREFIX }}${{ matrix.stack }}" },
        );
        assert.equal(p.with["cloud-url"], "${{ vars.PULUMI_BACKEND_URL }}");
    });
});

describe("deployments", () => {
    const w = byName("deploy.yml");
    const job = (id: string) => w.doc.jobs[id];

    it("staging after the tests, production after staging, both only from main", () => {
        assert.ok(needsOf(job("staging")).includes("test"));
        assert.ok(needsOf(job("staging")).includes("image-scan"), "the Trivy scan gates the deployment");
        assert.equal(job("image-scan").uses, "./.github/workflows/image-scan.yml");
        assert.deepEqual(needsOf(job("production")), ["staging"]);
        for (const id of ["staging", "production"]) assert.equal(job(id).if, "github.ref == 'refs/heads/main'");
    });

    it("each stack deploys through the GitHub environment of its name; production is the protected one", () => {
        for (const stack of ["staging", "production"]) {
            const j = job(stack);
            assert.equal(j.environment, stack);
            const ups = pulumiSteps(j);
            assert.equal(ups.length, 1);
            assert.deepEqual(
                { command: ups[0].with.command, stack: ups[0].with["stack-name"], policyPacks: ups[0].with.policyPacks, diff: ups[0].with.diff },
                { command: "up", stack: `\${{ vars.PULUMI_STACK_PREFIX }}${stack}`, policyPacks: "policy", diff: true },
            );
        }
        // Required reviewers live in the repository settings; the workflow says so where it matters.
        assert.match(w.text, /required reviewers/i);
        assert.match(w.text, /Settings → Environments → production/);
    });

    it("one deployment per stack at a time, never cancelled half-way", () => {
        const groups = new Set<string>();
        for (const wf of workflows) {
            for (const [id, j] of jobs(wf)) {
                if (!pulumiSteps(j).some((s) => s.with?.command === "up")) continue;
                assert.ok(j.concurrency, `${wf.file} ${id} has no concurrency`);
                assert.equal(j.concurrency["cancel-in-progress"], false, `${wf.file} ${id}`);
                assert.equal(j.concurrency.group, `deploy-${j.environment}`);
                groups.add(j.concurrency.group);
            }
            assert.notEqual(wf.doc.concurrency?.["cancel-in-progress"], true, `${wf.file}: workflow-level cancel-in-progress`);
        }
        assert.deepEqual([...groups].sort(), ["deploy-production", "deploy-staging"]);
    });

    it("the Trivy image scan (issue #8) is mentioned where it joins", () => {
        assert.match(w.text, /Trivy/);
    });
});

describe("nightly drift detection", () => {
    const w = byName("drift.yml");
    const j = w.doc.jobs.drift;

    it("per stack, every night, one at a time per stack", () => {
        assert.match(w.doc.on.schedule[0].cron, /^\d+ \d+ \* \* \*$/);
        assert.deepEqual(j.strategy.matrix.stack, ["staging", "production"]);
        assert.equal(j.strategy["fail-fast"], false);
        assert.equal(j.concurrency.group, "drift-${{ matrix.stack }}");
        assert.equal(j.concurrency["cancel-in-progress"], false);
    });

    it("refresh --preview-only and preview --expect-no-changes, then an issue, then a visible failure", () => {
        const names = j.steps.map((s: any) => s.run ?? s.uses);
        const check = j.steps.findIndex((s: any) => /drift-check\.sh "\$STACK"/.test(s.run ?? ""));
        const issue = j.steps.findIndex((s: any) => /drift-issue\.sh/.test(s.run ?? ""));
        const fail = j.steps.findIndex((s: any) => s.if === "steps.check.outputs.status == 'drift'" && /exit 1/.test(s.run ?? ""));
        assert.ok(check >= 0 && issue > check && fail > issue, names.join(" | "));
        assert.equal(j.steps[check].id, "check");
        const script = fs.readFileSync(path.join(SCRIPT_DIR, "drift-check.sh"), "utf8");
        assert.match(script, /^check refresh refresh --preview-only$/m);
        assert.match(script, /^check preview preview$/m);
        assert.match(script, /--non-interactive --diff --expect-no-changes/);
    });
});

describe("CI scripts", () => {
    const scripts = fs.readdirSync(SCRIPT_DIR).filter((f) => f.endsWith(".sh")).map((f) => path.join(SCRIPT_DIR, f));

    it("pass shellcheck, start with set -euo pipefail and are executable", () => {
        assert.deepEqual(scripts.map((s) => path.basename(s)).sort(), ["drift-check.sh", "drift-issue.sh", "pr-comment.sh"]);
        const r = shellcheck(scripts);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        for (const s of scripts) {
            const text = fs.readFileSync(s, "utf8");
            assert.ok(text.startsWith("#!/usr/bin/env bash\n"), s);
            assert.match(text, /^set -euo pipefail$/m, s);
            assert.ok((fs.statSync(s).mode & 0o111) !== 0, `${s} is not executable`);
        }
    });
});

/**
 * Runs a CI script with stand-ins for `pulumi` and `gh` first on PATH. Each stand-in appends its
 * arguments to calls.log and answers from the files its directory holds.
 */
function runScript(script: string, args: string[], stubs: Record<string, string>, files: Record<string, string> = {}) {
    const dir = tempFiles(files);
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const [name, body] of Object.entries(stubs)) {
        fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' "${name} $*" >> "${dir}/calls.log"\n${body}\n`, { mode: 0o755 });
    }
    const output = path.join(dir, "github-output");
    const p = spawnSync(path.join(SCRIPT_DIR, script), args.map((a) => a.replace("$DIR", dir)), {
        encoding: "utf8",
        cwd: dir,
        env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, GITHUB_OUTPUT: output },
    });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
    return { code: p.status, stdout: p.stdout, stderr: p.stderr, calls: read("calls.log").trim().split("\n").filter(Boolean), output: read("github-output"), read };
}

describe("drift-check.sh (with a stand-in pulumi)", () => {
    const pulumi = (refresh: string, preview: string) =>
        `case "$1" in\n  refresh) ${refresh} ;;\n  preview) ${preview} ;;\nesac`;
    const drift = (op: string) => `echo "~ azure-native:containerservice:AgentPool itops-aks-user update [diff: ~maxCount]"; echo "error: no changes were expected for ${op} but changes were proposed" >&2; exit 255`;

    it("no changes → status=clean, empty report, both commands with --expect-no-changes", () => {
        const r = runScript("drift-check.sh", ["staging", "$DIR/report.md"], { pulumi: pulumi("echo unchanged", "echo unchanged") });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.output, "status=clean\n");
        assert.equal(r.read("report.md"), "");
        assert.deepEqual(r.calls, [
            "pulumi refresh --preview-only --stack staging --non-interactive --diff --expect-no-changes --color never",
            "pulumi preview --stack staging --non-interactive --diff --expect-no-changes --color never",
        ]);
    });

    it("changes found by refresh → status=drift, the output in the report, exit 0 (the workflow fails later)", () => {
        const r = runScript("drift-check.sh", ["production", "$DIR/report.md"], { pulumi: pulumi(drift("refresh"), "echo unchanged") });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.output, "status=drift\n");
        const report = r.read("report.md");
        assert.match(report, /^### `pulumi refresh --preview-only` found changes$/m);
        assert.match(report, /itops-aks-user update \[diff: ~maxCount\]/);
        assert.doesNotMatch(report, /pulumi preview/);
    });

    it("changes found by preview → status=drift", () => {
        const r = runScript("drift-check.sh", ["staging", "$DIR/report.md"], { pulumi: pulumi("echo unchanged", drift("preview")) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.output, "status=drift\n");
        assert.match(r.read("report.md"), /^### `pulumi preview` found changes$/m);
    });

    it("any other failure is not drift: the script fails with Pulumi's exit code", () => {
        const r = runScript("drift-check.sh", ["staging", "$DIR/report.md"], { pulumi: pulumi(`echo "error: failed to decrypt" >&2; exit 255`, "echo unchanged") });
        assert.equal(r.code, 255);
        assert.equal(r.output, "");
        assert.match(r.stdout, /::error::pulumi refresh failed on stack staging \(exit 255\)/);
    });

    it("wrong arguments → usage, exit 2", () => {
        const r = runScript("drift-check.sh", ["staging"], { pulumi: "true" });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: .*drift-check\.sh <stack> <report\.md>/);
    });
});

describe("drift-issue.sh (with a stand-in gh)", () => {
    const gh = (openIssue: string) => `if [ "$1 $2" = "issue list" ]; then echo "${openIssue}"; fi`;
    const args = (status: string) => ["acme/it-ops-infra", "production", status, "https://github.com/acme/it-ops-infra/actions/runs/1", "$DIR/report.md"];
    const report = { "report.md": "### `pulumi preview` found changes\n" };

    it("drift and no open issue → creates the label and the issue with the report", () => {
        const r = runScript("drift-issue.sh", args("drift"), { gh: gh("") }, report);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.calls.length, 3, r.calls.join("\n"));
        assert.match(r.calls[0], /^gh issue list --repo acme\/it-ops-infra --state open --label drift --limit 100 --json number,title --jq .*"Drift detected: production"/);
        assert.match(r.calls[1], /^gh label create drift --repo acme\/it-ops-infra .*--force$/);
        assert.match(r.calls[2], /^gh issue create --repo acme\/it-ops-infra --title Drift detected: production --label drift --body-file /);
    });

    it("drift and an open issue → one comment on it", () => {
        const r = runScript("drift-issue.sh", args("drift"), { gh: gh("42") }, report);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.calls.length, 2);
        assert.match(r.calls[1], /^gh issue comment 42 --repo acme\/it-ops-infra --body-file /);
    });

    it("clean and an open issue → comment and close; clean and none → nothing", () => {
        const open = runScript("drift-issue.sh", args("clean"), { gh: gh("42") });
        assert.equal(open.code, 0, open.stderr);
        assert.deepEqual(open.calls.slice(1).map((c) => c.split(" --")[0]), ["gh issue comment 42", "gh issue close 42"]);
        const none = runScript("drift-issue.sh", args("clean"), { gh: gh("") });
        assert.equal(none.code, 0, none.stderr);
        assert.equal(none.calls.length, 1);
    });

    it("an unknown status is refused before any call", () => {
        const r = runScript("drift-issue.sh", args("maybe"), { gh: gh("") });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /status must be drift or clean, got 'maybe'/);
        assert.deepEqual(r.calls, []);
    });
});

describe("pr-comment.sh (with a stand-in gh)", () => {
    const HEAD = "0123456789abcdef0123456789abcdef01234567";
    /** gh answering: the PR's head, and the ids of existing comments carrying the marker. */
    const gh = (head: string, existing: string) =>
        [
            `if [ "$1" = api ] && [ "$2" = "repos/acme/it-ops-infra/pulls/7" ]; then echo "${head}"; exit 0; fi`,
            `if [ "$1 $2" = "api --paginate" ]; then ${existing ? `printf '%s\\n' ${existing}` : "true"}; exit 0; fi`,
            `if [ "$1 $2 $3" = "api --method PATCH" ] || [ "$1 $2 $3" = "api --method POST" ]; then cp "\${6#body=@}" "$(dirname "$0")/../posted.md"; echo https://github.com/x; fi`,
        ].join("\n");
    const post = (pr: string, head: string, existing: string, comment = "<!-- itops-render-diff -->\n### Rendered diff\n") =>
        runScript("pr-comment.sh", ["acme/it-ops-infra", HEAD, "$DIR/a"], { gh: gh(head, existing) }, { "a/pr-number": pr, "a/comment.md": comment });

    it("creates the comment when there is none, starting with the marker", () => {
        const r = post("7\n", HEAD, "");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.calls[2], /^gh api --method POST repos\/acme\/it-ops-infra\/issues\/7\/comments -F body=@/);
        assert.equal(r.read("posted.md"), "<!-- itops-render-diff -->\n### Rendered diff\n");
    });

    it("updates the (first) existing comment in place", () => {
        const r = post("7", HEAD, "991 992");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.calls[2], /^gh api --method PATCH repos\/acme\/it-ops-infra\/issues\/comments\/991 -F body=@/);
    });

    it("does not comment when the pull request has moved on to another commit", () => {
        const r = post("7", "f".repeat(40), "");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.calls.length, 1);
        assert.match(r.stdout, /has moved on/);
    });

    it("refuses a PR number that is not a number (the artifact may come from a fork)", () => {
        for (const bad of ["7; rm -rf /", "../7", "", "12345678901"]) {
            const r = post(bad, HEAD, "");
            assert.equal(r.code, 1, bad);
            assert.match(r.stdout, /not a pull request number/);
            assert.deepEqual(r.calls, []);
        }
    });

    it("caps the body at GitHub's comment size", () => {
        const r = post("7", HEAD, "", "x".repeat(100_000));
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.read("posted.md").length, 65_000);
    });
});

describe("end-to-end on kind (e2e.yml, issue 13)", () => {
    const e2e = byName("e2e.yml");
    const [[id, job]] = jobs(e2e);

    it("runs on pull requests that touch the program, read-only, without any secret", () => {
        assert.deepEqual(Object.keys(e2e.doc.on), ["pull_request"]);
        const paths: string[] = e2e.doc.on.pull_request.paths;
        for (const p of ["infra/**", "components/**", "scripts/**", "Pulumi*.yaml", "package-lock.json", "tests/engine/**", ".pulumi.version"]) assert.ok(paths.includes(p), p);
        assert.equal(id, "e2e");
        assert.deepEqual(job.permissions, { contents: "read" });
        assert.doesNotMatch(e2e.text, /secrets\./);
    });

    it("the released Pulumi CLI (pulumi/actions, install only, .pulumi.version) runs npm run test:engine against kind", () => {
        const list = steps(job);
        const pulumi = pulumiSteps(job);
        assert.equal(pulumi.length, 1);
        assert.deepEqual(pulumi[0].with, { "pulumi-version-file": ".pulumi.version" });
        const run = list.map((s) => s.run ?? "").join("\n");
        assert.match(job.env.KIND_VERSION, /^v\d+\.\d+\.\d+$/);
        assert.match(run, /go install "sigs\.k8s\.io\/kind@\$\{KIND_VERSION\}"/);
        assert.match(run, /create cluster --name "\$KIND_CLUSTER"/);
        assert.match(run, /ITOPS_PULUMI_CLI="\$\(command -v pulumi\)" ITOPS_ENGINE_KUBECONFIG="\$HOME\/\.kube\/config" npm run test:engine/);
        const order = (re: RegExp) => list.findIndex((s) => re.test(s.run ?? "") || re.test(s.uses ?? ""));
        assert.ok(order(/pulumi\/actions/) < order(/npm run test:engine/));
        assert.ok(order(/create cluster/) < order(/npm run test:engine/));
        assert.ok(order(/plugin install resource kubernetes/) < order(/npm run test:engine/));
    });

    it("builds the stand-in image from pinned bases and loads it under the image names of the local stack", () => {
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "tests", "engine", "standin", "Dockerfile"), "utf8");
        for (const from of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) assert.match(from[1], /^(scratch|[\w./-]+:\d+(\.\d+)+)$/, from[1]);
        assert.match(dockerfile, /^USER 10001:10001$/m);
        const local = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), "utf8");
        const images = /for image in ([^;]+);/.exec(steps(job).map((s) => s.run ?? "").join("\n"))![1].trim().split(/\s+/);
        for (const repo of ["it-ops/frontend", "it-ops/backend"]) assert.ok(images.includes(`${repo}:1.0.0`), repo);
        assert.match(local, /repository: it-ops\/frontend\n\s+tag: "1\.0\.0"/);
    });
});
