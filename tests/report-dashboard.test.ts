/** The monthly report dashboard: every PromQL expression parses (promtool), and it covers the report's topics. */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as YAML from "yaml";
import { dashboardExprs, dashboardJson, substituteGrafanaVariables } from "../components/monitoring";
import { promtoolCheckRules } from "./tools";

const VARS = { namespace: "staging", service: "it-ops-system", backupNamespace: ".*backup.*", datasource: "prometheus" };

describe("monthly report dashboard", () => {
    const json = dashboardJson("monthly-report");
    const dash = JSON.parse(json);
    const exprs = dashboardExprs(json);

    it("substituteGrafanaVariables replaces dashboard and built-in variables", () => {
        assert.equal(substituteGrafanaVariables('rate(x{namespace="$namespace"}[$__rate_interval])', VARS), 'rate(x{namespace="staging"}[5m])');
        assert.equal(substituteGrafanaVariables("increase(x[$__range]) and ${service}", VARS), "increase(x[30d]) and it-ops-system");
    });

    it("every expression is valid PromQL (promtool check rules)", () => {
        assert.ok(exprs.length >= 15, `only ${exprs.length} expressions`);
        const rules = { groups: [{ name: "monthly-report-dashboard", rules: exprs.map((e, i) => ({ record: `dashboard:panel_expr_${i}`, expr: substituteGrafanaVariables(e.expr, VARS) })) }] };
        for (const r of rules.groups[0].rules) assert.doesNotMatch(r.expr, /\$/, `unsubstituted variable in ${r.expr}`);
        const res = promtoolCheckRules(YAML.stringify(rules));
        assert.equal(res.status, 0, res.stdout + res.stderr);
        assert.match(res.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    });

    it("uses only variables the dashboard defines", () => {
        const defined = new Set(dash.templating.list.map((v: { name: string }) => v.name));
        for (const { expr } of exprs) {
            for (const m of expr.matchAll(/\$\{?(\w+)/g)) if (!m[1].startsWith("__")) assert.ok(defined.has(m[1]), `${m[1]} in ${expr}`);
        }
    });

    it("covers availability, latency, error ratio, resource use and backups over 30 days", () => {
        assert.deepEqual(dash.time, { from: "now-30d", to: "now" });
        const topics: [string, RegExp, RegExp][] = [
            ["availability", /^Availability/, /\bup\{/],
            ["latency", /Response time p95/, /histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket/],
            ["error ratio", /^Error ratio/, /code=~"5\.\."/],
            ["CPU", /CPU/, /container_cpu_usage_seconds_total/],
            ["memory", /Memory/, /container_memory_working_set_bytes/],
            ["backups", /backup/i, /kube_cronjob_status_last_successful_time|kube_job_status_failed/],
        ];
        for (const [topic, title, expr] of topics) {
            assert.ok(exprs.some((e) => title.test(e.panel) && expr.test(e.expr)), topic);
        }
        // 30-day figures use the dashboard range, which is 30 days.
        assert.ok(exprs.filter((e) => e.expr.includes("$__range")).length >= 5);
    });
});
