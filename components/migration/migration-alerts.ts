/**
 * The migration's alert (data for the shared alert catalogue, components/monitoring/alert-rule.ts): level 2
 * when the new system's error ratio exceeds the health-gate threshold during a migration stage.
 *
 * Assumes the new system exports the counter `http_requests_total` with a `code` label (HTTP
 * status); 5xx responses count as errors.
 */
import { AlertRuleGroupSpec } from "../monitoring/alert-rule";

export interface MigrationAlertOptions {
    /** PromQL label matchers selecting the new system's series, e.g. `namespace="production",service="it-ops-system"`. */
    readonly selector: string;
    /** The `service` label of the alert: the new system's name (`ItOpsApp.scrapeTarget.service`). */
    readonly service: string;
    /** The gate's highest tolerated error ratio (0-1). */
    readonly maxErrorRatio: number;
    /** Rate window. @default "5m" */
    readonly window?: string;
    /** How long the ratio must stay high. @default "5m" */
    readonly for?: string;
}

/** Runbook of {@link MIGRATION_ERROR_ALERT} under docs/runbooks/. */
export const MIGRATION_ERROR_RUNBOOK = "migration-new-system-error-ratio-high.md";
export const MIGRATION_ERROR_ALERT = "MigrationNewSystemErrorRatioHigh";

/** The PromQL error ratio of the new system (also the health gate's query in scripts/migrate.sh). */
export function errorRatioExpr(selector: string, window = "5m"): string {
    return `sum(rate(http_requests_total{${selector},code=~"5.."}[${window}])) / sum(rate(http_requests_total{${selector}}[${window}]))`;
}

/** The rule group to deploy while a migration is enabled. */
export function migrationAlertGroup(o: MigrationAlertOptions): AlertRuleGroupSpec {
    if (!(o.maxErrorRatio >= 0 && o.maxErrorRatio <= 1)) throw new RangeError(`maxErrorRatio must be from 0 to 1, got ${o.maxErrorRatio}`);
    const pct = `${+(o.maxErrorRatio * 100).toFixed(4)} %`;
    return {
        name: "itops-migration",
        rules: [
            {
                alert: MIGRATION_ERROR_ALERT,
                expr: `(${errorRatioExpr(o.selector, o.window ?? "5m")}) > ${o.maxErrorRatio}`,
                for: o.for ?? "5m",
                severity: "level2",
                service: o.service,
                summary: `The new system answers more than ${pct} of requests with 5xx during the migration`,
                description: `Error ratio of the new system is {{ $value | humanizePercentage }} (gate threshold ${pct}). Roll back the migration stage: scripts/rollback.sh <stack>.`,
                runbook: MIGRATION_ERROR_RUNBOOK,
                labels: { component: "migration" },
            },
        ],
    };
}
