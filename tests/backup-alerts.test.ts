/**
 * The backup alert group: pure data checks, `promtool check rules`, and `promtool test rules`
 * unit tests proving each alert fires and does not fire on kube-state-metrics series.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { renderRuleGroups, SEVERITIES } from "../components/monitoring/alert-rule";
import { backupAlertGroup, backupMaxAgeSeconds, cronJobFailedExpr, cronJobTooOldExpr } from "../components/backup/backup-alerts";
import { promtoolCheckRules, promtoolTestRules } from "./tools";

const NS = "itops-backup";
const BASE_URL = "https://example.invalid/docs/runbooks/";
const group = backupAlertGroup({ namespace: NS, schedule: "0 2 * * *", maxAgeMarginMinutes: 120 });
const rendered = renderRuleGroups([group], { runbookBaseUrl: BASE_URL });
const rulesYaml = YAML.stringify(rendered);
const rule = (name: string) => rendered.groups[0].rules.find((r) => r.alert === name)!;

/** Expected alert (labels and annotations exactly as Prometheus would produce them). */
function expected(name: string, labels: Record<string, string>, description = rule(name).annotations.description) {
    const r = rule(name);
    return { exp_labels: { ...r.labels, ...labels }, exp_annotations: { ...r.annotations, description } };
}

function runTests(tests: Record<string, unknown>[]) {
    const doc = { rule_files: ["rules.yaml"], evaluation_interval: "1m", tests: tests.map((t) => ({ interval: "1m", ...t })) };
    const r = promtoolTestRules(rulesYaml, YAML.stringify(doc));
    assert.equal(r.status, 0, `promtool test rules failed:\n${r.stdout}\n${r.stderr}`);
}

describe("backup alert group (data)", () => {
    it("has the three alerts with the issue's severities and existing runbooks", () => {
        assert.deepEqual(
            group.rules.map((r) => [r.alert, r.severity, r.runbook]),
            [
                ["BackupJobFailed", "level2", "backup-job-failed.md"],
                ["BackupTooOld", "level2", "backup-too-old.md"],
                ["RestoreDrillFailed", "level3", "restore-drill-failed.md"],
            ],
        );
        for (const r of group.rules) {
            assert.ok(SEVERITIES.includes(r.severity));
            assert.equal(r.service, "mongodb-backup");
            const file = path.join(__dirname, "..", "docs", "runbooks", r.runbook);
            const text = fs.readFileSync(file, "utf8");
            for (const section of ["## What it means", "## First checks", "## Commands", "## When to escalate"]) {
                assert.ok(text.includes(section), `${r.runbook} has section ${section}`);
            }
            assert.ok(text.includes(r.alert), `${r.runbook} names ${r.alert}`);
        }
    });

    it("derives the maximum age from the schedule's longest gap plus the margin", () => {
        const cases: [string, number, number][] = [
            ["0 2 * * *", 120, (24 * 60 + 120) * 60],
            ["0 */6 * * *", 60, (6 * 60 + 60) * 60],
            ["30 1 * * 1-5", 120, (3 * 24 * 60 + 120) * 60], // Friday -> Monday
            ["@weekly", 60, (7 * 24 * 60 + 60) * 60],
        ];
        for (const [schedule, margin, seconds] of cases) assert.equal(backupMaxAgeSeconds(schedule, margin), seconds, schedule);
        assert.match(rule("BackupTooOld").expr, /> 93600\)/);
    });

    it("scopes every expression to the namespace and CronJob", () => {
        assert.match(cronJobFailedExpr("ns1", "cj"), /job_name=~"cj-\.\+"/);
        assert.match(cronJobFailedExpr("ns1", "cj"), /kube_cronjob_status_last_successful_time\{namespace="ns1",cronjob="cj"\}/);
        assert.match(cronJobTooOldExpr("ns1", "cj", 60), /kube_cronjob_created\{namespace="ns1",cronjob="cj"\}/);
        assert.equal(rule("BackupJobFailed").annotations.runbook_url, `${BASE_URL}backup-job-failed.md`);
    });
});

describe("backup alert rules (promtool)", () => {
    it("pass promtool check rules", () => {
        const r = promtoolCheckRules(rulesYaml);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS: 3 rules found/);
    });

    it("BackupJobFailed fires for a failed run newer than the last success, and not otherwise", () => {
        const failedJob = (job: string, start: number) => [
            { series: `kube_job_status_start_time{namespace="${NS}",job_name="${job}"}`, values: `${start}x30` },
            { series: `kube_job_failed{namespace="${NS}",job_name="${job}",condition="true"}`, values: "1x30" },
            { series: `kube_job_failed{namespace="${NS}",job_name="${job}",condition="false"}`, values: "0x30" },
        ];
        const lastSuccess = (t: number, cronjob = "mongodb-backup") => ({
            series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="${cronjob}"}`,
            values: `${t}x30`,
        });
        const labels = { namespace: NS, cronjob: "mongodb-backup" };
        runTests([
            // Failed at 2000, last success at 1000: fires.
            {
                input_series: [...failedJob("mongodb-backup-29000000", 2000), lastSuccess(1000)],
                alert_rule_test: [{ eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [expected("BackupJobFailed", labels)] }],
            },
            // Never succeeded, one failed run: fires.
            {
                input_series: failedJob("mongodb-backup-29000000", 2000),
                alert_rule_test: [{ eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [expected("BackupJobFailed", labels)] }],
            },
            // A later run succeeded (3000 > 2000): does not fire.
            {
                input_series: [...failedJob("mongodb-backup-29000000", 2000), lastSuccess(3000)],
                alert_rule_test: [{ eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [] }],
            },
            // Running/succeeded job (failed condition false only): does not fire.
            {
                input_series: [
                    { series: `kube_job_status_start_time{namespace="${NS}",job_name="mongodb-backup-29000001"}`, values: "2000x30" },
                    { series: `kube_job_failed{namespace="${NS}",job_name="mongodb-backup-29000001",condition="false"}`, values: "1x30" },
                    lastSuccess(1000),
                ],
                alert_rule_test: [{ eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [] }],
            },
            // A failed restore drill is not a failed backup (and vice versa).
            {
                input_series: [...failedJob("mongodb-restore-drill-29000000", 2000), lastSuccess(1000)],
                alert_rule_test: [
                    { eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [] },
                    {
                        eval_time: "5m",
                        alertname: "RestoreDrillFailed",
                        exp_alerts: [expected("RestoreDrillFailed", { namespace: NS, cronjob: "mongodb-restore-drill" })],
                    },
                ],
            },
            // Another namespace's job with the same name: does not fire.
            {
                input_series: [
                    { series: `kube_job_status_start_time{namespace="other",job_name="mongodb-backup-1"}`, values: "2000x30" },
                    { series: `kube_job_failed{namespace="other",job_name="mongodb-backup-1",condition="true"}`, values: "1x30" },
                ],
                alert_rule_test: [{ eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [] }],
            },
        ]);
    });

    it("RestoreDrillFailed fires for a failed drill after the last successful drill, and not after a later success", () => {
        const drill = (start: number, success: number) => [
            { series: `kube_job_status_start_time{namespace="${NS}",job_name="mongodb-restore-drill-29000000"}`, values: `${start}x30` },
            { series: `kube_job_failed{namespace="${NS}",job_name="mongodb-restore-drill-29000000",condition="true"}`, values: "1x30" },
            { series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="mongodb-restore-drill"}`, values: `${success}x30` },
        ];
        runTests([
            {
                input_series: drill(5000, 4000),
                alert_rule_test: [
                    {
                        eval_time: "5m",
                        alertname: "RestoreDrillFailed",
                        exp_alerts: [expected("RestoreDrillFailed", { namespace: NS, cronjob: "mongodb-restore-drill" })],
                    },
                    { eval_time: "5m", alertname: "BackupJobFailed", exp_alerts: [] },
                ],
            },
            { input_series: drill(5000, 6000), alert_rule_test: [{ eval_time: "5m", alertname: "RestoreDrillFailed", exp_alerts: [] }] },
        ]);
    });

    it("BackupTooOld fires when the last success is older than 26 h (daily + 2 h), or when there never was one", () => {
        const H = 3600;
        const minutes = 30 * 60; // 30 h of 1-minute samples
        const desc = (age: string) =>
            rule("BackupTooOld").annotations.description.replace("{{ $value | humanizeDuration }}", age);
        const labels = { namespace: NS, cronjob: "mongodb-backup" };
        runTests([
            // Last success at t=0; at 27 h it is 27 h old (> 26 h, for 10 m): fires.
            {
                input_series: [{ series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="mongodb-backup"}`, values: `0x${minutes}` }],
                alert_rule_test: [
                    { eval_time: "25h", alertname: "BackupTooOld", exp_alerts: [] },
                    { eval_time: "27h", alertname: "BackupTooOld", exp_alerts: [expected("BackupTooOld", labels, desc("1d 3h 0m 0s"))] },
                ],
            },
            // Last success at 20 h: 7 h old at 27 h: does not fire.
            {
                input_series: [{ series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="mongodb-backup"}`, values: `${20 * H}x${minutes}` }],
                alert_rule_test: [{ eval_time: "27h", alertname: "BackupTooOld", exp_alerts: [] }],
            },
            // Never succeeded, CronJob created at t=0: fires at 27 h, not at 10 h.
            {
                input_series: [{ series: `kube_cronjob_created{namespace="${NS}",cronjob="mongodb-backup"}`, values: `0x${minutes}` }],
                alert_rule_test: [
                    { eval_time: "10h", alertname: "BackupTooOld", exp_alerts: [] },
                    { eval_time: "27h", alertname: "BackupTooOld", exp_alerts: [expected("BackupTooOld", labels, desc("1d 3h 0m 0s"))] },
                ],
            },
            // Created long ago but succeeded recently: does not fire.
            {
                input_series: [
                    { series: `kube_cronjob_created{namespace="${NS}",cronjob="mongodb-backup"}`, values: `0x${minutes}` },
                    { series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="mongodb-backup"}`, values: `${26 * H}x${minutes}` },
                ],
                alert_rule_test: [{ eval_time: "27h", alertname: "BackupTooOld", exp_alerts: [] }],
            },
            // The restore drill's CronJob is not the backup CronJob.
            {
                input_series: [{ series: `kube_cronjob_status_last_successful_time{namespace="${NS}",cronjob="mongodb-restore-drill"}`, values: `0x${minutes}` }],
                alert_rule_test: [{ eval_time: "27h", alertname: "BackupTooOld", exp_alerts: [] }],
            },
        ]);
    });
});
