/**
 * The migration's level-2 alert: promtool checks the rendered group and unit-tests it
 * (fires above the gate threshold, stays silent below), and its runbook exists and says to roll back.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { MIGRATION_ERROR_ALERT, MIGRATION_ERROR_RUNBOOK, migrationAlertGroup } from "../components/migration";
import { renderRuleGroups } from "../components/monitoring";
import { yaml } from "../tools/render/write";
import { PROJECT_DIR } from "./helpers";
import { promtoolCheckRules, promtoolTestRules } from "./tools";

const SELECTOR = 'namespace="production",service="it-ops-system"';
const group = migrationAlertGroup({ selector: SELECTOR, service: "it-ops-system", maxErrorRatio: 0.01 });
const rules = yaml(renderRuleGroups([group], { runbookBaseUrl: "https://example.com/docs/runbooks" }));

/** A promtool unit test: 100 requests a minute, `errors` of them 5xx. */
function unitTest(errors: number, alerts: unknown[]): string {
    const series = (code: string, perMin: number) => ({ series: `http_requests_total{${SELECTOR},code="${code}"}`, values: `0+${perMin}x30` });
    return yaml({
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
            {
                interval: "1m",
                input_series: [series("200", 100 - errors), series("500", errors), { series: 'http_requests_total{namespace="legacy",service="old-system",code="500"}', values: "0+100x30" }],
                alert_rule_test: [{ eval_time: "20m", alertname: MIGRATION_ERROR_ALERT, exp_alerts: alerts }],
            },
        ],
    });
}

describe("migration alert", () => {
    it("is one level-2 rule on the new system's error ratio above the gate threshold", () => {
        assert.equal(group.rules.length, 1);
        const r = group.rules[0];
        assert.equal(r.severity, "level2");
        assert.equal(r.expr, `(sum(rate(http_requests_total{${SELECTOR},code=~"5.."}[5m])) / sum(rate(http_requests_total{${SELECTOR}}[5m]))) > 0.01`);
        assert.equal(r.runbook, MIGRATION_ERROR_RUNBOOK);
        assert.throws(() => migrationAlertGroup({ selector: SELECTOR, service: "it-ops-system", maxErrorRatio: 2 }), /maxErrorRatio must be from 0 to 1, got 2/);
        // The alert's service label is the new system's name, whatever it is called (never a literal).
        assert.equal(migrationAlertGroup({ selector: SELECTOR, service: "web", maxErrorRatio: 0.01 }).rules[0].service, "web");
    });

    it("passes promtool check rules", () => {
        const r = promtoolCheckRules(rules);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("fires at 5 % errors (threshold 1 %)", () => {
        const r = promtoolTestRules(
            rules,
            unitTest(5, [
                {
                    exp_labels: { severity: "level2", service: "it-ops-system", component: "migration" },
                    exp_annotations: {
                        summary: "The new system answers more than 1 % of requests with 5xx during the migration",
                        description: "Error ratio of the new system is 5% (gate threshold 1 %). Roll back the migration stage: scripts/rollback.sh <stack>.",
                        runbook_url: `https://example.com/docs/runbooks/${MIGRATION_ERROR_RUNBOOK}`,
                    },
                },
            ]),
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("does not fire at 0.5 % errors, nor for the old system's errors", () => {
        const r = promtoolTestRules(rules, unitTest(0.5, []));
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("has a runbook that says to roll back", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "docs", "runbooks", MIGRATION_ERROR_RUNBOOK), "utf8");
        assert.match(text, new RegExp(`^# ${MIGRATION_ERROR_ALERT}`, "m"));
        assert.match(text, /scripts\/rollback\.sh production/);
    });
});
