/**
 * The backup alerts as data for the shared rule catalogue (see alert-rule.ts): the monitoring
 * part renders them into the PrometheusRule with every other group. All expressions use
 * kube-state-metrics series only (CronJob and Job state), so no exporter runs in the pods.
 */
import { AlertRuleGroupSpec, AlertRuleSpec } from "../monitoring/alert-rule";
import { maxRunGapMinutes } from "../shared/cron-schedule";
import { BACKUP_NAMES } from "./mongo-backup";

export interface BackupAlertArgs {
    /** Namespace of the backup CronJobs. */
    readonly namespace: string;
    /** Schedule of the backup CronJob (its longest gap between two runs sets BackupTooOld). */
    readonly schedule: string;
    /** Allowed delay on top of the schedule's period before BackupTooOld fires. */
    readonly maxAgeMarginMinutes: number;
    /** @default "mongodb-backup" */
    readonly backupCronJob?: string;
    /** @default "mongodb-restore-drill" */
    readonly drillCronJob?: string;
    /** The `service` label. @default "mongodb-backup" */
    readonly service?: string;
}

function selector(namespace: string, extra: string): string {
    return `{namespace="${namespace}",${extra}}`;
}

/** Escapes a literal for a PromQL regular expression (names are DNS labels: only '-' and '.'). */
function regexLiteral(s: string): string {
    return s.replace(/[.\\+*?()|[\]{}^$]/g, "\\$&");
}

/**
 * PromQL: the newest failed Job of a CronJob started after the CronJob's last success (or the
 * CronJob never succeeded). It resolves by itself once a later run succeeds. Jobs are matched
 * by name (`<cronjob>-<suffix>`, as the controller and `kubectl create job --from` name them).
 */
export function cronJobFailedExpr(namespace: string, cronJob: string): string {
    const jobs = selector(namespace, `job_name=~"${regexLiteral(cronJob)}-.+"`);
    const started = `label_replace(kube_job_status_start_time${jobs}, "cronjob", "${cronJob}", "", "")`;
    const newestFailed = `max by (namespace, cronjob) (${started} * on (namespace, job_name) group_left () (kube_job_failed${selector(namespace, 'condition="true"')} == 1))`;
    const lastSuccess = `max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${selector(namespace, `cronjob="${cronJob}"`)})`;
    return `${newestFailed} > on (namespace, cronjob) (${lastSuccess} or on (namespace, cronjob) (0 * ${newestFailed}))`;
}

/**
 * PromQL: seconds since the CronJob's last success, when above `maxAgeSeconds`; for a CronJob
 * that never succeeded, seconds since it was created.
 */
export function cronJobTooOldExpr(namespace: string, cronJob: string, maxAgeSeconds: number): string {
    const sel = selector(namespace, `cronjob="${cronJob}"`);
    return (
        `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${sel}) > ${maxAgeSeconds})` +
        ` or ((time() - max by (namespace, cronjob) (kube_cronjob_created${sel}) > ${maxAgeSeconds})` +
        ` unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${sel})`
    );
}

/** Seconds after the last success at which BackupTooOld fires: longest schedule gap + margin. */
export function backupMaxAgeSeconds(schedule: string, marginMinutes: number): number {
    const gap = maxRunGapMinutes(schedule);
    if (gap === undefined) throw new Error(`schedule "${schedule}" never runs`);
    return (gap + marginMinutes) * 60;
}

function hours(seconds: number): string {
    const h = seconds / 3600;
    return Number.isInteger(h) ? `${h}h` : `${h.toFixed(1)}h`;
}

/** The backup alert group: BackupJobFailed, BackupTooOld (level2), RestoreDrillFailed (level3). */
export function backupAlertGroup(args: BackupAlertArgs): AlertRuleGroupSpec {
    const backup = args.backupCronJob ?? BACKUP_NAMES.backupCronJob;
    const drill = args.drillCronJob ?? BACKUP_NAMES.drillCronJob;
    const service = args.service ?? "mongodb-backup";
    const maxAge = backupMaxAgeSeconds(args.schedule, args.maxAgeMarginMinutes);
    const rules: AlertRuleSpec[] = [
        {
            alert: "BackupJobFailed",
            expr: cronJobFailedExpr(args.namespace, backup),
            for: "0m",
            severity: "level2",
            service,
            summary: "The latest MongoDB backup Job failed",
            description: `The newest Job of CronJob ${args.namespace}/${backup} failed (after its retries) and no backup has succeeded since. Tonight's backup is missing until a run succeeds.`,
            runbook: "backup-job-failed.md",
        },
        {
            alert: "BackupTooOld",
            expr: cronJobTooOldExpr(args.namespace, backup, maxAge),
            for: "10m",
            severity: "level2",
            service,
            summary: "No successful MongoDB backup for too long",
            description: `The last successful run of CronJob ${args.namespace}/${backup} is {{ $value | humanizeDuration }} ago; with schedule "${args.schedule}" it must be at most ${hours(maxAge)} (longest gap + ${args.maxAgeMarginMinutes} min margin).`,
            runbook: "backup-too-old.md",
        },
        {
            alert: "RestoreDrillFailed",
            expr: cronJobFailedExpr(args.namespace, drill),
            for: "0m",
            severity: "level3",
            service,
            summary: "The MongoDB restore drill failed",
            description: `The newest Job of CronJob ${args.namespace}/${drill} failed: the newest backup could not be restored or its document counts differ from its manifest. Backups may not be restorable.`,
            runbook: "restore-drill-failed.md",
        },
    ];
    return { name: "mongodb-backup", rules };
}
