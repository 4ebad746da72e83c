/**
 * The operator scripts scripts/migrate.sh and scripts/rollback.sh, run for real with stub `pulumi`
 * and `kubectl` on PATH that record every command (and answer config reads from a JSON file and
 * Prometheus queries from the test's fixtures). Plus shellcheck on the scripts and the stubs.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { prometheusEndpoint } from "../components/monitoring";
import { parseStackConfig } from "../infra/config";
import { applySet, readStackFile, toRuntimeConfig } from "../tools/render/stack-file";
import { PROJECT_DIR } from "./helpers";
import { requireTool, run, tempFiles } from "./tools";

const STUB_PULUMI = `#!/usr/bin/env bash
# Stub pulumi: records its arguments; "config get --path migration.x" answers from $STUB_CONFIG (JSON),
# "stack output prometheus --json" with $STUB_PROMETHEUS, "stack output migrationGateSelector" with
# $STUB_GATE_SELECTOR (unset: the stack has no such output).
set -euo pipefail
printf 'pulumi %s\\n' "$*" >> "$STUB_LOG"
if [ "$1" = stack ] && [ "$2" = output ]; then
  if [ "$3" = prometheus ] && [ -n "\${STUB_PROMETHEUS:-}" ]; then printf '%s\\n' "$STUB_PROMETHEUS"; exit 0; fi
  if [ "$3" = migrationGateSelector ] && [ -n "\${STUB_GATE_SELECTOR:-}" ]; then printf '%s\\n' "$STUB_GATE_SELECTOR"; exit 0; fi
  echo "error: current stack does not have output property '$3'" >&2; exit 255
fi
if [ "$1" = config ] && [ "$2" = get ]; then
  key=\${*: -1}
  jq -r --arg k "$key" 'getpath($k | split(".")) | if . == null then error("not set") elif type == "string" then . else tojson end' "$STUB_CONFIG" 2>/dev/null \\
    || { echo "error: configuration key '$key' not found for stack" >&2; exit 255; }
  exit 0
fi
# "config set/rm --path migration.x" change $STUB_CONFIG, so that the script's restore can be checked.
if [ "$1" = config ] && { [ "$2" = set ] || [ "$2" = rm ]; }; then
  key=$6
  if [ "$2" = set ]; then
    jq --arg k "$key" --arg v "$7" 'setpath($k | split("."); ($v | fromjson? // $v))' "$STUB_CONFIG" > "$STUB_CONFIG.new"
  else
    jq --arg k "$key" 'delpaths([$k | split(".")])' "$STUB_CONFIG" > "$STUB_CONFIG.new"
  fi
  mv "$STUB_CONFIG.new" "$STUB_CONFIG"
  exit 0
fi
# STUB_UP_FAIL=N: the first N "pulumi up" fail (all: every one).
if [ "$1" = up ] && [ -n "\${STUB_UP_FAIL:-}" ]; then
  ups=$(grep -c '^pulumi up ' "$STUB_LOG")
  if [ "$STUB_UP_FAIL" = all ] || [ "$ups" -le "$STUB_UP_FAIL" ]; then echo "error: update failed" >&2; exit 255; fi
fi
exit 0
`;

const STUB_KUBECTL = `#!/usr/bin/env bash
# Stub kubectl: records its arguments (Prometheus queries decoded); answers from STUB_* variables.
set -euo pipefail
vector() { # vector <value or empty> -> a Prometheus instant-query response
  if [ -z "$1" ]; then echo '{"status":"success","data":{"resultType":"vector","result":[]}}'
  else echo "{\\"status\\":\\"success\\",\\"data\\":{\\"resultType\\":\\"vector\\",\\"result\\":[{\\"metric\\":{},\\"value\\":[1700000000,\\"$1\\"]}]}}"; fi
}
if [ "$1" = get ] && [ "$2" = --raw ]; then
  raw=$3
  case "$raw" in
    */proxy/api/v1/query\\?query=*)
      encoded=\${raw#*query=}
      query=$(printf '%b' "\${encoded//%/\\\\x}")
      printf 'kubectl get --raw %s QUERY %s\\n' "\${raw%%\\?*}" "$query" >> "$STUB_LOG"
      case "$query" in
        ALERTS*)
          if [ -n "\${STUB_ALERTS:-}" ]; then
            echo "{\\"status\\":\\"success\\",\\"data\\":{\\"resultType\\":\\"vector\\",\\"result\\":[{\\"metric\\":{\\"alertname\\":\\"$STUB_ALERTS\\",\\"severity\\":\\"level1\\"},\\"value\\":[1700000000,\\"1\\"]}]}}"
          else vector ""; fi ;;
        histogram_quantile*) vector "\${STUB_P95:-}" ;;
        *http_requests_total*) vector "\${STUB_ERROR_RATIO:-}" ;;
        *) echo "unexpected query" >&2; exit 1 ;;
      esac
      exit 0 ;;
    *)
      printf 'kubectl %s\\n' "$*" >> "$STUB_LOG"
      if [ -n "\${STUB_OLD_DOWN:-}" ]; then echo "Error from server (ServiceUnavailable)" >&2; exit 1; fi
      echo ok; exit 0 ;;
  esac
fi
printf 'kubectl %s\\n' "$*" >> "$STUB_LOG"
if [ "$1" = get ] && [ "$2" = jobs ]; then echo "\${STUB_JOBS:-{\\"items\\":[]\\}}"; fi
exit 0
`;

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    /** Every recorded command except config reads. */
    commands: string[];
    all: string[];
    /** The stack's migration config after the run (the stub applies `config set/rm`). */
    config: Record<string, unknown>;
}

const BASE_CONFIG = {
    enabled: true,
    dataStrategy: "shared",
    stage: 0,
    oldSystem: { namespace: "legacy", service: "old-system", port: 80, deployment: "old-system", healthPath: "/healthz" },
};

function runScript(script: string, args: string[], migration: Record<string, unknown>, env: Record<string, string> = {}): Run {
    requireTool("jq");
    const dir = tempFiles({ "bin/pulumi": STUB_PULUMI, "bin/kubectl": STUB_KUBECTL, "config.json": JSON.stringify({ migration }), "log": "" });
    fs.chmodSync(path.join(dir, "bin/pulumi"), 0o755);
    fs.chmodSync(path.join(dir, "bin/kubectl"), 0o755);
    const p = spawnSync("bash", [path.join(PROJECT_DIR, "scripts", script), ...args], {
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, STUB_LOG: path.join(dir, "log"), STUB_CONFIG: path.join(dir, "config.json"), STUB_PROMETHEUS: JSON.stringify(HELM_PROMETHEUS), STUB_GATE_SELECTOR: SEL, ...env },
    });
    const all = fs.readFileSync(path.join(dir, "log"), "utf8").split("\n").filter(Boolean);
    const config = (JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { migration: Record<string, unknown> }).migration;
    return { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr, all, commands: all.filter((l) => !l.startsWith("pulumi config get") && !l.startsWith("pulumi stack output")), config };
}

/** The `prometheus` stack output of a stack with monitoring.mode helm in namespace monitoring (what the program exports). */
const HELM_PROMETHEUS = prometheusEndpoint({ mode: "helm", namespace: "monitoring" });
const PROM = "kubectl get --raw /api/v1/namespaces/monitoring/services/kube-prometheus-stack-prometheus:9090/proxy/api/v1/query QUERY";
const SEL = 'namespace="production",service="it-ops-system"';
const GATE = [
    `${PROM} sum(rate(http_requests_total{${SEL},code=~"5.."}[5m])) / sum(rate(http_requests_total{${SEL}}[5m]))`,
    `${PROM} histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${SEL}}[5m])))`,
    `${PROM} ALERTS{alertstate="firing",severity=~"level1|level2"}`,
];
const HEALTHY = { STUB_ERROR_RATIO: "0.002", STUB_P95: "0.25" };

describe("scripts/migrate.sh", () => {
    it("next: passes the health gate, then sets the next stage and runs pulumi up", () => {
        const r = runScript("migrate.sh", ["production", "next", "--yes"], { ...BASE_CONFIG, stage: 1 }, HEALTHY);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands, [...GATE, "pulumi config set --stack production --path migration.stage 2", "pulumi up --stack production --yes"]);
        assert.ok(r.all.includes("pulumi config get --stack production --path migration.gate.maxErrorRatio"), "thresholds come from the stack config");
        assert.match(r.stdout, /ok {3}error ratio 0\.002 <= 0\.01/);
        assert.match(r.stdout, /ok {3}p95 latency 0\.25s <= 1s/);
    });

    it("next: finds Prometheus through the stack's prometheus output, not config keys", () => {
        const r = runScript("migrate.sh", ["production", "next", "--yes"], { ...BASE_CONFIG, stage: 1 }, { ...HEALTHY, STUB_PROMETHEUS: JSON.stringify({ namespace: "observability", service: "prometheus-operated", port: 9091, url: "http://prometheus-operated.observability.svc.cluster.local:9091" }) });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.all.includes("pulumi stack output prometheus --json --stack production"));
        assert.deepEqual(r.commands.slice(0, 3), GATE.map((g) => g.replace("/namespaces/monitoring/services/kube-prometheus-stack-prometheus:9090/", "/namespaces/observability/services/prometheus-operated:9091/")));
        assert.match(r.stdout, /health gate for stack production \(Prometheus observability\/prometheus-operated, window 5m\)/);
        assert.ok(!r.all.some((l) => /migration\.gate\.prometheus/.test(l)), "no gate.prometheus* config key is read");
    });

    it("next: refuses without the prometheus output (a stack not yet updated), before any change", () => {
        const r = runScript("migrate.sh", ["production", "next", "--yes"], { ...BASE_CONFIG, stage: 1 }, { ...HEALTHY, STUB_PROMETHEUS: "" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /error: stack production has no 'prometheus' output: run 'pulumi up --stack production' once/);
        assert.deepEqual(r.commands, []);
    });

    it("next: without migration.gate.selector, the gate selects the series of the stack's migrationGateSelector output", () => {
        const r = runScript("migrate.sh", ["staging", "next", "--yes"], { ...BASE_CONFIG, stage: 1 }, { ...HEALTHY, STUB_GATE_SELECTOR: 'namespace="staging",service="web"' });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.all.includes("pulumi stack output migrationGateSelector --stack staging"));
        assert.ok(r.commands[0].includes('sum(rate(http_requests_total{namespace="staging",service="web",code=~"5.."}[5m]))'), r.commands[0]);
        const none = runScript("migrate.sh", ["staging", "next", "--yes"], { ...BASE_CONFIG, stage: 1 }, { ...HEALTHY, STUB_GATE_SELECTOR: "" });
        assert.equal(none.code, 1);
        assert.match(none.stderr, /migration\.gate\.selector is not set and stack staging has no 'migrationGateSelector' output/);
        assert.deepEqual(none.commands, []);
    });

    it("the default stub output is the program's helm-mode endpoint", () => {
        assert.deepEqual(HELM_PROMETHEUS, { namespace: "monitoring", service: "kube-prometheus-stack-prometheus", port: 9090, url: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090" });
    });

    it("next: uses the thresholds and selector of the stack config", () => {
        const r = runScript("migrate.sh", ["production", "next"], { ...BASE_CONFIG, gate: { maxErrorRatio: 0.001, window: "10m", selector: 'job="new"' } }, HEALTHY);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL error ratio 0\.002 > 0\.001/);
        assert.ok(r.commands.some((c) => c.includes('sum(rate(http_requests_total{job="new",code=~"5.."}[10m]))')));
    });

    const refusals: [string, Record<string, string>, RegExp][] = [
        ["a high error ratio", { ...HEALTHY, STUB_ERROR_RATIO: "0.05" }, /FAIL error ratio 0\.05 > 0\.01/],
        ["a slow p95", { ...HEALTHY, STUB_P95: "2.5" }, /FAIL p95 latency 2\.5s > 1s/],
        ["a firing level-1 alert", { ...HEALTHY, STUB_ALERTS: "ItOpsSystemDown" }, /FAIL firing level-1\/2 alerts: ItOpsSystemDown \(level1\)/],
        ["no request metrics at all", { STUB_P95: "0.2" }, /FAIL error ratio: no requests of the new system/],
    ];
    for (const [what, env, message] of refusals) {
        it(`next: refuses to advance on ${what} (no config set, no pulumi up)`, () => {
            const r = runScript("migrate.sh", ["production", "next"], BASE_CONFIG, env);
            assert.equal(r.code, 1);
            assert.match(r.stdout, message);
            assert.match(r.stderr, /the new system is not healthy: refusing to advance stack production to stage 1 \(10 %\)/);
            assert.deepEqual(r.commands, GATE);
        });
    }

    it("next: skips a p95 latency that is not exported", () => {
        const r = runScript("migrate.sh", ["production", "next"], BASE_CONFIG, { STUB_ERROR_RATIO: "0" });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /skip p95 latency: http_request_duration_seconds_bucket is not exported/);
    });

    it("next: with cutover jumps from 0 % straight to the 100 % stage", () => {
        const r = runScript("migrate.sh", ["production", "next"], { ...BASE_CONFIG, dataStrategy: "cutover" }, HEALTHY);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands.slice(3), ["pulumi config set --stack production --path migration.stage 4", "pulumi up --stack production"]);
    });

    it("next: refuses at the final stage", () => {
        const r = runScript("migrate.sh", ["production", "next"], { ...BASE_CONFIG, stage: 4 }, HEALTHY);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /already at the final stage 4/);
        assert.deepEqual(r.commands, []);
    });

    it("back: moves one stage down without the health gate", () => {
        const r = runScript("migrate.sh", ["production", "back"], { ...BASE_CONFIG, stage: 3 }, { STUB_ERROR_RATIO: "0.9" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands, ["pulumi config set --stack production --path migration.stage 2", "pulumi up --stack production"]);
    });

    it("to N: backwards skips the gate, forwards runs it", () => {
        const down = runScript("migrate.sh", ["production", "to", "1"], { ...BASE_CONFIG, stage: 3 }, { STUB_ERROR_RATIO: "0.9" });
        assert.equal(down.code, 0, down.stderr);
        assert.deepEqual(down.commands, ["pulumi config set --stack production --path migration.stage 1", "pulumi up --stack production"]);
        const up = runScript("migrate.sh", ["production", "to", "3"], { ...BASE_CONFIG, stage: 1 }, HEALTHY);
        assert.equal(up.code, 0, up.stderr);
        assert.deepEqual(up.commands, [...GATE, "pulumi config set --stack production --path migration.stage 3", "pulumi up --stack production"]);
        const refused = runScript("migrate.sh", ["production", "to", "3"], { ...BASE_CONFIG, stage: 1 }, { STUB_ERROR_RATIO: "0.9" });
        assert.equal(refused.code, 1);
        assert.deepEqual(refused.commands, GATE);
    });

    it("to N: refuses a stage outside the steps and a split stage under cutover", () => {
        const out = runScript("migrate.sh", ["production", "to", "7"], BASE_CONFIG);
        assert.equal(out.code, 1);
        assert.match(out.stderr, /stage 7 is outside migration\.steps \(0-4\)/);
        const split = runScript("migrate.sh", ["production", "to", "2"], { ...BASE_CONFIG, dataStrategy: "cutover" });
        assert.equal(split.code, 1);
        assert.match(split.stderr, /not allowed with dataStrategy cutover: with two databases a split of traffic splits the writes/);
        assert.deepEqual([...out.commands, ...split.commands], []);
    });

    it("status: prints stage, weights, replica counts and the last data copy", () => {
        const jobs = JSON.stringify({
            items: [
                { metadata: { namespace: "production", name: "itops-data-copy-r1", creationTimestamp: "2026-03-01T00:00:00Z" }, status: { conditions: [{ type: "Failed", status: "True" }] } },
                { metadata: { namespace: "production", name: "itops-data-copy-r2", creationTimestamp: "2026-03-02T00:00:00Z" }, status: { completionTime: "2026-03-02T03:00:00Z", conditions: [{ type: "Complete", status: "True" }] } },
            ],
        });
        const r = runScript("migrate.sh", ["production", "status"], { ...BASE_CONFIG, stage: 2 }, { STUB_JOBS: jobs });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /stage: +2 of 4 \(steps 0 10 25 50 100\)/);
        assert.match(r.stdout, /weights: +new 25 %, old 75 %/);
        assert.match(r.stdout, /replicas: +new 3, old 2 \(retireOld: false\)/);
        assert.match(r.stdout, /last copy: +production\/itops-data-copy-r2: verified \(completed 2026-03-02T03:00:00Z\)/);
        assert.deepEqual(r.commands, ["kubectl get jobs --all-namespaces -l app.kubernetes.io/name=itops-data-copy -o json"]);
    });

    it("when pulumi up fails: puts the previous stage back, re-applies it and says so", () => {
        const r = runScript("migrate.sh", ["production", "back", "--yes"], { ...BASE_CONFIG, stage: 3 }, { STUB_UP_FAIL: "1" });
        assert.equal(r.code, 1);
        assert.deepEqual(r.commands, [
            "pulumi config set --stack production --path migration.stage 2",
            "pulumi up --stack production --yes",
            "pulumi config set --stack production --path migration.stage 3",
            "pulumi up --stack production --yes",
        ]);
        assert.equal(r.config.stage, 3, "the config is back at the previous stage");
        assert.match(r.stderr, /pulumi up failed on stack production; putting the previous configuration back:\n {2}migration\.stage is back at 3\n/);
        assert.match(r.stderr, /stack production is back at stage 3 \(50 % new\) \(configuration and cluster\)/);
    });

    it("when pulumi up fails and the stage was never set: unsets it again (its default applies)", () => {
        const { stage: _, ...noStage } = BASE_CONFIG;
        const r = runScript("migrate.sh", ["production", "next"], noStage, { ...HEALTHY, STUB_UP_FAIL: "1" });
        assert.equal(r.code, 1);
        assert.deepEqual(r.commands.slice(3), [
            "pulumi config set --stack production --path migration.stage 1",
            "pulumi up --stack production",
            "pulumi config rm --stack production --path migration.stage",
            "pulumi up --stack production",
        ]);
        assert.equal("stage" in r.config, false);
        assert.match(r.stderr, /migration\.stage is unset again \(its default applies\)/);
    });

    it("when the re-apply fails too: the config is still put back, and the message says the cluster may be partly updated", () => {
        const r = runScript("migrate.sh", ["production", "to", "1"], { ...BASE_CONFIG, stage: 2 }, { STUB_UP_FAIL: "all" });
        assert.equal(r.code, 1);
        assert.equal(r.config.stage, 2);
        assert.match(r.stderr, /pulumi up failed, and so did re-applying stage 2 \(25 % new\): the configuration says stage 2 \(25 % new\), but the cluster may be partly updated/);
        assert.match(r.stderr, /then run: pulumi up --stack production$/m);
    });

    it("refuses when the migration is not enabled, and exits 2 on bad usage", () => {
        const off = runScript("migrate.sh", ["production", "next"], { enabled: false });
        assert.equal(off.code, 1);
        assert.match(off.stderr, /migration is not enabled on stack production/);
        for (const args of [["production"], ["production", "jump"], ["production", "to", "x"], ["production", "next", "--force"]]) {
            const r = runScript("migrate.sh", args, BASE_CONFIG);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, /usage: scripts\/migrate\.sh <stack> next\|back\|to N\|status/);
        }
    });
});

describe("scripts/rollback.sh", () => {
    const SMOKE = ["kubectl rollout status --namespace legacy deployment/old-system --timeout=300s", "kubectl get --raw /api/v1/namespaces/legacy/services/old-system:80/proxy/healthz"];

    it("refreshes, sets stage 0, runs pulumi up and smoke-checks the old system", () => {
        const r = runScript("rollback.sh", ["production", "--yes"], { ...BASE_CONFIG, stage: 3 });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands, ["pulumi refresh --stack production --yes", "pulumi config set --stack production --path migration.stage 0", "pulumi up --stack production --yes", ...SMOKE]);
        assert.match(r.stdout, /rolled back: stack production at stage 0 \(0 % to the new system\)/);
    });

    it("rolls back to a given stage, without any health gate", () => {
        const r = runScript("rollback.sh", ["production", "2"], { ...BASE_CONFIG, stage: 4 }, { STUB_ERROR_RATIO: "1" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands, ["pulumi refresh --stack production --yes", "pulumi config set --stack production --path migration.stage 2", "pulumi up --stack production", ...SMOKE]);
    });

    it("after retireOld refuses without --accept-data-loss, explaining why, and runs nothing", () => {
        const r = runScript("rollback.sh", ["production"], { ...BASE_CONFIG, stage: 4, retireOld: true });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /refusing to roll back stack production: the old system is retired \(migration\.retireOld: true\)/);
        assert.match(r.stderr, /every write went to the new system only/);
        assert.match(r.stderr, /--accept-data-loss/);
        assert.deepEqual(r.commands, []);
    });

    it("after retireOld with --accept-data-loss un-retires the old system and rolls back", () => {
        const r = runScript("rollback.sh", ["production", "--accept-data-loss"], { ...BASE_CONFIG, stage: 4, retireOld: true });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.commands, [
            "pulumi refresh --stack production --yes",
            "pulumi config set --stack production --path migration.retireOld false",
            "pulumi config set --stack production --path migration.stage 0",
            "pulumi up --stack production",
            ...SMOKE,
        ]);
        assert.match(r.stderr, /warning: rolling back after retireOld with --accept-data-loss/);
    });

    it("fails when the old system does not answer, or pulumi up fails", () => {
        const down = runScript("rollback.sh", ["production"], { ...BASE_CONFIG, stage: 1 }, { STUB_OLD_DOWN: "1" });
        assert.equal(down.code, 1);
        assert.match(down.stderr, /the old system.s Service legacy\/old-system did not answer \/healthz/);
        const upFails = runScript("rollback.sh", ["production"], { ...BASE_CONFIG, stage: 1 }, { STUB_UP_FAIL: "1" });
        assert.equal(upFails.code, 1);
        assert.ok(!upFails.commands.some((c) => c.startsWith("kubectl")), "no smoke check after a failed pulumi up");
        assert.equal(upFails.config.stage, 1, "the stage is put back");
        assert.match(upFails.stderr, /stack production is back at stage 1 \(10 % new\) \(configuration and cluster\)/);
    });

    it("when pulumi up fails after un-retiring the old system: puts stage and retireOld back, newest first", () => {
        const r = runScript("rollback.sh", ["production", "--accept-data-loss", "--yes"], { ...BASE_CONFIG, stage: 4, retireOld: true }, { STUB_UP_FAIL: "1" });
        assert.equal(r.code, 1);
        assert.deepEqual(r.commands, [
            "pulumi refresh --stack production --yes",
            "pulumi config set --stack production --path migration.retireOld false",
            "pulumi config set --stack production --path migration.stage 0",
            "pulumi up --stack production --yes",
            "pulumi config set --stack production --path migration.stage 4",
            "pulumi config set --stack production --path migration.retireOld true",
            "pulumi up --stack production --yes",
        ]);
        assert.deepEqual([r.config.stage, r.config.retireOld], [4, true]);
        assert.match(r.stderr, /back at stage 4 \(100 % new\) with the old system retired \(configuration and cluster\)/);
    });

    it("re-applying the current stage: a failed pulumi up changed no config, and says so", () => {
        const r = runScript("rollback.sh", ["production", "2"], { ...BASE_CONFIG, stage: 2 }, { STUB_UP_FAIL: "1" });
        assert.equal(r.code, 1);
        assert.deepEqual(r.commands, ["pulumi refresh --stack production --yes", "pulumi up --stack production"]);
        assert.match(r.stderr, /the configuration was not changed: it is at stage 2/);
    });

    it("refuses a stage ahead of the current one, and exits 2 on bad usage", () => {
        const ahead = runScript("rollback.sh", ["production", "3"], { ...BASE_CONFIG, stage: 1 });
        assert.equal(ahead.code, 1);
        assert.match(ahead.stderr, /stage 3 is ahead of the current stage 1/);
        for (const args of [[], ["production", "x"], ["production", "--force"]]) {
            const r = runScript("rollback.sh", args, BASE_CONFIG);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, /usage: scripts\/rollback\.sh <stack> \[stage\] \[--accept-data-loss\] \[--yes\]/);
        }
    });
});

describe("script defaults", () => {
    it("are the config section's defaults (a key absent from the stack config means the same to both), generated once from the schema", () => {
        let raw = readStackFile(path.join(PROJECT_DIR, "Pulumi.staging.yaml"));
        for (const s of ["migration.enabled=true", "migration.hosts=[\"a.example.com\"]", "migration.tlsSecretName=t", "migration.gateway.className=c", 'migration.oldSystem={"namespace":"o","service":"o","port":80,"deployment":"o"}']) raw = applySet(raw, s);
        const m = parseStackConfig("staging", toRuntimeConfig(raw), raw.secretKeys, { secretPlaceholders: true }).config.migration;
        assert.ok(m.enabled);
        const text = ["scripts/migrate.sh", "scripts/lib/migration.sh"].map((f) => fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")).join("\n");
        const expected: Record<string, unknown> = {
            enabled: false,
            steps: JSON.stringify(m.steps),
            stage: m.stage,
            dataStrategy: m.dataStrategy,
            routing: m.routing,
            retireOld: m.retireOld,
            "replicas.old": m.replicas.old,
            "replicas.new": m.replicas.new,
            "oldSystem.healthPath": m.oldSystem.healthPath,
            "gate.window": m.gate.window,
            "gate.maxErrorRatio": m.gate.maxErrorRatio,
            "gate.maxP95Seconds": m.gate.maxP95Seconds,
        };
        assert.doesNotMatch(text, /gate\.prometheus(Namespace|Service)/, "Prometheus comes from the stack's prometheus output, not removed config keys");
        // The selector's default is derived from app.* by the program; the scripts read it from the stack output.
        assert.match(text, /\$\(cfg gate\.selector ""\)/);
        assert.equal(m.gate.selector, 'namespace="staging",service="it-ops-system"', "staging's default gate selects staging's series");
        // The scripts write no default of their own: bash itself reads the generated table.
        const defaults = fs.readFileSync(path.join(PROJECT_DIR, "scripts", "lib", "migration-defaults.sh"), "utf8");
        for (const [key, value] of Object.entries(expected)) {
            assert.match(text, new RegExp(`\\$\\(cfg ${key.replace(".", "\\.")}\\)`), `the scripts read migration.${key} without a literal default`);
            const p = spawnSync("bash", ["-c", `source scripts/lib/migration-defaults.sh; printf '%s' "\${MIGRATION_DEFAULTS[${key}]}"`], { cwd: PROJECT_DIR, encoding: "utf8" });
            assert.equal(p.stdout, String(value), `default of migration.${key} (${defaults.length} bytes of generated defaults)`);
        }
    });
});

describe("shell", () => {
    it("passes shellcheck: operator scripts (following the shared library), the data copy script and the test stubs", () => {
        const scripts = run("shellcheck", ["-x", "--source-path=SCRIPTDIR", "--shell=bash", "--severity=style", "scripts/migrate.sh", "scripts/rollback.sh", "components/migration/container-scripts/migrate-data.sh"], { cwd: PROJECT_DIR });
        assert.equal(scripts.status, 0, scripts.stdout + scripts.stderr);
        const dir = tempFiles({ "pulumi": STUB_PULUMI, "kubectl": STUB_KUBECTL });
        const stubs = run("shellcheck", ["--shell=bash", "--severity=style", path.join(dir, "pulumi"), path.join(dir, "kubectl")]);
        assert.equal(stubs.status, 0, stubs.stdout + stubs.stderr);
    });

    it("every operator script starts with set -euo pipefail", () => {
        for (const f of ["scripts/migrate.sh", "scripts/rollback.sh", "components/migration/container-scripts/migrate-data.sh"]) {
            assert.match(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"), /^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail\n/, f);
        }
    });
});
