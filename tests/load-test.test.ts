/**
 * LoadTest, ReportDashboard and DefenderPlan components: exact manifests and security-relevant
 * fields, the pure helpers, every argument rule with bad input, and the stacks' renders.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DefenderPlan, DefenderPlanArgs, subscriptionScope } from "../components/platform";
import { durationSeconds, hpaApiUrl, k6Args, k6Env, loadK6Script, LoadTest, LoadTestArgs } from "../components/verification";
import { ReportDashboard, ReportDashboardArgs } from "../components/monitoring";
import { all, manifests, one, record, render } from "./helpers";

/** Every setting explicit: the component has no defaults of its own for them (verification-config.test.ts asserts the schema's). */
const BASE: LoadTestArgs = {
    namespace: "load-test",
    appNamespace: "staging",
    targetUrl: "http://it-ops-system.staging.svc.cluster.local:8080/",
    rate: 50,
    duration: "5m",
    preAllocatedVUs: 50,
    maxVUs: 250,
    p95Ms: 500,
    maxErrorRatio: 0.01,
    minScaleUp: 1,
    runId: "1",
    image: "grafana/k6:1.8.1",
    appPodLabels: { app: "it-ops-system" },
    prometheusNamespace: "monitoring",
    apiServerPorts: [443],
};

describe("LoadTest helpers", () => {
    it("durationSeconds", () => {
        for (const [d, s] of [["90s", 90], ["5m", 300], ["1h30m", 5400], ["2h", 7200], ["1m30s", 90]] as const) assert.equal(durationSeconds(d), s, d);
        for (const d of ["", "5", "5x", "m5"]) assert.throws(() => durationSeconds(d), /not a k6 duration/, d);
    });
    it("k6Args adds the Prometheus remote-write output only with an endpoint", () => {
        assert.deepEqual(k6Args({}, "/scripts/load-test.js"), ["run", "/scripts/load-test.js"]);
        assert.deepEqual(k6Args({ prometheusRemoteWriteUrl: "http://p:9090/api/v1/write" }, "/s.js"), ["run", "-o", "experimental-prometheus-rw", "/s.js"]);
    });
    it("k6Env: thresholds, scaling check and remote write as the script reads them", () => {
        const base = { targetUrl: "http://t/", rate: 5, duration: "1m", preAllocatedVUs: 5, maxVUs: 25, p95Ms: 300, maxErrorRatio: 0.02, hpaPollSeconds: 10, minScaleUp: 1 };
        assert.deepEqual(k6Env(base), {
            TARGET_URL: "http://t/", RATE: "5", DURATION: "1m", PRE_VUS: "5", MAX_VUS: "25", P95_MS: "300", MAX_ERROR_RATIO: "0.02",
            HPA_URL: "", HPA_POLL_SECONDS: "10", MIN_SCALE_UP: "1",
        });
        const full = k6Env({ ...base, hpaUrl: hpaApiUrl("staging", "it-ops-system"), prometheusRemoteWriteUrl: "http://p:9090/api/v1/write" });
        assert.equal(full.HPA_URL, "https://kubernetes.default.svc/apis/autoscaling/v2/namespaces/staging/horizontalpodautoscalers/it-ops-system");
        assert.equal(full.SSL_CERT_FILE, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
        assert.equal(full.K6_PROMETHEUS_RW_SERVER_URL, "http://p:9090/api/v1/write");
        assert.equal(full.K6_PROMETHEUS_RW_TREND_STATS, "p(95),p(99),min,max,avg");
    });
    it("the shipped script reads every variable k6Env sets", () => {
        const script = loadK6Script();
        for (const name of ["TARGET_URL", "RATE", "DURATION", "PRE_VUS", "MAX_VUS", "P95_MS", "MAX_ERROR_RATIO", "HPA_URL", "HPA_POLL_SECONDS", "MIN_SCALE_UP"]) {
            assert.match(script, new RegExp(`env\\("${name}"`), name);
        }
        assert.match(script, /executor: "constant-arrival-rate"/);
        assert.match(script, /export function handleSummary/);
    });
});

describe("LoadTest component", () => {
    it("renders the namespace, script ConfigMap, least-privilege RBAC, NetworkPolicy and a restricted Job", async () => {
        const r = await record(() => new LoadTest("lt", { ...BASE, hpaName: "it-ops-system", appPortName: "http", prometheusRemoteWriteUrl: "http://prom.monitoring.svc:9090/api/v1/write", runId: "3" }));
        const ns = manifests(r, "Namespace", "load-test")[0];
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const cm = manifests(r, "ConfigMap", "k6-load-test-script")[0];
        assert.equal(cm.metadata.namespace, "load-test");
        assert.equal(cm.data["load-test.js"], loadK6Script());
        const sa = manifests(r, "ServiceAccount", "k6-load-test")[0];
        assert.equal(sa.automountServiceAccountToken, false);

        const role = manifests(r, "Role", "k6-load-test-hpa-reader")[0];
        assert.equal(role.metadata.namespace, "staging");
        assert.deepEqual(role.rules, [{ apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], resourceNames: ["it-ops-system"], verbs: ["get"] }]);
        const rb = manifests(r, "RoleBinding", "k6-load-test-hpa-reader")[0];
        assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: "k6-load-test", namespace: "load-test" }]);
        assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "k6-load-test-hpa-reader" });

        const np = manifests(r, "NetworkPolicy", "allow-k6-load-test")[0];
        assert.equal(np.metadata.namespace, "staging");
        assert.deepEqual(np.spec.podSelector, { matchLabels: { app: "it-ops-system" } });
        assert.deepEqual(np.spec.ingress[0].ports, [{ protocol: "TCP", port: "http" }]);
        assert.deepEqual(np.spec.ingress[0].from[0].namespaceSelector, { matchLabels: { "kubernetes.io/metadata.name": "load-test" } });

        const jobs = manifests(r, "Job");
        assert.equal(jobs.length, 1);
        const job = jobs[0];
        assert.equal(job.metadata.name, "k6-load-test-3");
        assert.equal(job.metadata.namespace, "load-test");
        assert.equal(job.metadata.annotations["pulumi.com/skipAwait"], "true");
        assert.equal(job.spec.backoffLimit, 0);
        assert.equal(job.spec.activeDeadlineSeconds, 300 + 600);
        const pod = job.spec.template.spec;
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.serviceAccountName, "k6-load-test");
        assert.equal(pod.automountServiceAccountToken, true);
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 12345, runAsGroup: 12345, fsGroup: 12345, seccompProfile: { type: "RuntimeDefault" } });
        assert.equal(pod.containers.length, 1);
        const c = pod.containers[0];
        assert.equal(c.image, "grafana/k6:1.8.1");
        assert.deepEqual(c.command, ["k6"]);
        assert.deepEqual(c.args, ["run", "-o", "experimental-prometheus-rw", "/scripts/load-test.js"]);
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } });
        assert.deepEqual(c.resources, { requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "2", memory: "1Gi" } });
        const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(env.TARGET_URL, BASE.targetUrl);
        assert.equal(env.RATE, "50");
        assert.equal(env.PRE_VUS, "50");
        assert.equal(env.MAX_VUS, "250");
        assert.equal(env.HPA_URL, "https://kubernetes.default.svc/apis/autoscaling/v2/namespaces/staging/horizontalpodautoscalers/it-ops-system");
        assert.equal(env.K6_PROMETHEUS_RW_SERVER_URL, "http://prom.monitoring.svc:9090/api/v1/write");
        assert.deepEqual(pod.volumes, [{ name: "script", configMap: { name: "k6-load-test-script" } }, { name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
        // The Job waits for its script, RBAC and policy.
        const jobRes = all(r, "kubernetes:batch/v1:Job")[0];
        assert.equal(jobRes.options.dependsOn?.length, 5);
    });

    it("without a scaling check: no RBAC, no token in the pod, no HPA_URL; without a port name: no NetworkPolicy", async () => {
        const r = await record(() => new LoadTest("lt", BASE));
        assert.equal(manifests(r, "Role").length, 0);
        assert.equal(manifests(r, "RoleBinding").length, 0);
        // No allow policy in the app's namespace; the load test's own namespace is default deny (issue 15).
        assert.deepEqual(manifests(r, "NetworkPolicy").map((n) => `${n.metadata.namespace}/${n.metadata.name}`), ["load-test/default-deny", "load-test/allow-dns-egress", "load-test/k6-allow-egress"]);
        const pod = manifests(r, "Job")[0].spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.containers[0].args, ["run", "/scripts/load-test.js"]);
        assert.ok(!pod.containers[0].env.some((e: { name: string }) => e.name === "SSL_CERT_FILE" || e.name.startsWith("K6_PROMETHEUS")));
        assert.equal(manifests(r, "Job")[0].metadata.name, "k6-load-test-1");
    });

    const bad: [string, Partial<LoadTestArgs>, RegExp][] = [
        ["namespace", { namespace: "Load" }, /args\.namespace must be a DNS-1123 label/],
        ["appNamespace", { appNamespace: "" }, /args\.appNamespace must be a DNS-1123 label/],
        ["hpaName", { hpaName: "HPA" }, /args\.hpaName must be a DNS-1123 label/],
        ["prometheusNamespace", { prometheusNamespace: "Monitoring" }, /args\.prometheusNamespace must be a DNS-1123 label/],
        ["hpaPollSeconds", { hpaPollSeconds: 0 }, /args\.hpaPollSeconds must be an integer from 1 to 300/],
        ["no API server port", { apiServerPorts: [] }, /args\.apiServerPorts must be a non-empty list/],
        ["image untagged", { image: "grafana/k6" }, /args\.image must be a pinned image reference/],
        ["image latest", { image: "grafana/k6:latest" }, /args\.image must be a pinned image reference .*: the tag latest floats/],
    ];
    for (const [what, patch, msg] of bad) {
        it(`rejects bad ${what} before creating children`, async () => {
            let err: Error | undefined;
            const r = await record(() => {
                try {
                    new LoadTest("lt", { ...BASE, ...patch });
                } catch (e) {
                    err = e as Error;
                }
            });
            assert.ok(err, "expected an ArgumentError");
            assert.match(err!.message, /^LoadTest: /);
            assert.match(err!.message, msg);
            assert.equal(r.resources.filter((x) => x.custom).length, 0);
        });
    }
});

describe("ReportDashboard and DefenderPlan", () => {
    it("ships the monthly report as a sidecar ConfigMap in the monitoring namespace", async () => {
        const r = await record(() => new ReportDashboard("d", { namespace: "monitoring" }));
        const cms = manifests(r, "ConfigMap");
        assert.equal(cms.length, 1);
        assert.equal(cms[0].metadata.name, "itops-monthly-report-dashboard");
        assert.equal(cms[0].metadata.namespace, "monitoring");
        assert.equal(cms[0].metadata.labels.grafana_dashboard, "1");
        const dash = JSON.parse(cms[0].data["monthly-report.json"]);
        assert.equal(dash.uid, "itops-monthly-report");
        assert.deepEqual(dash.time, { from: "now-30d", to: "now" });
    });
    it("ReportDashboard rejects bad args", async () => {
        for (const [patch, msg] of [[{ namespace: "Mon" }, /args\.namespace must be a DNS-1123 label/], [{ dashboard: "weekly" }, /args\.dashboard must be one of monthly-report, got "weekly"/], [{ folder: " " }, /args\.folder must be a non-empty folder name/]] as const) {
            await record(() => assert.throws(() => new ReportDashboard("d", { namespace: "monitoring", ...(patch as unknown as Partial<ReportDashboardArgs>) }), msg));
        }
    });
    it("DefenderPlan: Containers, Standard, at subscription scope", async () => {
        const r = await record(() => new DefenderPlan("def", { subscriptionId: "00000000-0000-0000-0000-000000000000", plan: "Containers", pricingTier: "Standard" }));
        const p = one(r, "azure-native:security:Pricing");
        assert.deepEqual(p.inputs, { pricingName: "Containers", pricingTier: "Standard", scopeId: "/subscriptions/00000000-0000-0000-0000-000000000000" });
        assert.throws(() => subscriptionScope("sub"), /not a subscription id/);
        for (const [patch, msg] of [[{ plan: "VirtualMachines" }, /args\.plan must be one of Containers, got "VirtualMachines"/], [{ pricingTier: "Premium" }, /args\.pricingTier must be one of Free, Standard, got "Premium"/]] as const) {
            await record(() => assert.throws(() => new DefenderPlan("d", { subscriptionId: "x", plan: "Containers", pricingTier: "Standard", ...(patch as unknown as Partial<DefenderPlanArgs>) }), msg));
        }
    });
});

describe("stack renders", () => {
    it("staging: the load test Job, dashboard and Defender plan; production: no Job", async () => {
        const s = await render("staging");
        const job = manifests(s, "Job", "k6-load-test-1")[0];
        assert.ok(job, "staging has the k6 Job");
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(env.TARGET_URL, "http://it-ops-system.staging.svc.cluster.local:8080/");
        assert.equal(env.RATE, "50");
        assert.equal(env.HPA_URL, "https://kubernetes.default.svc/apis/autoscaling/v2/namespaces/staging/horizontalpodautoscalers/it-ops-system");
        assert.equal(manifests(s, "ConfigMap", "itops-monthly-report-dashboard").length, 1);
        assert.equal(one(s, "azure-native:security:Pricing").inputs.scopeId, "/subscriptions/00000000-0000-0000-0000-000000000000");
        assert.equal((s.outputs.verifyEnv as Record<string, string>).VERIFY_LOADTEST_JOB, "k6-load-test-1");
        // The components get the cluster's provider (their children inherit it).
        for (const type of ["itops:verification:LoadTest", "itops:monitoring:ReportDashboard"]) {
            assert.match(one(s, type).options.provider ?? "", /pulumi:providers:kubernetes::itops-aks-k8s$/, type);
        }

        const p = await render("production");
        assert.equal(manifests(p, "Job").length, 0);
        assert.equal(manifests(p, "Namespace", "load-test").length, 0);
        assert.equal(all(p, "azure-native:security:Pricing").length, 1);
        assert.equal((p.outputs.verifyEnv as Record<string, string>).VERIFY_LOADTEST_JOB, "");
    });
});
