/**
 * The alert catalogue, run through the real promtool: both stacks' rendered rules.yaml pass
 * `promtool check rules`; every alert has a `promtool test rules` case that fires it (exact labels
 * and annotations) and one just under its threshold or duration that does not; every runbook_url
 * points at a file in docs/runbooks/.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AlertRuleGroupSpec, catalogueProblem, DEFAULT_ALERT_THRESHOLDS, defaultAlertGroups, runbookFile } from "../components/monitoring";
import { prometheusRules } from "../tools/render/write";
import { yaml } from "../tools/render/write";
import { PROJECT_DIR, render } from "./helpers";
import { promtoolCheckRules, promtoolTestRules } from "./tools";

const APP = { namespace: "production", job: "it-ops-system", deployment: "it-ops-system", service: "it-ops-system" };
const BASE = "https://github.com/it-ops/it-ops-infra/blob/main/docs/runbooks/";
const NS = `namespace="production"`;
const CTR = `namespace="production", pod="web-1", container="app"`;

function annotations(alert: string, summary: string, description: string) {
    return { summary, description, runbook_url: `${BASE}${runbookFile(alert)}` };
}

interface Case {
    alert: string;
    series: { series: string; values: string }[];
    fireAt: string;
    labels: Record<string, string>;
    summary: string;
    description: string;
    /** The "just under" variant: other series, or the same series evaluated earlier. */
    quiet: { series?: { series: string; values: string }[]; at: string; why: string };
}

const UP = { series: `up{${NS}, job="it-ops-system", instance="10.0.0.1:9090"}`, values: "1x60" };

const CASES: Case[] = [
    {
        alert: "HighCPUUsage",
        series: [
            { series: `container_cpu_usage_seconds_total{${CTR}}`, values: "0+54x30" }, // 0.9 cores
            { series: `kube_pod_container_resource_limits{${CTR}, resource="cpu", unit="core"}`, values: "1x30" },
        ],
        fireAt: "15m",
        labels: { namespace: "production", pod: "web-1", container: "app", severity: "level3", service: "it-ops-system" },
        summary: "Container CPU usage is high relative to its limit",
        description: "Container app of pod production/web-1 uses 90% of its CPU limit (threshold 80%) for 5m.",
        quiet: {
            series: [
                { series: `container_cpu_usage_seconds_total{${CTR}}`, values: "0+45x30" }, // 0.75 cores
                { series: `kube_pod_container_resource_limits{${CTR}, resource="cpu", unit="core"}`, values: "1x30" },
            ],
            at: "15m",
            why: "75 % of the CPU limit",
        },
    },
    {
        alert: "HighMemoryUsage",
        series: [
            { series: `container_memory_working_set_bytes{${CTR}}`, values: "900000000x30" },
            { series: `kube_pod_container_resource_limits{${CTR}, resource="memory", unit="byte"}`, values: "1000000000x30" },
        ],
        fireAt: "10m",
        labels: { namespace: "production", pod: "web-1", container: "app", severity: "level3", service: "it-ops-system" },
        summary: "Container memory usage is high relative to its limit",
        description: "Container app of pod production/web-1 uses 90% of its memory limit (threshold 85%) for 5m.",
        quiet: {
            series: [
                { series: `container_memory_working_set_bytes{${CTR}}`, values: "800000000x30" },
                { series: `kube_pod_container_resource_limits{${CTR}, resource="memory", unit="byte"}`, values: "1000000000x30" },
            ],
            at: "10m",
            why: "80 % of the memory limit",
        },
    },
    {
        alert: "ItOpsSystemDown",
        series: [{ series: `up{${NS}, job="it-ops-system", instance="10.0.0.1:9090"}`, values: "0x10" }],
        fireAt: "5m",
        labels: { severity: "level1", service: "it-ops-system" },
        summary: "IT-Ops system is down: no scrape target is up",
        description: "No target of job it-ops-system in namespace production has been up (or none exists) for 2m.",
        quiet: { at: "1m", why: "down for less than downFor (2m)" },
    },
    {
        alert: "ItOpsNoReplicasAvailable",
        series: [
            UP,
            { series: `kube_deployment_status_replicas_available{${NS}, deployment="it-ops-system"}`, values: "0x10" },
            { series: `kube_deployment_spec_replicas{${NS}, deployment="it-ops-system"}`, values: "2x10" },
        ],
        fireAt: "5m",
        labels: { namespace: "production", deployment: "it-ops-system", severity: "level1", service: "it-ops-system" },
        summary: "IT-Ops system has no available replica",
        description: "Deployment production/it-ops-system wants replicas but has none available for 2m.",
        quiet: {
            series: [
                UP,
                { series: `kube_deployment_status_replicas_available{${NS}, deployment="it-ops-system"}`, values: "1x10" },
                { series: `kube_deployment_spec_replicas{${NS}, deployment="it-ops-system"}`, values: "2x10" },
            ],
            at: "5m",
            why: "one replica available",
        },
    },
    {
        alert: "ItOpsReplicasUnavailable",
        series: [{ series: `kube_deployment_status_replicas_unavailable{${NS}, deployment="it-ops-system"}`, values: "1x30" }],
        fireAt: "20m",
        labels: { namespace: "production", deployment: "it-ops-system", severity: "level3", service: "it-ops-system" },
        summary: "IT-Ops system runs with unavailable replicas",
        description: "Deployment production/it-ops-system has 1 unavailable replica(s) for 15m.",
        quiet: { at: "14m", why: "unavailable for less than 15m" },
    },
    {
        alert: "PodCrashLooping",
        series: [{ series: `kube_pod_container_status_waiting_reason{${CTR}, reason="CrashLoopBackOff"}`, values: "1x30" }],
        fireAt: "15m",
        labels: { namespace: "production", pod: "web-1", container: "app", severity: "level3", service: "it-ops-system" },
        summary: "Container is crash looping",
        description: "Container app of pod production/web-1 has been in CrashLoopBackOff for 10m.",
        quiet: { at: "9m", why: "crash looping for less than 10m" },
    },
    {
        alert: "HighHttpErrorRatio",
        series: [
            { series: `http_requests_total{${NS}, job="it-ops-system", code="500"}`, values: "0+10x30" },
            { series: `http_requests_total{${NS}, job="it-ops-system", code="200"}`, values: "0+90x30" },
        ],
        fireAt: "15m",
        labels: { namespace: "production", job: "it-ops-system", severity: "level2", service: "it-ops-system" },
        summary: "High ratio of HTTP 5xx responses",
        description: "10.0% of the requests to job it-ops-system failed with 5xx (threshold 5%) for 5m.",
        quiet: {
            series: [
                { series: `http_requests_total{${NS}, job="it-ops-system", code="500"}`, values: "0+4x30" },
                { series: `http_requests_total{${NS}, job="it-ops-system", code="200"}`, values: "0+96x30" },
            ],
            at: "15m",
            why: "4 % errors",
        },
    },
    {
        alert: "CPUThrottling",
        series: [
            { series: `container_cpu_cfs_throttled_periods_total{${CTR}}`, values: "0+30x40" },
            { series: `container_cpu_cfs_periods_total{${CTR}}`, values: "0+100x40" },
        ],
        fireAt: "25m",
        labels: { namespace: "production", pod: "web-1", container: "app", severity: "level4", service: "it-ops-system" },
        summary: "Container is CPU throttled",
        description: "Container app of pod production/web-1 was throttled in 30% of its CPU periods (threshold 25%) for 15m.",
        quiet: {
            series: [
                { series: `container_cpu_cfs_throttled_periods_total{${CTR}}`, values: "0+20x40" },
                { series: `container_cpu_cfs_periods_total{${CTR}}`, values: "0+100x40" },
            ],
            at: "25m",
            why: "20 % throttled",
        },
    },
    {
        alert: "Level1Escalation",
        series: [
            UP,
            { series: `kube_deployment_status_replicas_available{${NS}, deployment="it-ops-system"}`, values: "0x60" },
            { series: `kube_deployment_spec_replicas{${NS}, deployment="it-ops-system"}`, values: "2x60" },
        ],
        // ItOpsNoReplicasAvailable fires at 2m; 30 min later it escalates.
        fireAt: "40m",
        labels: {
            namespace: "production",
            deployment: "it-ops-system",
            escalated_alert: "ItOpsNoReplicasAvailable",
            escalation: "true",
            severity: "level1",
            service: "it-ops-system",
        },
        summary: "Level-1 incident not resolved within the response time",
        description: "Level-1 alert ItOpsNoReplicasAvailable for service it-ops-system has been firing for more than 30m (the level-1 response time).",
        quiet: { at: "30m", why: "the level-1 alert has fired for less than 30 min" },
    },
];

function unitTests(cases: Case[]): string {
    const tests = cases.flatMap((c) => [
        {
            interval: "1m",
            input_series: c.series,
            alert_rule_test: [{ eval_time: c.fireAt, alertname: c.alert, exp_alerts: [{ exp_labels: c.labels, exp_annotations: annotations(c.alert, c.summary, c.description) }] }],
        },
        {
            interval: "1m",
            input_series: c.quiet.series ?? c.series,
            alert_rule_test: [{ eval_time: c.quiet.at, alertname: c.alert, exp_alerts: [] }],
        },
    ]);
    return yaml({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests });
}

function catalogue(groups: AlertRuleGroupSpec[] = defaultAlertGroups(DEFAULT_ALERT_THRESHOLDS, APP)) {
    return groups;
}

describe("alert rules (promtool)", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack}: the rendered prometheus/rules.yaml passes promtool check rules`, async () => {
            const r = await render(stack);
            const rules = prometheusRules(r);
            assert.ok(rules.groups.length >= 3);
            const res = promtoolCheckRules(yaml(rules));
            assert.equal(res.status, 0, res.stdout + res.stderr);
            const count = (rules.groups as { rules: unknown[] }[]).reduce((n, g) => n + g.rules.length, 0);
            assert.ok(count >= 9);
            assert.match(res.stdout, new RegExp(`SUCCESS: ${count} rules found`));
        });
    }

    it("every alert of the catalogue has a unit test case", () => {
        const alerts = catalogue().flatMap((g) => g.rules.map((r) => r.alert)).sort();
        assert.deepEqual(CASES.map((c) => c.alert).sort(), alerts);
    });

    // The cases' series are the production workload's (namespace production).
    it("promtool test rules: each alert fires with its labels and annotations, and stays quiet just under threshold/duration", async () => {
        const r = await render("production");
        const res = promtoolTestRules(yaml(prometheusRules(r)), unitTests(CASES));
        assert.equal(res.status, 0, res.stdout + res.stderr);
        assert.match(res.stdout, /SUCCESS/);
    });

    it("a missing scrape target counts as down (absent up)", async () => {
        const r = await render("production");
        const tests = yaml({
            rule_files: ["rules.yaml"],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [{ series: `up{namespace="other", job="x"}`, values: "1x10" }],
                    alert_rule_test: [
                        {
                            eval_time: "5m",
                            alertname: "ItOpsSystemDown",
                            exp_alerts: [
                                {
                                    exp_labels: { namespace: "production", job: "it-ops-system", severity: "level1", service: "it-ops-system" },
                                    exp_annotations: annotations(
                                        "ItOpsSystemDown",
                                        "IT-Ops system is down: no scrape target is up",
                                        "No target of job it-ops-system in namespace production has been up (or none exists) for 2m.",
                                    ),
                                },
                            ],
                        },
                    ],
                },
            ],
        });
        const res = promtoolTestRules(yaml(prometheusRules(r)), tests);
        assert.equal(res.status, 0, res.stdout + res.stderr);
    });

    it("thresholds and durations come from config (monitoring.alerts.*)", async () => {
        const r = await render("staging", ["monitoring.alerts.cpuPercent=70", "monitoring.alerts.cpuFor=10m"]);
        const rule = prometheusRules(r).groups.flatMap((g: any) => g.rules).find((x: any) => x.alert === "HighCPUUsage");
        assert.match(rule.expr, /\* 100 > 70$/);
        assert.equal(rule.for, "10m");
    });

    it("every rule carries severity, service and the three annotations; runbook_url is the config base URL + file", () => {
        for (const g of catalogue()) {
            for (const rule of g.rules) {
                assert.match(rule.severity, /^level[1-4]$/);
                assert.ok(rule.service);
                assert.ok(rule.summary && rule.description);
                assert.equal(rule.runbook, runbookFile(rule.alert));
            }
        }
    });

    it("every alert's runbook exists in docs/runbooks/ with the four sections", async () => {
        const r = await render("production");
        const rules = prometheusRules(r).groups.flatMap((g: any) => g.rules);
        for (const rule of rules) {
            const url: string = rule.annotations.runbook_url;
            assert.ok(url.startsWith(r.config.monitoring.runbookBaseUrl), url);
            const file = path.join(PROJECT_DIR, "docs", "runbooks", url.slice(r.config.monitoring.runbookBaseUrl.length));
            assert.ok(fs.existsSync(file), `${rule.alert}: ${file} is missing`);
            const text = fs.readFileSync(file, "utf8");
            for (const section of ["## What it means", "## First checks", "## Commands", "## When to escalate"]) {
                assert.ok(text.includes(section), `${file} lacks "${section}"`);
            }
        }
    });
});

describe("runbookFile", () => {
    const table: [string, string][] = [
        ["HighCPUUsage", "high-cpu-usage.md"],
        ["HighMemoryUsage", "high-memory-usage.md"],
        ["CPUThrottling", "cpu-throttling.md"],
        ["ItOpsSystemDown", "it-ops-system-down.md"],
        ["Level1Escalation", "level1-escalation.md"],
        ["HighHttpErrorRatio", "high-http-error-ratio.md"],
    ];
    for (const [alert, file] of table) it(`${alert} → ${file}`, () => assert.equal(runbookFile(alert), file));
});

describe("catalogueProblem (AlertRules validation)", () => {
    const good = catalogue();
    const rule = good[0].rules[0];
    const table: [string, AlertRuleGroupSpec[], RegExp][] = [
        ["duplicate group", [good[0], good[0]], /groups\[1\]\.name/],
        ["duplicate alert across groups", [good[0], { name: "other", rules: [rule] }], /groups\[1\]\.rules\[0\]\.alert/],
        ["bad alert name", [{ name: "g", rules: [{ ...rule, alert: "high cpu" }] }], /\.alert/],
        ["bad for", [{ name: "g", rules: [{ ...rule, for: "5 minutes" }] }], /\.for/],
        ["bad severity", [{ name: "g", rules: [{ ...rule, severity: "critical" as never }] }], /\.severity/],
        ["bad runbook", [{ name: "g", rules: [{ ...rule, runbook: "../x.txt" }] }], /\.runbook/],
        ["empty group", [{ name: "g", rules: [] }], /\.rules/],
    ];
    it("accepts the default catalogue", () => assert.equal(catalogueProblem(good), undefined));
    for (const [why, groups, field] of table) {
        it(`rejects ${why}`, () => {
            const p = catalogueProblem(groups);
            assert.ok(p);
            assert.match(p.field, field);
        });
    }
});
