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

/** Options of {@link renderRuleGroups}. */
export interface RenderRulesOptions {
    /** URL prefix of the runbooks folder (`.../docs/runbooks/`); `runbook_url` = prefix + file. */
    readonly runbookBaseUrl: string;
}

/** The Prometheus rule-group form of one rule (as in a PrometheusRule spec and `promtool check rules`). */
export function renderRule(rule: AlertRuleSpec, opts: RenderRulesOptions) {
    const base = opts.runbookBaseUrl.endsWith("/") ? opts.runbookBaseUrl : `${opts.runbookBaseUrl}/`;
    return {
        alert: rule.alert,
        expr: rule.expr,
        for: rule.for,
        labels: { ...(rule.labels ?? {}), severity: rule.severity, service: rule.service },
        annotations: { summary: rule.summary, description: rule.description, runbook_url: `${base}${rule.runbook}` },
    };
}

/**
 * Renders rule groups into the `{ groups: [...] }` document that is both a PrometheusRule's
 * `spec` and a rules file `promtool check rules` accepts.
 */
export function renderRuleGroups(groups: readonly AlertRuleGroupSpec[], opts: RenderRulesOptions) {
    return {
        groups: groups.map((g) => ({
            name: g.name,
            ...(g.interval ? { interval: g.interval } : {}),
            rules: g.rules.map((r) => renderRule(r, opts)),
        })),
    };
}
