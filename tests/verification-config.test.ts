/** The `verification` config section: defaults, stack values, every validation rule with bad input. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseStackConfig } from "../infra/config";
import { placeholdersExcept, stackRaw } from "./fixtures/stack-config";
import { prometheusEndpoint } from "../components/monitoring";
import { defaultTargetUrl, envFileText, parseVerification, verifyScriptEnv } from "../infra/config/verification";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeVerifyEnv } from "../tools/render/write";
import { render } from "./helpers";

const STAGING_APP = { namespace: "staging", name: "it-ops-system", httpPort: 8080 };
const PROMETHEUS = prometheusEndpoint({ mode: "helm", namespace: "monitoring" });
const parse = (raw: Record<string, unknown>, app = STAGING_APP) => parseVerification(raw, app, { prometheus: PROMETHEUS });

describe("verification config", () => {
    it("defaults: load test off, app Service URL as target, dashboard on, Defender off", () => {
        const v = parse({});
        assert.deepEqual(v.loadTest, {
            enabled: false, namespace: "load-test", appNamespace: "staging", serviceName: "it-ops-system", servicePort: 8080, appPortName: "http",
            targetUrl: "http://it-ops-system.staging.svc.cluster.local:8080/", rate: 20, duration: "5m", preAllocatedVUs: 20, maxVUs: 100,
            p95Ms: 500, maxErrorRatio: 0.01, scalingCheck: true, hpaName: "it-ops-system", minScaleUp: 1, prometheusRemoteWriteUrl: undefined,
            runId: "1", image: "grafana/k6:1.8.1",
        });
        assert.equal(v.defenderForContainers, false);
        assert.equal(v.reportDashboard, true);
        assert.equal(v.checks.expectedReceiver, "level4");
        assert.equal(defaultTargetUrl("svc", "ns", 8080), "http://svc.ns.svc.cluster.local:8080/");
        // The target is the workload's (app.namespace, app.name, app.ports.http), never configured twice.
        const web = parse({}, { namespace: "apps", name: "web", httpPort: 3000 }).loadTest;
        assert.deepEqual([web.appNamespace, web.serviceName, web.servicePort, web.hpaName, web.targetUrl], ["apps", "web", 3000, "web", "http://web.apps.svc.cluster.local:3000/"]);
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
        ["enabled", { loadTest: { enabled: "yes" } }, /verification\.loadTest\.enabled must be true or false, got "yes"/],
        ["namespace", { loadTest: { namespace: "Load_Test" } }, /loadTest\.namespace must be a DNS-1123 label/],
        ["namespace = the app's namespace", { loadTest: { namespace: "staging" } }, /loadTest\.namespace must differ from the app's namespace \(staging\), got "staging"/],
        ["the target is the workload's, not a setting", { loadTest: { appNamespace: "staging" } }, /verification\.loadTest\.appNamespace is not a known setting/],
        ["the service port is the workload's, not a setting", { loadTest: { servicePort: 8080 } }, /verification\.loadTest\.servicePort is not a known setting/],
        ["appPortName", { loadTest: { appPortName: "a-very-long-port-name" } }, /loadTest\.appPortName must be a container port name/],
        ["targetUrl", { loadTest: { targetUrl: "ftp://x/" } }, /loadTest\.targetUrl must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x\/"/],
        ["rate 0", { loadTest: { rate: 0 } }, /loadTest\.rate must be an integer/],
        ["rate float", { loadTest: { rate: 1.5 } }, /loadTest\.rate must be an integer/],
        ["duration syntax", { loadTest: { duration: "5 minutes" } }, /loadTest\.duration must be a k6 duration such as 90s, 5m or 1h30m, got "5 minutes"/],
        ["duration short", { loadTest: { duration: "5s" } }, /loadTest\.duration must be between 10s and 2h, got "5s"/],
        ["duration long", { loadTest: { duration: "3h" } }, /loadTest\.duration must be between 10s and 2h, got "3h"/],
        ["preAllocatedVUs", { loadTest: { preAllocatedVUs: 0 } }, /loadTest\.preAllocatedVUs must be an integer/],
        ["maxVUs < preAllocatedVUs", { loadTest: { preAllocatedVUs: 50, maxVUs: 10 } }, /loadTest\.maxVUs must be an integer >= preAllocatedVUs \(50\) and <= 50000, got 10/],
        ["p95Ms", { loadTest: { p95Ms: 0 } }, /loadTest\.p95Ms must be an integer/],
        ["maxErrorRatio", { loadTest: { maxErrorRatio: 1.5 } }, /loadTest\.maxErrorRatio must be a number/],
        ["scalingCheck", { loadTest: { scalingCheck: 1 } }, /loadTest\.scalingCheck must be true or false/],
        ["minScaleUp", { loadTest: { minScaleUp: 0 } }, /loadTest\.minScaleUp must be an integer/],
        ["remoteWrite", { loadTest: { remoteWrite: "yes" } }, /loadTest\.remoteWrite must be true or false/],
        ["removed prometheusRemoteWriteUrl", { loadTest: { prometheusRemoteWriteUrl: "http://prometheus:9090/api/v1/write" } }, /^it-ops-infra:verification\.loadTest\.prometheusRemoteWriteUrl is no longer a key: Prometheus' URL is derived from monitoring\.prometheus: set verification\.loadTest\.remoteWrite: true$/],
        ["runId", { loadTest: { runId: "Run 2" } }, /loadTest\.runId must be 1-40 lower-case letters, digits or '-'/],
        ["image unpinned", { loadTest: { image: "grafana/k6" } }, /loadTest\.image must be a pinned image reference/],
        ["image latest", { loadTest: { image: "grafana/k6:latest" } }, /loadTest\.image must be a pinned image reference .*: the tag latest floats.*, got "grafana\/k6:latest"/],
        ["unknown loadTest key", { loadTest: { vus: 3 } }, /verification\.loadTest\.vus is not a known setting/],
        ["readerGroupObjectId", { checks: { readerGroupObjectId: "readers" } }, /checks\.readerGroupObjectId must be a UUID/],
        ["removed monitoringNamespace", { checks: { monitoringNamespace: "monitoring" } }, /^it-ops-infra:verification\.checks\.monitoringNamespace is no longer a key: the checks use monitoring\.namespace and monitoring\.prometheus\.namespace$/],
        ["removed prometheusService", { checks: { prometheusService: "prom" } }, /^it-ops-infra:verification\.checks\.prometheusService is no longer a key: Prometheus' Service is derived: monitoring\.prometheus\.service$/],
        ["removed prometheusPort", { checks: { prometheusPort: 9090 } }, /^it-ops-infra:verification\.checks\.prometheusPort is no longer a key: Prometheus' port is derived: monitoring\.prometheus\.port$/],
        ["alertmanagerService", { checks: { alertmanagerService: "AM" } }, /checks\.alertmanagerService must be a DNS-1123 label/],
        ["alertmanagerPort", { checks: { alertmanagerPort: "9093" } }, /checks\.alertmanagerPort must be an integer/],
        ["syntheticAlertSeverity", { checks: { syntheticAlertSeverity: "critical" } }, /checks\.syntheticAlertSeverity must be one of level1, level2, level3, level4, got "critical"/],
        ["expectedReceiver", { checks: { expectedReceiver: "" } }, /checks\.expectedReceiver must be an Alertmanager receiver name/],
        ["podSecurityLevel", { checks: { podSecurityLevel: "privileged" } }, /checks\.podSecurityLevel must be one of restricted, baseline, got "privileged"/],
        ["logWindowMinutes", { checks: { logWindowMinutes: 1 } }, /checks\.logWindowMinutes must be an integer/],
        ["appUrl", { checks: { appUrl: "itops.example.com" } }, /checks\.appUrl must be an http:\/\/ or https:\/\/ URL/],
        ["maxResponseMs", { checks: { maxResponseMs: -1 } }, /checks\.maxResponseMs must be an integer/],
        ["unknown checks key", { checks: { foo: 1 } }, /verification\.checks\.foo is not a known setting/],
        ["defenderForContainers", { defenderForContainers: "on" }, /verification\.defenderForContainers must be true or false/],
        ["reportDashboard", { reportDashboard: "yes" }, /verification\.reportDashboard must be true or false/],
        ["removed dashboardNamespace", { dashboardNamespace: "monitoring" }, /^it-ops-infra:verification\.dashboardNamespace is no longer a key: the report dashboard goes to monitoring\.namespace/],
        ["unknown key", { loadtest: {} }, /verification\.loadtest is not a known setting/],
    ];
    for (const [what, raw, msg] of bad) {
        it(`rejects bad ${what}`, () => assert.throws(() => parse(raw), (e: Error) => {
            assert.match(e.message, msg);
            assert.match(e.message, /^it-ops-infra:verification\./);
            return true;
        }));
    }

    it("is parsed into StackConfig.verification through parseStackConfig", () => {
        const raw = { ...stackRaw("staging").raw, "it-ops-infra:verification": JSON.stringify({ loadTest: { enabled: true, rate: 5 } }) };
        const opts = { secretPlaceholders: placeholdersExcept("verification") };
        const { config } = parseStackConfig("staging", raw, new Set(), opts);
        assert.equal(config.verification.loadTest.enabled, true);
        assert.equal(config.verification.loadTest.rate, 5);
        assert.ok(Object.isFrozen(config.verification.loadTest));
        assert.throws(() => parseStackConfig("staging", { ...raw, "it-ops-infra:verification": JSON.stringify({ loadTest: { rate: -1 } }) }, new Set(), opts), /it-ops-infra:verification\.loadTest\.rate/);
    });

    it("remoteWrite: k6 pushes to the stack's own Prometheus, its URL derived from monitoring.prometheus", () => {
        assert.equal(parse({ loadTest: { remoteWrite: true } }).loadTest.prometheusRemoteWriteUrl, "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090/api/v1/write");
        const elsewhere = prometheusEndpoint({ mode: "existing-operator", namespace: "monitoring", prometheus: { namespace: "observability", port: 9091 } });
        const v = parseVerification({ loadTest: { remoteWrite: true } }, STAGING_APP, { prometheus: elsewhere });
        assert.equal(v.loadTest.prometheusRemoteWriteUrl, "http://prometheus-operated.observability.svc.cluster.local:9091/api/v1/write");
        assert.equal(parse({}).loadTest.prometheusRemoteWriteUrl, undefined);
    });

    it("verifyScriptEnv maps the config to the script's variables; envFileText quotes them for the shell", () => {
        const v = parse({ loadTest: { enabled: true, runId: "7" }, checks: { readerGroupObjectId: "5a1c9e2f-7b3d-4c8e-9f10-2b3c4d5e6f70" }, defenderForContainers: true });
        const prometheus = prometheusEndpoint({ mode: "existing-operator", namespace: "monitoring", prometheus: { namespace: "observability" } });
        const env = verifyScriptEnv(v, { stack: "staging", monitoringNamespace: "monitoring", prometheus, resourceGroupName: "rg", clusterName: "aks", adminGroupObjectId: "g" });
        // Prometheus is the derived endpoint (monitoring.prometheus), Alertmanager stays in monitoring.namespace.
        assert.deepEqual(
            [env.VERIFY_MONITORING_NAMESPACE, env.VERIFY_PROMETHEUS_NAMESPACE, env.VERIFY_PROMETHEUS_SERVICE, env.VERIFY_PROMETHEUS_PORT],
            ["monitoring", "observability", "prometheus-operated", "9090"],
        );
        assert.equal(env.VERIFY_LOADTEST_JOB, "k6-load-test-7");
        assert.equal(env.VERIFY_LOADTEST_NAMESPACE, "load-test");
        assert.equal(env.VERIFY_READER_GROUP, "5a1c9e2f-7b3d-4c8e-9f10-2b3c4d5e6f70");
        assert.equal(env.VERIFY_DEFENDER, "true");
        assert.equal(verifyScriptEnv(parse({}), { stack: "s", monitoringNamespace: "monitoring", prometheus, resourceGroupName: "r", clusterName: "c", adminGroupObjectId: "g" }).VERIFY_LOADTEST_JOB, "");
        assert.equal(envFileText({ B: "it's", A: "x y" }), "A='x y'\nB='it'\\''s'\n");
    });

    it("stack files: staging runs the load test with remote write, production does not load-test", async () => {
        const s = await render("staging");
        const p = await render("production");
        assert.equal(s.config.verification.loadTest.enabled, true);
        assert.equal(s.config.verification.loadTest.appNamespace, "staging");
        assert.match(s.config.verification.loadTest.prometheusRemoteWriteUrl ?? "", /^http:\/\/kube-prometheus-stack-prometheus\.monitoring\.svc\.cluster\.local:9090\/api\/v1\/write$/);
        assert.equal(p.config.verification.loadTest.enabled, false);
        assert.equal(p.config.verification.loadTest.appNamespace, "production");
        for (const r of [s, p]) {
            assert.equal(r.config.verification.defenderForContainers, true);
            assert.equal(r.config.verification.reportDashboard, true);
            assert.ok(r.config.verification.checks.readerGroupObjectId);
        }
    });

    it("the offline render writes verify.env from the verifyEnv output", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "itops-verify-env-"));
        const files = writeVerifyEnv(await render("staging"), dir);
        assert.deepEqual(files, [path.join(dir, "verify.env")]);
        const text = fs.readFileSync(files[0], "utf8");
        for (const line of ["VERIFY_STACK='staging'", "VERIFY_CLUSTER='aks-it-ops-staging'", "VERIFY_RESOURCE_GROUP='rg-it-ops-staging'", "VERIFY_APP_NAMESPACE='staging'", "VERIFY_LOADTEST_JOB='k6-load-test-1'", "VERIFY_ADMIN_GROUP='3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e4b71'"]) {
            assert.ok(text.split("\n").includes(line), line);
        }
    });
});
