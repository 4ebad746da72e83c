/**
 * scripts/verify-staging.sh against stub kubectl/az/curl (tests/fixtures/cli-stub.sh, driven by
 * a rules file): one run where every row passes, one failing run per checklist row, the skip
 * paths, usage errors; shellcheck on every shell script of the repository.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { prometheusEndpoint } from "../components/monitoring";
import { envFileText, parseVerification, verifyScriptEnv } from "../infra/config/verification";
import { pool, PROJECT_DIR } from "./helpers";
import { requireTool, shellcheck, tempFiles } from "./tools";

const SCRIPT = path.join(PROJECT_DIR, "scripts", "verify-staging.sh");
const STUB = path.join(PROJECT_DIR, "tests", "fixtures", "cli-stub.sh");
const READER = "5a1c9e2f-7b3d-4c8e-9f10-2b3c4d5e6f70";
const ADMIN = "3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e4b71";
const WS = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-it-ops-staging/providers/Microsoft.OperationalInsights/workspaces/log-aks-it-ops-staging";

function stagingEnv(overrides: Record<string, unknown> = {}, checks: Record<string, unknown> = {}): Record<string, string> {
    const raw = {
        loadTest: { enabled: true },
        checks: { readerGroupObjectId: READER, appUrl: "https://itops.staging.example.com/healthz", maxResponseMs: 1000, ...checks },
        defenderForContainers: true,
        ...overrides,
    };
    const v = parseVerification(raw, { namespace: "staging", name: "it-ops-system", httpPort: 8080 }, { prometheus: prometheusEndpoint({ mode: "helm", namespace: "monitoring" }) });
    return verifyScriptEnv(v, { stack: "staging", monitoringNamespace: "monitoring", prometheus: prometheusEndpoint({ mode: "helm", namespace: "monitoring" }), resourceGroupName: "rg-it-ops-staging", clusterName: "aks-it-ops-staging", adminGroupObjectId: ADMIN });
}

const aks = (o: { local?: boolean; policy?: boolean } = {}) => JSON.stringify({
    name: "aks-it-ops-staging",
    disableLocalAccounts: o.local ?? true,
    addonProfiles: { azurepolicy: { enabled: o.policy ?? true }, omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: WS } } },
});
const prom = (values: string[]) => JSON.stringify({ status: "success", data: { resultType: "vector", result: values.map((v, i) => ({ metric: { __name__: "up", namespace: "staging", service: "it-ops-system", pod: `p${i}` }, value: [1764350000, v] })) } });
const amAlerts = (receiver: string) => JSON.stringify([{ labels: { alertname: "ItOpsVerifySynthetic", severity: "level4" }, receivers: [{ name: receiver }], status: { state: "active" } }]);
const job = (s: { succeeded?: number; failed?: number }) => JSON.stringify({ metadata: { name: "k6-load-test-1" }, status: s });

const FIXTURES: Record<string, string> = {
    "aks.json": aks(),
    "aks-local.json": aks({ local: false }),
    "aks-nopolicy.json": aks({ policy: false }),
    "prom.json": prom(["1", "1"]),
    "prom-down.json": prom(["1", "0"]),
    "prom-empty.json": prom([]),
    "am.json": amAlerts("level4"),
    "am-wrong.json": amAlerts("null"),
    "la.json": JSON.stringify([{ TableName: "PrimaryResult", rows: "1234" }]),
    "la-empty.json": JSON.stringify([{ TableName: "PrimaryResult", rows: "0" }]),
    "ns.json": JSON.stringify({ metadata: { name: "staging", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }),
    "ns-privileged.json": JSON.stringify({ metadata: { name: "staging", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }),
    "netpol.json": JSON.stringify({ items: [{ metadata: { name: "default-deny" }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, { metadata: { name: "allow-ingress" }, spec: { podSelector: { matchLabels: { app: "it-ops-system" } } } }] }),
    "netpol-narrow.json": JSON.stringify({ items: [{ metadata: { name: "allow-ingress" }, spec: { podSelector: { matchLabels: { app: "it-ops-system" } } } }] }),
    "job.json": job({ succeeded: 1 }),
    "job-failed.json": job({ failed: 1 }),
    "job-running.json": job({ active: 1 } as never),
    "k6.log": `{"k6Summary":1,"result":"pass","p95Ms":123.4,"errorRatio":0,"hpaMaxScaleUp":2}\n`,
};

type Rule = [cmd: "kubectl" | "az" | "curl", glob: string, code: number, output: string];

const PROM = "get --raw /api/v1/namespaces/monitoring/services/http:kube-prometheus-stack-prometheus:9090/proxy/api/v1/query?query=*";
const AM = "/api/v1/namespaces/monitoring/services/http:kube-prometheus-stack-alertmanager:9093/proxy/api/v2/alerts";

/** Rules under which every row passes. */
const PASS_RULES: Rule[] = [
    ["kubectl", `auth can-i get pods --namespace staging --as verify-reader --as-group ${READER}`, 0, "yes"],
    ["kubectl", `auth can-i delete deployments.apps --namespace staging --as verify-reader --as-group ${READER}`, 1, "no"],
    ["kubectl", `auth can-i [*] [*] --all-namespaces --as verify-admin --as-group ${ADMIN}`, 0, "yes"],
    ["kubectl", PROM, 0, "@prom.json"],
    ["kubectl", `create --raw ${AM} -f *`, 0, ""],
    ["kubectl", `get --raw ${AM}?filter=verify_run*`, 0, "@am.json"],
    ["kubectl", "get namespace staging --output json", 0, "@ns.json"],
    ["kubectl", "get networkpolicies --namespace staging --output json", 0, "@netpol.json"],
    ["kubectl", "get job k6-load-test-1 --namespace load-test --output json", 0, "@job.json"],
    ["kubectl", "logs job/k6-load-test-1 --namespace load-test --tail 50", 0, "@k6.log"],
    ["az", "aks show --resource-group rg-it-ops-staging --name aks-it-ops-staging --output json", 0, "@aks.json"],
    ["az", `monitor log-analytics workspace show --ids ${WS} --query customerId --output tsv`, 0, "0a1b2c3d-0000-4000-8000-000000000001"],
    ["az", "monitor log-analytics query --workspace 0a1b2c3d-0000-4000-8000-000000000001 --output json --analytics-query ContainerLogV2 | where TimeGenerated > ago(30m) | where PodNamespace == 'staging' | summarize rows = count()", 0, "@la.json"],
    ["az", "security pricing show --name Containers --query pricingTier --output tsv", 0, "Standard"],
    ["curl", "--silent --show-error --output /dev/null --max-time 30 --write-out %{http_code} %{time_total} https://itops.staging.example.com/healthz", 0, "200 0.123"],
];

const ROWS = ["rbac-reader", "rbac-admin", "metrics", "alert-routing", "logs", "local-accounts", "policy-addon", "defender", "pod-security", "network-policies", "response-time", "load-test"] as const;
type Row = (typeof ROWS)[number];

/** For each row: rules that make exactly that row fail (prepended to the passing rules). */
const FAILS: Record<Row, { rules: Rule[]; detail: RegExp }[]> = {
    "rbac-reader": [
        { rules: [["kubectl", "auth can-i delete deployments.apps *", 0, "yes"]], detail: /delete deployments 'yes' \(want no\)/ },
        { rules: [["kubectl", "auth can-i get pods *", 1, "no"]], detail: /get pods 'no' \(want yes\)/ },
    ],
    "rbac-admin": [{ rules: [["kubectl", "auth can-i [*] [*] *", 1, "no"]], detail: /'no' \(want yes\)/ }],
    metrics: [
        { rules: [["kubectl", PROM, 0, "@prom-down.json"]], detail: /1\/2 targets of staging\/it-ops-system up/ },
        { rules: [["kubectl", PROM, 0, "@prom-empty.json"]], detail: /0\/0 targets/ },
        { rules: [["kubectl", PROM, 1, "Error from server (ServiceUnavailable)"]], detail: /Prometheus query failed/ },
    ],
    "alert-routing": [
        { rules: [["kubectl", `get --raw ${AM}?filter=*`, 0, "@am-wrong.json"]], detail: /routed to 'null' \(want level4\)/ },
        { rules: [["kubectl", `create --raw ${AM} -f *`, 1, "Error from server (NotFound)"]], detail: /posting to Alertmanager failed/ },
    ],
    logs: [
        { rules: [["az", "monitor log-analytics query *", 0, "@la-empty.json"]], detail: /no ContainerLogV2 rows from staging/ },
        { rules: [["az", "monitor log-analytics query *", 1, "ERROR: unauthorized"]], detail: /Log Analytics query failed/ },
    ],
    "local-accounts": [{ rules: [["az", "aks show *", 0, "@aks-local.json"]], detail: /disableLocalAccounts: false \(want true\)/ }],
    "policy-addon": [{ rules: [["az", "aks show *", 0, "@aks-nopolicy.json"]], detail: /enabled: false \(want true\)/ }],
    defender: [{ rules: [["az", "security pricing show *", 0, "Free"]], detail: /'Free' \(want Standard\)/ }],
    "pod-security": [{ rules: [["kubectl", "get namespace staging *", 0, "@ns-privileged.json"]], detail: /enforces 'privileged' \(want restricted\)/ }],
    "network-policies": [
        { rules: [["kubectl", "get networkpolicies *", 0, '{"items":[]}']], detail: /'none'/ },
        { rules: [["kubectl", "get networkpolicies *", 0, "@netpol-narrow.json"]], detail: /default-deny/ },
    ],
    "response-time": [
        { rules: [["curl", "*", 0, "200 2.5"]], detail: /HTTP 200 in 2500 ms \(want 2xx\/3xx within 1000 ms\)/ },
        { rules: [["curl", "*", 0, "503 0.010"]], detail: /HTTP 503/ },
        { rules: [["curl", "*", 7, "curl: (7) Failed to connect"]], detail: /curl failed/ },
    ],
    "load-test": [
        { rules: [["kubectl", "get job *", 0, "@job-failed.json"]], detail: /failed \(thresholds or scaling missed\): p95 123 ms/ },
        { rules: [["kubectl", "get job *", 0, "@job-running.json"]], detail: /has not finished/ },
        { rules: [["kubectl", "get job *", 1, "Error from server (NotFound)"]], detail: /kubectl get job failed/ },
    ],
};

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    rows: Map<string, { result: string; detail: string }>;
    calls: string[];
}

function prepare(rules: Rule[], env: Record<string, string>, args: string[]) {
    requireTool("jq");
    requireTool("bash");
    const dir = tempFiles({ ...FIXTURES, "verify.env": envFileText(env), "rules.tsv": rules.map((r) => r.join("\t")).join("\n") + "\n" });
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const cmd of ["kubectl", "az", "curl"]) fs.copyFileSync(STUB, path.join(bin, cmd)), fs.chmodSync(path.join(bin, cmd), 0o755);
    const log = path.join(dir, "calls.log");
    return {
        dir,
        log,
        argv: [SCRIPT, ...args, "--env-file", path.join(dir, "verify.env")],
        env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, STUB_RULES: path.join(dir, "rules.tsv"), STUB_DIR: dir, STUB_LOG: log },
    };
}

function result(code: number | null, stdout: string, stderr: string, log: string): Run {
    const rows = new Map<string, { result: string; detail: string }>();
    for (const line of stdout.split("\n").slice(1)) {
        const m = /^(\S+)\s+.{34} (PASS|FAIL|SKIP)\s+(.*)$/.exec(line);
        if (m) rows.set(m[1], { result: m[2], detail: m[3] });
    }
    return { code: code ?? -1, stdout, stderr, rows, calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [] };
}

/** Runs the script with the stubs first on PATH, driven by `rules`. */
function runVerify(rules: Rule[], env: Record<string, string> = stagingEnv(), args: string[] = ["staging"]): Run {
    const p = prepare(rules, env, args);
    const r = spawnSync("bash", p.argv, { encoding: "utf8", timeout: 60_000, cwd: p.dir, env: p.env });
    return result(r.status, r.stdout, r.stderr, p.log);
}

/** Asynchronous variant, so that the failing scenarios run a few at a time. */
function runVerifyAsync(rules: Rule[]): Promise<Run> {
    const p = prepare(rules, stagingEnv(), ["staging"]);
    return new Promise((resolve, reject) => {
        const child = spawn("bash", p.argv, { cwd: p.dir, env: p.env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve(result(code, stdout, stderr, p.log)));
    });
}

/** Every failing scenario, started together (3 at a time) before the tests read them. */
const SCENARIOS = ROWS.flatMap((row) => FAILS[row].map((f, i) => ({ row, i, f })));
let failRuns: Promise<Run[]> | undefined;
const failRun = (n: number): Promise<Run> => {
    failRuns ??= pool(SCENARIOS, 3, (s) => runVerifyAsync([...s.f.rules, ...PASS_RULES]));
    return failRuns.then((all) => all[n]);
};

describe("scripts/verify-staging.sh", () => {
    it("passes every row and exits 0 when the cluster is as planned", () => {
        const r = runVerify(PASS_RULES);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual([...r.rows.keys()], [...ROWS]);
        for (const [id, row] of r.rows) assert.equal(row.result, "PASS", `${id}: ${row.detail}`);
        assert.match(r.stdout, /stack staging: 12 passed, 0 failed, 0 skipped/);
        assert.match(r.rows.get("metrics")!.detail, /2\/2 targets of staging\/it-ops-system up/);
        assert.match(r.rows.get("alert-routing")!.detail, /level4 alert routed to level4/);
        assert.match(r.rows.get("logs")!.detail, /1234 ContainerLogV2 rows from staging in the last 30m/);
        assert.match(r.rows.get("load-test")!.detail, /succeeded: p95 123 ms, errors 0, HPA \+2/);
        // az aks show is read once for three rows; the synthetic alert is posted then read back.
        assert.equal(r.calls.filter((c) => c.startsWith("az aks show")).length, 1);
        const post = r.calls.findIndex((c) => c.includes("create --raw"));
        const read = r.calls.findIndex((c) => c.includes("/api/v2/alerts?filter="));
        assert.ok(post >= 0 && read > post, r.calls.join("\n"));
        // The alert filter is the run's own label, URL-encoded.
        assert.match(r.calls[read], /filter=verify_run%3D%22verify-\d+-\d+%22/);
        assert.match(r.calls.find((c) => c.includes("query?query="))!, /query=up%7Bnamespace%3D%22staging%22%2Cservice%3D%22it-ops-system%22%7D/);
    });

    SCENARIOS.forEach(({ row, i, f }, n) => {
        it(`fails row ${row} (case ${i + 1}) and exits 1, the other rows still pass`, async () => {
            const r = await failRun(n);
            assert.equal(r.code, 1, r.stdout + r.stderr);
            assert.equal(r.rows.size, ROWS.length, r.stdout);
            for (const [id, got] of r.rows) {
                if (id === row) {
                    assert.equal(got.result, "FAIL", `${id}: ${got.detail}`);
                    assert.match(got.detail, f.detail);
                } else {
                    assert.equal(got.result, "PASS", `${id} should pass: ${got.detail}`);
                }
            }
            assert.match(r.stdout, /11 passed, 1 failed, 0 skipped/);
        });
    });

    it("fails rbac-reader when no reader group is configured", () => {
        const r = runVerify(PASS_RULES, stagingEnv({}, { readerGroupObjectId: undefined }));
        assert.equal(r.code, 1);
        assert.equal(r.rows.get("rbac-reader")!.result, "FAIL");
        assert.match(r.rows.get("rbac-reader")!.detail, /readerGroupObjectId is not set/);
    });

    it("skips the rows that config turns off (Defender, external URL, load test) and still exits 0", () => {
        const r = runVerify(PASS_RULES, stagingEnv({ defenderForContainers: false, loadTest: { enabled: false } }, { appUrl: undefined }));
        assert.equal(r.code, 0, r.stdout);
        for (const id of ["defender", "response-time", "load-test"]) assert.equal(r.rows.get(id)!.result, "SKIP", id);
        assert.match(r.stdout, /9 passed, 0 failed, 3 skipped/);
        assert.ok(!r.calls.some((c) => c.startsWith("curl") || c.includes("security pricing") || c.includes("get job")), r.calls.join("\n"));
    });

    it("exits 2 on usage errors: no stack, env file of another stack, missing env file", () => {
        assert.equal(runVerify(PASS_RULES, stagingEnv(), []).code, 2);
        const other = runVerify(PASS_RULES, stagingEnv(), ["production"]);
        assert.equal(other.code, 2);
        assert.match(other.stderr, /is for stack 'staging', not 'production'/);
        const missing = spawnSync("bash", [SCRIPT, "staging", "--env-file", "/nonexistent/verify.env"], { encoding: "utf8" });
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /npm run synth -- --stack staging/);
    });

    it("every shell script of the repository passes shellcheck", () => {
        const files = [
            ...fs.readdirSync(path.join(PROJECT_DIR, "scripts")).filter((f) => f.endsWith(".sh")).map((f) => path.join(PROJECT_DIR, "scripts", f)),
            STUB,
            path.join(PROJECT_DIR, ".ci", "run"),
        ];
        const r = shellcheck(files);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});
