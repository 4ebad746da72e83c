/**
 * The typed alert-rule catalogue shared by every part of the program that adds alerts
 * (monitoring, backups, migration). Rules are plain data; rendering them into a PrometheusRule
 * and into `promtool`-checkable files is pure logic next to the components that use them.
 */

/** The plan's incident levels: 1 system down (30 min), 2 major function down (2 h), 3 partial fault (24 h), 4 minor (planned). */
export const SEVERITIES = ["level1", "level2", "level3", "level4"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One alerting rule. */
export interface AlertRuleSpec {
    /** Alert name, PascalCase (e.g. `HighCPUUsage`). */
    readonly alert: string;
    /** PromQL expression; an alert fires for every series it returns. */
    readonly expr: string;
    /** How long the expression must hold before the alert fires (e.g. `5m`). */
    readonly for: string;
    readonly severity: Severity;
    /** The `service` label: which service the alert is about (routing and inhibition use it). */
    readonly service: string;
    readonly summary: string;
    readonly description: string;
    /** File name of the runbook under `docs/runbooks/` (e.g. `high-cpu-usage.md`). */
    readonly runbook: string;
    /** Extra labels. */
    readonly labels?: Readonly<Record<string, string>>;
}

/** A named group of rules, evaluated together. */
export interface AlertRuleGroupSpec {
    readonly name: string;
    /** Evaluation interval. @default Prometheus' global evaluation interval */
    readonly interval?: string;
    readonly rules: readonly AlertRuleSpec[];
}
